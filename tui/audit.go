package tui

import (
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/audit"
)

// auditView is the Audit screen: the hash-chained log, oldest first, and
// the outcome of the last verification.
type auditView struct {
	entries  []audit.Entry
	sel, top int
	loaded   bool
	verified string // the last verification's outcome, one sentence
	broken   bool
	checked  int  // how many entries the last successful verification covered
	open     bool // the selected entry is shown whole
	scroll   int  // the first payload line shown while it is open
	// reconcile is what the last 'treasury reconcile' found (nil: none ran).
	reconcile *app.ReconcileSummary
}

func (m Model) gotAudit(msg auditMsg) Model {
	if msg.err != nil {
		m.fail(msg.err)
		return m
	}
	a := &m.audit
	if !a.loaded || a.sel >= len(a.entries)-1 {
		a.sel = max(len(msg.entries)-1, 0) // follow the newest entry
	}
	a.entries, a.loaded, a.reconcile = msg.entries, true, msg.reconcile
	a.sel = min(a.sel, max(len(a.entries)-1, 0))
	a.top = window(a.top, a.sel, m.auditRows(), len(a.entries))
	return m
}

func (m Model) gotVerify(msg verifyMsg) Model {
	a := &m.audit
	if msg.err != nil {
		a.verified, a.broken = oneSentence(msg.err.Error()), true
		return m
	}
	a.verified, a.broken, a.checked = fmt.Sprintf("audit log verified: %d entries, head %s", msg.res.Entries, short(msg.res.Head)), false, msg.res.Entries
	return m
}

// auditRows is how many entries fit under the screen's title lines.
func (m Model) auditRows() int { return max(m.bodyHeight()-4, 1) }

// reconcileLine says when the books were last compared with the node and
// what that found.
func (m Model) reconcileLine() string {
	r := m.audit.reconcile
	switch {
	case r == nil:
		return m.st.dim.Render("books never reconciled with the node: run treasury reconcile")
	case r.Differences == 0:
		return m.st.ok.Render(fmt.Sprintf("✓ last reconcile %s: the books match the node", r.At.UTC().Format("2006-01-02T15:04:05Z")))
	}
	first := ""
	if len(r.Lines) > 0 {
		first = ": " + r.Lines[0]
	}
	return m.st.err.Render(fmt.Sprintf("✗ last reconcile %s: %d difference(s)%s", r.At.UTC().Format("2006-01-02T15:04:05Z"), r.Differences, first))
}

func (m Model) auditKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	a := &m.audit
	switch {
	case a.open && key.Matches(k, m.keys.Back):
		a.open = false
	case a.open && key.Matches(k, m.keys.Up):
		a.scroll = max(a.scroll-1, 0)
	case a.open && key.Matches(k, m.keys.Down):
		a.scroll++ // bounded when drawn
	case key.Matches(k, m.keys.Entry) && len(a.entries) > 0:
		a.open, a.scroll = true, 0
	case key.Matches(k, m.keys.Up):
		a.sel = max(a.sel-1, 0)
	case key.Matches(k, m.keys.Down):
		a.sel = min(a.sel+1, max(len(a.entries)-1, 0))
	case key.Matches(k, m.keys.Verify):
		a.verified = "verifying…"
		return m, tea.Batch(m.be.verifyAudit(), m.be.loadAudit())
	}
	a.top = window(a.top, a.sel, m.auditRows(), len(a.entries))
	return m, nil
}

func (m Model) auditBody() []string {
	a := m.audit
	if a.open && a.sel < len(a.entries) {
		return m.auditEntryBody(a.entries[a.sel])
	}
	status := m.st.dim.Render("press v to verify the hash chain")
	switch {
	case a.broken:
		status = m.st.err.Render("✗ " + a.verified)
	case a.verified != "" && a.checked > 0 && a.checked < len(a.entries):
		// Entries arrived since: the old outcome no longer describes the log.
		status = m.st.dim.Render(fmt.Sprintf("verified up to entry %d; %d added since: press v to verify again", a.checked, len(a.entries)-a.checked))
	case a.verified != "":
		status = m.st.ok.Render("✓ " + a.verified)
	}
	lines := []string{m.st.title.Render("Audit log") + m.st.dim.Render(fmt.Sprintf("  %d entries", len(a.entries))), status, m.reconcileLine(),
		m.st.dim.Render(m.auditColumns("SEQ", "TIME", "ACTOR", "ACTION", "HASH"))}
	end := min(a.top+m.auditRows(), len(a.entries))
	for i := a.top; i < end; i++ {
		lines = append(lines, m.auditLine(a.entries[i], i == a.sel))
	}
	return lines
}

func (m Model) auditLine(e audit.Entry, selected bool) string {
	mark := "  "
	if selected {
		mark = "▸ "
	}
	line := fmt.Sprintf("%s%5d  %-20s  %s  %s  %s", mark, e.Seq, auditTime(e.Time), pad(e.Actor, 10), pad(e.Action, 22), short(e.Hash))
	if m.width < narrowWidth {
		// The time goes first: the sequence orders the entries, and
		// enter shows the whole entry.
		line = fmt.Sprintf("%s%5d  %s  %s  %s", mark, e.Seq, pad(e.Actor, 10), pad(e.Action, 22), short(e.Hash))
	}
	if m.width >= 110 {
		line += "  " + m.st.dim.Render(string(e.Payload))
	}
	if selected {
		return m.st.sel.Render(line)
	}
	return line
}

// auditTime shows an entry's time to the second; the stored text (which the
// hash covers) keeps its nanoseconds.
func auditTime(s string) string {
	t, err := time.Parse(audit.TimeFormat, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}
