package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/scan"
	"github.com/treasury-dev/treasury/psbt"
)

// This file reconciles proposals with what the chain did: transactions the
// node dropped, proposals sent by someone else, and proposals whose inputs
// another transaction spent.

// pendingFates asks the node what became of each broadcast proposal's
// transaction that is not in the mempool listing (inPool; nil: not read),
// keyed by proposal id. A proposal whose send is in flight in some process
// is not judged.
func (a *App) pendingFates(ctx context.Context, c Chain, inPool map[string]bool) (map[string]fate, error) {
	var pending []Proposal
	err := a.Store.View(ctx, func(tx Tx) error {
		ps, err := tx.Proposals(0)
		for _, p := range ps {
			if p.State != Broadcast || a.sendInFlight(&p) {
				continue
			}
			// A proposal a broadcast fee bump replaced is out of the
			// mempool by design.
			if n, err := supersededBy(tx, p.ID); err != nil || n != nil {
				if err != nil {
					return err
				}
				continue
			}
			pending = append(pending, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]fate, len(pending))
	for _, p := range pending {
		if inPool[p.TxID] {
			out[p.ID] = fate{is: fateMempool}
			continue
		}
		f, err := proposalFate(ctx, c, &p)
		if err != nil {
			return nil, err
		}
		out[p.ID] = f
	}
	return out, nil
}

// settleFates makes the books follow what the node said of our pending
// transactions: one that is gone or conflicted no longer spends our
// outputs or creates new ones (the proposal stays broadcast: it may be
// sent again, or cancelled); one with an input that no longer exists (a
// reorganization removed it) has failed. Proposals that changed since
// their fate was asked are left for the next sync.
func (a *App) settleFates(tx Tx, st *syncState, inPool map[string]bool) (int, error) {
	n := 0
	for id, f := range st.fates {
		p, err := tx.Proposal(id)
		if err != nil {
			return 0, err
		}
		if p.State != Broadcast || a.sendInFlight(p) {
			continue
		}
		switch {
		case f.is == fateGone || f.is == fateConflict:
			err = tx.UndoTx(p.TxID)
		case f.is == fateSpent:
			var gone bool
			if gone, err = inputGone(tx, f.input, inPool); err == nil && gone {
				err = a.failBroadcast(tx, p, f.input)
			}
		default:
			continue
		}
		if err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// inputGone reports whether an input we recorded as unconfirmed (a
// reorganization took its block away) is no longer in the mempool either.
func inputGone(tx Tx, op wire.OutPoint, inPool map[string]bool) (bool, error) {
	us, err := tx.UTXOs(UTXOFilter{})
	if err != nil {
		return false, err
	}
	for _, u := range us {
		if u.OutPoint == op {
			return u.Height == 0 && !inPool[op.Hash.String()], nil
		}
	}
	return false, nil
}

// failBroadcast marks a broadcast proposal failed because its input op no
// longer exists: its transaction can never confirm.
func (a *App) failBroadcast(tx Tx, p *Proposal, op wire.OutPoint) error {
	if err := tx.UndoTx(p.TxID); err != nil {
		return err
	}
	if err := tx.DeleteUTXO(op); err != nil {
		return err
	}
	return a.fail(tx, p, op)
}

// fail marks a live proposal failed for its missing input op and releases
// what it holds.
func (a *App) fail(tx Tx, p *Proposal, op wire.OutPoint) error {
	p.State, p.UpdatedAt, p.SendingSince = Failed, a.now(), time.Time{}
	if err := tx.UpdateProposal(p); err != nil {
		return err
	}
	if err := tx.Release(p.ID); err != nil {
		return err
	}
	a.events().Notice("failed", fmt.Sprintf("input %s of proposal %s no longer exists (a reorganization removed it, or it left the mempool unconfirmed); the proposal failed and its other inputs are free", op, shortID(p.ID)))
	return a.audit(tx, "proposal.failed", map[string]any{"proposal": p.ID, "outpoint": op.String(), "reason": "input gone"})
}

// failOrphans fails every collecting or ready proposal one of whose inputs
// is no longer among our outputs (forgotten above, or removed by a
// reorganization), releasing the rest. An input created by one of our
// broadcast transactions that the node dropped may come back when it is
// sent again: that proposal waits.
func (a *App) failOrphans(tx Tx) (int, error) {
	ps, err := tx.Proposals(0)
	if err != nil {
		return 0, err
	}
	if !slices.ContainsFunc(ps, func(p Proposal) bool { return p.State == Collecting || p.State == Ready }) {
		return 0, nil
	}
	us, err := tx.UTXOs(UTXOFilter{})
	if err != nil {
		return 0, err
	}
	have := make(map[wire.OutPoint]bool, len(us))
	for _, u := range us {
		have[u.OutPoint] = true
	}
	pending := map[chainhash.Hash]bool{} // a dropped one may be sent again
	for _, p := range ps {
		if h, err := chainhash.NewHashFromStr(p.TxID); err == nil && p.State == Broadcast {
			pending[*h] = true
		}
	}
	n := 0
	for i := range ps {
		p := &ps[i]
		if p.State != Collecting && p.State != Ready {
			continue
		}
		pk, err := psbt.Decode(p.PSBT)
		if err != nil {
			return 0, fmt.Errorf("proposal %s: %w", shortID(p.ID), err)
		}
		for _, in := range pk.UnsignedTx.TxIn {
			if !have[in.PreviousOutPoint] && !pending[in.PreviousOutPoint.Hash] {
				if err := a.fail(tx, p, in.PreviousOutPoint); err != nil {
					return 0, err
				}
				n++
				break
			}
		}
	}
	return n, nil
}

// checkPending reports broadcast proposals by what the node said of their
// transactions: gone (dropped: send it again or cancel it), conflicted (an
// input spent by someone else's mempool transaction), or spent in a block
// sync has not reached. It settles stale in-flight markers by the same
// answer. When the mempool was not read, it asks the node now.
func (a *App) checkPending(ctx context.Context, c Chain, st *syncState) error {
	if st.fates == nil {
		var err error
		if st.fates, err = a.pendingFates(ctx, c, nil); err != nil {
			return err
		}
	}
	for id, f := range st.fates {
		if err := a.settleStale(ctx, id, f); err != nil {
			return err
		}
		short := shortID(id)
		switch f.is {
		case fateGone:
			st.res.Dropped = append(st.res.Dropped, id)
			a.events().Notice("dropped", fmt.Sprintf("the transaction of proposal %s is neither confirmed nor in the node's mempool; send it again with treasury broadcast %s, or roll it back with treasury proposal cancel %s", short, short, short))
		case fateConflict:
			st.res.Conflicted = appendOnce(st.res.Conflicted, id)
			a.events().Notice("conflicted", fmt.Sprintf("input %s of proposal %s is spent by mempool transaction %s, not by this proposal's; if that confirms the proposal fails", f.input, short, f.spender))
		case fateSpent:
			a.events().Notice("pending", fmt.Sprintf("input %s of proposal %s is spent in a block this sync has not reached yet; run treasury sync again", f.input, short))
		}
	}
	return nil
}

// settleStale clears a stale in-flight marker (its process died) now that
// the node has answered for the transaction.
func (a *App) settleStale(ctx context.Context, id string, f fate) error {
	var stale bool
	err := a.Store.View(ctx, func(tx Tx) error {
		p, err := tx.Proposal(id)
		stale = err == nil && !p.SendingSince.IsZero() && !a.sendInFlight(p)
		return err
	})
	if err != nil || !stale {
		return err
	}
	return a.settleSend(ctx, id, "stale marker; the node says the transaction is "+f.is.String())
}

// spendersOf maps the transactions of b that spend our outputs by txid.
func spendersOf(b *wire.MsgBlock, spent []scan.Spent) map[chainhash.Hash]*wire.MsgTx {
	if len(spent) == 0 {
		return nil
	}
	want := make(map[chainhash.Hash]bool, len(spent))
	for _, s := range spent {
		want[s.SpendingTx] = true
	}
	out := make(map[chainhash.Hash]*wire.MsgTx, len(want))
	for _, t := range b.Transactions {
		if h := t.TxHash(); want[h] {
			out[h] = t
		}
	}
	return out
}

// unsignedID is the txid a transaction had before it was signed: the
// proposal id of the proposal it finalizes, if any.
func unsignedID(t *wire.MsgTx) string {
	u := t.Copy()
	for _, in := range u.TxIn {
		in.SignatureScript, in.Witness = nil, nil
	}
	return u.TxHash().String()
}

// adoptSentElsewhere recognizes one of our proposals finalized and sent by
// someone else (another tool, or after it was cancelled here): the
// transaction is exactly the proposal's, so it is recorded as broadcast,
// with its rotation, and the caller's ConfirmTx then confirms it.
func (a *App) adoptSentElsewhere(tx Tx, spender *wire.MsgTx, txid string) error {
	if spender == nil {
		return nil
	}
	p, err := tx.Proposal(unsignedID(spender))
	if isNotFound(err) {
		return nil
	}
	if err != nil || p.State == Broadcast || p.State == Confirmed {
		return err
	}
	d, err := a.detail(tx, p)
	if err != nil {
		return err
	}
	was := p.State
	p.State, p.TxID, p.UpdatedAt = Broadcast, txid, a.now()
	if err := tx.UpdateProposal(p); err != nil {
		return err
	}
	if _, err := a.rotateStates(tx, d); err != nil {
		return err
	}
	a.events().Notice("sent-elsewhere", fmt.Sprintf("proposal %s (%s here) was finalized and sent by someone else as %s", shortID(p.ID), was, txid))
	return a.audit(tx, "proposal.broadcast", map[string]any{"proposal": p.ID, "txid": txid, "sent_elsewhere": true, "was": was})
}

// checkReplaced handles an output of a live proposal spent by some other
// transaction: a replacement of a broadcast proposal, or a spend made
// outside treasury while a proposal was still collecting. Either way that
// proposal can never confirm: it is marked replaced (or failed) and its
// other inputs are released. The generation states stay as they are: keys
// of that generation have signed.
func (a *App) checkReplaced(tx Tx, op wire.OutPoint, spender string) error {
	id, err := tx.Reservation(op)
	if err != nil || id == "" {
		return err
	}
	p, err := tx.Proposal(id)
	if err != nil || !p.State.Live() || p.TxID == spender {
		return err
	}
	state := Failed
	if p.State == Broadcast {
		state = Replaced
	}
	if p.State == Broadcast {
		// Forget what our own transaction would have done; the
		// replacement's effects are recorded as this block's are.
		if err := tx.UndoTx(p.TxID); err != nil {
			return err
		}
	}
	p.State, p.UpdatedAt = state, a.now()
	if err := tx.UpdateProposal(p); err != nil {
		return err
	}
	if err := tx.Release(p.ID); err != nil {
		return err
	}
	a.events().Notice(string(state), fmt.Sprintf("output %s of proposal %s was spent by another transaction, %s; the proposal is %s", op, shortID(p.ID), spender, state))
	return a.audit(tx, "proposal."+string(state), map[string]any{"proposal": p.ID, "outpoint": op.String(), "spent_by": spender})
}
