package app_test

import (
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// BenchmarkPropose5000UTXOs measures Propose from a hot generation holding
// 5,000 confirmed outputs: loading them, coin selection, building and
// storing the PSBT, and reserving the inputs, in one transaction. Each
// iteration cancels its proposal so the next starts from the same state.
func BenchmarkPropose5000UTXOs(b *testing.B) {
	f := newFixtureOn(b, nil)
	benchVault(b, f, 5000)
	req := app.ProposeRequest{Vault: "ops", From: app.TierHot, FeeRate: psbt.SatPerVByte(3),
		Payments: []app.Payment{{Address: "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", Amount: 2_500_000}}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := f.app.Propose(f.ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if _, err := f.app.Cancel(f.ctx, res.Proposal.ID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// benchVault makes vault "ops" whose generation 0 is hot with n outputs
// of 0.001 to 0.005 BTC, written straight into the store.
func benchVault(b *testing.B, f *fixture, n int) {
	b.Helper()
	net := f.net
	var specs, next []app.KeySpec
	for _, name := range []string{"a", "b", "c"} {
		kf, _, err := keysNew(name, net)
		if err != nil {
			b.Fatal(err)
		}
		k0, _ := kf.AccountKey(0, vault.P2WSH)
		k1, _ := kf.AccountKey(1, vault.P2WSH)
		specs = append(specs, app.KeySpec(name+"="+k0.OriginString()))
		next = append(next, app.KeySpec(name+"="+k1.OriginString()))
	}
	res, err := f.app.CreateVault(f.ctx, app.CreateVaultRequest{Name: "ops", Threshold: 2, Keys: specs, StandbyKeys: next})
	if err != nil {
		b.Fatal(err)
	}
	g0, g1 := res.Generations[0], res.Generations[1]
	desc, _ := vault.ParseDescriptor(g0.Descriptor)
	err = f.db.Update(f.ctx, func(tx app.Tx) error {
		if err := tx.SetGenerationState(g0.ID, app.Hot); err != nil {
			return err
		}
		if err := tx.SetGenerationState(g1.ID, app.Cold); err != nil {
			return err
		}
		if err := tx.PutBlock(1000, chainhash.Hash{}.String()); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			dv, err := desc.Derive(net, 0, uint32(i%40))
			if err != nil {
				return err
			}
			prev := wire.NewMsgTx(2)
			prev.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: uint32(i)}, nil, nil))
			value := btcutil.Amount(100_000 + (i%5)*100_000 + i)
			prev.AddTxOut(wire.NewTxOut(int64(value), dv.PkScript))
			raw, _ := serialize(prev)
			u := &app.UTXO{OutPoint: wire.OutPoint{Hash: prev.TxHash(), Index: 0}, Value: value, PkScript: dv.PkScript,
				GenerationID: g0.ID, Chain: 0, Index: uint32(i % 40), Height: int32(1 + i%900), PrevTx: raw}
			if err := tx.PutUTXO(u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
