package app

import (
	"context"
	"fmt"
	"sort"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// BumpRequest asks for a replacement (BIP-125) of a broadcast, unconfirmed
// proposal at a higher fee rate.
type BumpRequest struct {
	ID           string
	FeeRate      psbt.FeeRate // the replacement's rate; required
	Memo         string       // "": the replaced proposal's memo
	AllowHighFee bool
	// DryRun plans the replacement and returns it (fee, size, rate) with
	// nothing stored, reserved or written: a preview.
	DryRun bool
}

// BumpResult is the stored replacement and what it replaces.
type BumpResult struct {
	ProposeResult
	Replaces    Proposal
	OldFee      btcutil.Amount
	OldFeeRate  psbt.FeeRate // the replaced transaction's rate, as signed
	MinFeeRate  psbt.FeeRate // the lowest rate that replaces it
	AddedInputs int          // inputs the remainder could not pay for
	// Evicts counts the mempool transactions spending from the replaced
	// one, which the replacement evicts too (a recipient's, or a CPFP
	// child), and EvictedFees is all their fees with the replaced one's:
	// the replacement pays more than that.
	Evicts      int
	EvictedFees btcutil.Amount
}

// Bump creates a replacement for a broadcast, unconfirmed proposal: the
// same inputs (more of the same generation only when the remainder cannot
// pay the extra fee), the same payments to the satoshi, the remainder to
// the same generation and address less the extra fee. It obeys BIP-125:
// every input signals replaceability, the rate is above the replaced
// transaction's, and the fee exceeds the replaced fee by at least the
// node's incremental relay fee times the replacement's size. The
// replacement is signed, collected and broadcast like any proposal; sync
// settles which of the two confirmed.
func (a *App) Bump(ctx context.Context, req BumpRequest) (*BumpResult, error) {
	if req.FeeRate <= 0 {
		return nil, errorf(ErrInvalid, "give the replacement's fee rate (--fee-rate)")
	}
	id, relay, lock, err := a.startBump(ctx, req)
	if err != nil {
		return nil, err
	}
	fam, err := a.evicted(ctx, id)
	if err != nil {
		return nil, err
	}
	if req.DryRun {
		return a.previewBump(ctx, id, req, relay, fam)
	}
	var res *BumpResult
	err = a.Store.Update(ctx, func(tx Tx) error {
		d, b, err := a.sizeBump(tx, id, req, relay, fam)
		if err != nil {
			return err
		}
		memo := req.Memo
		if memo == "" {
			memo = d.Proposal.Memo
		}
		res, err = a.storeBump(tx, b, lock, memo)
		return err
	})
	return res, err
}

// startBump is what both kinds of bump settle before planning: it checks
// the asked rate against the node's relay floor, resolves the proposal's
// full ID and refuses one that cannot be bumped, asks the node whether it
// has confirmed since the last sync, and reads the lock time.
func (a *App) startBump(ctx context.Context, req BumpRequest) (id string, relay RelayFees, lock uint32, err error) {
	if relay, err = a.relayFees(ctx); err != nil {
		return "", relay, 0, err
	}
	if err = checkRelayFloor(req.FeeRate, relay); err != nil {
		return "", relay, 0, err
	}
	err = a.Store.View(ctx, func(tx Tx) error {
		d, err := a.bumpable(tx, req.ID)
		if err == nil {
			id = d.Proposal.ID
		}
		return err
	})
	if err != nil {
		return "", relay, 0, err
	}
	if err = a.checkNotConfirmed(ctx, id); err != nil {
		return "", relay, 0, err
	}
	lock, err = a.lockTime(ctx)
	return id, relay, lock, err
}

// evicted asks the node what a replacement of the proposal evicts: the
// mempool transactions spending its inputs (its own transaction, or
// another version of it sent elsewhere, or a foreign spend) and whatever
// spends from them (a recipient's child). Their fees are what the
// replacement must exceed (BIP-125 rule 3), their rates what its rate must
// beat. A node that cannot name an input's spender (one without
// gettxspendingprevout) is asked about the proposal's own transaction;
// inputs nothing spends evict nothing. A spender that is none of the
// proposal's versions, and that the node does not say it would replace
// (it does not signal BIP-125, on a node without full RBF, or a node that
// cannot say), is refused: every holder would sign a replacement the node
// then turns away.
func (a *App) evicted(ctx context.Context, id string) (MempoolFamily, error) {
	var txid string
	var ins []*wire.TxIn
	ours := map[string]bool{}
	if err := a.Store.View(ctx, func(tx Tx) error {
		p, err := tx.Proposal(id)
		if err != nil {
			return err
		}
		pk, err := psbt.Decode(p.PSBT)
		if err != nil {
			return err
		}
		txid, ins = p.TxID, pk.UnsignedTx.TxIn
		ours[p.TxID] = true
		linked, err := family(tx, p.ID)
		for _, lid := range linked {
			if lp, err := tx.Proposal(lid); err == nil && lp.TxID != "" {
				ours[lp.TxID] = true
			}
		}
		return err
	}); err != nil {
		return MempoolFamily{}, err
	}
	c, err := a.chain(ctx)
	if err != nil {
		return MempoolFamily{}, err
	}
	direct := map[chainhash.Hash]bool{}
	for _, in := range ins {
		out, err := c.Output(ctx, in.PreviousOutPoint)
		if err != nil {
			return MempoolFamily{}, err
		}
		if out.SpentBy != (chainhash.Hash{}) {
			direct[out.SpentBy] = true
		}
	}
	if len(direct) == 0 {
		h, err := chainhash.NewHashFromStr(txid)
		if err != nil {
			return MempoolFamily{}, fmt.Errorf("proposal %s: stored txid %q: %w", shortID(id), txid, err)
		}
		direct[*h] = true
	}
	var all MempoolFamily
	for h := range direct {
		fam, ok, err := c.Family(ctx, h)
		if err != nil {
			return MempoolFamily{}, err
		}
		if !ok {
			continue
		}
		if !ours[h.String()] && !fam.Replaceable {
			return MempoolFamily{}, errorf(ErrRefused, "an input of proposal %s is spent in the node's mempool by transaction %s, which is none of this proposal's versions and which the node does not say it would replace (it does not signal BIP-125 replaceability, or the node cannot tell): a replacement would be refused after every holder signed it, and if %s confirms, sync marks the proposal failed",
				shortID(id), h, shortID(h.String()))
		}
		all.Count += fam.Count
		all.Fees += fam.Fees
		all.VSize += fam.VSize
		all.Rate = max(all.Rate, fam.Rate)
		all.MaxDescendantRate = max(all.MaxDescendantRate, fam.MaxDescendantRate)
	}
	return all, nil
}

// sizeBump loads the proposal again inside tx, plans its replacement and
// applies the fee guards: the same steps for a preview and for the stored
// replacement.
func (a *App) sizeBump(tx Tx, id string, req BumpRequest, relay RelayFees, fam MempoolFamily) (*ProposalDetail, *bumpPlan, error) {
	d, err := a.bumpable(tx, id)
	if err != nil {
		return nil, nil, err
	}
	b, err := a.planBump(tx, d, req.FeeRate, relay, fam)
	if err != nil {
		return nil, nil, err
	}
	if err := checkFee(b.spend, req.AllowHighFee); err != nil {
		return nil, nil, err
	}
	return d, b, nil
}

// previewBump plans the replacement in a read-only transaction.
func (a *App) previewBump(ctx context.Context, id string, req BumpRequest, relay RelayFees, fam MempoolFamily) (*BumpResult, error) {
	var res *BumpResult
	err := a.Store.View(ctx, func(tx Tx) error {
		d, b, err := a.sizeBump(tx, id, req, relay, fam)
		if err != nil {
			return err
		}
		res = &BumpResult{Replaces: d.Proposal, OldFee: b.oldFee, OldFeeRate: b.oldRate, MinFeeRate: b.minRate, AddedInputs: b.added,
			Evicts: b.evictedOthers, EvictedFees: b.evictedFees}
		res.FeeRate, res.Inputs, res.Algorithm = b.spend.rate, len(b.coins), b.spend.algo
		res.InputSum = b.inputSum()
		res.Payments = paymentsSum(b.spend.payments)
		res.Proposal = Proposal{VaultID: d.Proposal.VaultID, Kind: d.Proposal.Kind, State: Collecting, Fee: b.spend.fee, VSize: b.spend.vsize}
		return nil
	})
	return res, err
}

// bumpable loads a proposal and refuses one that cannot be replaced.
func (a *App) bumpable(tx Tx, id string) (*ProposalDetail, error) {
	p, err := findProposal(tx, id)
	if err != nil {
		return nil, err
	}
	switch p.State {
	case Confirmed:
		return nil, errorf(ErrRefused, "proposal %s is already confirmed in block %d; there is nothing to bump", shortID(p.ID), p.Height)
	case Cancelled, Replaced, Failed:
		return nil, errorf(ErrRefused, "proposal %s is %s; only a broadcast, unconfirmed proposal can be bumped", shortID(p.ID), p.State)
	case Collecting, Ready:
		return nil, errorf(ErrRefused, "proposal %s has not been broadcast; cancel it and propose again at the new rate", shortID(p.ID))
	}
	newer, err := tx.ReplacedBy(p.ID)
	if err != nil {
		return nil, err
	}
	for _, nid := range newer {
		n, err := tx.Proposal(nid)
		if err != nil {
			return nil, err
		}
		switch n.State {
		case Broadcast:
			return nil, errorf(ErrRefused, "proposal %s was already replaced by %s, which was broadcast; bump %s instead", shortID(p.ID), shortID(n.ID), shortID(n.ID))
		case Collecting, Ready:
			return nil, errorf(ErrConflict, "proposal %s already replaces %s and is %s; sign and broadcast it, or cancel it first", shortID(n.ID), shortID(p.ID), n.State)
		}
	}
	if err := checkOutputsUnused(tx, p); err != nil {
		return nil, err
	}
	return a.detail(tx, p)
}

// checkOutputsUnused refuses to replace a transaction whose outputs a live
// proposal spends: replacing it would leave that proposal spending nothing.
func checkOutputsUnused(tx Tx, p *Proposal) error {
	h, err := chainhash.NewHashFromStr(p.TxID)
	if err != nil {
		return err
	}
	for i := range p.Outputs {
		holder, err := tx.Reservation(wire.OutPoint{Hash: *h, Index: uint32(i)})
		if err != nil {
			return err
		}
		if holder != "" {
			return errorf(ErrConflict, "proposal %s already spends an output of proposal %s; cancel it first", shortID(holder), shortID(p.ID))
		}
	}
	return nil
}

// checkNotConfirmed asks the node whether the proposal's transaction has
// confirmed since the last sync. It looks at the first input through the
// UTXO set and the mempool (gettxout), which needs no transaction index: an
// input neither unspent nor spent by a mempool transaction was spent in a
// block, by this transaction or another.
func (a *App) checkNotConfirmed(ctx context.Context, id string) error {
	var op wire.OutPoint
	if err := a.Store.View(ctx, func(tx Tx) error {
		p, err := tx.Proposal(id)
		if err != nil {
			return err
		}
		pk, err := psbt.Decode(p.PSBT)
		if err == nil {
			op = pk.UnsignedTx.TxIn[0].PreviousOutPoint
		}
		return err
	}); err != nil {
		return err
	}
	c, err := a.chain(ctx)
	if err != nil {
		return err
	}
	out, err := c.Output(ctx, op)
	if err != nil {
		return err
	}
	if !out.Unspent && out.SpentBy == (chainhash.Hash{}) {
		return errorf(ErrRefused, "input %s of proposal %s is already spent in a block, so its transaction (or another) has confirmed; there is nothing to bump (run treasury sync)", op, shortID(id))
	}
	return nil
}

// bumpOut is one output of a replacement.
type bumpOut struct {
	value    btcutil.Amount
	pkScript []byte
	derived  *vault.Derived // internal outputs only
	desc     *vault.Descriptor
	gen      *Generation // internal outputs: the generation receiving it
	out      ProposalOutput
	newGen   *Generation // a new change output: its index is handed out
}

// bumpPlan is a replacement before it is built.
type bumpPlan struct {
	old       *ProposalDetail
	oldTx     *wire.MsgTx
	coins     []UTXO
	added     int
	outs      []bumpOut
	remainder int // index into outs; -1 when there is none
	oldFee    btcutil.Amount
	oldVSize  int64 // the replaced transaction's virtual size, as signed
	oldRate   psbt.FeeRate
	minRate   psbt.FeeRate
	// What the replacement evicts: the replaced transaction's fee and its
	// mempool descendants' together, and how many descendants.
	evictedFees   btcutil.Amount
	evictedOthers int
	spend         *spendPlan
	sourceDesc    *vault.Descriptor
}

// maxEvicted is how many mempool transactions a replacement may evict,
// the replaced one included: Bitcoin Core's MAX_REPLACEMENT_CANDIDATES and
// btcd's MaxReplacementEvictions (BIP-125 rule 5).
const maxEvicted = 100

// planBump sizes the replacement: the rate the user asked on the new size,
// refused below what BIP-125 and the node require; the extra fee comes out
// of the remainder, and when the remainder cannot pay it (or there is
// none) confirmed outputs of the same generation are added, largest first.
// fam is what the replacement evicts (the replaced transaction and its
// descendants in the node's mempool): it must pay more than all of their
// fees, by the incremental relay fee on its own size.
func (a *App) planBump(tx Tx, d *ProposalDetail, rate psbt.FeeRate, relay RelayFees, fam MempoolFamily) (*bumpPlan, error) {
	b, err := a.bumpBase(tx, d)
	if err != nil {
		return nil, err
	}
	if fam.Count > maxEvicted {
		return nil, errorf(ErrRefused, "a replacement of proposal %s would evict %d mempool transactions (it and those spending from it), and nodes refuse to evict more than %d (BIP-125 rule 5); bump it with a child instead (--cpfp)",
			shortID(d.Proposal.ID), fam.Count, maxEvicted)
	}
	b.evictedFees, b.evictedOthers = max(b.oldFee, fam.Fees), max(0, fam.Count-1)
	cands, err := a.bumpCandidates(tx, d)
	if err != nil {
		return nil, err
	}
	shape, err := shapeOf(d.Source)
	if err != nil {
		return nil, err
	}
	for first := true; ; first = false {
		vsize := b.vsize(shape)
		incr := psbt.Fee(vsize, relay.Incremental)
		minRate := max(b.oldRate+1, fam.Rate+1, relay.Floor(), psbt.FeeRate(ceilDiv(int64(b.evictedFees+incr)*1000, vsize)), fam.MaxDescendantRate+1)
		if first {
			b.minRate = minRate
		}
		if rate < minRate && b.evictedOthers > 0 {
			return nil, errorf(ErrRefused, "fee rate %s is not high enough to replace proposal %s, which pays %s at %s, with %d mempool transaction(s) spending from it that the replacement evicts too, paying %s together: a replacement needs at least %s (BIP-125: more than all their fees, by %s at the node's incremental relay fee of %s, and a higher rate)",
				rate, shortID(d.Proposal.ID), formatBTC(b.oldFee), b.oldRate, b.evictedOthers, formatBTC(b.evictedFees), minRate, formatBTC(incr), relay.Incremental)
		}
		if rate < minRate {
			return nil, errorf(ErrRefused, "fee rate %s is not high enough to replace proposal %s, which pays %s at %s: a replacement needs at least %s (BIP-125: a higher rate, and %s more than the old fee at the node's incremental relay fee of %s)",
				rate, shortID(d.Proposal.ID), formatBTC(b.oldFee), b.oldRate, minRate, formatBTC(incr), relay.Incremental)
		}
		rest := b.inputSum() - b.fixedSum() - psbt.Fee(vsize, rate)
		if b.remainder >= 0 {
			if r := &b.outs[b.remainder]; rest >= psbt.DustThreshold(r.pkScript) {
				r.value, r.out.Value = rest, rest
				b.finish(vsize, rate)
				return b, nil
			}
		}
		if len(cands) == 0 {
			return nil, errorf(ErrRefused, "at %s the extra fee would have to come out of a payment, which a bump never changes: the remainder of proposal %s cannot pay it, and generation %d of vault %s has no other confirmed funds to add",
				rate, shortID(d.Proposal.ID), d.Source.Number, d.Vault.Name)
		}
		b.coins = append(b.coins, cands[0])
		cands = cands[1:]
		b.added++
		if b.remainder < 0 {
			if err := a.addChange(tx, b, d); err != nil {
				return nil, err
			}
		}
	}
}

// bumpBase reads the replaced transaction: its inputs as stored, its
// outputs with the derivations of the internal ones, its fee and its rate
// as signed.
func (a *App) bumpBase(tx Tx, d *ProposalDetail) (*bumpPlan, error) {
	b := &bumpPlan{old: d, oldTx: d.PSBT.UnsignedTx, remainder: -1}
	var err error
	if b.sourceDesc, err = vault.ParseDescriptor(d.Source.Descriptor); err != nil {
		return nil, err
	}
	utxos, err := tx.UTXOs(UTXOFilter{GenerationID: d.Source.ID})
	if err != nil {
		return nil, err
	}
	byOp := make(map[wire.OutPoint]UTXO, len(utxos))
	for _, u := range utxos {
		byOp[u.OutPoint] = u
	}
	for _, in := range b.oldTx.TxIn {
		u, ok := byOp[in.PreviousOutPoint]
		if !ok {
			return nil, errorf(ErrConflict, "input %s of proposal %s is no longer known; run treasury sync", in.PreviousOutPoint, shortID(d.Proposal.ID))
		}
		b.coins = append(b.coins, u)
	}
	if err := a.bumpOutputs(tx, b); err != nil {
		return nil, err
	}
	final, err := a.finalize(d)
	if err != nil {
		return nil, err
	}
	var outSum btcutil.Amount
	for _, o := range b.oldTx.TxOut {
		outSum += amount(o.Value)
	}
	b.oldFee = b.inputSum() - outSum
	weight := int64(final.SerializeSizeStripped()*3 + final.SerializeSize())
	b.oldVSize = (weight + 3) / 4
	b.oldRate = psbt.FeeRate(int64(b.oldFee) * 1000 / b.oldVSize)
	return b, nil
}

// bumpOutputs copies the replaced outputs and finds the remainder: the
// last output to the generation that receives what is left (the target,
// else change on the source's change chain).
func (a *App) bumpOutputs(tx Tx, b *bumpPlan) error {
	d := b.old
	ours, err := a.ownScriptRefs(tx)
	if err != nil {
		return err
	}
	remGen := d.Proposal.TargetGenID
	if remGen == 0 {
		remGen = d.Proposal.GenerationID
	}
	for i, o := range b.oldTx.TxOut {
		bo := bumpOut{value: amount(o.Value), pkScript: o.PkScript, out: d.Proposal.Outputs[i]}
		ref, ok := ours[string(o.PkScript)]
		if bo.out.GenerationID != 0 && !ok {
			return errorf(ErrConflict, "output %d of proposal %s was recorded as ours but is not a watched script", i, shortID(d.Proposal.ID))
		}
		if bo.out.GenerationID != 0 {
			io, err := a.internalOutput(tx, ref)
			if err != nil {
				return err
			}
			if bo.gen, err = tx.Generation(ref.GenerationID); err != nil {
				return err
			}
			bo.derived, bo.desc = io.derived, io.desc
			if ref.GenerationID == remGen && (remGen != d.Proposal.GenerationID || ref.Chain == 1) {
				b.remainder = i
			}
		}
		b.outs = append(b.outs, bo)
	}
	return nil
}

// bumpCandidates are the outputs that may be added: confirmed, mature,
// unreserved outputs of the source generation, largest first.
func (a *App) bumpCandidates(tx Tx, d *ProposalDetail) ([]UTXO, error) {
	all, err := tx.UTXOs(UTXOFilter{GenerationID: d.Source.ID, Unspent: true})
	if err != nil {
		return nil, err
	}
	tip, _, err := tx.Cursor()
	if err != nil {
		return nil, err
	}
	ok, _ := spendable(all, tip)
	sort.SliceStable(ok, func(i, j int) bool { return ok[i].Value > ok[j].Value })
	return ok, nil
}

// addChange gives a replacement that had no remainder a change output on
// the source generation's change chain.
func (a *App) addChange(tx Tx, b *bumpPlan, d *ProposalDetail) error {
	c, err := newChangeOut(d.Source, 1)
	if err != nil {
		return err
	}
	dv, err := deriveNext(c, a.Net)
	if err != nil {
		return err
	}
	src := d.Source
	b.outs = append(b.outs, bumpOut{pkScript: dv.PkScript, derived: dv, desc: c.desc, gen: &src, newGen: &src,
		out: ProposalOutput{Index: len(b.outs), Address: dv.Address, GenerationID: src.ID}})
	b.remainder = len(b.outs) - 1
	return nil
}

func (b *bumpPlan) vsize(shape psbt.InputShape) int64 {
	shapes := make([]psbt.InputShape, len(b.coins))
	for i := range shapes {
		shapes[i] = shape
	}
	scripts := make([][]byte, len(b.outs))
	for i, o := range b.outs {
		scripts[i] = o.pkScript
	}
	return psbt.EstimateVSize(shapes, scripts)
}

func (b *bumpPlan) inputSum() btcutil.Amount {
	var s btcutil.Amount
	for _, c := range b.coins {
		s += c.Value
	}
	return s
}

// fixedSum is what every output but the remainder pays.
func (b *bumpPlan) fixedSum() btcutil.Amount {
	var s btcutil.Amount
	for i, o := range b.outs {
		if i != b.remainder {
			s += o.value
		}
	}
	return s
}

// finish describes the sized replacement as a spend plan, for the fee
// guards, the stored proposal and the audit entry.
func (b *bumpPlan) finish(vsize int64, rate psbt.FeeRate) {
	d := b.old
	p := &spendPlan{kind: d.Proposal.Kind, vault: d.Vault, source: d.Source, target: d.Target, coins: b.coins,
		fee: b.inputSum() - b.fixedSum() - b.outs[b.remainder].value, vsize: vsize, rate: rate, algo: "replacement"}
	for _, o := range b.outs {
		if o.out.GenerationID == 0 {
			p.payments = append(p.payments, Payment{Address: o.out.Address, Amount: o.value})
			continue
		}
		gen := d.Source
		if o.gen != nil {
			gen = *o.gen
		}
		p.change = append(p.change, changeOut{gen: gen, desc: o.desc, chain: o.derived.Chain, value: o.value})
	}
	b.spend = p
}

func ceilDiv(a, b int64) int64 {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}
