package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/rotate"
)

// BroadcastRequest asks to finalize and send a proposal.
type BroadcastRequest struct {
	ID     string
	DryRun bool // finalize and test-accept, but record and send nothing
}

// BroadcastResult is the sent (or, with DryRun, the would-be) transaction.
type BroadcastResult struct {
	Proposal    Proposal
	Tx          *wire.MsgTx
	TxID        string
	AlreadySent bool // the node already had it: nothing was sent again
	Rotated     bool // the spent generation became hot and the standby cold
}

// Broadcast requires the threshold of valid signatures on every input,
// checks that the transaction is exactly the proposed one, finalizes it,
// runs the script engine on every input, has the node test-accept it,
// records the txid and the rotation, and only then sends. If the send
// fails and the node does not have the transaction, the record is undone;
// if the node has it, or cannot be asked, or the process dies after
// recording, the record stays: the next Broadcast sends the very same
// transaction (never a conflicting one) and sync reconciles.
func (a *App) Broadcast(ctx context.Context, req BroadcastRequest) (*BroadcastResult, error) {
	var d *ProposalDetail
	err := a.Store.View(ctx, func(tx Tx) error {
		p, err := findProposal(tx, req.ID)
		if err != nil {
			return err
		}
		if err := refuseUnsendable(tx, p); err != nil {
			return err
		}
		if d, err = a.detail(tx, p); err != nil {
			return err
		}
		if p.State == Collecting || p.State == Ready {
			return checkPlanHolds(tx, p, d.PSBT.UnsignedTx)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p := &d.Proposal
	final, err := a.finalize(d)
	if err != nil {
		return nil, err
	}
	res := &BroadcastResult{Proposal: *p, Tx: final, TxID: final.TxHash().String()}
	c, err := a.chain(ctx)
	if err != nil {
		return nil, err
	}
	if p.State == Broadcast {
		return a.rebroadcast(ctx, c, res, req.DryRun)
	}
	if err := c.TestAccept(ctx, final); err != nil {
		return nil, a.replacementUnderpays(ctx, p, err)
	}
	if req.DryRun {
		return res, nil
	}
	if err := a.recordBroadcast(ctx, d, final, res); err != nil {
		return nil, err
	}
	if err := a.send(ctx, c, p.ID, final); err != nil {
		return nil, err
	}
	res.Proposal.State, res.Proposal.TxID = Broadcast, res.TxID
	return res, nil
}

// send sends a transaction recorded as broadcast, whose in-flight marker
// is set, and records the outcome. The send may have reached the node even
// though its reply did not (a timeout, a dropped connection): the record
// is undone only when the node says the transaction is gone (not in its
// mempool, not confirmed, every input unspent); if it has it, it was sent;
// if it cannot tell, the record and the marker stay: broadcast again
// resends the same transaction and sync reconciles.
func (a *App) send(ctx context.Context, c Chain, id string, final *wire.MsgTx) error {
	_, err := c.Broadcast(ctx, final)
	if err == nil {
		return a.settleSend(ctx, id, "sent")
	}
	ins := make([]wire.OutPoint, len(final.TxIn))
	for i, in := range final.TxIn {
		ins[i] = in.PreviousOutPoint
	}
	f, qerr := fateOf(ctx, c, final.TxHash(), ins)
	switch {
	case qerr == nil && (f.is == fateMempool || f.is == fateConfirmed):
		return a.settleSend(ctx, id, "the node has it, though the send failed: "+err.Error())
	case qerr == nil && f.is == fateGone:
		if undoErr := a.undoBroadcast(ctx, id, err); undoErr != nil {
			return errors.Join(err, undoErr)
		}
		return err
	}
	return fmt.Errorf("proposal %s stays recorded as broadcast, since the node may have received it before the send failed; run treasury broadcast %s again: %w", shortID(id), shortID(id), err)
}

// finalize checks the stored PSBT is the proposal as created and produces
// the signed transaction. The proposal's outputs were recorded at creation
// and must match byte for byte what is about to be sent.
func (a *App) finalize(d *ProposalDetail) (*wire.MsgTx, error) {
	p := &d.Proposal
	if got := psbt.UnsignedTxID(d.PSBT).String(); got != p.ID {
		return nil, errorf(ErrRefused, "the stored PSBT of proposal %s is for transaction %s: refusing to finalize", shortID(p.ID), shortID(got))
	}
	if len(d.PSBT.UnsignedTx.TxOut) != len(p.Outputs) {
		return nil, errorf(ErrRefused, "proposal %s has %d outputs recorded but its transaction has %d", shortID(p.ID), len(p.Outputs), len(d.PSBT.UnsignedTx.TxOut))
	}
	for i, o := range p.Outputs {
		out := d.PSBT.UnsignedTx.TxOut[i]
		want, err := a.payScript(o.Address)
		if err != nil || out.Value != int64(o.Value) || !bytes.Equal(out.PkScript, want) {
			return nil, errorf(ErrRefused, "output %d of proposal %s is not what was proposed", i, shortID(p.ID))
		}
	}
	if !d.Quorum.Complete() {
		return nil, errorf(ErrRefused, "proposal %s is not ready: %s; every input needs %d", shortID(p.ID), d.Quorum.String(), d.Source.Threshold)
	}
	final, err := psbt.Finalize(d.PSBT, d.Source.Threshold)
	if err != nil {
		return nil, errorf(ErrRefused, "proposal %s cannot be finalized: %w", shortID(p.ID), err)
	}
	return final, nil
}

// rebroadcast handles a proposal already recorded as broadcast: if the
// node has the transaction nothing is sent; if it is gone the same
// transaction is sent again, under the in-flight marker; if one of its
// inputs was spent by another transaction it is refused.
func (a *App) rebroadcast(ctx context.Context, c Chain, res *BroadcastResult, dry bool) (*BroadcastResult, error) {
	// A send in flight elsewhere (or one whose outcome was unknown) does
	// not stop this one: it sends the very same transaction.
	p := &res.Proposal
	f, err := proposalFate(ctx, c, p)
	if err != nil {
		return nil, err
	}
	switch f.is {
	case fateMempool, fateConfirmed:
		res.AlreadySent = true
		if !dry && !p.SendingSince.IsZero() {
			return res, a.settleSend(ctx, p.ID, "the node has it (a stale in-flight marker)")
		}
		return res, nil
	case fateConflict, fateSpent:
		return nil, errorf(ErrConflict, "input %s of proposal %s is %s; it cannot be sent: run treasury sync", f.input, shortID(p.ID), spentWording(f))
	}
	if dry {
		return res, c.TestAccept(ctx, res.Tx)
	}
	if err := a.claimSend(ctx, p.ID, p.TxID); err != nil {
		return nil, err
	}
	if err := a.send(ctx, c, p.ID, res.Tx); err != nil {
		return nil, err
	}
	return res, a.rerecord(ctx, p.ID, res.Tx)
}

// rerecord writes again, after a dropped transaction was sent anew, what
// sync undid when the node had dropped it: the spends of our inputs and our
// new outputs as unconfirmed. It is idempotent.
func (a *App) rerecord(ctx context.Context, id string, final *wire.MsgTx) error {
	return a.Store.Update(ctx, func(tx Tx) error {
		p, err := tx.Proposal(id)
		if err != nil || p.State != Broadcast || p.TxID != final.TxHash().String() {
			return err
		}
		for _, in := range final.TxIn {
			if err := tx.SpendUTXO(in.PreviousOutPoint, p.TxID, 0); err != nil {
				return err
			}
		}
		return a.recordOwnOutputs(tx, nil, final)
	})
}

// spentWording says how an input was spent, for messages.
func spentWording(f fate) string {
	if f.is == fateConflict {
		return "spent by mempool transaction " + f.spender.String() + ", not this proposal's"
	}
	return "spent in a block sync has not recorded yet (or unknown to the node)"
}

// recordBroadcast writes, before sending: the state, the txid, the spends
// of our inputs, our new outputs as unconfirmed, and the rotation.
func (a *App) recordBroadcast(ctx context.Context, d *ProposalDetail, final *wire.MsgTx, res *BroadcastResult) error {
	return a.Store.Update(ctx, func(tx Tx) error {
		p, err := tx.Proposal(d.Proposal.ID)
		if err != nil {
			return err
		}
		if p.State != Collecting && p.State != Ready {
			return errorf(ErrConflict, "proposal %s changed to %s meanwhile; run the command again", shortID(p.ID), p.State)
		}
		if err := checkPlanHolds(tx, p, d.PSBT.UnsignedTx); err != nil {
			return err
		}
		txid := final.TxHash().String()
		p.State, p.TxID, p.UpdatedAt = Broadcast, txid, a.now()
		p.SendingSince = p.UpdatedAt // the send is in flight until its outcome is recorded
		if err := tx.UpdateProposal(p); err != nil {
			return err
		}
		if err := a.replaceOnBroadcast(tx, p, final); err != nil {
			return err
		}
		for _, in := range final.TxIn {
			if err := tx.SpendUTXO(in.PreviousOutPoint, txid, 0); err != nil {
				return err
			}
		}
		if err := a.recordOwnOutputs(tx, d, final); err != nil {
			return err
		}
		rotated, err := a.rotateStates(tx, d)
		if err != nil {
			return err
		}
		res.Rotated = rotated
		return a.audit(tx, "proposal.broadcast", map[string]any{"proposal": p.ID, "txid": txid, "rotated": rotated})
	})
}

// recordOwnOutputs adds the transaction's internal outputs as unconfirmed
// UTXOs, so balances show them before the next block.
func (a *App) recordOwnOutputs(tx Tx, d *ProposalDetail, final *wire.MsgTx) error {
	var raw bytes.Buffer
	if err := final.Serialize(&raw); err != nil {
		return err
	}
	scripts, err := tx.Scripts(0)
	if err != nil {
		return err
	}
	byScript := make(map[string]Script, len(scripts))
	for _, s := range scripts {
		byScript[string(s.PkScript)] = s
	}
	h := final.TxHash()
	for i, out := range final.TxOut {
		s, ok := byScript[string(out.PkScript)]
		if !ok {
			continue
		}
		u := &UTXO{OutPoint: wire.OutPoint{Hash: h, Index: uint32(i)}, Value: amount(out.Value), PkScript: out.PkScript,
			GenerationID: s.GenerationID, Chain: s.Chain, Index: s.Index, PrevTx: raw.Bytes()}
		if err := tx.PutUTXO(u); err != nil {
			return err
		}
		if err := tx.MarkScriptUsed(out.PkScript); err != nil {
			return err
		}
	}
	return nil
}

// rotateStates applies principle 4 (see package rotate): once a cold
// generation has signed, it is hot, and the standby that receives its
// remainder becomes cold.
func (a *App) rotateStates(tx Tx, d *ProposalDetail) (bool, error) {
	if d.Proposal.Kind == KindCPFP {
		return false, nil // it spends a remainder back to where it is
	}
	src, err := tx.Generation(d.Source.ID)
	if err != nil {
		return false, err
	}
	tgtState := rotate.State("")
	var tgt *Generation
	if d.Target != nil {
		if tgt, err = tx.Generation(d.Target.ID); err != nil {
			return false, err
		}
		tgtState = rotate.State(tgt.State)
	}
	tr := rotate.OnBroadcast(rotate.State(src.State), tgtState)
	if !tr.Rotated {
		return false, nil
	}
	// The source leaves cold first: at most one generation is cold at a time.
	if err := tx.SetGenerationState(src.ID, GenState(tr.Source)); err != nil {
		return false, err
	}
	if tgt != nil && GenState(tr.Target) != tgt.State {
		if err := tx.SetGenerationState(tgt.ID, GenState(tr.Target)); err != nil {
			return false, err
		}
	}
	return true, a.audit(tx, "generation.rotate", map[string]any{"proposal": d.Proposal.ID, "hot": src.Number, "cold": targetNumber(d)})
}

func targetNumber(d *ProposalDetail) int {
	if d.Target == nil {
		return -1
	}
	return d.Target.Number
}

// undoBroadcast reverts recordBroadcast after a send that failed.
func (a *App) undoBroadcast(ctx context.Context, id string, cause error) error {
	return a.Store.Update(ctx, func(tx Tx) error {
		if _, err := a.revertBroadcast(tx, id); err != nil {
			return err
		}
		return a.audit(tx, "proposal.broadcast-failed", map[string]any{"proposal": id, "error": cause.Error()})
	})
}

// refuseUnsendable refuses a proposal that must not be sent: cancelled,
// replaced, failed or confirmed, or superseded by a broadcast fee bump.
func refuseUnsendable(tx Tx, p *Proposal) error {
	switch p.State {
	case Cancelled, Replaced, Failed:
		return errorf(ErrRefused, "proposal %s is %s and cannot be broadcast", shortID(p.ID), p.State)
	case Confirmed:
		return errorf(ErrRefused, "proposal %s is already confirmed in block %d", shortID(p.ID), p.Height)
	}
	return refuseSuperseded(tx, p, "sent again")
}

// replacementUnderpays words the node's refusal of a fee bump for too low
// a fee: the mempool changed after the bump was priced (a transaction now
// spends from the one it replaces, or another version pays more), so it
// must be cancelled and the replaced proposal bumped again. Other errors,
// and refusals of other proposals, pass unchanged.
func (a *App) replacementUnderpays(ctx context.Context, p *Proposal, err error) error {
	if !strings.Contains(strings.ToLower(err.Error()), "insufficient fee") &&
		!strings.Contains(strings.ToLower(err.Error()), "insufficient absolute fee") {
		return err
	}
	var replaces string
	if e := a.Store.View(ctx, func(tx Tx) error {
		var e error
		replaces, e = tx.Replaces(p.ID)
		return e
	}); e != nil || replaces == "" {
		return err
	}
	return errorf(ErrRefused, "%v; the node's mempool changed after fee bump %s was priced (something now spends from proposal %s, or pays more for its inputs): cancel %s and bump %s again, priced on the mempool as it is now",
		err, shortID(p.ID), shortID(replaces), shortID(p.ID), shortID(replaces))
}
