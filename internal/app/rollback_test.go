package app_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chainhash/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/psbt"
)

// The generation chain can always be walked back: a rotation the node
// dropped after the next standby was registered (the normal workflow)
// rolls back with proposal cancel. The standby registered since is
// retired, the rotation's target is the standby again, and every
// generation holds exactly what the node says it holds. A live proposal
// that depends on the rotation must be cancelled first, and a refused
// cancel changes nothing.
func TestDroppedRotationRollsBackAfterANewStandby(t *testing.T) {
	onBothNodes(t, droppedRotationRollsBack)
}

// forget has the node forget a transaction: a restarted btcd forgets its
// whole mempool (txid is not needed); the fake node evicts the one
// transaction.
func (f *fixture) forget(txid string) {
	f.t.Helper()
	if f.fake != nil {
		h, err := chainhash.NewHashFromStr(txid)
		if err != nil || !f.fake.Drop(*h) {
			f.t.Fatalf("the fake node does not have %s (%v)", txid, err)
		}
		return
	}
	if err := f.node.Restart(f.ctx); err != nil {
		f.t.Fatal(err)
	}
}

func droppedRotationRollsBack(t *testing.T, f *fixture) {
	f.fundedOps(40_000_000)
	f.registerAll("ops")
	p1, err := f.app.Propose(f.ctx, f.payRequest(1_000_000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Collect(f.ctx, f.sign(f.psbtOf(p1), "alice", "bob")); err != nil {
		t.Fatal(err)
	}
	b1, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: p1.Proposal.ID})
	if err != nil {
		t.Fatal(err)
	}
	f.standby("ops", 2, 2, trio...)
	f.forget(b1.TxID)
	// Someone pays the new cold generation, and it confirms.
	f.deposit("ops", 3_000_000)
	f.mine(1)
	if sr := f.sync(); len(sr.Dropped) != 1 || sr.Dropped[0] != p1.Proposal.ID {
		t.Fatalf("sync did not notice the dropped rotation: %+v", sr.Dropped)
	}
	// A cold spend of generation 1 depends on the rotation: the rollback
	// waits for it to be cancelled.
	p2, err := f.app.Propose(f.ctx, f.payRequest(1_000_000))
	if err != nil {
		t.Fatalf("cold spend of generation 1: %v", err)
	}
	before := f.dump()
	_, err = f.app.Cancel(f.ctx, p1.Proposal.ID)
	if !errors.Is(err, app.ErrConflict) || !strings.Contains(err.Error(), p2.Proposal.ID[:12]) {
		t.Fatalf("cancel with a dependent proposal = %v, want a conflict naming %s", err, p2.Proposal.ID[:12])
	}
	if f.dump() != before {
		t.Fatal("the refused cancel changed the database")
	}
	if _, err := f.app.Cancel(f.ctx, p2.Proposal.ID); err != nil {
		t.Fatal(err)
	}
	res, err := f.app.Cancel(f.ctx, p1.Proposal.ID)
	if err != nil || !res.Dropped {
		t.Fatalf("cancel of the dropped rotation: %+v, %v", res, err)
	}
	if s := f.states("ops"); s != "g0:cold g1:standby g2:retired" {
		t.Fatalf("after the rollback: %q", s)
	}
	f.agreeWithNode("ops")
	if got := f.balance("ops", 0); got != 40_000_000 {
		t.Fatalf("generation 0 holds %d after the rollback", got)
	}

	// The treasury pays again; the deposit generation 1 received stays
	// with it as it becomes cold.
	p3, err := f.app.Propose(f.ctx, f.payRequest(2_000_000))
	if err != nil {
		t.Fatalf("propose after the rollback: %v", err)
	}
	f.signAndSend(p3, "bob", "carol")
	if s := f.states("ops"); s != "g0:retired g1:cold g2:retired" {
		t.Fatalf("after the new rotation: %q", s)
	}
	f.agreeWithNode("ops")
	assertAudit(t, f, "generation.unrotate", "proposal.cancel")
}

// A replaced rotation walks back too: the node drops both the rotation
// and its fee bump; cancelling the bump leaves the first broadcast as it
// was, and cancelling that rolls the rotation back, retiring the standby
// registered in between. Balances then match the node's.
func TestDroppedReplacedRotationRollsBack(t *testing.T) {
	f := bumpFixture(t)
	f.fundedOps(50_000_000)
	f.registerAll("ops")
	first, err := f.app.Propose(f.ctx, f.payRequest(10_000_000))
	if err != nil {
		t.Fatal(err)
	}
	f.send(first.Proposal.ID, f.sign(f.psbtOf(first), "alice", "bob"))
	f.standby("ops", 2, 2, trio...)
	bump, _ := f.bumpAndResign(first.Proposal.ID, psbt.SatPerVByte(7))
	f.forget("")
	f.sync()
	if _, err := f.app.Cancel(f.ctx, bump.Proposal.ID); err != nil {
		t.Fatalf("cancel of the dropped bump: %v", err)
	}
	res, err := f.app.Cancel(f.ctx, first.Proposal.ID)
	if err != nil || !res.Dropped || len(res.RetiredStandbys) != 1 || res.RetiredStandbys[0] != 2 {
		t.Fatalf("cancel of the dropped rotation: %+v, %v", res, err)
	}
	if s := f.states("ops"); s != "g0:cold g1:standby g2:retired" {
		t.Fatalf("after the rollback: %q", s)
	}
	f.agreeWithNode("ops")
	again, err := f.app.Propose(f.ctx, f.payRequest(10_000_000))
	if err != nil {
		t.Fatalf("propose after the rollback: %v", err)
	}
	f.signAndSend(again, "alice", "carol")
	f.agreeWithNode("ops")
}
