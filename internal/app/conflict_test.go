package app_test

import (
	"errors"
	"testing"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/fakenode"
	"github.com/treasury-dev/treasury/psbt"
)

// Outputs of ours spent by a transaction that is not ours stop counting as
// soon as it is in the mempool; a proposal holding one is conflicted, not
// dropped; a reorganization that removes a reserved deposit fails the
// proposal and frees the rest.

// spendElsewhere is someone else's transaction spending op (the fake node
// runs no scripts).
func spendElsewhere(op wire.OutPoint, value int64) *wire.MsgTx {
	t := wire.NewMsgTx(2)
	t.AddTxIn(wire.NewTxIn(&op, nil, nil))
	t.AddTxOut(wire.NewTxOut(value-1_000, []byte{0x51}))
	return t
}

// twoDeposits funds "ops" with 50 and 7 BTC-cents and returns the 7's
// outpoint.
func (f *fixture) twoDeposits() wire.OutPoint {
	f.t.Helper()
	f.fundedOps(50_000_000)
	dep := f.deposit("ops", 7_000_000)
	f.mine(1)
	f.sync()
	for i, o := range dep.TxOut {
		if o.Value == 7_000_000 {
			return wire.OutPoint{Hash: dep.TxHash(), Index: uint32(i)}
		}
	}
	f.t.Fatal("no 7,000,000 sat output")
	return wire.OutPoint{}
}

func (f *fixture) reservedBy(id string) int {
	f.t.Helper()
	us, err := f.app.ListUTXOs(f.ctx, app.UTXOsRequest{Vault: "ops"})
	if err != nil {
		f.t.Fatal(err)
	}
	n := 0
	for _, u := range us {
		if u.ReservedBy == id {
			n++
		}
	}
	return n
}

func TestForeignMempoolSpendStopsCountingAndConflictsTheProposal(t *testing.T) {
	f := newFakeFixture(t, fakenode.Core)
	op := f.twoDeposits()
	res := f.propose(1_000_000)
	id := res.Proposal.ID
	b := spendElsewhere(op, 7_000_000)
	if err := f.fake.Submit(b); err != nil {
		t.Fatal(err)
	}
	s := f.sync()
	if len(s.Conflicted) != 1 || s.Conflicted[0] != id || len(s.Dropped) != 0 {
		t.Fatalf("conflicted %v, dropped %v", s.Conflicted, s.Dropped)
	}
	f.matchesNode("ops") // the 7 no longer counts
	if f.booksTotal("ops") != 50_000_000 || f.state(id) != app.Collecting {
		t.Fatalf("books %d, state %s", f.booksTotal("ops"), f.state(id))
	}
	// It leaves the mempool: the output counts again and is free of conflict.
	f.fake.Drop(b.TxHash())
	s = f.sync()
	if len(s.Conflicted) != 0 || f.booksTotal("ops") != 57_000_000 {
		t.Fatalf("after the drop: conflicted %v, books %d", s.Conflicted, f.booksTotal("ops"))
	}
	f.matchesNode("ops")
	// It comes back and confirms: the proposal fails and frees its inputs.
	if err := f.fake.Submit(b); err != nil {
		t.Fatal(err)
	}
	f.mine(1)
	f.sync()
	if f.state(id) != app.Failed || f.reservedBy(id) != 0 {
		t.Fatalf("state %s, %d outputs still reserved", f.state(id), f.reservedBy(id))
	}
	f.matchesNode("ops")
}

func TestReplacedBroadcastIsConflictedNotDropped(t *testing.T) {
	f := newFakeFixture(t, fakenode.Core)
	op := f.twoDeposits()
	res := f.propose(1_000_000)
	f.broadcastOnly(res)
	if err := f.fake.Replace(spendElsewhere(op, 7_000_000)); err != nil {
		t.Fatal(err)
	}
	s := f.sync()
	if len(s.Dropped) != 0 || len(s.Conflicted) != 1 || s.Conflicted[0] != res.Proposal.ID {
		t.Fatalf("dropped %v, conflicted %v", s.Dropped, s.Conflicted)
	}
	f.matchesNode("ops") // our transaction's outputs no longer count
	if _, err := f.app.Cancel(f.ctx, res.Proposal.ID); !errors.Is(err, app.ErrRefused) {
		t.Fatalf("cancel of a conflicted broadcast: %v", err)
	}
}

func TestReorgRemovingAReservedDepositFailsTheProposal(t *testing.T) {
	f := newFakeFixture(t, fakenode.Core)
	op := f.twoDeposits()
	res := f.propose(1_000_000)
	f.fake.Disconnect(1) // the 7's block; its deposit goes back to the mempool…
	f.fake.Drop(op.Hash) // …and is then evicted
	f.fake.Mine(2)
	s := f.sync()
	if s.ReorgFrom < 0 {
		t.Fatalf("no reorg seen: %+v", s)
	}
	if f.state(res.Proposal.ID) != app.Failed || f.reservedBy(res.Proposal.ID) != 0 {
		t.Fatalf("state %s, %d outputs still reserved", f.state(res.Proposal.ID), f.reservedBy(res.Proposal.ID))
	}
	f.matchesNode("ops")
	if f.booksTotal("ops") != 50_000_000 {
		t.Fatalf("books %d", f.booksTotal("ops"))
	}
	f.propose(1_000_000) // the 50 is free for a new proposal
}

// On btcd: a proposal cancelled after its quorum signed is still
// signable; someone sends it, and it conflicts with the live proposal that
// took its inputs.
func TestSignedCancelledProposalSentElsewhereConflictsTheLiveOne(t *testing.T) {
	f := newFixture(t)
	f.fundedOps(50_000_000)
	first := f.propose(10_000_000)
	f.collectOnly(first, "alice", "bob")
	d, err := f.app.ShowProposal(f.ctx, first.Proposal.ID)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := psbt.Finalize(d.PSBT, 2)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := f.app.Cancel(f.ctx, first.Proposal.ID); err != nil || !c.StillSignable {
		t.Fatalf("cancel: %+v, %v", c, err)
	}
	second := f.propose(5_000_000)
	if _, err := f.node.Chain().Broadcast(f.ctx, signed); err != nil {
		t.Fatal(err)
	}
	s := f.sync()
	if len(s.Conflicted) != 1 || s.Conflicted[0] != second.Proposal.ID {
		t.Fatalf("conflicted %v", s.Conflicted)
	}
	f.matchesNode("ops")
	f.mine(1)
	f.sync()
	if f.state(second.Proposal.ID) != app.Failed || f.state(first.Proposal.ID) != app.Confirmed {
		t.Fatalf("states: second %s, first %s", f.state(second.Proposal.ID), f.state(first.Proposal.ID))
	}
	f.matchesNode("ops")
}

// With more transactions in the mempool than sync reads (a mainnet node),
// the node is asked about our own unconfirmed outputs one by one: a
// reserved deposit a reorganization removed still fails its proposal.
func TestReorgRemovingAReservedDepositFailsTheProposalOnABusyNode(t *testing.T) {
	f := newFakeFixture(t, fakenode.Core)
	op := f.twoDeposits()
	res := f.propose(1_000_000)
	f.deposit("ops", 3_000_000) // waits in the mempool, and must keep counting
	f.sync()
	f.fake.Disconnect(1)
	f.fake.Drop(op.Hash)
	for range 2 {
		if _, err := f.fake.MineTxs(); err != nil {
			t.Fatal(err)
		}
	}
	for range app.MaxMempoolScan + 1 {
		f.fake.Pay(wire.NewTxOut(1_000, []byte{0x51}))
	}
	s := f.sync()
	if s.ReorgFrom < 0 {
		t.Fatalf("no reorg seen: %+v", s)
	}
	if f.state(res.Proposal.ID) != app.Failed || f.reservedBy(res.Proposal.ID) != 0 {
		t.Fatalf("state %s, %d outputs still reserved", f.state(res.Proposal.ID), f.reservedBy(res.Proposal.ID))
	}
	f.matchesNode("ops")
	if f.booksTotal("ops") != 53_000_000 {
		t.Fatalf("books %d", f.booksTotal("ops"))
	}
}
