package app_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// TestBumpReplacedOneConfirms: the replacement was broadcast, yet the
// first transaction is what a miner takes (here: the node restarts, which
// empties its mempool, and the first is sent to it again from outside).
// Sync confirms the first, marks the replacement replaced and forgets what
// it would have done; the rotation stands, balances equal the node's.
func TestBumpReplacedOneConfirms(t *testing.T) {
	f := bumpFixture(t)
	first, sent := f.sentColdSpend(app.MinFeeRate)
	bump, _ := f.bumpAndResign(first.Proposal.ID, psbt.SatPerVByte(5))
	if _, err := f.app.Cancel(f.ctx, first.Proposal.ID); !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "was replaced by "+bump.Proposal.ID[:12]) {
		t.Fatalf("cancel of the replaced proposal: %v", err)
	}
	if _, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: first.Proposal.ID}); !errors.Is(err, app.ErrRefused) {
		t.Fatalf("sending the replaced proposal again: %v", err)
	}
	if err := f.node.Restart(f.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.node.Chain().Broadcast(f.ctx, sent.Tx); err != nil {
		t.Fatalf("first transaction sent from outside: %v", err)
	}
	f.mineSettles(first.Proposal.ID, bump.Proposal.ID)
	if n := f.paidInTip(f.node.Address(), 10_000_000); n != 1 {
		t.Fatalf("payee paid %d times", n)
	}
	if s := f.states("ops"); s != "g0:retired g1:cold" {
		t.Fatalf("generations: %s", s)
	}
	f.checkNodeView("ops", 50_000_000-10_000_000-first.Proposal.Fee)
}

// TestBumpDroppedCancelRestoresFirst: the node forgets both transactions
// (a restart). Cancelling the replacement puts the first one's records
// back (its spends, its outputs, its inputs held) without rolling back the
// rotation it made; the first is then sent again and confirms.
func TestBumpDroppedCancelRestoresFirst(t *testing.T) {
	f := bumpFixture(t)
	first, _ := f.sentColdSpend(0)
	bump, _ := f.bumpAndResign(first.Proposal.ID, psbt.SatPerVByte(7))
	if err := f.node.Restart(f.ctx); err != nil {
		t.Fatal(err)
	}
	if sr := f.sync(); len(sr.Dropped) != 1 || sr.Dropped[0] != bump.Proposal.ID {
		t.Fatalf("dropped %v, want only the replacement (the first is superseded)", sr.Dropped)
	}
	if _, err := f.app.Cancel(f.ctx, bump.Proposal.ID); err != nil {
		t.Fatalf("cancel of the dropped replacement: %v", err)
	}
	if s := f.states("ops"); s != "g0:hot g1:cold" {
		t.Fatalf("the first proposal's rotation must stand: %s", s)
	}
	f.checkNodeViewPending("ops", 50_000_000-10_000_000-first.Proposal.Fee)
	err := f.db.View(f.ctx, func(tx app.Tx) error {
		held, err := tx.UTXOs(app.UTXOFilter{ReservedBy: first.Proposal.ID})
		if err == nil && (len(held) != len(first.PSBT.Inputs) || held[0].SpentBy != first.Proposal.ID) {
			t.Errorf("the first proposal holds %d outputs, want its %d inputs, spent by it", len(held), len(first.PSBT.Inputs))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: first.Proposal.ID}); err != nil {
		t.Fatalf("sending the first again: %v", err)
	}
	f.mine(1)
	if sr := f.sync(); len(sr.Confirmed) != 1 || sr.Confirmed[0] != first.Proposal.ID {
		t.Fatalf("confirmed %v", sr.Confirmed)
	}
	if st := f.state(bump.Proposal.ID); st != app.Cancelled {
		t.Fatalf("the cancelled replacement is %s", st)
	}
	f.checkNodeView("ops", 50_000_000-10_000_000-first.Proposal.Fee)
}

// checkNodeViewPending checks the balance we record (confirmed and
// unconfirmed), which may count a transaction the node does not hold.
func (f *fixture) checkNodeViewPending(vaultName string, want btcutil.Amount) {
	f.t.Helper()
	b, err := f.app.Balance(f.ctx, app.BalanceRequest{Vault: vaultName})
	if err != nil {
		f.t.Fatal(err)
	}
	var total btcutil.Amount
	for _, g := range b.Generations {
		total += g.Confirmed + g.Unconfirmed
	}
	if total != want {
		f.t.Fatalf("recorded balance %d, want %d", total, want)
	}
}

// TestBumpOfBumpColdSpend: a cold spend bumped twice; the third confirms,
// both others are replaced, and the rotation made by the first broadcast
// is the one that stands.
func TestBumpOfBumpColdSpend(t *testing.T) {
	f := bumpFixture(t)
	first, _ := f.sentColdSpend(app.MinFeeRate)
	second, _ := f.bumpAndResign(first.Proposal.ID, 2500) // 2.5 sat/vB
	third, sent := f.bumpAndResign(second.Proposal.ID, psbt.SatPerVByte(6))
	if s := f.states("ops"); s != "g0:hot g1:cold" {
		t.Fatalf("generations while the third waits: %s", s)
	}
	if !f.inMempool(sent.TxID) {
		t.Fatal("the node does not hold the third")
	}
	f.mineSettles(third.Proposal.ID, first.Proposal.ID, second.Proposal.ID)
	if n := f.paidInTip(f.node.Address(), 10_000_000); n != 1 {
		t.Fatalf("payee paid %d times", n)
	}
	if s := f.states("ops"); s != "g0:retired g1:cold" {
		t.Fatalf("generations: %s", s)
	}
	f.checkNodeView("ops", 50_000_000-10_000_000-third.Proposal.Fee)
	f.auditHas("proposal.bump", "proposal.replacing", "proposal.replaced")
}

// TestBumpAddsInputsWhenTheRemainderCannotPay: a hot spend leaves less
// change than the extra fee at 100 sat/vB; the bump adds another confirmed
// output of the same generation (a superset of the inputs), keeps the
// payment, and confirms.
func TestBumpAddsInputsWhenTheRemainderCannotPay(t *testing.T) {
	f := bumpFixture(t)
	tr := f.hotOps(1_000_000)
	req := f.payRequest(990_000)
	req.From, req.FeeRate = app.TierHot, app.MinFeeRate
	first, err := f.app.Propose(f.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	// A late deposit to the hot generation, confirmed after the spend was
	// proposed (so coin selection did not take it) and before it is sent.
	g0, err := f.app.ShowVault(f.ctx, "ops")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.node.FundAddress(f.ctx, deriveAddress(t, f, g0.Generations[0].Descriptor, 7), 500_000); err != nil {
		t.Fatal(err)
	}
	f.mine(1)
	f.sync()
	f.send(first.Proposal.ID, f.sign(f.psbtOf(first), "alice", "bob"))
	bump, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(100), AllowHighFee: true})
	if err != nil {
		t.Fatalf("Bump: %v", err)
	}
	if bump.AddedInputs != 1 || len(bump.PSBT.UnsignedTx.TxIn) != len(first.PSBT.UnsignedTx.TxIn)+1 {
		t.Fatalf("added %d inputs: %d → %d", bump.AddedInputs, len(first.PSBT.UnsignedTx.TxIn), len(bump.PSBT.UnsignedTx.TxIn))
	}
	if bump.Proposal.Fee != psbt.Fee(bump.Proposal.VSize, psbt.SatPerVByte(100)) {
		t.Fatalf("fee %d for %d vB at 100 sat/vB", bump.Proposal.Fee, bump.Proposal.VSize)
	}
	raw := f.psbtOf(&bump.ProposeResult)
	sent := f.send(bump.Proposal.ID, []app.CollectFile{f.sign(raw, "alice")[0], f.signJS(raw, "carol")})
	if !f.inMempool(sent.TxID) {
		t.Fatal("the node does not hold the bump")
	}
	f.mineSettles(bump.Proposal.ID, first.Proposal.ID)
	if n := f.paidInTip(f.node.Address(), 990_000); n != 1 {
		t.Fatalf("payee paid %d times", n)
	}
	f.checkNodeView("ops", 100_000_000-10_000_000-tr.Proposal.Fee+500_000-990_000-bump.Proposal.Fee)
}

// deriveAddress is the receive address at idx of a descriptor.
func deriveAddress(t *testing.T, f *fixture, desc string, idx uint32) string {
	t.Helper()
	d, err := vault.ParseDescriptor(desc)
	if err != nil {
		t.Fatal(err)
	}
	dv, err := d.Derive(f.net, 0, idx)
	if err != nil {
		t.Fatal(err)
	}
	return dv.Address
}
