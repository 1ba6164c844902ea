package tui

import "charm.land/bubbles/v2/key"

// keyMap holds every binding; each screen shows the ones it honours.
type keyMap struct {
	Up, Down, Enter, Back, Quit, Help         key.Binding
	Vaults, Proposals, Audit                  key.Binding
	Sync, New, Rotate, UTXOs, Import          key.Binding
	Broadcast, Cancel, Save, Verify           key.Binding
	Bump                                      key.Binding
	NextField, PrevField, Left, Right, Submit key.Binding
	Complete, Confirm, AllowFee, Entry        key.Binding
}

func newKeyMap() keyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Up:        b([]string{"up", "k"}, "↑/k", "up"),
		Down:      b([]string{"down", "j"}, "↓/j", "down"),
		Enter:     b([]string{"enter"}, "enter", "open"),
		Back:      b([]string{"esc"}, "esc", "back"),
		Quit:      b([]string{"q", "ctrl+c"}, "q", "quit"),
		Help:      b([]string{"?"}, "?", "more keys"),
		Vaults:    b([]string{"1"}, "1", "vaults"),
		Proposals: b([]string{"2"}, "2", "proposals"),
		Audit:     b([]string{"3"}, "3", "audit log"),
		Sync:      b([]string{"s"}, "s", "sync now"),
		New:       b([]string{"n"}, "n", "new transfer"),
		Rotate:    b([]string{"r"}, "r", "rotate vault"),
		UTXOs:     b([]string{"u"}, "u", "outputs"),
		Import:    b([]string{"i"}, "i", "import signatures"),
		Broadcast: b([]string{"b"}, "b", "broadcast"),
		Cancel:    b([]string{"x"}, "x", "cancel proposal"),
		Bump:      b([]string{"f"}, "f", "fee bump"),
		Save:      b([]string{"w"}, "w", "write PSBT file"),
		Verify:    b([]string{"v"}, "v", "verify chain"),
		NextField: b([]string{"tab", "down"}, "tab", "next field"),
		PrevField: b([]string{"shift+tab", "up"}, "shift+tab", "previous field"),
		Left:      b([]string{"left"}, "←", "previous vault"),
		Right:     b([]string{"right"}, "→", "next vault"),
		Submit:    b([]string{"enter"}, "enter", "continue"),
		Complete:  b([]string{"tab"}, "tab", "complete file name"),
		Confirm:   b([]string{"enter"}, "enter", "confirm"),
		AllowFee:  b([]string{"a"}, "a", "allow this fee"),
		Entry:     b([]string{"enter"}, "enter", "open entry"),
	}
}

// helpKeys adapts the bindings of one screen to help.KeyMap.
type helpKeys struct {
	short []key.Binding
	full  [][]key.Binding
}

// ShortHelp implements help.KeyMap.
func (h helpKeys) ShortHelp() []key.Binding { return h.short }

// FullHelp implements help.KeyMap.
func (h helpKeys) FullHelp() [][]key.Binding { return h.full }

// helpFor returns the bindings screen s honours, most useful first so the
// short bar keeps them when the terminal is narrow.
func (k keyMap) helpFor(s screen) helpKeys {
	nav := []key.Binding{k.Vaults, k.Proposals, k.Audit, k.Sync, k.Quit}
	switch s {
	case scrVaults:
		acts := []key.Binding{k.New, k.Rotate, k.UTXOs, k.Up, k.Down}
		return helpKeys{short: append(acts, k.Proposals, k.Sync, k.Help, k.Quit), full: [][]key.Binding{acts, nav}}
	case scrUTXOs:
		acts := []key.Binding{k.Up, k.Down, k.Back}
		return helpKeys{short: append(acts, k.Help, k.Quit), full: [][]key.Binding{acts, nav}}
	case scrProposals:
		acts := []key.Binding{k.Enter, k.Broadcast, k.Import, k.New, k.Cancel, k.Up, k.Down}
		return helpKeys{short: append(acts, k.Help, k.Quit), full: [][]key.Binding{acts, nav}}
	case scrDetail:
		acts := []key.Binding{k.Broadcast, k.Import, k.Save, k.Cancel, k.Back, k.Up, k.Down}
		full := append(acts[:len(acts):len(acts)], k.Bump)
		return helpKeys{short: append(acts, k.Help, k.Quit), full: [][]key.Binding{full, nav}}
	case scrAudit:
		acts := []key.Binding{k.Verify, k.Entry, k.Up, k.Down}
		return helpKeys{short: append(acts, k.Vaults, k.Sync, k.Help, k.Quit), full: [][]key.Binding{acts, nav}}
	case scrTransfer:
		acts := []key.Binding{k.Submit, k.Back, k.NextField, k.PrevField, k.Left, k.Right, k.AllowFee}
		return helpKeys{short: acts, full: [][]key.Binding{acts}}
	case scrImport:
		acts := []key.Binding{k.Complete, k.Submit, k.Back}
		return helpKeys{short: acts, full: [][]key.Binding{acts}}
	default: // confirmations and the save prompt
		acts := []key.Binding{k.Confirm, k.Back}
		return helpKeys{short: acts, full: [][]key.Binding{acts}}
	}
}
