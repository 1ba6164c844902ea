package app_test

import (
	"context"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/psbt"
)

// lostReply is a node connection that delivers a transaction and then
// loses the node's reply, as a timeout or a dropped connection does.
type lostReply struct{ app.Chain }

func (l lostReply) Broadcast(ctx context.Context, tx *wire.MsgTx) (chainhash.Hash, error) {
	if _, err := l.Chain.Broadcast(ctx, tx); err != nil {
		return chainhash.Hash{}, err
	}
	return chainhash.Hash{}, errors.New("read tcp 127.0.0.1: i/o timeout")
}

// A send whose reply is lost may still have reached the node. Broadcast
// must not then undo its record (state, spends, rotation): the
// transaction is out, and undoing would let sync never confirm the
// proposal and keep the spent generation cold.
func TestBroadcastLostReplyKeepsRecord(t *testing.T) {
	f := newFixture(t)
	f.fundedOps(40_000_000)
	res, err := f.app.Propose(f.ctx, app.ProposeRequest{Vault: "ops", FeeRate: psbt.SatPerVByte(2),
		Payments: []app.Payment{{Address: f.node.Address(), Amount: 1_000_000}}})
	if err != nil {
		t.Fatal(err)
	}
	f.registerAll("ops")
	if _, err := f.app.Collect(f.ctx, f.sign(f.psbtOf(res), "alice", "bob")); err != nil {
		t.Fatal(err)
	}
	dial := f.app.Chain
	f.app.Chain = func(ctx context.Context) (app.Chain, error) {
		c, err := dial(ctx)
		return lostReply{c}, err
	}
	b, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID})
	if err != nil {
		t.Fatalf("Broadcast with the node holding the transaction: %v", err)
	}
	if b.Proposal.State != app.Broadcast {
		t.Fatalf("result state %s, want broadcast", b.Proposal.State)
	}
	if s := f.states("ops"); s != "g0:hot g1:cold" {
		t.Fatalf("after a send the node received: %q, want g0:hot g1:cold", s)
	}
	f.app.Chain = dial
	f.mine(1)
	if sr := f.sync(); len(sr.Confirmed) != 1 || sr.Confirmed[0] != res.Proposal.ID {
		t.Fatalf("sync confirmed %v, want %s", sr.Confirmed, res.Proposal.ID)
	}
}
