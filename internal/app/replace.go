package app

import (
	"fmt"

	"github.com/btcsuite/btcd/wire/v2"
)

// This file keeps a fee bump's family consistent: a replacement and the
// proposals it replaces spend the same inputs, and at most one of them can
// confirm. The records follow the transaction the node holds: broadcasting
// a replacement forgets what the replaced transaction would have done and
// moves the reservations to the replacement; the confirmation of any
// member marks the others replaced.

// replaceOnBroadcast runs as p (a replacement) is recorded as broadcast,
// before its own spends and outputs are: the replaced proposal's
// unconfirmed effects are forgotten and every input of p is reserved by p.
// The replaced proposal stays broadcast until sync sees which confirms.
func (a *App) replaceOnBroadcast(tx Tx, p *Proposal, final *wire.MsgTx) error {
	oldID, err := tx.Replaces(p.ID)
	if err != nil || oldID == "" {
		return err
	}
	old, err := tx.Proposal(oldID)
	if err != nil {
		return err
	}
	if old.State == Broadcast {
		if err := tx.UndoTx(old.TxID); err != nil {
			return err
		}
		if err := tx.Release(old.ID); err != nil {
			return err
		}
	}
	if err := tx.Release(p.ID); err != nil {
		return err
	}
	ops := make([]wire.OutPoint, len(final.TxIn))
	for i, in := range final.TxIn {
		ops[i] = in.PreviousOutPoint
	}
	if err := tx.Reserve(ops, p.ID); err != nil {
		return err
	}
	return a.audit(tx, "proposal.replacing", map[string]any{"proposal": p.ID, "replaces": old.ID, "replaced_txid": old.TxID, "replaced_state": old.State})
}

// revertReplacement undoes replaceOnBroadcast for a replacement whose send
// failed or that the node dropped while the proposal it replaces is still
// broadcast: the replaced proposal's spends, outputs and reservations are
// recorded again, and the generations stay as that proposal left them. It
// reports false when p replaces no broadcast proposal (the ordinary revert
// applies).
func (a *App) revertReplacement(tx Tx, p *Proposal) (bool, error) {
	oldID, err := tx.Replaces(p.ID)
	if err != nil || oldID == "" {
		return false, err
	}
	old, err := tx.Proposal(oldID)
	if err != nil || old.State != Broadcast {
		return false, err
	}
	d, err := a.detail(tx, old)
	if err != nil {
		return false, err
	}
	final, err := a.finalize(d)
	if err != nil {
		return false, err
	}
	if err := tx.UndoTx(p.TxID); err != nil {
		return false, err
	}
	mine, err := tx.UTXOs(UTXOFilter{ReservedBy: p.ID})
	if err != nil {
		return false, err
	}
	if err := tx.Release(p.ID); err != nil {
		return false, err
	}
	shared := map[wire.OutPoint]bool{}
	var ops []wire.OutPoint
	for _, in := range final.TxIn {
		shared[in.PreviousOutPoint] = true
		ops = append(ops, in.PreviousOutPoint)
	}
	var extra []wire.OutPoint
	for _, u := range mine {
		if !shared[u.OutPoint] {
			extra = append(extra, u.OutPoint)
		}
	}
	if err := tx.Reserve(ops, old.ID); err != nil {
		return false, err
	}
	if err := tx.Reserve(extra, p.ID); err != nil {
		return false, err
	}
	for _, op := range ops {
		if err := tx.SpendUTXO(op, old.TxID, 0); err != nil {
			return false, err
		}
	}
	if err := a.recordOwnOutputs(tx, d, final); err != nil {
		return false, err
	}
	p.State, p.TxID, p.UpdatedAt = Ready, "", a.now()
	return true, tx.UpdateProposal(p)
}

// supersededBy returns a broadcast proposal that replaces p, if any: p's
// transaction is then out of the node's mempool by design, and p can be
// neither cancelled nor sent again, nor reported dropped.
func supersededBy(tx Tx, id string) (*Proposal, error) {
	newer, err := tx.ReplacedBy(id)
	if err != nil {
		return nil, err
	}
	for _, nid := range newer {
		n, err := tx.Proposal(nid)
		if err != nil {
			return nil, err
		}
		if n.State == Broadcast {
			return n, nil
		}
		if s, err := supersededBy(tx, n.ID); s != nil || err != nil {
			return s, err
		}
	}
	return nil, nil
}

// refuseSuperseded refuses an action on a proposal a broadcast replacement
// has taken over.
func refuseSuperseded(tx Tx, p *Proposal, action string) error {
	n, err := supersededBy(tx, p.ID)
	if err != nil || n == nil {
		return err
	}
	return errorf(ErrRefused, "proposal %s was replaced by %s, which was broadcast; it cannot be %s (the one that confirms wins, and sync records it)", shortID(p.ID), shortID(n.ID), action)
}

// family returns every proposal linked to id by replacement, in either
// direction, id excluded.
func family(tx Tx, id string) ([]string, error) {
	seen := map[string]bool{id: true}
	queue := []string{id}
	var out []string
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		links, err := tx.ReplacedBy(cur)
		if err != nil {
			return nil, err
		}
		old, err := tx.Replaces(cur)
		if err != nil {
			return nil, err
		}
		if old != "" {
			links = append(links, old)
		}
		for _, l := range links {
			if !seen[l] {
				seen[l] = true
				queue = append(queue, l)
				out = append(out, l)
			}
		}
	}
	return out, nil
}

// settleReplacements runs when proposal id confirmed: every other live
// member of its family can never confirm and is marked replaced, its
// unconfirmed effects forgotten and its reservations released. The
// generations need no change: every member sends the remainder to the same
// generation, so the rotation made at the first broadcast stands.
func (a *App) settleReplacements(tx Tx, id string) error {
	others, err := family(tx, id)
	if err != nil {
		return err
	}
	for _, oid := range others {
		o, err := tx.Proposal(oid)
		if err != nil {
			return err
		}
		if !o.State.Live() {
			continue
		}
		if o.State == Broadcast && o.TxID != "" {
			if err := tx.UndoTx(o.TxID); err != nil {
				return err
			}
		}
		if err := tx.Release(o.ID); err != nil {
			return err
		}
		was := o.State
		o.State, o.UpdatedAt = Replaced, a.now()
		if err := tx.UpdateProposal(o); err != nil {
			return err
		}
		a.events().Notice("replaced", fmt.Sprintf("proposal %s confirmed; proposal %s (%s), of the same fee-bump family, is replaced", shortID(id), shortID(o.ID), was))
		if err := a.audit(tx, "proposal.replaced", map[string]any{"proposal": o.ID, "by": id, "was": was}); err != nil {
			return err
		}
	}
	return nil
}
