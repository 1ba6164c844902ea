package tui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/treasury-dev/treasury/internal/audit"
)

// auditEntryBody shows one audit entry whole: its chain fields and its
// payload, indented and wrapped, never cut.
func (m Model) auditEntryBody(e audit.Entry) []string {
	lines := []string{
		m.st.title.Render(fmt.Sprintf("Audit entry %d", e.Seq)) + m.st.dim.Render("  ↑/↓ scroll · esc back to the log"),
		fmt.Sprintf("  %-8s  %s", "time", e.Time),
		fmt.Sprintf("  %-8s  %s", "actor", e.Actor),
		fmt.Sprintf("  %-8s  %s", "action", e.Action),
	}
	for _, f := range []struct{ label, hex string }{{"hash", e.Hash}, {"previous", e.PrevHash}, {"payload", e.PayloadDigest}} {
		lines = append(lines, m.labelled(f.label, f.hex)...)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, e.Payload, "  ", "  "); err != nil {
		pretty.Reset()
		pretty.Write(e.Payload)
	}
	var payload []string
	for _, l := range strings.Split(pretty.String(), "\n") {
		for _, w := range hardWrap(l, m.width-4) {
			payload = append(payload, "  "+w)
		}
	}
	room := max(m.bodyHeight()-len(lines)-1, 1)
	from := min(m.audit.scroll, max(len(payload)-room, 0))
	title := "Payload"
	if len(payload) > room {
		title = fmt.Sprintf("Payload  (lines %d–%d of %d)", from+1, min(from+room, len(payload)), len(payload))
	}
	lines = append(lines, "  "+m.st.title.Render(title))
	return append(lines, payload[from:min(from+room, len(payload))]...)
}

// labelled is a label and a long value, the value wrapped under itself.
func (m Model) labelled(label, value string) []string {
	var out []string
	for i, w := range hardWrap(value, m.width-14) {
		if i == 0 {
			out = append(out, fmt.Sprintf("  %-8s  %s", label, w))
		} else {
			out = append(out, "            "+w)
		}
	}
	return out
}

// hardWrap cuts s into pieces of at most w runes, keeping its indentation
// meaningful: JSON and hashes have no spaces to break at.
func hardWrap(s string, w int) []string {
	w = max(w, 10)
	r := []rune(s)
	if len(r) <= w {
		return []string{s}
	}
	var out []string
	for len(r) > w {
		out = append(out, string(r[:w]))
		r = r[w:]
	}
	return append(out, string(r))
}

// auditColumns is the audit list's header for the screen's width.
func (m Model) auditColumns(seq, time, actor, action, hash string) string {
	if m.width < narrowWidth {
		return fmt.Sprintf("  %5s  %-10s  %-22s  %s", seq, actor, action, hash)
	}
	return fmt.Sprintf("  %5s  %-20s  %-10s  %-22s  %s", seq, time, actor, action, hash)
}
