package tui

import (
	"fmt"

	"github.com/treasury-dev/treasury/internal/app"
)

func (m Model) transferBody() []string {
	f := m.transfer
	switch f.stage {
	case stPreview, stWorking:
		return m.previewBody()
	case stSave:
		return m.saveBody()
	}
	lines := []string{m.st.title.Render("New transfer")}
	for i := range nFields {
		lines = append(lines, m.fieldLines(i)...)
		if f.errs[i] != "" {
			for _, l := range wrap(f.errs[i], m.width-6) {
				lines = append(lines, "    "+m.st.err.Render(l))
			}
		} else if hint := m.fieldHint(i); hint != "" {
			lines = append(lines, "    "+m.st.dim.Render(hint))
		}
	}
	lines = append(lines, "")
	return append(lines, m.dimWrapped("Enter moves to the next field; on the last it shows a preview. Nothing is stored before you confirm.")...)
}

// dimWrapped is a dim note wrapped to the screen.
func (m Model) dimWrapped(s string) []string {
	var out []string
	for _, l := range wrap(s, m.width-2) {
		out = append(out, m.st.dim.Render(l))
	}
	return out
}

// fieldLines is one labelled field, with a marker on the focused one; a
// text field has its own line so a whole address fits at 80 columns.
func (m Model) fieldLines(i int) []string {
	f := m.transfer
	mark := "  "
	if f.focus == i {
		mark = "▸ "
	}
	if i == fVault {
		return []string{mark + fieldNames[i] + "  ‹ " + f.vaults[f.vault] + " ›"}
	}
	in := f.inputs[i]
	return []string{mark + fieldNames[i], "    " + in.View()}
}

// fieldHint says what a valid field means, in the app's own units.
func (m Model) fieldHint(i int) string {
	f := m.transfer
	switch i {
	case fVault:
		return m.vaultSummary(f.vaults[f.vault])
	case fAmount:
		if a, err := app.ParseAmount(f.inputs[fAmount].Value()); err == nil {
			return "= " + btc(a)
		}
	case fFee:
		if r, err := parseFee(f.inputs[fFee].Value()); err == nil && r > 0 {
			return "= " + r.String()
		}
	}
	return ""
}

// vaultSummary is a vault's cold balance and where a cold spend's
// remainder goes.
func (m Model) vaultSummary(name string) string {
	for _, d := range m.vaults.list {
		if d.Vault.Name != name {
			continue
		}
		cold, standby := genIn(d, app.Cold), genIn(d, app.Standby)
		if cold == nil {
			return "no cold generation"
		}
		s := fmt.Sprintf("g%d (cold) holds %s", cold.Number, btc(m.vaults.bal[genKey(name, cold.Number)].Confirmed))
		if standby != nil {
			s += fmt.Sprintf("; the remainder moves to g%d (standby)", standby.Number)
		}
		return s
	}
	return ""
}

func genIn(d app.VaultDetail, s app.GenState) *app.Generation {
	for i := range d.Generations {
		if d.Generations[i].State == s {
			return &d.Generations[i]
		}
	}
	return nil
}

// previewBody shows exactly what will be proposed before anything is
// stored.
func (m Model) previewBody() []string {
	f := m.transfer
	r := f.req
	rate := "the node's estimate, else the configured fallback"
	if r.FeeRate > 0 {
		rate = r.FeeRate.String()
	}
	lines := []string{m.st.title.Render("Preview of the transfer"),
		"  vault     " + r.Vault + "  " + m.st.dim.Render(m.vaultSummary(r.Vault))}
	if f.plan.res == nil {
		lines = append(lines, "  fee rate  "+rate) // the plan's fee line shows it
	}
	if r.Memo != "" {
		lines = append(lines, "  memo      "+r.Memo)
	}
	refusal := m.standbyRefusal(r)
	lines = append(lines, refusal...)
	if len(refusal) == 0 || f.plan.err == "" {
		lines = append(lines, m.planLines(r.Vault, f.plan, "Press a to allow this fee and see the plan, or esc to change it.")...)
	}
	lines = append(lines, "")
	switch {
	case f.stage == stWorking:
		return append(lines, "Creating the proposal…")
	case f.plan.res != nil:
		return append(lines, m.dimWrapped("Nothing is stored yet: enter creates the proposal (reserving these inputs), esc edits.")...)
	case f.plan.err != "":
		return append(lines, m.dimWrapped("Nothing was stored. Press esc to edit.")...)
	}
	return lines
}

func (m Model) saveBody() []string {
	f := m.transfer
	in := f.path
	return []string{
		m.st.title.Render("Write the PSBT of proposal " + short(f.saveID)), "",
		"  Path " + in.View(), "",
		m.st.dim.Render("  Enter writes the file (an existing file is never replaced); esc skips."),
		m.st.dim.Render("  Each key holder signs a copy: treasury key sign KEYFILE FILE"),
	}
}
