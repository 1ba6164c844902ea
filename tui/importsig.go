package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// importForm is the Import signatures screen: a path with tab completion,
// or a pasted base64 PSBT.
type importForm struct {
	input      textinput.Model
	candidates []string // shown when a completion is ambiguous
	working    bool
	results    []string // one line per proposal the last import touched
}

func newImportForm() importForm {
	return importForm{input: newInput("alice.psbt, or paste a base64 PSBT")}
}

func (m Model) openImport() (tea.Model, tea.Cmd) {
	m.imp = newImportForm()
	m.imp.input.Focus()
	m.clearError()
	return m.show(scrImport), nil
}

func (m Model) importKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	f := &m.imp
	value := f.input.Value()
	switch {
	case f.working:
		return m, nil
	case key.Matches(k, m.keys.Back):
		m = m.show(m.back)
		return m, m.be.loadProposals()
	case key.Matches(k, m.keys.Complete):
		if looksLikePSBT(value) {
			return m, nil
		}
		return m, m.be.complete(value)
	case key.Matches(k, m.keys.Submit):
		f.working, f.candidates = true, nil
		m.clearError()
		return m, m.be.collect(value)
	}
	f.candidates = nil
	return m.screenKeyMsg(k)
}

// importMsg applies a completion or the outcome of a Collect.
func (m Model) importMsg(msg tea.Msg) (tea.Model, tea.Cmd) {
	f := &m.imp
	switch msg := msg.(type) {
	case completionMsg:
		if msg.input != f.input.Value() {
			return m, nil // typed on meanwhile
		}
		if msg.err != nil {
			m.fail(msg.err)
			return m, nil
		}
		value, cands := completeWith(msg.input, msg.names)
		f.input.SetValue(value)
		f.input.CursorEnd()
		f.candidates = cands
	case collectedMsg:
		f.working = false
		if msg.err != nil {
			m.fail(msg.err)
			return m, nil
		}
		f.results = nil
		for _, d := range msg.res.Proposals {
			f.results = append(f.results, fmt.Sprintf("%s  %s  %s", short(d.Proposal.ID), d.Quorum.String(), d.Proposal.State))
		}
		m.succeed(m.screen, fmt.Sprintf("%d new signature(s) from %s", msg.res.Added, displayName(f.input.Value())))
		f.input.Reset()
		cmds := []tea.Cmd{m.be.loadProposals()}
		if m.detail.d != nil {
			cmds = append(cmds, m.be.loadDetail(m.detail.d.Proposal.ID))
		}
		return m, tea.Batch(cmds...)
	}
	return m, nil
}

// displayName is how the note names the imported input.
func displayName(input string) string {
	if looksLikePSBT(input) {
		return "the pasted PSBT"
	}
	return strings.TrimSpace(input)
}

// completeWith completes input with the matching names of its directory:
// a single match entirely, several up to their common prefix, which are
// then returned for display.
func completeWith(input string, names []string) (string, []string) {
	dir, _ := filepath.Split(input)
	switch len(names) {
	case 0:
		return input, nil
	case 1:
		return dir + names[0], nil
	}
	prefix := names[0]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n, prefix) {
			_, size := utf8.DecodeLastRuneInString(prefix)
			prefix = prefix[:len(prefix)-size]
		}
	}
	return dir + prefix, names
}

func (m Model) importBody() []string {
	f := m.imp
	in := f.input
	lines := []string{m.st.title.Render("Import signatures"), "",
		"  File " + in.View(),
		m.st.dim.Render("       tab completes file names; a pasted base64 PSBT works too"), ""}
	if f.working {
		lines = append(lines, "  Verifying every signature…")
	}
	for _, l := range wrap(strings.Join(f.candidates, "  "), m.width-4) {
		if l != "" {
			lines = append(lines, "  "+m.st.dim.Render(l))
		}
	}
	for _, r := range f.results {
		lines = append(lines, "  "+r)
	}
	lines = append(lines, "")
	return append(lines, m.dimWrapped("Every signature is checked against the stored proposal; one bad signature refuses the whole file.")...)
}
