package app

import (
	"context"
	"fmt"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/scan"
)

// This file reconciles proposals with what the chain did: transactions the
// node dropped, proposals sent by someone else, and proposals whose inputs
// another transaction spent.

// checkPending looks for our broadcast transactions that the node has
// neither confirmed nor kept in its mempool.
func (a *App) checkPending(ctx context.Context, c Chain, res *SyncResult) error {
	var pending []Proposal
	err := a.Store.View(ctx, func(tx Tx) error {
		ps, err := tx.Proposals(0)
		for _, p := range ps {
			if p.State != Broadcast {
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
		return err
	}
	for _, p := range pending {
		h, err := chainhash.NewHashFromStr(p.TxID)
		if err != nil {
			return err
		}
		_, _, err = c.TxConfirmations(ctx, *h)
		switch {
		case isNotFound(err):
			res.Dropped = append(res.Dropped, p.ID)
			a.events().Notice("dropped", fmt.Sprintf("the transaction of proposal %s is neither confirmed nor in the node's mempool; send it again with treasury broadcast %s, or roll it back with treasury proposal cancel %s", shortID(p.ID), shortID(p.ID), shortID(p.ID)))
		case err != nil:
			return err
		}
	}
	return nil
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
