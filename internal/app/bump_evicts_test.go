package app_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/fakenode"
	"github.com/treasury-dev/treasury/psbt"
)

// TestBumpPaysForTheChildItEvicts: the payee of a cold spend stuck at
// 1 sat/vB spends its 0.1 BTC at once, at about 45 sat/vB, before it
// confirms. Bumping the stuck transaction then evicts that child too, so
// the replacement must pay more than both fees together and, on btcd, a
// higher rate than the child's (BIP-125 rules 3 and 6, as btcd applies
// them). A bump priced on the stuck transaction alone is refused before
// anyone signs, naming the child; one at the minimum the preview gives is
// signed, btcd itself accepts it in place of both, and it confirms.
func TestBumpPaysForTheChildItEvicts(t *testing.T) {
	f := bumpFixture(t)
	first, sent := f.sentColdSpend(app.MinFeeRate)
	payee := payeeOutput(t, sent.Tx)
	const childFee = 5_000
	child, err := f.node.SpendOutput(f.ctx, wire.OutPoint{Hash: sent.Tx.TxHash(), Index: uint32(payee)}, 10_000_000, childFee)
	if err != nil {
		t.Fatal(err)
	}
	before := f.dump()
	_, err = f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(5)})
	if !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "1 mempool transaction(s) spending from it") {
		t.Fatalf("bump at 5 sat/vB over the payee's child: %v", err)
	}
	if f.dump() != before {
		t.Fatal("a refused bump changed the database")
	}
	preview, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(200), DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if preview.Evicts != 1 || preview.EvictedFees != first.Proposal.Fee+childFee {
		t.Fatalf("preview evicts %d paying %d; want the child, %d with the stuck one's %d", preview.Evicts, preview.EvictedFees, childFee, first.Proposal.Fee)
	}
	if childRate := psbt.FeeRate(childFee * 1000 / vsize(child)); preview.MinFeeRate <= childRate {
		t.Fatalf("minimum %s; btcd refuses a replacement not above the %s child it evicts", preview.MinFeeRate, childRate)
	}
	bump, replacement := f.bumpAndResign(first.Proposal.ID, preview.MinFeeRate)
	if bump.Proposal.Fee <= bump.EvictedFees {
		t.Fatalf("replacement fee %d, evicted %d", bump.Proposal.Fee, bump.EvictedFees)
	}
	if !f.inMempool(replacement.TxID) || f.inMempool(sent.TxID) || f.inMempool(child.TxHash().String()) {
		t.Fatal("the node should hold the replacement alone")
	}
	f.mineSettles(bump.Proposal.ID, first.Proposal.ID)
	f.checkNodeView("ops", 50_000_000-10_000_000-bump.Proposal.Fee)
}

// TestBumpCountsEvictedOnCore: Bitcoin Core (getmempoolentry's descendant
// fees, over JSON-RPC) and the fake node's BIP-125 rules as Core applies
// them: a recipient's child paying 6,000 sat from the stuck transaction
// raises the fee a bump needs, but not its rate (Core compares the rate
// with the replaced transaction's alone); a bump below that is refused, and
// one at the minimum replaces both.
func TestBumpCountsEvictedOnCore(t *testing.T) {
	f := newRPCFakeFixture(t, fakenode.Core)
	first, sent := f.sentColdSpend(app.MinFeeRate)
	// The payee spends its 0.1 BTC output at once, paying 6,000 sat.
	payee := payeeOutput(t, sent.Tx)
	grandchild := f.fake.Spend(sent.Tx, payee, 6_000)
	if err := f.fake.Submit(grandchild); err != nil {
		t.Fatal(err)
	}
	_, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(2), DryRun: true})
	if !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "1 mempool transaction(s) spending from it") {
		t.Fatalf("bump at 2 sat/vB: %v", err)
	}
	preview, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(100), DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if preview.Evicts != 1 || preview.EvictedFees != first.Proposal.Fee+6_000 {
		t.Fatalf("evicts %d paying %d", preview.Evicts, preview.EvictedFees)
	}
	low := preview.MinFeeRate - 1
	if _, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: low, DryRun: true}); !errors.Is(err, app.ErrRefused) {
		t.Fatalf("bump just below the minimum %s: %v", preview.MinFeeRate, err)
	}
	bump, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: preview.MinFeeRate})
	if err != nil {
		t.Fatal(err)
	}
	f.sendReplacement(bump, "alice", "carol")
	f.mineSettles(bump.Proposal.ID, first.Proposal.ID)
}

// TestBumpRefusesEvictingMoreThanAHundred: when a chain of 100
// transactions spends from the stuck one, a replacement would evict 101,
// which nodes refuse (BIP-125 rule 5): bump says so before anyone signs
// and points to a child instead.
func TestBumpRefusesEvictingMoreThanAHundred(t *testing.T) {
	f := newFakeFixture(t, fakenode.Btcd) // Core keeps at most 25 descendants by default
	first, sent := f.sentColdSpend(app.MinFeeRate)
	parent, vout := sent.Tx, payeeOutput(t, sent.Tx)
	for range 100 {
		child := f.fake.Spend(parent, vout, 1_000)
		if err := f.fake.Submit(child); err != nil {
			t.Fatal(err)
		}
		parent, vout = child, 0
	}
	before := f.dump()
	_, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(500)})
	if !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "would evict 101 mempool transactions") || !strings.Contains(err.Error(), "--cpfp") {
		t.Fatalf("bump evicting 101: %v", err)
	}
	if f.dump() != before {
		t.Fatal("a refused bump changed the database")
	}
}

// TestBumpPricesWhatReallySpendsTheInputs: on Bitcoin Core (over
// JSON-RPC), the node no longer holds the proposal's transaction: another
// one spending the same input at a far higher rate replaced it (signed
// elsewhere). A bump must outbid that transaction, which the node names
// through gettxspendingprevout, not the proposal's own; priced on its own,
// it would be signed and then refused.
func TestBumpPricesWhatReallySpendsTheInputs(t *testing.T) {
	f := newRPCFakeFixture(t, fakenode.Core)
	first, sent := f.sentColdSpend(app.MinFeeRate)
	var in btcutil.Amount = 50_000_000
	other := sent.Tx.Copy()
	other.TxOut = []*wire.TxOut{wire.NewTxOut(int64(in-20_000), sent.Tx.TxOut[0].PkScript)}
	if err := f.fake.Replace(other); err != nil {
		t.Fatal(err)
	}
	inPool := func(id string) bool {
		h, err := chainhash.NewHashFromStr(id)
		if err != nil {
			t.Fatal(err)
		}
		ok, _ := f.fake.InMempool(f.ctx, *h)
		return ok
	}
	if inPool(sent.TxID) {
		t.Fatal("the proposal's transaction should be replaced")
	}
	_, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(10), DryRun: true})
	if !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "not high enough") {
		t.Fatalf("bump at 10 sat/vB below the 20,000 sat spend holding the input: %v", err)
	}
	preview, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(500), DryRun: true, AllowHighFee: true})
	if err != nil {
		t.Fatal(err)
	}
	if preview.EvictedFees != 20_000 {
		t.Fatalf("evicted fees %d, want the other spend's 20000", preview.EvictedFees)
	}
	bump, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: preview.MinFeeRate, AllowHighFee: true})
	if err != nil {
		t.Fatal(err)
	}
	f.sendReplacement(bump, "alice", "carol")
	d, err := f.app.ShowProposal(f.ctx, bump.Proposal.ID)
	if err != nil || !inPool(d.Proposal.TxID) || inPool(other.TxHash().String()) {
		t.Fatalf("the bump should have replaced the other spend (%v)", err)
	}
}

// TestBumpUnderpaidAfterTheMempoolChanged: a bump is priced, then, while
// the holders sign, the payee spends its output from the stuck
// transaction. The node refuses the bump for too low a fee; broadcast says
// why and what to do, records nothing, and the bump made again after
// cancelling the first is priced on the child and replaces both.
func TestBumpUnderpaidAfterTheMempoolChanged(t *testing.T) {
	f := newRPCFakeFixture(t, fakenode.Core)
	first, sent := f.sentColdSpend(app.MinFeeRate)
	bump, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(3)})
	if err != nil {
		t.Fatal(err)
	}
	payee := payeeOutput(t, sent.Tx)
	if err := f.fake.Submit(f.fake.Spend(sent.Tx, payee, 20_000)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Collect(f.ctx, f.sign(f.psbtOf(&bump.ProposeResult), "alice", "carol")); err != nil {
		t.Fatal(err)
	}
	before := f.dump()
	_, err = f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: bump.Proposal.ID})
	if !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "insufficient fee") ||
		!strings.Contains(err.Error(), "cancel "+bump.Proposal.ID[:12]+" and bump "+first.Proposal.ID[:12]+" again") {
		t.Fatalf("broadcast of an underpaying bump: %v", err)
	}
	if f.dump() != before {
		t.Fatal("a refused broadcast changed the database")
	}
	if _, err := f.app.Cancel(f.ctx, bump.Proposal.ID); err != nil {
		t.Fatal(err)
	}
	again, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(3)})
	if !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "spending from it") {
		t.Fatalf("the same rate again: %+v, %v", again, err)
	}
	preview, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(500), DryRun: true, AllowHighFee: true})
	if err != nil {
		t.Fatal(err)
	}
	again, err = f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: preview.MinFeeRate, AllowHighFee: true})
	if err != nil {
		t.Fatal(err)
	}
	f.sendReplacement(again, "alice", "carol")
	f.mineSettles(again.Proposal.ID, first.Proposal.ID)
}

// payeeOutput is the index of the 0.1 BTC payment sentColdSpend makes.
func payeeOutput(t *testing.T, tx *wire.MsgTx) int {
	t.Helper()
	for i, o := range tx.TxOut {
		if o.Value == 10_000_000 {
			return i
		}
	}
	t.Fatal("no 0.1 BTC payment")
	return -1
}

// TestReorgSwapsWhichVersionConfirmed: the bump confirms and sync settles
// it (the first version replaced); then a reorganization takes that block
// away and the longer chain holds the first version instead. Sync must undo
// the settlement and record what the chain now says: the first confirmed,
// the bump replaced, the books equal to the node's own view.
func TestReorgSwapsWhichVersionConfirmed(t *testing.T) {
	f := newFakeFixture(t, fakenode.Core)
	first, sent := f.sentColdSpend(app.MinFeeRate)
	bump, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(5)})
	if err != nil {
		t.Fatal(err)
	}
	f.sendReplacement(bump, "alice", "carol")
	f.mineSettles(bump.Proposal.ID, first.Proposal.ID)
	f.matchesNode("ops")

	f.fake.Disconnect(1) // the bump goes back to the mempool
	f.fake.Drop(mustHash(t, f.stateTxID(bump.Proposal.ID)))
	if _, err := f.fake.MineTxs(sent.Tx); err != nil {
		t.Fatal(err)
	}
	f.fake.Mine(1) // the new branch is longer
	res := f.sync()
	if res.ReorgFrom < 0 {
		t.Fatalf("sync saw no reorganization: %+v", res)
	}
	if s := f.state(first.Proposal.ID); s != app.Confirmed {
		t.Fatalf("the first version is %s after the reorganization, want confirmed", s)
	}
	if s := f.state(bump.Proposal.ID); s != app.Replaced {
		t.Fatalf("the bump is %s after the reorganization, want replaced", s)
	}
	if s := f.states("ops"); s != "g0:retired g1:cold" {
		t.Fatalf("generations after the reorganization: %s", s)
	}
	f.matchesNode("ops")
	if again := f.sync(); again.Found != 0 || again.Spent != 0 {
		t.Fatalf("a second sync changed the books: %+v", again)
	}
	f.matchesNode("ops")
}

func mustHash(t *testing.T, s string) chainhash.Hash {
	t.Helper()
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		t.Fatal(err)
	}
	return *h
}

// stateTxID is the txid a proposal was broadcast as.
func (f *fixture) stateTxID(id string) string {
	f.t.Helper()
	d, err := f.app.ShowProposal(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return d.Proposal.TxID
}

// TestBumpRefusesWhatTheNodeWillNotReplace: on btcd, which replaces only
// transactions that signal BIP-125, the proposal's input is spent in the
// mempool by a transaction that is none of its versions and does not
// signal (another wallet holding the quorum spent it). A bump would be
// signed by everyone and then refused, so it is refused now, naming that
// transaction; nothing is stored.
func TestBumpRefusesWhatTheNodeWillNotReplace(t *testing.T) {
	f := newFakeFixture(t, fakenode.Btcd)
	first, sent := f.sentColdSpend(app.MinFeeRate)
	other := sent.Tx.Copy()
	other.TxOut = []*wire.TxOut{wire.NewTxOut(50_000_000-20_000, sent.Tx.TxOut[0].PkScript)}
	for _, in := range other.TxIn {
		in.Sequence = wire.MaxTxInSequenceNum
	}
	if err := f.fake.Replace(other); err != nil {
		t.Fatal(err)
	}
	before := f.dump()
	_, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(500), AllowHighFee: true})
	if !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "none of this proposal's versions") || !strings.Contains(err.Error(), other.TxHash().String()) {
		t.Fatalf("bump over a spend the node will not replace: %v", err)
	}
	if f.dump() != before {
		t.Fatal("a refused bump changed the database")
	}
}
