package tui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// stage is where the New transfer screen is.
type stage int

const (
	stEdit    stage = iota // filling in the form
	stPreview              // checking what will be proposed
	stWorking              // the app is building the proposal
	stSave                 // choosing where to write the PSBT
)

// Form fields; fVault is a choice, the others are text inputs.
const (
	fVault = iota
	fDest
	fAmount
	fFee
	fMemo
	nFields
)

var fieldNames = [nFields]string{"Vault", "Destination", "Amount", "Fee rate", "Memo"}

// transferForm is the New transfer screen and the PSBT save prompt.
type transferForm struct {
	vaults []string
	vault  int
	focus  int
	inputs [nFields]textinput.Model // fVault unused
	errs   [nFields]string
	stage  stage
	req    app.ProposeRequest // what the preview shows and Propose gets
	plan   plan               // the app's dry run of req

	saveID string
	packet *btcpsbt.Packet
	path   textinput.Model
}

// inputWidth fits a P2WSH address (64 characters) inside 80 columns.
const inputWidth = 66

// newInput is a text input with a steady cursor (no blink timer), wide
// enough to show its placeholder and an address whole.
func newInput(placeholder string) textinput.Model {
	ti := textinput.New()
	st := textinput.DefaultDarkStyles()
	st.Cursor.Blink = false
	ti.SetStyles(st)
	ti.Placeholder = placeholder
	ti.SetWidth(inputWidth)
	return ti
}

func newTransferForm() transferForm {
	f := transferForm{path: newInput("./proposal.psbt")}
	f.inputs[fDest] = newInput("address")
	f.inputs[fAmount] = newInput("0.5btc, 50000000sat or 0.5")
	f.inputs[fFee] = newInput("sat/vB; empty: the node's estimate, else the fallback")
	f.inputs[fMemo] = newInput("a note kept with the proposal")
	return f
}

// openTransfer starts a new transfer from vault (or the first vault).
func (m Model) openTransfer(vault string) (tea.Model, tea.Cmd) {
	if len(m.vaults.list) == 0 {
		m.failText("there is no vault to pay from; create one with treasury vault create")
		return m, nil
	}
	f := newTransferForm()
	for i, d := range m.vaults.list {
		f.vaults = append(f.vaults, d.Vault.Name)
		if d.Vault.Name == vault {
			f.vault = i
		}
	}
	m.transfer = f.focusField(fDest)
	m.clearError()
	return m.show(scrTransfer), nil
}

// openSave asks where to write the PSBT of proposal id.
func (m Model) openSave(id string, p *btcpsbt.Packet) (tea.Model, tea.Cmd) {
	m.transfer.stage, m.transfer.saveID, m.transfer.packet = stSave, id, p
	m.transfer.path = newInput("path")
	m.transfer.path.SetValue("./" + short(id) + ".psbt")
	m.transfer.path.Focus()
	return m.show(scrTransfer), nil
}

// focusField moves the focus to field i.
func (f transferForm) focusField(i int) transferForm {
	f.focus = (i + nFields) % nFields
	for j := fDest; j < nFields; j++ {
		if j == f.focus {
			f.inputs[j].Focus()
		} else {
			f.inputs[j].Blur()
		}
	}
	return f
}

// updateInput passes a key or a paste to the focused input and checks
// the field again.
func (f transferForm) updateInput(msg tea.Msg) (transferForm, tea.Cmd) {
	var cmd tea.Cmd
	switch {
	case f.stage == stSave:
		f.path, cmd = f.path.Update(msg)
	case f.stage == stEdit && f.focus != fVault:
		f.inputs[f.focus], cmd = f.inputs[f.focus].Update(msg)
		if f.focus == fAmount || f.focus == fFee {
			f.errs[f.focus] = errText(f.check(f.focus, vault.Network{}))
		}
	}
	return f, cmd
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return oneSentence(err.Error())
}

// check validates field i with the CLI's rules; net checks addresses.
func (f transferForm) check(i int, net vault.Network) error {
	v := strings.TrimSpace(f.inputs[i].Value())
	switch i {
	case fDest:
		return checkAddress(v, net)
	case fAmount:
		if v == "" {
			return errors.New("give an amount: 0.5btc, 50000000sat or 0.5 (BTC)")
		}
		_, err := app.ParseAmount(v)
		return err
	case fFee:
		_, err := parseFee(v)
		return err
	}
	return nil
}

// checkAddress refuses what the app would refuse: a malformed address or
// one for another network.
func checkAddress(s string, net vault.Network) error {
	if s == "" {
		return errors.New("give the destination address")
	}
	if net.Params == nil {
		return nil
	}
	_, err := vault.DecodeAddress(s, net)
	return err
}

// parseFee reads the fee rate field: empty means the node's estimate.
func parseFee(s string) (psbt.FeeRate, error) {
	if s == "" {
		return 0, nil
	}
	r, err := psbt.ParseFeeRate(s)
	if err == nil && r == 0 {
		err = errors.New("the fee rate must be above zero")
	}
	return r, err
}

// validate checks every field and builds the request; ok is false when a
// field is wrong, with its error set and the focus on the first one.
func (f transferForm) validate(net vault.Network) (transferForm, bool) {
	first := -1
	for i := fDest; i < nFields; i++ {
		f.errs[i] = errText(f.check(i, net))
		if f.errs[i] != "" && first < 0 {
			first = i
		}
	}
	if first >= 0 {
		return f.focusField(first), false
	}
	amt, _ := app.ParseAmount(f.inputs[fAmount].Value())
	rate, _ := parseFee(strings.TrimSpace(f.inputs[fFee].Value()))
	f.req = app.ProposeRequest{
		Vault:    f.vaults[f.vault],
		Payments: []app.Payment{{Address: strings.TrimSpace(f.inputs[fDest].Value()), Amount: amt}},
		FeeRate:  rate,
		Memo:     strings.TrimSpace(f.inputs[fMemo].Value()),
	}
	return f, true
}

func (m Model) transferKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch m.transfer.stage {
	case stEdit:
		return m.editKey(k)
	case stPreview:
		f := &m.transfer
		switch {
		case key.Matches(k, m.keys.Confirm) && f.plan.res != nil:
			f.stage = stWorking
			return m, m.be.propose(f.req)
		case key.Matches(k, m.keys.AllowFee) && f.plan.highFee != "":
			f.req.AllowHighFee, f.plan = true, plan{}
			return m, m.be.planTransfer(f.req)
		case key.Matches(k, m.keys.Back):
			f.stage = stEdit
			f.req.AllowHighFee = false
		}
	case stSave:
		switch {
		case key.Matches(k, m.keys.Confirm):
			return m, m.be.savePSBT(m.transfer.packet, strings.TrimSpace(m.transfer.path.Value()))
		case key.Matches(k, m.keys.Back):
			return m.openDetailID(m.transfer.saveID)
		}
		return m.screenKeyMsg(k)
	}
	return m, nil
}

func (m Model) editKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	f := &m.transfer
	switch {
	case key.Matches(k, m.keys.Back):
		return m.show(m.back), nil
	case key.Matches(k, m.keys.NextField):
		*f = f.focusField(f.focus + 1)
	case key.Matches(k, m.keys.PrevField):
		*f = f.focusField(f.focus - 1)
	case f.focus == fVault && key.Matches(k, m.keys.Left):
		f.vault = (f.vault - 1 + len(f.vaults)) % len(f.vaults)
	case f.focus == fVault && key.Matches(k, m.keys.Right):
		f.vault = (f.vault + 1) % len(f.vaults)
	case key.Matches(k, m.keys.Submit):
		return m.submitField()
	default:
		return m.screenKeyMsg(k)
	}
	return m, nil
}

// submitField checks the focused field and moves on; on the last field it
// checks them all and shows the preview.
func (m Model) submitField() (tea.Model, tea.Cmd) {
	f := &m.transfer
	net := m.be.app.Net
	if f.errs[f.focus] = errText(f.check(f.focus, net)); f.errs[f.focus] != "" {
		return m, nil
	}
	if f.focus < nFields-1 {
		*f = f.focusField(f.focus + 1)
		return m, nil
	}
	var ok bool
	if *f, ok = f.validate(net); ok {
		f.stage, f.plan = stPreview, plan{}
		return m, m.be.planTransfer(f.req)
	}
	return m, nil
}

// transferPlanned shows the dry run in the preview, or sends the officer
// back to the form with the app's refusal.
func (m Model) transferPlanned(msg plannedMsg) (tea.Model, tea.Cmd) {
	f := &m.transfer
	if m.screen != scrTransfer || f.stage != stPreview {
		return m, nil // the officer left the preview meanwhile
	}
	f.plan = gotPlan(msg)
	return m, nil
}

// transferMsg handles the proposal's creation and the PSBT's writing.
func (m Model) transferMsg(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case proposedMsg:
		if msg.err != nil {
			m.transfer.stage = stEdit
			m.fail(msg.err)
			return m, nil
		}
		p := msg.res.Proposal
		model, _ := m.openSave(p.ID, msg.res.PSBT)
		mm := model.(Model)
		mm.succeed(scrTransfer, fmt.Sprintf("proposal %s created: %d inputs, fee %s at %s%s", short(p.ID), msg.res.Inputs, btc(p.Fee), msg.res.FeeRate, leftNote(msg.res)))
		model = mm
		return model, tea.Batch(m.be.loadProposals(), m.be.loadVaults())
	case savedMsg:
		if msg.err != nil {
			m.fail(msg.err)
			return m, nil
		}
		model, cmd := m.openDetailID(m.transfer.saveID)
		mm := model.(Model)
		mm.succeed(scrDetail, fmt.Sprintf("PSBT written to %s; give a copy to each key holder to sign", msg.path))
		return mm, cmd
	}
	return m, nil
}

// leftNote says what a cold spend leaves in the generation it spends (not
// yet spendable, not worth its fee, or beyond one standard transaction),
// and how it is swept later.
func leftNote(res *app.ProposeResult) string {
	l := res.Left
	if !l.Any() {
		return ""
	}
	n := l.Waiting.Outputs + l.Uneconomic.Outputs + l.Overflow.Outputs
	v := l.Waiting.Value + l.Uneconomic.Value + l.Overflow.Value
	return fmt.Sprintf("; it leaves %d output(s) (%s) in generation %d: once broadcast, sweep them with treasury rotate %s --generation %d", n, btc(v), res.Source, res.Vault, res.Source)
}
