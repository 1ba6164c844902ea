package tui

// status is the message line: the outcome of the last action. It belongs
// to the screen the action was started from (or led to), is shown only
// there, is dropped when the officer moves to another screen, and gives
// way to any newer outcome, so an old error never sits beside a later
// success.
type status struct {
	text string
	kind statusKind
	scr  screen
}

type statusKind int

const (
	stOK statusKind = iota
	stWarn
	stErr
)

// fail records an app error for the message line, on the current screen.
func (m *Model) fail(err error) {
	if err != nil {
		m.failText(oneSentence(err.Error()))
	}
}

// failText records an error sentence on the current screen.
func (m *Model) failText(s string) { m.status = status{text: s, kind: stErr, scr: m.screen} }

// succeed records a success that belongs to screen scr, replacing
// whatever the line said before.
func (m *Model) succeed(scr screen, s string) { m.status = status{text: s, kind: stOK, scr: scr} }

// warnOn records a success with a caveat the officer must read.
func (m *Model) warnOn(scr screen, s string) { m.status = status{text: s, kind: stWarn, scr: scr} }

// clearError drops an error (a key press acknowledges it); successes stay.
func (m *Model) clearError() {
	if m.status.kind == stErr {
		m.status = status{}
	}
}

// messageLines renders the status of the screen in front, wrapped to the
// width: a long error is read whole, never cut.
func (m Model) messageLines() []string {
	s := m.status
	if s.text == "" || s.scr != m.screen {
		return []string{""}
	}
	style, mark := m.st.ok, "✓ "
	switch s.kind {
	case stWarn:
		style, mark = m.st.warn, "⚠ "
	case stErr:
		style, mark = m.st.err, "✗ "
	}
	var out []string
	for i, l := range wrap(s.text, max(m.width-2, 20)) {
		if i > 0 {
			mark = "  "
		}
		out = append(out, style.Render(mark+l))
	}
	return out
}
