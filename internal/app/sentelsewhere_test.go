package app_test

import (
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
)

// A proposal cancelled here after its quorum signed stays signable: a
// holder with the signed files sends it. As soon as sync sees it in the
// node's mempool it is adopted as broadcast and its generations rotate (the
// spent one is hot, the standby cold), as when a block holds it; before,
// the spent generation stayed cold, with a zero balance, and handed out
// addresses until the transaction confirmed.
func TestCancelledProposalSentElsewhereRotatesFromTheMempool(t *testing.T) {
	f := newFixture(t)
	f.createVault("ops", 2, f.keys(0, trio...), f.keys(1, trio...))
	f.deposit("ops", 10_000_000)
	f.mine(1)
	f.sync()
	res, err := f.app.Propose(f.ctx, f.payRequest(1_000_000))
	if err != nil {
		t.Fatal(err)
	}
	f.registerAll("ops")
	files := f.sign(f.psbtOf(res), "alice", "carol")
	if _, err := f.app.Collect(f.ctx, files); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Cancel(f.ctx, res.Proposal.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.node.Chain().Broadcast(f.ctx, f.finalizeOutside(files, 2)); err != nil {
		t.Fatal(err)
	}
	f.sync()
	if st := f.state(res.Proposal.ID); st != app.Broadcast {
		t.Fatalf("state %s in the mempool, want broadcast", st)
	}
	if s := f.states("ops"); s != "g0:hot g1:cold" {
		t.Fatalf("states %q in the mempool, want the rotation applied", s)
	}
	f.matchesNode("ops")
	f.mine(1)
	sr := f.sync()
	if len(sr.Confirmed) != 1 || sr.Confirmed[0] != res.Proposal.ID {
		t.Fatalf("confirmed %v, want the proposal", sr.Confirmed)
	}
	if s := f.states("ops"); s != "g0:retired g1:cold" {
		t.Fatalf("states %q after it confirmed", s)
	}
	f.matchesNode("ops")
}
