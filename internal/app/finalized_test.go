package app_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/psbt"
)

// finalizedBy has the named holders sign one copy of raw in turn, then
// finalizes every input as a BIP-174 finalizer does (Bitcoin Core's
// walletprocesspsbt, bitcoinjs-lib's finalizeAllInputs): the witness goes
// into final_scriptwitness (and final_scriptsig for P2SH) and the partial
// signatures, scripts and derivations are removed. tamper, if set, edits
// the final witness of input 0.
func (f *fixture) finalizedBy(raw []byte, tamper func(wire.TxWitness), names ...string) []byte {
	f.t.Helper()
	p, err := psbt.Decode(raw)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, n := range names {
		r, err := f.holder(n).Review(p)
		if err != nil {
			f.t.Fatalf("%s reviews: %v", n, err)
		}
		if _, err := f.holder(n).Sign(p, r); err != nil {
			f.t.Fatalf("%s signs: %v", n, err)
		}
	}
	b, err := psbt.EncodeBinary(p)
	if err != nil {
		f.t.Fatal(err)
	}
	cp, err := psbt.Decode(b)
	if err != nil {
		f.t.Fatal(err)
	}
	tx, err := psbt.Finalize(cp, len(names))
	if err != nil {
		f.t.Fatalf("Finalize: %v", err)
	}
	for i := range p.Inputs {
		w := tx.TxIn[i].Witness
		if i == 0 && tamper != nil {
			tamper(w)
		}
		var buf bytes.Buffer
		if err := wire.WriteVarInt(&buf, 0, uint64(len(w))); err != nil {
			f.t.Fatal(err)
		}
		for _, item := range w {
			if err := wire.WriteVarBytes(&buf, 0, item); err != nil {
				f.t.Fatal(err)
			}
		}
		in := &p.Inputs[i]
		in.FinalScriptWitness, in.FinalScriptSig = buf.Bytes(), tx.TxIn[i].SignatureScript
		in.PartialSigs, in.WitnessScript, in.RedeemScript, in.Bip32Derivation, in.SighashType = nil, nil, nil, nil, 0
	}
	var out bytes.Buffer
	if err := p.Serialize(&out); err != nil {
		f.t.Fatal(err)
	}
	return out.Bytes()
}

// TestCollectFinalizedPSBT: a signer that finalizes the inputs leaves its
// signatures only in the final witness. Collect takes them from there,
// verified against the proposal's own scripts, and the proposal broadcasts;
// a final witness carrying a bad signature is refused and changes nothing.
func TestCollectFinalizedPSBT(t *testing.T) {
	f := newFixture(t)
	f.createVault("ops", 2, f.keys(0, trio...), f.keys(1, trio...))
	f.deposit("ops", 60_000_000)
	f.deposit("ops", 40_000_000)
	f.mine(1)
	f.sync()
	f.registerAll("ops")
	res, err := f.app.Propose(f.ctx, app.ProposeRequest{Vault: "ops", FeeRate: psbt.SatPerVByte(3),
		Payments: []app.Payment{{Address: f.node.Address(), Amount: 30_000_000}}})
	if err != nil {
		t.Fatalf("Propose: %v", err)
	}
	raw := f.psbtOf(res)
	if n := len(res.PSBT.Inputs); n < 2 {
		t.Fatalf("proposal spends %d input(s), want both deposits", n)
	}

	bad := f.finalizedBy(raw, func(w wire.TxWitness) { w[1][8] ^= 1 }, "alice", "carol")
	_, err = f.app.Collect(f.ctx, []app.CollectFile{{Source: "bad.psbt", Data: bad}})
	if !errors.Is(err, app.ErrRefused) || !errors.Is(err, psbt.ErrBadSignature) {
		t.Fatalf("Collect of a finalized PSBT with a bad signature = %v, want refused, invalid signature", err)
	}

	fin := f.finalizedBy(raw, nil, "alice", "carol")
	col, err := f.app.Collect(f.ctx, []app.CollectFile{{Source: "finalized.psbt", Data: fin}})
	if err != nil {
		t.Fatalf("Collect of a finalized PSBT: %v", err)
	}
	if want := 2 * len(res.PSBT.Inputs); col.Added != want {
		t.Fatalf("Collect added %d signatures, want %d (alice and carol on every input)", col.Added, want)
	}
	if st := col.Proposals[0].Proposal.State; st != app.Ready {
		t.Fatalf("proposal is %s after a finalized 2-of-3 file, want ready", st)
	}
	b, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID})
	if err != nil {
		t.Fatalf("Broadcast: %v", err)
	}
	f.mine(1)
	if sr := f.sync(); len(sr.Confirmed) != 1 || sr.Confirmed[0] != res.Proposal.ID {
		t.Fatalf("sync confirmed %v, want %s (%s)", sr.Confirmed, res.Proposal.ID, b.Tx.TxHash())
	}
	if got := f.balance("ops", 1); got <= 69_000_000 || got >= btcutil.Amount(70_000_000) {
		t.Fatalf("new cold generation holds %d sat, want 0.7 BTC less the fee", got)
	}
}
