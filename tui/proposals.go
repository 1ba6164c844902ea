package tui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/app"
)

// proposalsView is the Proposals screen, in the order the app lists them.
type proposalsView struct {
	list     []app.ProposalDetail
	sel, top int
	loaded   bool
	seq      int64 // of the load shown
}

// detailView is one proposal, scrolled by top lines.
type detailView struct {
	d   *app.ProposalDetail
	top int
	seq int64 // of the load shown
}

func (m Model) gotProposals(msg proposalsMsg) Model {
	if msg.seq != 0 && msg.seq < m.props.seq {
		return m // a reply overtaken by a newer load
	}
	if msg.err != nil {
		m.fail(msg.err)
		return m
	}
	p := &m.props
	p.list, p.loaded, p.seq = msg.list, true, msg.seq
	p.sel = min(p.sel, max(len(p.list)-1, 0))
	p.top = window(p.top, p.sel, m.listRows(), len(p.list))
	return m
}

func (m Model) gotDetail(msg detailMsg) Model {
	if msg.seq != 0 && msg.seq < m.detail.seq {
		return m // a reply overtaken by a newer load
	}
	if msg.err != nil {
		m.fail(msg.err)
		return m
	}
	m.detail.d, m.detail.seq = msg.d, msg.seq
	return m
}

// listRows is how many proposal rows fit under the list's two title lines.
func (m Model) listRows() int { return max(m.bodyHeight()-2, 1) }

func (m Model) selectedProposal() *app.ProposalDetail {
	if len(m.props.list) == 0 {
		return nil
	}
	return &m.props.list[m.props.sel]
}

func (m Model) proposalsKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	p := &m.props
	sel := m.selectedProposal()
	switch {
	case key.Matches(k, m.keys.Up):
		p.sel = max(p.sel-1, 0)
	case key.Matches(k, m.keys.Down):
		p.sel = min(p.sel+1, max(len(p.list)-1, 0))
	case key.Matches(k, m.keys.Enter) && sel != nil:
		return m.openDetail(sel)
	case key.Matches(k, m.keys.New):
		return m.openTransfer(m.selectedVault())
	case key.Matches(k, m.keys.Import):
		return m.openImport()
	case key.Matches(k, m.keys.Broadcast) && sel != nil:
		return m.openBroadcast(*sel)
	case key.Matches(k, m.keys.Cancel) && sel != nil:
		return m.openCancel(*sel)
	}
	p.top = window(p.top, p.sel, m.listRows(), len(p.list))
	return m, nil
}

// openDetail shows d at once and refreshes it in the background.
func (m Model) openDetail(d *app.ProposalDetail) (tea.Model, tea.Cmd) {
	m.detail = detailView{d: d}
	m = m.show(scrDetail)
	m.back = scrProposals
	return m, m.be.loadDetail(d.Proposal.ID)
}

// openDetailID shows proposal id once it is loaded.
func (m Model) openDetailID(id string) (tea.Model, tea.Cmd) {
	m.detail = detailView{}
	m = m.show(scrDetail)
	m.back = scrProposals
	return m, tea.Batch(m.be.loadDetail(id), m.be.loadProposals())
}

func (m Model) proposalsBody() []string {
	p := m.props
	lines := []string{m.st.title.Render("Proposals") + m.st.dim.Render(fmt.Sprintf("  %d", len(p.list)))}
	if p.loaded && len(p.list) == 0 {
		return append(lines, "", "No proposals yet. Press n to propose a transfer.")
	}
	cols := fmt.Sprintf("  %-12s  %-8s  %-8s  %-10s  %-8s %16s  %4s", "ID", "VAULT", "KIND", "STATE", "SIGNED", "AMOUNT", "AGE")
	switch {
	case m.width < narrowWidth:
		cols = fmt.Sprintf("  %-12s  %-10s  %-8s %16s", "ID", "STATE", "SIGNED", "AMOUNT")
	case m.width >= 110:
		cols += "  MEMO"
	}
	lines = append(lines, m.st.dim.Render(cols))
	end := min(p.top+m.listRows(), len(p.list))
	for i := p.top; i < end; i++ {
		lines = append(lines, m.proposalRow(p.list[i], i == p.sel))
	}
	return lines
}

func (m Model) proposalRow(d app.ProposalDetail, selected bool) string {
	mark := "  "
	if selected {
		mark = "▸ "
	}
	p := d.Proposal
	q := pad(d.Quorum.Bar()+" "+d.Quorum.Short(), 8)
	row := fmt.Sprintf("%s%-12s  %s  %-8s  %-10s  %s %16s  %4s", mark, short(p.ID), pad(d.Vault.Name, 8), p.Kind, p.State, q, btc(moved(p)), age(m.now(), p.CreatedAt))
	switch {
	case m.width < narrowWidth:
		// Below 80 columns the amount and the signatures matter most; the
		// vault, kind and age are one enter away.
		row = fmt.Sprintf("%s%-12s  %-10s  %s %16s", mark, short(p.ID), p.State, q, btc(moved(p)))
	case m.width >= 110:
		row += "  " + p.Memo
	}
	if selected {
		return m.st.sel.Render(row)
	}
	return row
}

// moved is what a proposal pays out, or for a rotation what it moves.
func moved(p app.Proposal) btcutil.Amount {
	var pay, internal btcutil.Amount
	for _, o := range p.Outputs {
		if o.GenerationID == 0 {
			pay += o.Value
		} else {
			internal += o.Value
		}
	}
	if pay > 0 {
		return pay
	}
	return internal
}

func (m Model) detailKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	d := m.detail.d
	switch {
	case key.Matches(k, m.keys.Up):
		m.detail.top = max(m.detail.top-1, 0)
	case key.Matches(k, m.keys.Down) && d != nil:
		m.detail.top = min(m.detail.top+1, max(len(m.detailLines(*d))-m.bodyHeight(), 0))
	case key.Matches(k, m.keys.Back):
		return m.show(scrProposals), m.be.loadProposals()
	case d == nil:
	case key.Matches(k, m.keys.Save):
		return m.openSave(d.Proposal.ID, d.PSBT)
	case key.Matches(k, m.keys.Import):
		return m.openImport()
	case key.Matches(k, m.keys.Broadcast):
		return m.openBroadcast(*d)
	case key.Matches(k, m.keys.Cancel):
		return m.openCancel(*d)
	case key.Matches(k, m.keys.Bump):
		return m.openBump(*d)
	}
	return m, nil
}

// detailBody is the proposal from the scroll offset on.
func (m Model) detailBody() []string {
	d := m.detail.d
	if d == nil {
		return []string{"Loading…"}
	}
	lines := m.detailLines(*d)
	top := min(m.detail.top, max(len(lines)-1, 0))
	return lines[top:]
}

// detailLines is everything an officer checks before asking for
// signatures or broadcasting.
func (m Model) detailLines(d app.ProposalDetail) []string {
	p := d.Proposal
	lines := []string{
		m.st.title.Render("Proposal "+short(p.ID)) + fmt.Sprintf(" · %s · %s · created %s ago", p.Kind, p.State, age(m.now(), p.CreatedAt)),
		"  id        " + p.ID,
		fmt.Sprintf("  vault     %s: spends g%d (%s)%s", d.Vault.Name, d.Source.Number, d.Source.State, remainderTo(d)),
	}
	if p.Memo != "" {
		lines = append(lines, "  memo      "+p.Memo)
	}
	if d.TxLabel != "" && d.TxLabel != p.Memo {
		lines = append(lines, "  label     "+strconv.Quote(d.TxLabel))
	}
	if p.TxID != "" {
		lines = append(lines, "  txid      "+p.TxID)
	}
	if d.Replaces != "" {
		lines = append(lines, "  replaces  "+short(d.Replaces)+" (a fee bump: same payments)")
	}
	if p.State == app.Broadcast {
		lines = append(lines, "  stuck?    f bumps its fee (a replacement with the same payments)")
	}
	if p.State == app.Confirmed {
		lines = append(lines, fmt.Sprintf("  confirmed at height %d", p.Height))
	}
	lines = append(lines, "", m.st.title.Render("Outputs"))
	lines = append(lines, outputLines(d)...)
	inputs := 0
	if d.PSBT != nil {
		inputs = len(d.PSBT.Inputs)
	}
	lines = append(lines,
		fmt.Sprintf("  %-8s  %s · %s · %d vB", "fee", btc(p.Fee), rateOf(p.Fee, p.VSize), p.VSize),
		fmt.Sprintf("  %-8s  %d", "inputs", inputs), "")
	return append(lines, m.signerLines(d)...)
}

// remainderTo says where the remainder of the spend goes.
func remainderTo(d app.ProposalDetail) string {
	if d.Target == nil {
		return ", change back to it"
	}
	return fmt.Sprintf(", remainder to g%d (%s)", d.Target.Number, d.Target.State)
}

// outputLines lists every output: payments leaving the family and the
// internal ones, with the generation that receives them.
func outputLines(d app.ProposalDetail) []string {
	var lines []string
	for _, o := range d.Proposal.Outputs {
		label, dest := "pay", ""
		switch {
		case o.GenerationID == 0:
		case d.Target != nil && o.GenerationID == d.Target.ID:
			label, dest = "remain", fmt.Sprintf("  → g%d (%s)", d.Target.Number, d.Target.State)
		case o.GenerationID == d.Source.ID:
			label, dest = "keep", fmt.Sprintf("  → g%d (%s, float)", d.Source.Number, d.Source.State)
		default:
			label = "internal"
		}
		addr := "            " + o.Address
		if l := d.OutputLabels[o.Index]; l != "" {
			addr += "  " + strconv.Quote(l)
		}
		lines = append(lines, fmt.Sprintf("  %-8s  %s%s", label, btc(o.Value), dest), addr)
	}
	return lines
}

// signerLines shows the quorum, then who signed each input.
func (m Model) signerLines(d app.ProposalDetail) []string {
	q := d.Quorum
	need := "  threshold met on every input"
	if n := q.Needed(); n > 0 {
		need = fmt.Sprintf("  %d more needed", n)
	}
	lines := []string{m.st.title.Render("Signatures") + "  " + q.Bar() + " " + q.String(), need}
	for i := range q.Signed {
		parts := make([]string, len(q.Holders))
		for h, hd := range q.Holders {
			if q.Signed[i][h] {
				parts[h] = hd.Name + " ✓"
			} else {
				parts[h] = hd.Name + " ·"
			}
		}
		lines = append(lines, fmt.Sprintf("  input %-3d %s  %s", i, q.InputShort(i), strings.Join(parts, "  ")))
	}
	if q.Complete() && d.Proposal.State == app.Ready {
		lines = append(lines, m.st.ok.Render("  ready: press b to broadcast"))
	}
	return lines
}
