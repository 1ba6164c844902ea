package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/psbt"
)

// action is what a confirmation guards.
type action int

const (
	actBroadcast action = iota
	actCancel
	actRotate
)

// minIDChars is how much of the proposal id must be typed to confirm.
const minIDChars = 8

// confirmForm is the Broadcast, Cancel and Rotate confirmation: it shows
// what will happen and acts only once the officer types the proposal id
// (or, for a rotation, which has no proposal yet, the vault name).
type confirmForm struct {
	act     action
	d       app.ProposalDetail // broadcast, cancel
	vault   app.VaultDetail    // rotate
	input   textinput.Model
	working bool

	// A rotation's fee field and the app's dry run at that rate.
	fee      textinput.Model
	feeFocus bool
	rate     psbt.FeeRate // 0: the node's estimate, else the fallback
	plan     plan
}

func newConfirmForm() confirmForm { return confirmForm{input: newInput("")} }

func (m Model) openConfirm(f confirmForm) (tea.Model, tea.Cmd) {
	f.input = newInput("")
	f.input.Focus()
	m.confirm = f
	m.clearError()
	return m.show(scrConfirm), nil
}

func (m Model) openBroadcast(d app.ProposalDetail) (tea.Model, tea.Cmd) {
	return m.openConfirm(confirmForm{act: actBroadcast, d: d})
}

func (m Model) openCancel(d app.ProposalDetail) (tea.Model, tea.Cmd) {
	return m.openConfirm(confirmForm{act: actCancel, d: d})
}

func (m Model) openRotate(v app.VaultDetail) (tea.Model, tea.Cmd) {
	model, _ := m.openConfirm(confirmForm{act: actRotate, vault: v, fee: newInput("sat/vB; empty: the node's estimate, else the fallback")})
	mm := model.(Model)
	return mm, mm.be.planRotation(mm.confirm.rotateRequest())
}

// matches reports whether typed confirms f.
func (f confirmForm) matches(typed string) bool {
	typed = strings.ToLower(strings.TrimSpace(typed))
	if f.act == actRotate {
		return typed != "" && typed == strings.ToLower(f.vault.Vault.Name)
	}
	return len(typed) >= minIDChars && strings.HasPrefix(f.d.Proposal.ID, typed)
}

func (m Model) confirmKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	f := &m.confirm
	switch {
	case f.working:
		return m, nil
	case key.Matches(k, m.keys.Back):
		return m.show(m.back), nil
	case f.act == actRotate && key.Matches(k, m.keys.NextField, m.keys.PrevField):
		f.focusFee(!f.feeFocus)
		return m, nil
	case f.act == actRotate && f.feeFocus && key.Matches(k, m.keys.Confirm):
		return m.applyRotateFee()
	case key.Matches(k, m.keys.Confirm):
		return m.confirmed()
	}
	return m.screenKeyMsg(k)
}

// confirmed runs the guarded action if the typed text matches.
func (m Model) confirmed() (tea.Model, tea.Cmd) {
	f := &m.confirm
	if !f.matches(f.input.Value()) {
		if f.act == actRotate {
			m.failText(fmt.Sprintf("type the vault name %s to confirm", f.vault.Vault.Name))
		} else {
			m.failText(fmt.Sprintf("type at least the first %d characters of the proposal id to confirm", minIDChars))
		}
		return m, nil
	}
	f.working = true
	m.clearError()
	switch f.act {
	case actBroadcast:
		return m, m.be.broadcast(f.d.Proposal.ID)
	case actCancel:
		return m, m.be.cancel(f.d.Proposal.ID)
	}
	return m, m.be.rotate(f.rotateRequest())
}

// confirmMsg applies the outcome of the guarded action.
func (m Model) confirmMsg(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.confirm.working = false
	switch msg := msg.(type) {
	case broadcastMsg:
		if msg.err != nil {
			m.fail(msg.err)
			return m, nil
		}
		m.succeed(scrDetail, fmt.Sprintf("broadcast %s; it shows confirmed after the next block and sync", short(msg.res.TxID)))
		model, cmd := m.openDetailID(msg.res.Proposal.ID)
		return model, tea.Batch(cmd, m.be.loadVaults())
	case cancelledMsg:
		if msg.err != nil {
			m.fail(msg.err)
			return m, nil
		}
		m = m.show(scrProposals)
		m.cancelled(msg.res)
		return m, tea.Batch(m.be.loadProposals(), m.be.loadVaults())
	case rotatedMsg:
		if msg.err != nil {
			m.fail(msg.err)
			return m, nil
		}
		p := msg.res.Proposal
		model, _ := m.openSave(p.ID, msg.res.PSBT)
		mm := model.(Model)
		mm.succeed(scrTransfer, fmt.Sprintf("rotation proposal %s created: %d inputs, fee %s at %s", short(p.ID), msg.res.Inputs, btc(p.Fee), msg.res.FeeRate))
		model = mm
		return model, tea.Batch(m.be.loadProposals(), m.be.loadVaults())
	}
	return m, nil
}

func (m Model) confirmBody() []string {
	f := m.confirm
	var lines []string
	switch f.act {
	case actBroadcast:
		lines = m.broadcastLines(f.d)
	case actCancel:
		lines = append(m.cancelLines(f.d), outputLines(f.d)...)
	case actRotate:
		lines = m.rotateLines(f)
	}
	in := f.input
	prompt := fmt.Sprintf("Type the proposal id (at least %d characters) and press enter:", minIDChars)
	if f.act == actRotate {
		prompt = "Type the vault name and press enter:"
	}
	lines = append(lines, "", "  "+m.st.title.Render(prompt), "  "+in.View())
	if f.working {
		lines = append(lines, "  Working…")
	}
	return lines
}

// broadcastLines shows exactly what leaves, what stays, the fee and the
// signatures, before anything is sent.
func (m Model) broadcastLines(d app.ProposalDetail) []string {
	p := d.Proposal
	lines := []string{m.st.title.Render("Broadcast proposal " + short(p.ID)),
		m.st.warn.Render("  This sends the transaction to the network; it cannot be called back."), ""}
	lines = append(lines, outputLines(d)...)
	lines = append(lines,
		fmt.Sprintf("  %-8s  %s · %s", "fee", btc(p.Fee), rateOf(p.Fee, p.VSize)),
		fmt.Sprintf("  %-8s  %s", "signed", d.Quorum.String()))
	if !d.Quorum.Complete() {
		lines = append(lines, m.st.warn.Render("  ⚠ not every input has enough signatures yet; the app will refuse"))
	}
	if d.Source.State == app.Cold && d.Target != nil {
		lines = append(lines, fmt.Sprintf("  then g%d becomes hot and g%d becomes cold", d.Source.Number, d.Target.Number))
	}
	return lines
}

// cancelLines tell the truth about a cancel: it releases the inputs here,
// but signatures already given stay valid for this exact transaction
// until one of its inputs is spent elsewhere.
func (m Model) cancelLines(d app.ProposalDetail) []string {
	lines := []string{m.st.title.Render("Cancel proposal " + short(d.Proposal.ID)),
		"  Its inputs are released here, for new proposals."}
	if d.Quorum.Complete() {
		lines = append(lines, m.wrapped(m.st.warn, "⚠ It has enough signatures: anyone holding the signed files can still send it until one of its inputs is spent.")...)
	} else {
		lines = append(lines, m.wrapped(m.st.warn, "⚠ The signatures already given stay valid: if enough holders sign it anyway, it can still be sent until one of its inputs is spent.")...)
	}
	lines = append(lines, m.wrapped(m.st.dim, cancelFinal)...)
	return append(lines, "")
}

// cancelFinal says how to make a cancel final, with the TUI's own means.
const cancelFinal = "To make the cancel final, spend one of its inputs in a new proposal (for example r on the Vaults screen rotates the vault)."

// cancelled reports a cancel on the Proposals screen, with the warning
// when the cancelled proposal could still be sent.
func (m *Model) cancelled(res *app.CancelResult) {
	id := short(res.Proposal.ID)
	if !res.StillSignable {
		m.succeed(scrProposals, fmt.Sprintf("cancelled %s; its inputs are free again", id))
		return
	}
	m.warnOn(scrProposals, fmt.Sprintf("cancelled %s, but it had enough signatures: anyone holding the signed files can still send it until one of its inputs is spent. %s", id, cancelFinal))
}

// wrapped is s in style, indented by two and wrapped to the screen.
func (m Model) wrapped(style lipgloss.Style, s string) []string {
	var out []string
	for _, l := range wrap(s, m.width-4) {
		out = append(out, "  "+style.Render(l))
	}
	return out
}
