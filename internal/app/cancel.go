package app

import (
	"context"

	"github.com/btcsuite/btcd/chainhash/v2"

	"github.com/treasury-dev/treasury/rotate"
)

// revertBroadcast undoes what recordBroadcast wrote for proposal id: the
// spends, the unconfirmed outputs, and the rotation of states. The proposal
// goes back to ready (its signatures are still valid).
func (a *App) revertBroadcast(tx Tx, id string) error {
	p, err := tx.Proposal(id)
	if err != nil {
		return err
	}
	if replaced, err := a.revertReplacement(tx, p); replaced || err != nil {
		return err
	}
	if p.TxID != "" {
		if err := tx.UndoTx(p.TxID); err != nil {
			return err
		}
	}
	if err := a.unrotate(tx, p); err != nil {
		return err
	}
	p.State, p.TxID, p.UpdatedAt = Ready, "", a.now()
	return tx.UpdateProposal(p)
}

// unrotate puts the generations back as they were before p rotated them:
// the target back to standby, the source back to cold.
func (a *App) unrotate(tx Tx, p *Proposal) error {
	if p.TargetGenID == 0 || (p.Kind != KindTransfer && p.Kind != KindRotation) {
		return nil // only spends from the cold generation rotate
	}
	src, err := tx.Generation(p.GenerationID)
	if err != nil {
		return err
	}
	tgt, err := tx.Generation(p.TargetGenID)
	if err != nil {
		return err
	}
	if tgt.Number <= src.Number {
		return nil // a sweep into an older generation never rotated anything
	}
	gens, err := tx.Generations(p.VaultID)
	if err != nil {
		return err
	}
	tr, err := rotate.OnRollback(rotate.State(src.State), rotate.State(tgt.State), generationIn(gens, Standby) != nil)
	if err != nil {
		return errorf(ErrConflict, "%w; its keys would be lost track of", err)
	}
	if !tr.Rotated {
		return nil
	}
	// The target leaves cold first: at most one generation is cold at a time.
	if err := tx.SetGenerationState(tgt.ID, GenState(tr.Target)); err != nil {
		return err
	}
	if err := tx.SetGenerationState(src.ID, GenState(tr.Source)); err != nil {
		return err
	}
	return a.audit(tx, "generation.unrotate", map[string]any{"proposal": p.ID, "cold": src.Number, "standby": tgt.Number})
}

// CancelResult says what a cancel did.
type CancelResult struct {
	Proposal Proposal
	Dropped  bool // it had been broadcast and the node no longer has it
	// StillSignable: the threshold of signatures was reached, so whoever
	// holds the signed files can still finalize and send the transaction
	// until one of its inputs is spent (sync then records it).
	StillSignable bool
}

// Cancel abandons a proposal and releases its inputs. A proposal already
// broadcast can be cancelled only when the node has neither confirmed nor
// kept it (it was dropped); its rotation is then rolled back.
func (a *App) Cancel(ctx context.Context, id string) (*CancelResult, error) {
	var p *Proposal
	err := a.Store.View(ctx, func(tx Tx) error {
		var err error
		if p, err = findProposal(tx, id); err != nil {
			return err
		}
		return refuseSuperseded(tx, p, "cancelled")
	})
	if err != nil {
		return nil, err
	}
	res := &CancelResult{}
	switch p.State {
	case Cancelled, Replaced, Failed, Confirmed:
		return nil, errorf(ErrRefused, "proposal %s is already %s", shortID(p.ID), p.State)
	case Broadcast:
		if err := a.checkDropped(ctx, p); err != nil {
			return nil, err
		}
		res.Dropped = true
	}
	err = a.Store.Update(ctx, func(tx Tx) error {
		if res.Dropped {
			if err := a.revertBroadcast(tx, p.ID); err != nil {
				return err
			}
		}
		cur, err := tx.Proposal(p.ID)
		if err != nil {
			return err
		}
		if cur.State != p.State && !(res.Dropped && cur.State == Ready) {
			return errorf(ErrConflict, "proposal %s changed to %s meanwhile; run the command again", shortID(p.ID), cur.State)
		}
		if err := tx.Release(p.ID); err != nil {
			return err
		}
		cur.State, cur.UpdatedAt = Cancelled, a.now()
		if err := tx.UpdateProposal(cur); err != nil {
			return err
		}
		res.Proposal = *cur
		d, err := a.detail(tx, cur)
		if err != nil {
			return err
		}
		res.StillSignable = d.Quorum.Complete()
		return a.audit(tx, "proposal.cancel", map[string]any{"proposal": p.ID, "dropped": res.Dropped, "still_signable": res.StillSignable})
	})
	return res, err
}

// checkDropped refuses to cancel a broadcast proposal the node still has.
func (a *App) checkDropped(ctx context.Context, p *Proposal) error {
	c, err := a.chain(ctx)
	if err != nil {
		return err
	}
	h, err := chainhash.NewHashFromStr(p.TxID)
	if err != nil {
		return err
	}
	confs, inPool, err := c.TxConfirmations(ctx, *h)
	if err != nil && !isNotFound(err) {
		return err
	}
	if err == nil && (confs > 0 || inPool) {
		return errorf(ErrRefused, "proposal %s was broadcast and the node has its transaction (%d confirmations); it cannot be cancelled", shortID(p.ID), confs)
	}
	return nil
}
