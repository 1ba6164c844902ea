package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/treasury-dev/treasury/internal/app"
)

// rotateRequest is the rotation the form shows and, once confirmed,
// proposes: typing the vault name under a fee the guards refuse is the
// officer's explicit permission for that fee.
func (f confirmForm) rotateRequest() app.RotateRequest {
	return app.RotateRequest{Vault: f.vault.Vault.Name, FeeRate: f.rate, AllowHighFee: f.plan.highFee != ""}
}

// focusFee moves the focus to the fee field (on) or the confirmation.
func (f *confirmForm) focusFee(on bool) {
	f.feeFocus = on
	if on {
		f.input.Blur()
		f.fee.Focus()
	} else {
		f.fee.Blur()
		f.input.Focus()
	}
}

// update hands a key or a paste to the focused input.
func (f confirmForm) update(msg tea.Msg) (confirmForm, tea.Cmd) {
	var cmd tea.Cmd
	if f.feeFocus {
		f.fee, cmd = f.fee.Update(msg)
	} else {
		f.input, cmd = f.input.Update(msg)
	}
	return f, cmd
}

// applyRotateFee reads the fee field and plans the rotation again at
// that rate.
func (m Model) applyRotateFee() (tea.Model, tea.Cmd) {
	f := &m.confirm
	r, err := parseFee(strings.TrimSpace(f.fee.Value()))
	if err != nil {
		m.fail(err)
		return m, nil
	}
	m.clearError()
	f.rate, f.plan = r, plan{}
	f.focusFee(false)
	return m, m.be.planRotation(f.rotateRequest())
}

// rotationPlanned shows the dry run of the rotation on the form.
func (m Model) rotationPlanned(msg plannedMsg) Model {
	f := &m.confirm
	if f.act != actRotate || f.working {
		return m
	}
	f.plan = gotPlan(msg)
	return m
}

// rotateLines say what a rotation will sweep and where to, from the app's
// dry run at the fee in the form.
func (m Model) rotateLines(f confirmForm) []string {
	v := f.vault
	name := v.Vault.Name
	lines := []string{m.st.title.Render("Rotate vault " + name)}
	cold, standby := genIn(v, app.Cold), genIn(v, app.Standby)
	switch {
	case cold == nil:
		return append(lines, m.st.warn.Render("  ⚠ the vault has no cold generation to rotate"))
	case standby == nil:
		lines = append(lines, m.wrapped(m.st.warn, fmt.Sprintf("⚠ no standby generation to receive g%d's funds: register one first (treasury vault standby %s)", cold.Number, name))...)
	}
	mark := "  "
	if f.feeFocus {
		mark = "▸ "
	}
	lines = append(lines, mark+"Fee rate", "    "+f.fee.View())
	if f.rate > 0 {
		lines = append(lines, "    "+m.st.dim.Render("= "+f.rate.String()+"; tab to the confirmation"))
	} else {
		lines = append(lines, "    "+m.st.dim.Render("tab here to set a rate, enter to plan again"))
	}
	lines = append(lines, m.planLines(name, f.plan, "Typing the vault name below proposes the rotation at this fee anyway; or tab to the fee and change it.")...)
	return append(lines, m.st.dim.Render("  This creates a proposal; nothing moves until it is signed and broadcast."))
}
