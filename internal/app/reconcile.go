package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/vault"
)

// MetaLastReconcile holds the JSON of the last ReconcileSummary.
const MetaLastReconcile = "reconcile_last"

// Difference kinds.
const (
	DiffSpentOrMissing = "spent_or_missing" // unspent in the books; the node has no such unspent output
	DiffSpentInMempool = "spent_in_mempool" // unspent in the books; a mempool transaction spends it
	DiffValue          = "value"            // the node holds another value
	DiffScript         = "script"           // the node holds another script
	DiffSpend          = "spend"            // the recorded spend is not in the recorded block
	DiffUnspentAtNode  = "unspent_at_node"  // spent in the books; unspent at the node
	DiffMissing        = "missing"          // the node (or our own transaction) has an output the books lack
)

// Difference is one way the books disagree with the node: Line says it in
// one sentence.
type Difference struct {
	Kind     string
	OutPoint string
	Vault    string
	Line     string
}

// ReconcileResult is what Reconcile compared and found.
type ReconcileResult struct {
	At          time.Time
	Unspent     int  // stored unspent outputs asked of the node (gettxout)
	Spends      int  // stored spends checked against the blocks sync recorded
	Scanned     bool // the node listed the vaults' outputs (scantxoutset)
	ScanNote    string
	Differences []Difference
}

// ReconcileSummary is what the last reconcile found, kept for the TUI.
type ReconcileSummary struct {
	At          time.Time `json:"at"`
	Differences int       `json:"differences"`
	Lines       []string  `json:"lines"`
}

// Reconcile compares the books with the node: every stored unspent output
// with gettxout (value and script too), every stored spend with the block
// sync recorded for it, every vault-bound output of our confirmed
// transactions with the books, and, where the node has scantxoutset
// (Bitcoin Core, not btcd), every unspent output of the vaults' descriptors
// with the books. It changes no output: it records what it found in the
// audit log and for the TUI.
func (a *App) Reconcile(ctx context.Context) (*ReconcileResult, error) {
	c, err := a.chain(ctx)
	if err != nil {
		return nil, err
	}
	b, err := a.loadBooks(ctx)
	if err != nil {
		return nil, err
	}
	res := &ReconcileResult{At: a.now()}
	steps := []func(context.Context, Chain, *books, *ReconcileResult) error{
		a.reconcileUnspent, a.reconcileSpends, a.reconcileOwnOutputs, a.reconcileScan,
	}
	for _, step := range steps {
		if err := step(ctx, c, b, res); err != nil {
			return nil, err
		}
	}
	return res, a.recordReconcile(ctx, res)
}

// books is the stored state Reconcile compares.
type books struct {
	utxos     []UTXO
	byOut     map[wire.OutPoint]*UTXO
	gens      map[int64]Generation
	vaults    map[int64]string
	gaps      map[int64]uint32 // vault id → address gap
	blocks    map[int32]string // height → hash sync recorded
	proposals []Proposal
}

func (a *App) loadBooks(ctx context.Context) (*books, error) {
	b := &books{byOut: map[wire.OutPoint]*UTXO{}, gens: map[int64]Generation{}, vaults: map[int64]string{}, gaps: map[int64]uint32{}, blocks: map[int32]string{}}
	err := a.Store.View(ctx, func(tx Tx) error {
		vs, err := tx.Vaults()
		if err != nil {
			return err
		}
		for _, v := range vs {
			b.vaults[v.ID], b.gaps[v.ID] = v.Name, v.GapOf()
		}
		gens, err := tx.AllGenerations()
		if err != nil {
			return err
		}
		for _, g := range gens {
			b.gens[g.ID] = g
		}
		if b.utxos, err = tx.UTXOs(UTXOFilter{}); err != nil {
			return err
		}
		for i := range b.utxos {
			u := &b.utxos[i]
			b.byOut[u.OutPoint] = u
			if u.SpentHeight > 0 {
				h, err := tx.BlockHashAt(u.SpentHeight)
				if err != nil && !isNotFound(err) {
					return err
				}
				b.blocks[u.SpentHeight] = h
			}
		}
		b.proposals, err = tx.Proposals(0)
		return err
	})
	return b, err
}

// where names an output's vault and generation.
func (b *books) where(genID int64) (vaultName, text string) {
	g, ok := b.gens[genID]
	if !ok {
		return "", "an unknown generation"
	}
	return b.vaults[g.VaultID], fmt.Sprintf("vault %s g%d", b.vaults[g.VaultID], g.Number)
}

func (r *ReconcileResult) add(kind string, op wire.OutPoint, vaultName, format string, args ...any) {
	r.Differences = append(r.Differences, Difference{Kind: kind, OutPoint: op.String(), Vault: vaultName, Line: fmt.Sprintf(format, args...)})
}

// reconcileUnspent asks the node about every output the books hold unspent.
func (a *App) reconcileUnspent(ctx context.Context, c Chain, b *books, r *ReconcileResult) error {
	for _, u := range b.utxos {
		if u.SpentBy != "" {
			continue
		}
		r.Unspent++
		before, _, err := c.Tip(ctx)
		if err != nil {
			return err
		}
		info, err := c.Output(ctx, u.OutPoint)
		if err != nil {
			return err
		}
		tip, _, err := c.Tip(ctx)
		if err != nil {
			return err
		}
		if tip != before {
			tip = -1 // a block arrived meanwhile: the confirmations fit neither tip
		}
		v, at := b.where(u.GenerationID)
		switch {
		case info.SpentBy != (chainhash.Hash{}):
			r.add(DiffSpentInMempool, u.OutPoint, v, "output %s (%s, %s) is unspent in the books, but mempool transaction %s spends it", u.OutPoint, formatBTC(u.Value), at, info.SpentBy)
		case !info.Unspent:
			r.add(DiffSpentOrMissing, u.OutPoint, v, "output %s (%s, %s) is unspent in the books, but the node says it is spent or never existed", u.OutPoint, formatBTC(u.Value), at)
		case info.Value != u.Value:
			r.add(DiffValue, u.OutPoint, v, "output %s (%s): the books say %s, the node says %s", u.OutPoint, at, formatBTC(u.Value), formatBTC(info.Value))
		case info.PkScript != nil && !bytes.Equal(info.PkScript, u.PkScript):
			r.add(DiffScript, u.OutPoint, v, "output %s (%s): the books hold another script than the node", u.OutPoint, at)
		default:
			if why := b.rowProblem(a.Net, u, info, tip); why != "" {
				r.add(DiffFiling, u.OutPoint, v, "output %s (%s, %s): %s", u.OutPoint, formatBTC(u.Value), at, why)
			}
		}
	}
	return nil
}

// reconcileSpends checks every stored spend: a confirmed one against the
// block sync recorded at its height, an unconfirmed one against the node's
// view of the output.
func (a *App) reconcileSpends(ctx context.Context, c Chain, b *books, r *ReconcileResult) error {
	byHeight := map[int32][]*UTXO{}
	for i := range b.utxos {
		u := &b.utxos[i]
		if u.SpentBy != "" {
			// A spent row still says what the output was worth and where
			// it belonged (history, labels, the generation's moves): it
			// must agree with its own creating transaction and script.
			why := b.derivationProblem(a.Net, *u)
			if why == "" {
				why = prevTxProblem(*u)
			}
			if why != "" {
				v, at := b.where(u.GenerationID)
				r.add(DiffFiling, u.OutPoint, v, "spent output %s (%s, %s): %s", u.OutPoint, formatBTC(u.Value), at, why)
			}
		}
		switch {
		case u.SpentBy == "":
		case u.SpentHeight > 0:
			byHeight[u.SpentHeight] = append(byHeight[u.SpentHeight], u)
		default:
			r.Spends++
			info, err := c.Output(ctx, u.OutPoint)
			if err != nil {
				return err
			}
			if info.Unspent {
				v, at := b.where(u.GenerationID)
				r.add(DiffUnspentAtNode, u.OutPoint, v, "output %s (%s, %s) is spent by unconfirmed %s in the books, but the node has it unspent", u.OutPoint, formatBTC(u.Value), at, shortID(u.SpentBy))
			}
		}
	}
	heights := make([]int32, 0, len(byHeight))
	for h := range byHeight {
		heights = append(heights, h)
	}
	sort.Slice(heights, func(i, j int) bool { return heights[i] < heights[j] })
	for _, h := range heights {
		blocks, err := c.Blocks(ctx, h, h)
		if err != nil {
			return err
		}
		for _, u := range byHeight[h] {
			r.Spends++
			if why := spendProblem(blocks, b.blocks[h], u); why != "" {
				v, at := b.where(u.GenerationID)
				r.add(DiffSpend, u.OutPoint, v, "output %s (%s, %s) is spent by %s in block %d in the books, but %s", u.OutPoint, formatBTC(u.Value), at, shortID(u.SpentBy), h, why)
			}
		}
	}
	return nil
}

// spendProblem says why a recorded spend is not in the block ("" if it is).
func spendProblem(blocks []Block, recorded string, u *UTXO) string {
	if len(blocks) != 1 {
		return "the node has no block at that height"
	}
	if recorded != "" && blocks[0].Hash.String() != recorded {
		return "the node's block there is not the one sync recorded"
	}
	for _, t := range blocks[0].Msg.Transactions {
		if t.TxHash().String() != u.SpentBy {
			continue
		}
		for _, in := range t.TxIn {
			if in.PreviousOutPoint == u.OutPoint {
				return ""
			}
		}
		return "that transaction does not spend it"
	}
	return "that block does not hold the transaction"
}

// reconcileOwnOutputs checks that every output of our confirmed
// transactions that returns to one of our generations is in the books (a
// deleted row is found here even on a node without scantxoutset).
func (a *App) reconcileOwnOutputs(ctx context.Context, c Chain, b *books, r *ReconcileResult) error {
	for _, p := range b.proposals {
		if p.State != Confirmed || p.TxID == "" {
			continue
		}
		h, err := chainhash.NewHashFromStr(p.TxID)
		if err != nil {
			return err
		}
		for _, o := range p.Outputs {
			if o.GenerationID == 0 {
				continue
			}
			op := wire.OutPoint{Hash: *h, Index: uint32(o.Index)}
			if _, ok := b.byOut[op]; !ok {
				v, at := b.where(o.GenerationID)
				r.add(DiffMissing, op, v, "output %s (%s to %s) of confirmed proposal %s is not in the books", op, formatBTC(o.Value), at, shortID(p.ID))
			}
		}
	}
	return nil
}

// reconcileScan lists, where the node can, every unspent output of every
// non-retired generation's descriptors, and reports those the books lack.
func (a *App) reconcileScan(ctx context.Context, c Chain, b *books, r *ReconcileResult) error {
	sc, ok := c.(UTXOScanner)
	if !ok {
		r.ScanNote = "this node cannot list the vaults' outputs (no scantxoutset), so only our own transactions' outputs were checked for rows missing from the books"
		return nil
	}
	var descs []DescriptorRange
	for _, g := range b.gens {
		if g.State == Retired {
			continue
		}
		d, err := vault.ParseDescriptor(g.Descriptor)
		if err != nil {
			return err
		}
		for chain, next := range []uint32{g.NextReceive, g.NextChange} {
			descs = append(descs, DescriptorRange{Descriptor: d.ChainString(uint32(chain)), Range: next + max(b.gaps[g.VaultID], GapLimit)})
		}
	}
	found, err := sc.ScanDescriptors(ctx, descs)
	if errors.Is(err, ErrUnsupported) {
		r.ScanNote = "this node has no scantxoutset (btcd), so only our own transactions' outputs were checked for rows missing from the books; Bitcoin Core checks every output"
		return nil
	}
	if err != nil {
		return err
	}
	r.Scanned = true
	for _, o := range found {
		if u, ok := b.byOut[o.OutPoint]; ok && u.SpentBy == "" {
			continue
		}
		if u, ok := b.byOut[o.OutPoint]; ok {
			v, at := b.where(u.GenerationID)
			r.add(DiffUnspentAtNode, o.OutPoint, v, "output %s (%s, %s) is spent in the books, but the node has it unspent", o.OutPoint, formatBTC(o.Value), at)
			continue
		}
		r.add(DiffMissing, o.OutPoint, "", "the node has unspent output %s (%s) of one of the vaults' descriptors, which the books lack", o.OutPoint, formatBTC(o.Value))
	}
	return nil
}

// recordReconcile appends the outcome to the audit log and keeps a summary
// for the TUI.
func (a *App) recordReconcile(ctx context.Context, r *ReconcileResult) error {
	sum := ReconcileSummary{At: r.At, Differences: len(r.Differences), Lines: []string{}}
	for i, d := range r.Differences {
		if i == 20 {
			sum.Lines = append(sum.Lines, fmt.Sprintf("… and %d more", len(r.Differences)-20))
			break
		}
		sum.Lines = append(sum.Lines, d.Line)
	}
	b, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	return a.Store.Update(ctx, func(tx Tx) error {
		if err := tx.SetMeta(MetaLastReconcile, string(b)); err != nil {
			return err
		}
		return a.audit(tx, "reconcile", map[string]any{"unspent_checked": r.Unspent, "spends_checked": r.Spends,
			"scanned": r.Scanned, "differences": len(r.Differences), "lines": sum.Lines})
	})
}

// LastReconcile returns what the last reconcile found (nil if none ran).
func (a *App) LastReconcile(ctx context.Context) (*ReconcileSummary, error) {
	var out *ReconcileSummary
	err := a.Store.View(ctx, func(tx Tx) error {
		v, err := tx.Meta(MetaLastReconcile)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		out = &ReconcileSummary{}
		return json.Unmarshal([]byte(v), out)
	})
	return out, err
}
