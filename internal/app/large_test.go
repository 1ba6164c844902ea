package app_test

import (
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/fakenode"
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
		if f.fake != nil {
			f.fake.Pay(txOuts(outs[i:min(i+50, n)])...)
			continue
		}
		if _, err := f.node.FundMany(f.ctx, outs[i:min(i+50, n)]); err != nil {
			f.t.Fatal(err)
		}
		if i%1000 == 950 {
			f.mine(1) // keep the chains of unconfirmed change short
		}
	}
	f.mine(1)
}

// raceDetector is set when the tests run with -race (race_test.go).
var raceDetector bool

func txOuts(os []regtest.Output) []*wire.TxOut {
	out := make([]*wire.TxOut, len(os))
	for i, o := range os {
		out[i] = wire.NewTxOut(int64(o.Amount), o.PkScript)
	}
	return out
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
//
// It signs some 2000 inputs twice over, which takes a minute on a loaded
// machine, so it runs against btcd only; TestLargeGenerationPlanning
// covers the planning on the fake node under -short.
func TestLargeGenerationIsSpentAndFullyRotated(t *testing.T) {
	if raceDetector {
		// Under -race its 4000 signatures take minutes and alone push the
		// package past go test's timeout; it has no goroutines of its own
		// that smaller tests do not run, and runs in every plain go test.
		t.Skip("signs 2000 inputs twice; skipped under the race detector")
	}
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

// The planning of a large generation, on the fake node and without
// signing: a payment takes the largest outputs that fit one standard
// transaction and reports the rest and the uneconomic ones; a sweep of the
// generation once hot takes every output in standard transactions, each
// its own proposal with its own remainder address.
func TestLargeGenerationPlanning(t *testing.T) {
	f := newFakeFixture(t, fakenode.Btcd)
	f.createVault("ops", 2, f.keys(0, trio...), f.keys(1, trio...))
	f.fundOutputs("ops", 2000, 100_000)
	f.fundOutputs("ops", 5, 400)
	f.sync()
	f.agreeWithNode("ops")
	pay := f.payRequest(50_000_000)
	pay.FeeRate = psbt.SatPerVByte(5)
	res, err := f.app.Propose(f.ctx, pay)
	if err != nil {
		t.Fatal(err)
	}
	l := res.Left
	if res.Inputs+l.Overflow.Outputs != 2000 || l.Overflow.Outputs == 0 || l.Uneconomic.Outputs != 5 || res.Proposal.VSize*4 >= psbt.MaxStandardTxWeight {
		t.Fatalf("%d inputs, %d vB, left %+v", res.Inputs, res.Proposal.VSize, l)
	}
	if _, err := f.app.Cancel(f.ctx, res.Proposal.ID); err != nil {
		t.Fatal(err)
	}
	// As if a payment had rotated generation 0 without taking any of them.
	d, _ := f.app.ShowVault(f.ctx, "ops")
	err = f.db.Update(f.ctx, func(tx app.Tx) error {
		if err := tx.SetGenerationState(d.Generations[0].ID, app.Hot); err != nil {
			return err
		}
		return tx.SetGenerationState(d.Generations[1].ID, app.Cold)
	})
	if err != nil {
		t.Fatal(err)
	}
	g := 0
	sweep, err := f.app.Rotate(f.ctx, app.RotateRequest{Vault: "ops", Generation: &g, FeeRate: psbt.SatPerVByte(5)})
	if err != nil {
		t.Fatal(err)
	}
	all := append([]app.ProposeResult{*sweep}, sweep.More...)
	if len(all) != 3 || sweep.Left.Uneconomic.Outputs != 5 {
		t.Fatalf("%d proposals, left %+v", len(all), sweep.Left)
	}
	inputs, addrs := 0, map[string]bool{}
	for _, r := range all {
		inputs += r.Inputs
		if r.Proposal.VSize*4 >= psbt.MaxStandardTxWeight || r.Proposal.Kind != app.KindSweep || len(r.Proposal.Outputs) != 1 {
			t.Fatalf("sweep %s: %d vB, %d outputs", r.Proposal.Kind, r.Proposal.VSize, len(r.Proposal.Outputs))
		}
		addrs[r.Proposal.Outputs[0].Address] = true
	}
	if inputs != 2000 || len(addrs) != 3 {
		t.Fatalf("the sweeps take %d outputs to %d addresses", inputs, len(addrs))
	}
	// Run again, it finds every output already in a live proposal.
	if _, err := f.app.Rotate(f.ctx, app.RotateRequest{Vault: "ops", Generation: &g, FeeRate: psbt.SatPerVByte(5)}); !errors.Is(err, app.ErrConflict) {
		t.Fatalf("second sweep = %v, want a conflict", err)
	}
}
