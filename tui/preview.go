package tui

import (
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/app"
)

// plannedMsg is the app's dry run of a transfer or a rotation: what would
// be proposed, exactly, with nothing stored.
type plannedMsg struct {
	res *app.ProposeResult
	err error
}

func (b *backend) planTransfer(req app.ProposeRequest) tea.Cmd {
	req.DryRun = true
	return func() tea.Msg {
		res, err := b.app.Propose(b.ctx, req)
		return plannedMsg{res: res, err: err}
	}
}

func (b *backend) planRotation(req app.RotateRequest) tea.Cmd {
	req.DryRun = true
	return func() tea.Msg {
		res, err := b.app.Rotate(b.ctx, req)
		return plannedMsg{res: res, err: err}
	}
}

// plan is a dry run's outcome as a preview shows it: the plan, or a fee
// the guards refuse (which the officer may allow here), or nothing yet.
type plan struct {
	res     *app.ProposeResult
	highFee string // the guard's sentence while the fee is not allowed
	err     string // the app's refusal of the plan, one sentence
}

// gotPlan keeps a dry run's outcome: the plan, a fee to allow, or the
// app's refusal, which the preview shows in place of the plan.
func gotPlan(msg plannedMsg) plan {
	switch {
	case msg.err == nil:
		return plan{res: msg.res}
	case errors.Is(msg.err, app.ErrHighFee):
		return plan{highFee: oneSentence(msg.err.Error())}
	}
	return plan{err: oneSentence(msg.err.Error())}
}

// planLines shows what a plan does: what leaves, the fee in BTC and in
// sat/vB, the inputs, what moves to which generation, the balances after,
// and what will need doing next.
func (m Model) planLines(vaultName string, p plan, allowHint string) []string {
	if p.highFee != "" {
		lines := m.wrapped(m.st.warn, "⚠ "+p.highFee+".")
		return append(lines, m.wrapped(m.st.dim, "The fee guards stop rates above 1000 sat/vB and fees above 5% of what moves, which are usually typos. "+allowHint)...)
	}
	if p.err != "" {
		return m.wrapped(m.st.err, "✗ refused: "+p.err)
	}
	r := p.res
	if r == nil {
		return []string{"  " + m.st.dim.Render("Planning…")}
	}
	d, gens := m.vaultGens(vaultName)
	lines := []string{}
	var paid btcutil.Amount
	for _, o := range r.Proposal.Outputs {
		if o.GenerationID != 0 {
			continue
		}
		paid += o.Value
		lines = append(lines, fmt.Sprintf("  %-9s %s", "pay", btc(o.Value)), "            "+o.Address)
	}
	lines = append(lines,
		fmt.Sprintf("  %-9s %s · %s · %d vB", "fee", btc(r.Proposal.Fee), rateOf(r.Proposal.Fee, r.Proposal.VSize), r.Proposal.VSize),
		fmt.Sprintf("  %-9s %d from g%d, %s", "inputs", r.Inputs, r.Source, btc(r.InputSum)))
	into := map[int64]btcutil.Amount{}
	for _, o := range r.Proposal.Outputs {
		if o.GenerationID != 0 {
			into[o.GenerationID] += o.Value
			g := gens[o.GenerationID]
			lines = append(lines, fmt.Sprintf("  %-9s %s → g%d (%s)", "remain", btc(o.Value), g.Number, g.State), "            "+o.Address)
		}
	}
	if r.Left.Any() {
		left := r.Left.Waiting.Value + r.Left.Uneconomic.Value + r.Left.Overflow.Value
		lines = append(lines, m.wrapped(m.st.warn, fmt.Sprintf("⚠ %s (%d outputs) stays in g%d: not yet spendable, or not worth its fee; sweep it later (r on Vaults)", btc(left), r.Left.Waiting.Outputs+r.Left.Uneconomic.Outputs+r.Left.Overflow.Outputs, r.Source))...)
	}
	lines = append(lines, "  "+m.st.title.Render("After broadcast"))
	lines = append(lines, m.afterLines(d, r, into, paid)...)
	return lines
}

// afterLines are the balances of the vault's generations once the plan
// confirms, and the states it moves them to.
func (m Model) afterLines(d *app.VaultDetail, r *app.ProposeResult, into map[int64]btcutil.Amount, paid btcutil.Amount) []string {
	if d == nil {
		return nil
	}
	var lines []string
	var before btcutil.Amount
	rotates := false
	for _, g := range d.Generations {
		bal := m.vaults.bal[genKey(d.Vault.Name, g.Number)].Confirmed
		before += bal
		after := bal + into[g.ID]
		state := string(g.State)
		if g.Number == r.Source {
			after -= r.InputSum
			if g.State == app.Cold && r.Proposal.TargetGenID != 0 && r.Proposal.TargetGenID != g.ID {
				state, rotates = "cold → hot", true
				if after == 0 {
					state = "cold → hot, retired once empty"
				}
			}
		}
		if g.ID == r.Proposal.TargetGenID && g.State == app.Standby {
			state = "standby → cold"
		}
		if bal == 0 && after == 0 && g.Number != r.Source {
			continue
		}
		lines = append(lines, fmt.Sprintf("  g%-8d %s  %s", g.Number, btc(after), m.st.dim.Render(state)))
	}
	lines = append(lines, fmt.Sprintf("  %-9s %s (now %s)", "vault", btc(before-paid-r.Proposal.Fee), btc(before)))
	if rotates && genIn(*d, app.Standby) != nil && countStandby(d) == 1 {
		lines = append(lines, m.wrapped(m.st.warn, "⚠ no standby left: register the next (treasury vault standby) before the next cold spend")...)
	}
	return lines
}

func countStandby(d *app.VaultDetail) int {
	n := 0
	for _, g := range d.Generations {
		if g.State == app.Standby {
			n++
		}
	}
	return n
}

// vaultGens finds a vault's detail and its generations by id.
func (m Model) vaultGens(name string) (*app.VaultDetail, map[int64]app.Generation) {
	gens := map[int64]app.Generation{}
	for i, d := range m.vaults.list {
		if d.Vault.Name != name {
			continue
		}
		for _, g := range d.Generations {
			gens[g.ID] = g
		}
		return &m.vaults.list[i], gens
	}
	return nil, gens
}
