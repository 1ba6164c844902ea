package app_test

import (
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/internal/fakenode"
	"github.com/treasury-dev/treasury/internal/regtest"
	"github.com/treasury-dev/treasury/psbt"
)

// Pending deposits and immature coinbase outputs never block a cold spend:
// it spends what is confirmed and mature and leaves the rest, which, once
// the spent generation is hot, is a late deposit: flagged in balance and
// utxos, and swept by rotate --generation into the new cold generation.
// (This replaces TestColdSpendRefusesToLeaveFundsBehind, which asserted
// the refusal that let anyone stall the treasury with an unconfirmed
// payment.)
func TestColdSpendSpendsWhatIsConfirmedAndMature(t *testing.T) {
	if testing.Short() {
		t.Skip("regtest")
	}
	f := newFixtureOn(t, nil)
	f.createVault("ops", 2, f.keys(0, trio...), f.keys(1, trio...))
	// The node mines some of its coinbases to generation 0.
	node, err := regtest.Start(t.Context(), regtest.Options{ExtraArgs: []string{"--miningaddr=" + f.addressAt("ops", false, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Stop() })
	f.node, f.app.Chain = node, chain.Dialer(node.RPC(), f.net.Params)
	f.deposit("ops", 30_000_000)
	var immature btcutil.Amount
	for i := 0; i < 20 && immature == 0; i++ {
		f.mine(2)
		f.sync()
		b, _ := f.app.Balance(f.ctx, app.BalanceRequest{Vault: "ops"})
		immature = b.Generations[0].Immature
	}
	if immature == 0 {
		t.Fatal("no coinbase paid the vault (btcd picks a mining address at random)")
	}
	f.deposit("ops", 7_000_000) // waits in the mempool
	f.sync()
	f.agreeWithNode("ops")

	before, _ := f.app.Balance(f.ctx, app.BalanceRequest{Vault: "ops"})
	b0 := before.Generations[0]
	if b0.Unconfirmed != 7_000_000 || b0.Immature == 0 {
		t.Fatalf("generation 0 before the spend: %+v", b0)
	}
	res, err := f.app.Propose(f.ctx, f.payRequest(1_000_000))
	if err != nil {
		t.Fatalf("a cold spend with a pending deposit and an immature coinbase: %v", err)
	}
	if res.InputSum != b0.Confirmed || res.Left.Waiting.Value != b0.Unconfirmed+b0.Immature {
		t.Fatalf("spends %d and leaves %+v; want %d spent, %d left", res.InputSum, res.Left.Waiting, b0.Confirmed, b0.Unconfirmed+b0.Immature)
	}
	f.signAndSend(res, "alice", "bob") // mines one block, confirming the deposit too
	if s := f.states("ops"); s != "g0:hot g1:cold" {
		t.Fatalf("states %q", s)
	}
	f.agreeWithNode("ops")
	b, _ := f.app.Balance(f.ctx, app.BalanceRequest{Vault: "ops"})
	g0 := b.Generations[0]
	if g0.Late != g0.Confirmed+g0.Unconfirmed+g0.Immature || g0.Late < b0.Unconfirmed+b0.Immature {
		t.Fatalf("what the cold spend left is not flagged as late: %+v", g0)
	}
	rows, err := f.app.ListUTXOs(f.ctx, app.UTXOsRequest{Vault: "ops"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Generation == 0 && !r.Late {
			t.Fatalf("utxos does not flag %s of hot generation 0", r.OutPoint)
		}
	}

	// Once mature, rotate --generation 0 sweeps it into generation 1
	// (the coinbases mined meanwhile wait for the next sweep).
	f.mine(100)
	f.sync()
	mid, _ := f.app.Balance(f.ctx, app.BalanceRequest{Vault: "ops"})
	g := 0
	sweep, err := f.app.Rotate(f.ctx, app.RotateRequest{Vault: "ops", Generation: &g, FeeRate: psbt.SatPerVByte(2)})
	if err != nil {
		t.Fatalf("sweep of the late deposits: %v", err)
	}
	if m := mid.Generations[0]; sweep.Proposal.Kind != app.KindSweep || sweep.InputSum != m.Confirmed || sweep.Left.Waiting.Value != m.Immature {
		t.Fatalf("sweep %s of %d leaves %+v; generation 0 held %+v", sweep.Proposal.Kind, sweep.InputSum, sweep.Left, m)
	}
	f.signAndSend(sweep, "bob", "carol")
	f.agreeWithNode("ops")
	if got := f.nodeHoldings("ops")[0]; got != 0 {
		// Coinbases keep paying generation 0 as the node mines; only
		// those mined before the sweep was proposed were swept.
		f.sync()
		b, _ := f.app.Balance(f.ctx, app.BalanceRequest{Vault: "ops"})
		if b.Generations[0].Late != got {
			t.Fatalf("generation 0 holds %d the node mined since, flagged late %d", got, b.Generations[0].Late)
		}
	}
}

// The same on the fake node, fast: a deposit waiting in the mempool does
// not block a cold spend, stays in the now-hot generation flagged as late,
// and rotate --generation sweeps it into the new cold generation.
func TestPendingDepositBecomesALateDepositOfTheHotGeneration(t *testing.T) {
	f := newFakeFixture(t, fakenode.Core)
	f.fundedOps(30_000_000)
	f.deposit("ops", 7_000_000) // waits in the mempool
	f.sync()
	res, err := f.app.Propose(f.ctx, f.payRequest(1_000_000))
	if err != nil {
		t.Fatalf("a cold spend with a pending deposit: %v", err)
	}
	if res.InputSum != 30_000_000 || res.Left.Waiting.Outputs != 1 || res.Left.Waiting.Value != 7_000_000 {
		t.Fatalf("spends %d, leaves %+v", res.InputSum, res.Left.Waiting)
	}
	f.signAndSend(res, "alice", "bob")
	f.agreeWithNode("ops")
	b, _ := f.app.Balance(f.ctx, app.BalanceRequest{Vault: "ops"})
	if g0 := b.Generations[0]; g0.State != app.Hot || g0.Late != 7_000_000 || g0.Confirmed != 7_000_000 {
		t.Fatalf("generation 0 after the spend: %+v", g0)
	}
	g := 0
	sweep, err := f.app.Rotate(f.ctx, app.RotateRequest{Vault: "ops", Generation: &g, FeeRate: psbt.SatPerVByte(2)})
	if err != nil {
		t.Fatal(err)
	}
	f.signAndSend(sweep, "bob", "carol")
	f.agreeWithNode("ops")
	if s := f.states("ops"); s != "g0:retired g1:cold" {
		t.Fatalf("states %q", s)
	}
	if got := f.nodeHoldings("ops")[1]; got != f.balance("ops", 1) || got < 35_990_000 {
		t.Fatalf("generation 1 holds %d", got)
	}
}
