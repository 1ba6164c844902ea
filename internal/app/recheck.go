package app

import (
	"context"
	"errors"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/rotate"
)

// checkPlanHolds re-checks, in tx and before a proposal is first sent,
// every assumption its plan made: the spent generation and the one that
// receives the remainder are still in the states the plan was made for,
// and every input is still unspent and reserved by this proposal and no
// other. Another proposal may have rotated a generation, a rollback may
// have set a standby aside, sync may have seen an input spent or removed
// by a reorg. A replacement (and a child paying for its parent) spends
// what an already broadcast proposal did: its rules are the bump's.
func checkPlanHolds(tx Tx, p *Proposal, unsigned *wire.MsgTx) error {
	if p.Kind == KindCPFP {
		return nil
	}
	if old, err := tx.Replaces(p.ID); err != nil || old != "" {
		return err
	}
	if err := checkPlannedStates(tx, p); err != nil {
		return err
	}
	return checkInputsHeld(tx, p, unsigned)
}

// checkPlannedStates checks the generations are as the plan assumed.
func checkPlannedStates(tx Tx, p *Proposal) error {
	gens, err := tx.Generations(p.VaultID)
	if err != nil {
		return err
	}
	src := generationByID(gens, p.GenerationID)
	if src == nil {
		return errorf(ErrNotFound, "proposal %s spends a generation its vault does not have", shortID(p.ID))
	}
	if p.Kind == KindHot {
		if src.State != Hot {
			return errorf(ErrRefused, "proposal %s pays from hot generation %d, which is now %s; cancel it and propose again", shortID(p.ID), src.Number, src.State)
		}
		return nil
	}
	tgt := generationByID(gens, p.TargetGenID)
	if tgt == nil {
		return errorf(ErrNotFound, "proposal %s pays into a generation its vault does not have", shortID(p.ID))
	}
	rotates := p.Kind != KindSweep
	err = rotate.CheckPlanned(rotates, rotate.State(src.State), rotate.State(tgt.State))
	switch {
	case errors.Is(err, rotate.ErrSourceMoved) && rotates:
		return errorf(ErrRefused, "proposal %s was planned as a spend of cold generation %d, which is now %s; broadcasting it would not do what was planned, so cancel it and propose again", shortID(p.ID), src.Number, src.State)
	case errors.Is(err, rotate.ErrSourceMoved):
		return errorf(ErrRefused, "proposal %s was planned as a sweep of hot or retired generation %d, which is now %s; cancel it and propose again", shortID(p.ID), src.Number, src.State)
	case errors.Is(err, rotate.ErrTargetMoved):
		want, _ := rotate.SweepTarget(rotate.State(src.State))
		return errorf(ErrRefused, "proposal %s pays its remainder into generation %d, planned as the %s one, which is now %s; cancel it and propose again", shortID(p.ID), tgt.Number, want, tgt.State)
	}
	return err
}

// checkInputsHeld checks every input is one of our outputs, unspent, and
// reserved by p.
func checkInputsHeld(tx Tx, p *Proposal, unsigned *wire.MsgTx) error {
	mine, err := tx.UTXOs(UTXOFilter{ReservedBy: p.ID})
	if err != nil {
		return err
	}
	held := make(map[wire.OutPoint]UTXO, len(mine))
	for _, u := range mine {
		held[u.OutPoint] = u
	}
	for i, in := range unsigned.TxIn {
		op := in.PreviousOutPoint
		u, ok := held[op]
		switch {
		case ok && u.SpentBy != "":
			return errorf(ErrConflict, "input %d of proposal %s (%s) is already spent by transaction %s; cancel it", i, shortID(p.ID), op, shortID(u.SpentBy))
		case ok:
			continue
		}
		other, err := tx.Reservation(op)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if other != "" {
			return errorf(ErrConflict, "input %d of proposal %s (%s) is reserved by proposal %s; cancel one of them", i, shortID(p.ID), op, shortID(other))
		}
		return errorf(ErrConflict, "input %d of proposal %s (%s) is no longer an output of the vault (spent elsewhere, or removed by a reorg); run treasury sync, then cancel it", i, shortID(p.ID), op)
	}
	return nil
}

// CheckPlan re-checks, without changing anything, what proposal id's plan
// assumed (see checkPlanHolds), and that it may be sent at all (see
// refuseUnsendable), so that a front end can refuse before it
// shows the transaction for confirmation. Broadcast checks again, in the
// transaction that records the send.
func (a *App) CheckPlan(ctx context.Context, id string) error {
	return a.Store.View(ctx, func(tx Tx) error {
		p, err := findProposal(tx, id)
		if err != nil {
			return err
		}
		if err := refuseUnsendable(tx, p); err != nil || (p.State != Collecting && p.State != Ready) {
			return err
		}
		pk, err := psbt.Decode(p.PSBT)
		if err != nil {
			return err
		}
		return checkPlanHolds(tx, p, pk.UnsignedTx)
	})
}
