package tui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
)

// helpBar is the help line (or, after ?, the full list). The short bar
// always ends with how to quit and how to see every key: bindings are
// dropped from the middle, least useful last in the screen's order, until
// the rest fits.
func (m Model) helpBar() string {
	hk := m.keys.helpFor(m.screen)
	if m.help.ShowAll {
		return m.help.View(hk)
	}
	var middle []key.Binding
	for _, b := range hk.short {
		if b.Help().Key != m.keys.Help.Help().Key && b.Help().Key != m.keys.Quit.Help().Key {
			middle = append(middle, b)
		}
	}
	tail := []key.Binding{m.keys.Help, m.keys.Quit}
	if m.typing() {
		// q and ? are text here: ctrl+c quits, and the bar lists every key.
		tail = []key.Binding{key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit"))}
	}
	h := m.help
	h.SetWidth(0) // measure untruncated
	for n := len(middle); n >= 0; n-- {
		line := h.ShortHelpView(append(append([]key.Binding{}, middle[:n]...), tail...))
		if lipgloss.Width(line) <= m.width || n == 0 {
			return line
		}
	}
	return ""
}
