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

// A cold spend sweeps the whole cold generation, which then turns hot.
// An output of it that cannot be spent yet (here the unconfirmed sweep of
// a late deposit into it) would silently stay behind in a hot generation,
// above its float and unflagged: propose must refuse and change nothing.
func TestColdSpendRefusesToLeaveFundsBehind(t *testing.T) {
	f := newFixture(t)
	f.fundedOps(30_000_000)
	f.transfer("ops", 5_000_000, 2, "alice", "bob")
	if _, err := f.node.FundAddress(f.ctx, f.addressAt("ops", false, 0), 7_000_000); err != nil {
		t.Fatal(err)
	}
	f.mine(1)
	f.sync()
	g := 0
	sweep, err := f.app.Rotate(f.ctx, app.RotateRequest{Vault: "ops", Generation: &g, FeeRate: psbt.SatPerVByte(2)})
	if err != nil {
		t.Fatalf("sweep: %v", err)
	}
	f.registerAll("ops")
	if _, err := f.app.Collect(f.ctx, f.sign(f.psbtOf(sweep), "bob", "carol")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: sweep.Proposal.ID}); err != nil {
		t.Fatal(err)
	}
	// Not mined: generation 1 (cold) holds a confirmed remainder and the
	// unconfirmed sweep output.
	f.standby("ops", 2, 2, trio...)
	before := f.dump()
	_, err = f.app.Propose(f.ctx, app.ProposeRequest{Vault: "ops", FeeRate: psbt.SatPerVByte(2),
		Payments: []app.Payment{{Address: f.node.Address(), Amount: 1_000_000}}})
	if !errors.Is(err, app.ErrRefused) {
		t.Fatalf("cold spend with an unconfirmed output in the cold generation = %v, want a refusal", err)
	}
	if f.dump() != before {
		t.Fatal("the refused proposal changed the database")
	}
	// Once it confirms, the whole generation moves.
	f.mine(1)
	f.sync()
	if _, err := f.app.Propose(f.ctx, app.ProposeRequest{Vault: "ops", FeeRate: psbt.SatPerVByte(2),
		Payments: []app.Payment{{Address: f.node.Address(), Amount: 1_000_000}}}); err != nil {
		t.Fatalf("cold spend after the output confirmed: %v", err)
	}
}
