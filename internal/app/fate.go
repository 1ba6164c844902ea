package app

import (
	"context"
	"fmt"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/psbt"
)

// This file decides what became of a transaction of ours that sync has not
// recorded as confirmed, from the node's mempool (getmempoolentry) and its
// UTXO view (gettxout, gettxspendingprevout), never from getrawtransaction:
// Bitcoin Core without -txindex cannot find a confirmed transaction that
// way, and "not found" must never read as "dropped". It also keeps the
// broadcast-in-flight marker.

// SendTimeout is how long a broadcast-in-flight marker holds. A send is
// bounded by the node client's request timeout (2 minutes); a marker older
// than this was left by a process that died, and is settled by asking the
// node what became of the transaction.
const SendTimeout = 10 * time.Minute

// txFate is what the node says of one transaction of ours.
type txFate int

const (
	fateMempool   txFate = iota // it waits in the node's mempool
	fateConfirmed               // its first output is in the UTXO set, confirmed
	fateGone                    // neither: every input is unspent again
	fateConflict                // an input is spent by another mempool transaction
	fateSpent                   // an input is spent in a block sync has not recorded
)

func (f txFate) String() string {
	return [...]string{"in the mempool", "confirmed", "gone", "conflicted", "spent in a block not yet synced"}[f]
}

// fate is the node's answer about a transaction: what became of it and,
// for a conflict or a spent input, which input and by what.
type fate struct {
	is      txFate
	input   wire.OutPoint
	spender chainhash.Hash // the conflicting mempool transaction
}

// fateOf asks the node about txid, whose inputs are ins.
func fateOf(ctx context.Context, c Chain, txid chainhash.Hash, ins []wire.OutPoint) (fate, error) {
	in, err := c.InMempool(ctx, txid)
	if err != nil || in {
		return fate{is: fateMempool}, err
	}
	first, err := c.Output(ctx, wire.OutPoint{Hash: txid})
	if err != nil {
		return fate{}, err
	}
	if first.Unspent && first.Confirmations > 0 {
		return fate{is: fateConfirmed}, nil
	}
	for _, op := range ins {
		o, err := c.Output(ctx, op)
		switch {
		case err != nil:
			return fate{}, err
		case o.SpentBy == txid:
			return fate{is: fateMempool}, nil // it entered the mempool meanwhile
		case o.SpentBy != chainhash.Hash{}:
			return fate{is: fateConflict, input: op, spender: o.SpentBy}, nil
		case !o.Unspent:
			return fate{is: fateSpent, input: op}, nil
		}
	}
	return fate{is: fateGone}, nil
}

// proposalFate asks the node about a broadcast proposal's transaction.
func proposalFate(ctx context.Context, c Chain, p *Proposal) (fate, error) {
	h, err := chainhash.NewHashFromStr(p.TxID)
	if err != nil {
		return fate{}, err
	}
	pk, err := psbt.Decode(p.PSBT)
	if err != nil {
		return fate{}, fmt.Errorf("proposal %s: %w", shortID(p.ID), err)
	}
	ins := make([]wire.OutPoint, len(pk.UnsignedTx.TxIn))
	for i, in := range pk.UnsignedTx.TxIn {
		ins[i] = in.PreviousOutPoint
	}
	return fateOf(ctx, c, *h, ins)
}

// sendInFlight reports whether p's broadcast is in flight in some process:
// its marker is set and not yet stale.
func (a *App) sendInFlight(p *Proposal) bool {
	return !p.SendingSince.IsZero() && a.now().Sub(p.SendingSince) < SendTimeout
}

// inFlightError refuses to act on a proposal whose send is in flight.
func (a *App) inFlightError(p *Proposal, doing string) error {
	return errorf(ErrConflict, "proposal %s is being broadcast by a treasury process (since %s); it cannot be %s until that send's outcome is known: try again in a minute (a process that died leaves this mark for at most %s)",
		shortID(p.ID), p.SendingSince.Format(time.RFC3339), doing, SendTimeout)
}

// claimSend sets the in-flight marker on a proposal recorded as broadcast
// as txid, before its transaction is sent again (in the same transaction
// that checks it is still broadcast: a cancel that committed first wins).
// Another send of the same transaction may be in flight: sending it twice
// is harmless.
func (a *App) claimSend(ctx context.Context, id, txid string) error {
	return a.Store.Update(ctx, func(tx Tx) error {
		p, err := tx.Proposal(id)
		if err != nil {
			return err
		}
		if p.State != Broadcast || p.TxID != txid {
			return errorf(ErrConflict, "proposal %s changed to %s meanwhile; run the command again", shortID(p.ID), p.State)
		}
		p.SendingSince = a.now()
		return tx.UpdateProposal(p)
	})
}

// settleSend clears the in-flight marker once a send's outcome is known,
// with an audit entry saying what the node answered.
func (a *App) settleSend(ctx context.Context, id, outcome string) error {
	return a.Store.Update(ctx, func(tx Tx) error {
		p, err := tx.Proposal(id)
		if err != nil || p.SendingSince.IsZero() {
			return err
		}
		p.SendingSince = time.Time{}
		if err := tx.UpdateProposal(p); err != nil {
			return err
		}
		return a.audit(tx, "proposal.sent", map[string]any{"proposal": p.ID, "txid": p.TxID, "outcome": outcome})
	})
}
