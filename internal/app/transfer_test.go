package app_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/chain"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/psbt"
)

// transfer runs propose → sign → collect → broadcast → mine → sync and
// checks what left and what stayed.
func (f *fixture) transfer(vaultName string, amt btcutil.Amount, rate int64, signers ...string) *app.BroadcastResult {
	f.t.Helper()
	payee := f.payee()
	res, err := f.app.Propose(f.ctx, app.ProposeRequest{Vault: vaultName, FeeRate: psbt.SatPerVByte(rate),
		Payments: []app.Payment{{Address: payee, Amount: amt}}})
	if err != nil {
		f.t.Fatalf("Propose: %v", err)
	}
	f.registerAll(vaultName)
	files := f.sign(f.psbtOf(res), signers...)
	col, err := f.app.Collect(f.ctx, files)
	if err != nil {
		f.t.Fatalf("Collect: %v", err)
	}
	if st := col.Proposals[0].Proposal.State; st != app.Ready {
		f.t.Fatalf("after %d signatures the proposal is %s, want ready", len(signers), st)
	}
	b, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID[:12]})
	if err != nil {
		f.t.Fatalf("Broadcast: %v", err)
	}
	payScript := mustPayScript(f, payee)
	var paid, out btcutil.Amount
	for _, o := range b.Tx.TxOut {
		out += btcutil.Amount(o.Value)
		if string(o.PkScript) == string(payScript) {
			paid += btcutil.Amount(o.Value)
		}
	}
	if paid != amt {
		f.t.Fatalf("recipient gets %d sat, want %d", paid, amt)
	}
	fee := res.InputSum - out
	vs := vsize(b.Tx)
	if low, high := vs*rate, vs*(rate+1); int64(fee) < low || int64(fee) > high {
		f.t.Fatalf("fee %d sat for %d vB is not %d sat/vB within 1 sat/vB", fee, vs, rate)
	}
	f.mine(1)
	sr := f.sync()
	if len(sr.Confirmed) != 1 || sr.Confirmed[0] != res.Proposal.ID {
		f.t.Fatalf("sync confirmed %v, want %s", sr.Confirmed, res.Proposal.ID)
	}
	return b
}

func mustPayScript(f *fixture, addr string) []byte {
	f.t.Helper()
	ad, err := address.DecodeAddress(addr, f.net.Params)
	if err != nil {
		f.t.Fatal(err)
	}
	s, err := txscript.PayToAddrScript(ad)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func TestTransfer2of3RotatesCold(t *testing.T) {
	f := newAnyFixture(t)
	f.createVault("ops", 2, f.keys(0, "alice", "bob", "carol"), f.keys(1, "alice", "bob", "carol"))
	f.deposit("ops", 2*btcutil.SatoshiPerBitcoin)
	f.deposit("ops", 50_000_000)
	f.mine(1)
	f.sync()
	if got := f.balance("ops", 0); got != 250_000_000 {
		t.Fatalf("cold balance %d, want 250000000", got)
	}
	f.transfer("ops", 120_000_000, 5, "alice", "carol")
	if got, want := f.states("ops"), "g0:retired g1:cold"; got != want {
		t.Fatalf("states %q, want %q", got, want)
	}
	if got := f.balance("ops", 0); got != 0 {
		t.Fatalf("spent generation keeps %d sat, want 0 (no hot float)", got)
	}
	if got := f.balance("ops", 1); got <= 129_000_000 || got >= 130_000_000 {
		t.Fatalf("new cold generation holds %d sat, want 1.3 BTC less the fee", got)
	}
	// The next address comes from the new cold generation.
	addr, err := f.app.Address(f.ctx, app.AddressRequest{Vault: "ops"})
	if err != nil || addr.Generation != 1 {
		t.Fatalf("address after rotation: %+v, %v", addr, err)
	}
}

func TestTransfer3of5(t *testing.T) {
	f := newAnyFixture(t)
	names := []string{"ann", "ben", "cat", "dan", "eve"}
	f.createVault("big", 3, f.keys(0, names...), f.keys(1, names...))
	f.deposit("big", 80_000_000)
	f.mine(1)
	f.sync()
	f.transfer("big", 30_000_000, 3, "ben", "dan", "eve")
	if got, want := f.states("big"), "g0:retired g1:cold"; got != want {
		t.Fatalf("states %q, want %q", got, want)
	}
}

func TestRefusals(t *testing.T) {
	f := newFixture(t)
	f.createVault("ops", 2, f.keys(0, "alice", "bob", "carol"), f.keys(1, "alice", "bob", "carol"))
	f.deposit("ops", 100_000_000)
	f.mine(1)
	f.sync()
	req := f.payRequest(10_000_000)
	res, err := f.app.Propose(f.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	f.registerAll("ops")
	raw := f.psbtOf(res)

	t.Run("second proposal on the same outputs", func(t *testing.T) {
		if _, err := f.app.Propose(f.ctx, req); !errors.Is(err, app.ErrConflict) {
			t.Fatalf("second Propose = %v, want ErrConflict", err)
		}
	})
	t.Run("one signature short", func(t *testing.T) {
		if _, err := f.app.Collect(f.ctx, f.sign(raw, "alice")); err != nil {
			t.Fatal(err)
		}
		_, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID})
		if !errors.Is(err, app.ErrRefused) {
			t.Fatalf("Broadcast with 1 of 2 = %v, want refused", err)
		}
	})
	t.Run("signature by a key outside the vault", func(t *testing.T) {
		before := f.signatureCount(res.Proposal.ID)
		forged := forgeOutsiderSig(t, raw)
		if _, err := f.app.Collect(f.ctx, []app.CollectFile{{Source: "mallory.psbt", Data: forged}}); !errors.Is(err, app.ErrRefused) || !errors.Is(err, psbt.ErrKeyNotInScript) {
			t.Fatalf("Collect of an outsider's signature = %v, want refused: key not in script", err)
		}
		tampered := f.sign(raw, "bob")[0]
		p2, _ := psbt.Decode(tampered.Data)
		sig := p2.Inputs[0].PartialSigs[0].Signature
		sig[len(sig)-5] ^= 0x01
		b, _ := psbt.EncodeBase64(p2)
		if _, err := f.app.Collect(f.ctx, []app.CollectFile{{Source: "tampered.psbt", Data: []byte(b)}}); !errors.Is(err, app.ErrRefused) {
			t.Fatalf("Collect of a tampered signature = %v, want refused", err)
		}
		if after := f.signatureCount(res.Proposal.ID); after != before {
			t.Fatalf("a refused collect changed the signatures: %d -> %d", before, after)
		}
	})
	t.Run("node down during broadcast", func(t *testing.T) {
		if _, err := f.app.Collect(f.ctx, f.sign(raw, "carol")); err != nil {
			t.Fatal(err)
		}
		before := f.states("ops")
		live := f.app.Chain
		for _, down := range []func(context.Context) (app.Chain, error){
			chain.Dialer(chain.Config{Host: deadPort(t), User: "u", Pass: "p"}, f.net.Params),
			func(ctx context.Context) (app.Chain, error) {
				c, err := live(ctx)
				return failingSend{c}, err
			},
		} {
			f.app.Chain = down
			if _, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID}); err == nil {
				t.Fatal("Broadcast with the node down succeeded")
			}
			d, _ := f.app.ShowProposal(f.ctx, res.Proposal.ID)
			if d.Proposal.State != app.Ready || d.Proposal.TxID != "" || f.states("ops") != before {
				t.Fatalf("state changed by a failed broadcast: %s %q, %s", d.Proposal.State, d.Proposal.TxID, f.states("ops"))
			}
		}
		f.app.Chain = live
		if _, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID}); err != nil {
			t.Fatalf("retry after the node came back: %v", err)
		}
		f.mine(1)
		if sr := f.sync(); len(sr.Confirmed) != 1 {
			t.Fatalf("confirmed %v", sr.Confirmed)
		}
	})
}

// failingSend test-accepts like the node but loses the connection when
// sending.
type failingSend struct{ app.Chain }

func (failingSend) Broadcast(context.Context, *wire.MsgTx) (chainhash.Hash, error) {
	return chainhash.Hash{}, chain.ErrUnreachable
}

func deadPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// forgeOutsiderSig adds to input 0 a valid signature over the right
// sighash by a key that is not in the vault.
func forgeOutsiderSig(t *testing.T, raw []byte) []byte {
	p, err := psbt.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := btcec.NewPrivateKey()
	hashes, _ := psbt.SigHashes(p)
	in := p.Inputs[0]
	h, err := txscript.CalcWitnessSigHash(in.WitnessScript, hashes, txscript.SigHashAll, p.UnsignedTx, 0, in.WitnessUtxo.Value)
	if err != nil {
		t.Fatal(err)
	}
	sig := append(ecdsa.Sign(priv, h).Serialize(), byte(txscript.SigHashAll))
	p.Inputs[0].PartialSigs = append(p.Inputs[0].PartialSigs, &btcpsbt.PartialSig{PubKey: priv.PubKey().SerializeCompressed(), Signature: sig})
	b, _ := psbt.EncodeBase64(p)
	return []byte(b)
}

func (f *fixture) signatureCount(id string) int {
	f.t.Helper()
	d, err := f.app.ShowProposal(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	n := 0
	for _, in := range d.PSBT.Inputs {
		n += len(in.PartialSigs)
	}
	return n
}

func TestInternalPaymentIsProvablyOurs(t *testing.T) {
	f := newAnyFixture(t)
	f.createVault("ops", 2, f.keys(0, trio...), f.keys(1, trio...))
	f.createVault("ops2", 2, f.keys(4, trio...), nil)
	f.deposit("ops", 20_000_000)
	f.mine(1)
	f.sync()
	to, err := f.app.Address(f.ctx, app.AddressRequest{Vault: "ops2"})
	if err != nil {
		t.Fatal(err)
	}
	req := app.ProposeRequest{Vault: "ops", FeeRate: psbt.SatPerVByte(2), Payments: []app.Payment{{Address: to.Address, Amount: 5_000_000}}}
	if _, err := f.app.Propose(f.ctx, req); !errors.Is(err, app.ErrRefused) {
		t.Fatalf("paying our own vault without --internal = %v, want refused", err)
	}
	req.Internal = true
	res, err := f.app.Propose(f.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.PSBT.Outputs[0].Bip32Derivation) != 3 || len(res.PSBT.Outputs[0].WitnessScript) == 0 {
		t.Fatal("the internal payment carries no derivations: a signer cannot tell it stays ours")
	}
	f.registerAll("ops")
	f.registerAll("ops2")
	p, _ := psbt.Decode(f.psbtOf(res))
	r, err := f.holder("alice").Review(p)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Outputs[0].Internal || r.Payments != 0 {
		t.Fatalf("alice sees the internal payment as leaving: %+v", r.Outputs[0])
	}
}
