package app_test

import (
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/regtest"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// fundOutputs pays n outputs of about each sat (distinct values) to the
// first ten receive addresses of the vault's cold generation, 50 to a
// transaction (a PSBT carries each input's whole previous transaction, so
// deposits come from many small ones, as in life), and mines them.
func (f *fixture) fundOutputs(vaultName string, n int, each btcutil.Amount) {
	f.t.Helper()
	d, err := f.app.ShowVault(f.ctx, vaultName)
	if err != nil {
		f.t.Fatal(err)
	}
	var desc *vault.Descriptor
	for _, g := range d.Generations {
		if g.State == app.Cold {
			desc, _ = vault.ParseDescriptor(g.Descriptor)
		}
	}
	outs := make([]regtest.Output, n)
	for i := range outs {
		dv, err := desc.Derive(f.net, 0, uint32(i%10))
		if err != nil {
			f.t.Fatal(err)
		}
		outs[i] = regtest.Output{PkScript: dv.PkScript, Amount: each + btcutil.Amount(i)}
	}
	for i := 0; i < n; i += 50 {
		if _, err := f.node.FundMany(f.ctx, outs[i:min(i+50, n)]); err != nil {
			f.t.Fatal(err)
		}
		if i%1000 == 950 {
			f.mine(1) // keep the chains of unconfirmed change short
		}
	}
	f.mine(1)
}

func weightOf(f *fixture, b *app.BroadcastResult) int64 {
	f.t.Helper()
	return int64(b.Tx.SerializeSizeStripped()*3 + b.Tx.SerializeSize())
}

// A generation with more outputs than fit one standard transaction can
// still be spent and fully rotated: the payment takes the largest that
// fit, the rest is swept by rotate --generation in as many standard
// transactions as needed, each its own proposal. Outputs worth less than
// the fee to spend them are left out and reported, not paid for.
func TestLargeGenerationIsSpentAndFullyRotated(t *testing.T) {
	f := newFixture(t)
	f.createVault("ops", 2, f.keys(0, trio...), f.keys(1, trio...))
	f.fundOutputs("ops", 2000, 100_000)
	f.fundOutputs("ops", 5, 400) // each costs about 523 sat to spend at 5 sat/vB
	f.sync()
	f.agreeWithNode("ops")
	rate := psbt.SatPerVByte(5)

	pay := f.payRequest(50_000_000)
	pay.FeeRate = rate
	res, err := f.app.Propose(f.ctx, pay)
	if err != nil {
		t.Fatalf("paying from a generation of 2005 outputs: %v", err)
	}
	l := res.Left
	if res.Inputs+l.Overflow.Outputs != 2000 || l.Overflow.Outputs == 0 || l.Uneconomic.Outputs != 5 || l.Uneconomic.Value != 5*400+10 {
		t.Fatalf("%d inputs, left %+v", res.Inputs, l)
	}
	b := f.signAndSend(res, "alice", "bob")
	if w := weightOf(f, b); w >= psbt.MaxStandardTxWeight {
		t.Fatalf("the payment weighs %d WU", w)
	}
	if s := f.states("ops"); s != "g0:hot g1:cold" {
		t.Fatalf("states %q", s)
	}
	f.agreeWithNode("ops")
	bal, _ := f.app.Balance(f.ctx, app.BalanceRequest{Vault: "ops"})
	if g0 := bal.Generations[0]; g0.Late != l.Overflow.Value+l.Uneconomic.Value || g0.Confirmed != g0.Late {
		t.Fatalf("what the payment left is not flagged late: %+v", g0)
	}

	g := 0
	sweep, err := f.app.Rotate(f.ctx, app.RotateRequest{Vault: "ops", Generation: &g, FeeRate: rate})
	if err != nil {
		t.Fatalf("sweep of the rest: %v", err)
	}
	all := append([]app.ProposeResult{*sweep}, sweep.More...)
	if len(all) != 2 || sweep.Left.Uneconomic.Outputs != 5 || sweep.Left.Overflow.Outputs != 0 {
		t.Fatalf("%d sweep proposals, left %+v", len(all), sweep.Left)
	}
	inputs := 0
	for i := range all {
		inputs += all[i].Inputs
		b := f.signAndSend(&all[i], "bob", "carol")
		if w := weightOf(f, b); w >= psbt.MaxStandardTxWeight {
			t.Fatalf("sweep %d weighs %d WU", i, w)
		}
		f.agreeWithNode("ops")
	}
	if inputs != l.Overflow.Outputs {
		t.Fatalf("the sweeps spent %d outputs; the payment left %d", inputs, l.Overflow.Outputs)
	}
	bal, _ = f.app.Balance(f.ctx, app.BalanceRequest{Vault: "ops"})
	if g0 := bal.Generations[0]; g0.Confirmed != l.Uneconomic.Value || g0.UTXOs != 5 {
		t.Fatalf("generation 0 after the sweeps: %+v", g0)
	}
	if s := f.states("ops"); s != "g0:hot g1:cold" {
		t.Fatalf("states %q", s)
	}
}
