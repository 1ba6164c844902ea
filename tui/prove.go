package tui

import "github.com/treasury-dev/treasury/internal/app"

// standbyRefusal is what the preview shows when a cold spend of the vault
// would be refused because its standby is not proven: the CLI's sentence
// and hint.
func (m Model) standbyRefusal(r app.ProposeRequest) []string {
	for _, d := range m.vaults.list {
		if d.Vault.Name != r.Vault {
			continue
		}
		err := app.StandbyRefusal(d)
		if err == nil {
			return nil
		}
		lead := "refused: "
		if d.Vault.ColdAbove > 0 && len(r.Payments) > 0 && r.Payments[0].Amount < d.Vault.ColdAbove {
			lead = "refused if the hot tier cannot pay it: "
		}
		lines := []string{""}
		for _, l := range wrap(lead+err.Error(), m.width-4) {
			lines = append(lines, "  "+m.st.err.Render(l))
		}
		for _, l := range wrap("hint: "+app.UnprovenStandbyHint, m.width-4) {
			lines = append(lines, "  "+m.st.dim.Render(l))
		}
		return lines
	}
	return nil
}
