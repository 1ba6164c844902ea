package tui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/psbt"
)

// bumpForm is the fee-bump screen of a broadcast, unconfirmed proposal:
// the officer types the new rate; enter previews the replacement (a dry
// run: its fee and rate, nothing stored); enter again on the same rate
// creates it and offers to write its PSBT for the holders to sign.
type bumpForm struct {
	d         app.ProposalDetail
	input     textinput.Model
	preview   *app.BumpResult
	previewed psbt.FeeRate // the rate the preview was made for
	working   bool
}

// bumpMsg is the outcome of a preview (dry) or of the bump itself.
type bumpMsg struct {
	res  *app.BumpResult
	rate psbt.FeeRate
	dry  bool
	err  error
}

func (b *backend) bump(id string, rate psbt.FeeRate, dry bool) tea.Cmd {
	return func() tea.Msg {
		res, err := b.app.Bump(b.ctx, app.BumpRequest{ID: id, FeeRate: rate, DryRun: dry})
		return bumpMsg{res: res, rate: rate, dry: dry, err: err}
	}
}

// openBump opens the fee-bump screen for a broadcast proposal.
func (m Model) openBump(d app.ProposalDetail) (tea.Model, tea.Cmd) {
	if d.Proposal.State != app.Broadcast {
		m.failText(fmt.Sprintf("proposal %s is %s; only a broadcast, unconfirmed proposal can be bumped", short(d.Proposal.ID), d.Proposal.State))
		return m, nil
	}
	m.bump = bumpForm{d: d, input: newInput("sat/vB")}
	m.bump.input.Focus()
	m.clearError()
	return m.show(scrBump), nil
}

func (m Model) bumpKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	f := &m.bump
	switch {
	case f.working:
		return m, nil
	case key.Matches(k, m.keys.Back):
		return m.show(scrDetail), nil
	case key.Matches(k, m.keys.Confirm):
		rate, err := parseFee(f.input.Value())
		if err != nil || rate == 0 {
			m.failText("type the new fee rate in sat/vB (decimals allowed), then press enter")
			return m, nil
		}
		f.working = true
		m.clearError()
		dry := f.preview == nil || f.previewed != rate
		return m, m.be.bump(f.d.Proposal.ID, rate, dry)
	}
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(k)
	return m, cmd
}

// bumped shows a preview, or, once the bump is stored, its save prompt.
func (m Model) bumped(msg bumpMsg) (tea.Model, tea.Cmd) {
	m.bump.working = false
	if msg.err != nil {
		m.bump.preview = nil
		m.fail(msg.err)
		return m, nil
	}
	if msg.dry {
		m.bump.preview, m.bump.previewed = msg.res, msg.rate
		return m, nil
	}
	p := msg.res.Proposal
	model, _ := m.openSave(p.ID, msg.res.PSBT)
	mm := model.(Model)
	mm.succeed(scrTransfer, fmt.Sprintf("fee bump %s created: replaces %s, fee %s at %s, payments unchanged", short(p.ID), short(msg.res.Replaces.ID), btc(p.Fee), msg.res.FeeRate))
	return mm, tea.Batch(m.be.loadProposals(), m.be.loadVaults())
}

func (m Model) bumpBody() []string {
	f := m.bump
	p := f.d.Proposal
	lines := []string{m.st.title.Render("Fee bump of proposal " + short(p.ID)),
		fmt.Sprintf("  now       %s · %s · %d vB, waiting in the mempool", btc(p.Fee), rateOf(p.Fee, p.VSize), p.VSize),
		"  A replacement (BIP-125): the same inputs and the same payments; the",
		"  extra fee comes out of the remainder. Holders sign it like any proposal.", ""}
	lines = append(lines, outputLines(f.d)...)
	lines = append(lines, "", "  "+m.st.title.Render("New fee rate (sat/vB), then enter to preview:"), "  "+f.input.View())
	if pv := f.preview; pv != nil {
		lines = append(lines, "",
			fmt.Sprintf("  new fee   %s · %s · %d vB (+%s)", btc(pv.Proposal.Fee), pv.FeeRate, pv.Proposal.VSize, btc(pv.Proposal.Fee-pv.OldFee)),
			fmt.Sprintf("  old fee   %s · %s", btc(pv.OldFee), pv.OldFeeRate),
			fmt.Sprintf("  minimum   %s to replace it", pv.MinFeeRate))
		if pv.Evicts > 0 {
			lines = append(lines, m.st.warn.Render(fmt.Sprintf("  ⚠ evicts %d mempool transaction(s) spending from it too: the replacement pays more than %s, their fees and the old one's", pv.Evicts, btc(pv.EvictedFees))))
		}
		if pv.AddedInputs > 0 {
			lines = append(lines, m.st.warn.Render(fmt.Sprintf("  ⚠ adds %d input(s) of g%d: the remainder cannot pay the extra fee", pv.AddedInputs, f.d.Source.Number)))
		}
		lines = append(lines, m.st.ok.Render("  press enter again to create the replacement proposal"))
	}
	if f.working {
		lines = append(lines, "  Working…")
	}
	return lines
}
