package app

import (
	"context"
	"time"

	"github.com/treasury-dev/treasury/rotate"
)

// revertBroadcast undoes what recordBroadcast wrote for proposal id: the
// spends, the unconfirmed outputs, and the rotation of states. The proposal
// goes back to ready (its signatures are still valid). It returns the
// numbers of the standby generations the rollback retired.
func (a *App) revertBroadcast(tx Tx, id string) ([]int, error) {
	p, err := tx.Proposal(id)
	if err != nil {
		return nil, err
	}
	if replaced, err := a.revertReplacement(tx, p); replaced || err != nil {
		return nil, err
	}
	if p.TxID != "" {
		if err := tx.UndoTx(p.TxID); err != nil {
			return nil, err
		}
	}
	retired, err := a.unrotate(tx, p)
	if err != nil {
		return nil, err
	}
	p.State, p.TxID, p.UpdatedAt, p.SendingSince = Ready, "", a.now(), time.Time{}
	return retired, tx.UpdateProposal(p)
}

// unrotate puts the generations back as they were before p rotated them:
// the target back to standby, the source back to cold, and any generation
// registered as standby since retired (still watched: anything reaching it
// is a late deposit). It refuses, changing nothing, while another live
// proposal depends on the states it would change.
func (a *App) unrotate(tx Tx, p *Proposal) ([]int, error) {
	if p.TargetGenID == 0 || (p.Kind != KindTransfer && p.Kind != KindRotation) {
		return nil, nil // only spends from the cold generation rotate
	}
	gens, err := tx.Generations(p.VaultID)
	if err != nil {
		return nil, err
	}
	src, tgt := generationByID(gens, p.GenerationID), generationByID(gens, p.TargetGenID)
	if src == nil || tgt == nil {
		return nil, errorf(ErrNotFound, "proposal %s names a generation its vault does not have", shortID(p.ID))
	}
	var later []rotate.Gen
	for _, g := range gens {
		if g.Number > tgt.Number {
			later = append(later, rotate.Gen{Number: g.Number, State: rotate.State(g.State)})
		}
	}
	r, err := rotate.OnRollback(rotate.Gen{Number: src.Number, State: rotate.State(src.State)}, rotate.Gen{Number: tgt.Number, State: rotate.State(tgt.State)}, later)
	if err != nil {
		return nil, errorf(ErrConflict, "cannot roll back proposal %s: generation %d, which it made cold, has rotated since; cancel that rotation first", shortID(p.ID), tgt.Number)
	}
	if !r.Rotated {
		return nil, nil
	}
	if err := a.checkNoDependents(tx, p, gens, src.Number); err != nil {
		return nil, err
	}
	for _, n := range r.Retire {
		if err := tx.SetGenerationState(generationNumbered(gens, n).ID, Retired); err != nil {
			return nil, err
		}
	}
	// The target leaves cold first: at most one generation is cold at a time.
	if err := tx.SetGenerationState(tgt.ID, GenState(r.Target)); err != nil {
		return nil, err
	}
	if err := tx.SetGenerationState(src.ID, GenState(r.Source)); err != nil {
		return nil, err
	}
	return r.Retire, a.audit(tx, "generation.unrotate", map[string]any{"proposal": p.ID, "cold": src.Number, "standby": tgt.Number, "retired_standbys": append([]int{}, r.Retire...)})
}

// checkNoDependents refuses to roll back p while another live proposal
// spends from or pays into a generation from p's source on, whose states
// the rollback changes.
func (a *App) checkNoDependents(tx Tx, p *Proposal, gens []Generation, from int) error {
	ps, err := tx.Proposals(p.VaultID)
	if err != nil {
		return err
	}
	for _, q := range ps {
		if q.ID == p.ID || !q.State.Live() {
			continue
		}
		for _, id := range []int64{q.GenerationID, q.TargetGenID} {
			if g := generationByID(gens, id); g != nil && g.Number >= from {
				return errorf(ErrConflict, "proposal %s (%s, %s) involves generation %d, whose state rolling back proposal %s changes; cancel it first", shortID(q.ID), q.Kind, q.State, g.Number, shortID(p.ID))
			}
		}
	}
	return nil
}

func generationByID(gens []Generation, id int64) *Generation {
	for i := range gens {
		if gens[i].ID == id {
			return &gens[i]
		}
	}
	return nil
}

// CancelResult says what a cancel did.
type CancelResult struct {
	Proposal Proposal
	Dropped  bool // it had been broadcast and the node no longer has it
	// StillSignable: the threshold of signatures was reached, so whoever
	// holds the signed files can still finalize and send the transaction
	// until one of its inputs is spent (sync then records it).
	StillSignable bool
	// RetiredStandbys are the generations registered as standby after the
	// rolled-back rotation: retired (still watched), so that its target is
	// the one standby again.
	RetiredStandbys []int
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
		cur, err := tx.Proposal(p.ID)
		if err != nil {
			return err
		}
		// What was checked must still hold: the same state and txid, and
		// no send claimed since (another process's broadcast sets the
		// in-flight marker in the transaction that records it).
		if cur.State != p.State || cur.TxID != p.TxID || !cur.SendingSince.Equal(p.SendingSince) {
			return errorf(ErrConflict, "proposal %s changed to %s meanwhile; run the command again", shortID(p.ID), cur.State)
		}
		if res.Dropped {
			if res.RetiredStandbys, err = a.revertBroadcast(tx, p.ID); err != nil {
				return err
			}
			if cur, err = tx.Proposal(p.ID); err != nil {
				return err
			}
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

// checkDropped refuses to cancel a broadcast proposal unless the node says
// its transaction is gone: not in its mempool, not confirmed, and every
// input unspent again. It asks the mempool and the UTXO view, which need no
// transaction index; a send in flight in another process is refused too.
func (a *App) checkDropped(ctx context.Context, p *Proposal) error {
	if a.sendInFlight(p) {
		return a.inFlightError(p, "cancelled")
	}
	c, err := a.chain(ctx)
	if err != nil {
		return err
	}
	f, err := proposalFate(ctx, c, p)
	if err != nil {
		return err
	}
	switch f.is {
	case fateGone:
		return nil
	case fateConflict, fateSpent:
		return errorf(ErrRefused, "proposal %s was broadcast and its input %s is %s; it cannot be cancelled: run treasury sync", shortID(p.ID), f.input, spentWording(f))
	}
	return errorf(ErrRefused, "proposal %s was broadcast and the node has its transaction (%s); it cannot be cancelled", shortID(p.ID), f.is)
}
