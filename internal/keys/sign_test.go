package keys

import (
	"bytes"
	"errors"
	"strconv"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// fixture is a 2-of-3 vault (alice, bob, carol) with its next generation,
// a foreign 2-of-3 vault (dave, erin, frank), and the holders' key files,
// each of which has registered both generations of the vault.
type fixture struct {
	net                 vault.Network
	alice, bob, carol   *File
	gen0, gen1, strange *vault.Descriptor
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureOf(t, vault.P2WSH)
}

// newFixtureOf is newFixture with vaults of script type st.
func newFixtureOf(t testing.TB, st vault.ScriptType) *fixture {
	t.Helper()
	hs := holders(t, "regtest", "alice", "bob", "carol", "dave", "erin", "frank")
	fx := &fixture{net: mustNetwork(t, "regtest"), alice: hs[0], bob: hs[1], carol: hs[2]}
	fx.gen0 = multisigOf(t, st, 2, 0, hs[0], hs[1], hs[2])
	fx.gen1 = multisigOf(t, st, 2, 1, hs[0], hs[1], hs[2])
	fx.strange = multisigOf(t, st, 2, 0, hs[3], hs[4], hs[5])
	for _, f := range hs[:3] {
		for _, d := range []*vault.Descriptor{fx.gen0, fx.gen1} {
			if _, err := f.Register(d); err != nil {
				t.Fatal(err)
			}
		}
	}
	return fx
}

func (fx *fixture) derive(t testing.TB, d *vault.Descriptor, chain, index uint32) *vault.Derived {
	t.Helper()
	got, err := d.Derive(fx.net, chain, index)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// prevTx is a funding transaction paying value to pkScript at output 1;
// seed makes each one distinct.
func prevTx(seed uint32, value int64, pkScript []byte) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: chainhash.Hash{1, 2, 3}, Index: seed}})
	tx.AddTxOut(wire.NewTxOut(1000, []byte{txscript.OP_TRUE}))
	tx.AddTxOut(wire.NewTxOut(value, pkScript))
	return tx
}

// payment is an external P2WPKH output script.
var payment = append([]byte{txscript.OP_0, txscript.OP_DATA_20}, bytes.Repeat([]byte{0xab}, 20)...)

const (
	inputValue  = 1_000_000
	paymentSats = 400_000
	fee         = 3_000
)

// spend builds a PSBT spending n generation-0 UTXOs (chain 0, index i) to
// one payment and one change output to generation 1 (chain 1, index 0).
func (fx *fixture) spend(t testing.TB, n int) *btcpsbt.Packet {
	t.Helper()
	return fx.spendTo(t, n, fx.derive(t, fx.gen1, 1, 0))
}

// spendTo is spend with the change output at change.
func (fx *fixture) spendTo(t testing.TB, n int, change *vault.Derived) *btcpsbt.Packet {
	t.Helper()
	req := psbt.BuildRequest{LockTime: 100}
	for i := 0; i < n; i++ {
		d := fx.derive(t, fx.gen0, 0, uint32(i))
		tx := prevTx(uint32(i), inputValue, d.PkScript)
		req.Inputs = append(req.Inputs, psbt.InputSpec{
			OutPoint: wire.OutPoint{Hash: tx.TxHash(), Index: 1}, PrevTx: tx, Derived: d,
		})
	}
	req.Outputs = []psbt.OutputSpec{
		{Value: paymentSats, PkScript: payment},
		{Value: btcutil.Amount(n*inputValue - paymentSats - fee), PkScript: change.PkScript, Derived: change},
	}
	req.GlobalXPubs = append(append([]vault.Key(nil), fx.gen0.Keys...), fx.gen1.Keys...)
	p, err := psbt.Build(req)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// clone deep-copies a packet through its serialization.
func clone(t testing.TB, p *btcpsbt.Packet) *btcpsbt.Packet {
	t.Helper()
	q, err := psbt.Decode(mustEncode(t, p))
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestReviewAndSign(t *testing.T) {
	for _, st := range []vault.ScriptType{vault.P2WSH, vault.P2SHP2WSH} {
		t.Run(map[vault.ScriptType]string{vault.P2WSH: "p2wsh", vault.P2SHP2WSH: "p2sh-p2wsh"}[st], func(t *testing.T) {
			reviewAndSign(t, newFixtureOf(t, st), st)
		})
	}
}

func reviewAndSign(t *testing.T, fx *fixture, st vault.ScriptType) {
	p := fx.spend(t, 3)
	hashes, err := psbt.SigHashes(p)
	if err != nil {
		t.Fatal(err)
	}
	copies := map[string]*btcpsbt.Packet{}
	for _, f := range []*File{fx.alice, fx.bob} {
		q := clone(t, p)
		r, err := f.Review(q)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		checkReview(t, fx, r, 3, st)
		n, err := f.Sign(q, r)
		if err != nil || n != 3 {
			t.Fatalf("%s signed %d inputs: %v", f.Name, n, err)
		}
		for i := range q.Inputs {
			if len(q.Inputs[i].PartialSigs) != 1 {
				t.Fatalf("%s: input %d has %d signatures", f.Name, i, len(q.Inputs[i].PartialSigs))
			}
			if err := psbt.VerifyPartialSig(q, hashes, i, q.Inputs[i].PartialSigs[0]); err != nil {
				t.Errorf("%s: input %d: %v", f.Name, i, err)
			}
		}
		// Signing again adds nothing and keeps the signature valid.
		if n, err := f.Sign(q, r); err != nil || n != 3 || len(q.Inputs[0].PartialSigs) != 1 {
			t.Errorf("%s: second Sign: %d, %v, %d sigs", f.Name, n, err, len(q.Inputs[0].PartialSigs))
		}
		copies[f.Name] = q
	}
	// The two signatures together complete the transaction.
	if _, err := psbt.Merge(copies["alice"], copies["bob"]); err != nil {
		t.Fatal(err)
	}
	if _, err := psbt.Finalize(copies["alice"], 2); err != nil {
		t.Fatalf("finalize 2 of 3: %v", err)
	}
}

func checkReview(t *testing.T, fx *fixture, r *Review, n int, st vault.ScriptType) {
	t.Helper()
	change := fx.derive(t, fx.gen1, 1, 0)
	if r.InputTotal != btcutil.Amount(n*inputValue) || r.Payments != paymentSats ||
		r.Internal != btcutil.Amount(n*inputValue-paymentSats-fee) || r.Fee != fee || r.Signable != n {
		t.Errorf("totals: in %d pay %d internal %d fee %d signable %d", r.InputTotal, r.Payments, r.Internal, r.Fee, r.Signable)
	}
	shapes := make([]psbt.InputShape, n)
	for i := range shapes {
		shapes[i] = psbt.InputShape{Type: st, M: 2, N: 3}
	}
	vsize := psbt.EstimateVSize(shapes, [][]byte{payment, change.PkScript})
	if r.VSize != vsize || r.FeeRate != psbt.FeeRate(fee*1000/vsize) {
		t.Errorf("vsize %d rate %s, want %d and %s", r.VSize, r.FeeRate, vsize, psbt.FeeRate(fee*1000/vsize))
	}
	pay, ch := r.Outputs[0], r.Outputs[1]
	if pay.Internal || pay.Value != paymentSats || pay.Address == "" {
		t.Errorf("payment output: %+v", pay)
	}
	if !ch.Internal || ch.Descriptor != fx.gen1.String() || ch.Chain != 1 || ch.AddressIndex != 0 || ch.Address != change.Address {
		t.Errorf("change output: %+v", ch)
	}
	for i, in := range r.Inputs {
		if in.Descriptor != fx.gen0.String() || in.Chain != 0 || in.AddressIndex != uint32(i) || in.Value != inputValue || !in.Signable || in.Signed {
			t.Errorf("input %d: %+v", i, in)
		}
	}
}

func TestReviewRefuses(t *testing.T) {
	fx := newFixture(t)
	strangeChange := fx.derive(t, fx.strange, 1, 0)
	strangeIn := fx.derive(t, fx.strange, 0, 9)
	tests := []struct {
		name   string
		tamper func(p *btcpsbt.Packet)
		want   error
		input  int
		output int
	}{
		{"change swapped, hints kept", func(p *btcpsbt.Packet) {
			p.UnsignedTx.TxOut[1].PkScript = strangeChange.PkScript
			p.Outputs[1].WitnessScript = strangeChange.WitnessScript
		}, ErrUnprovenChange, -1, 1},
		{"change swapped, hints point at another index", func(p *btcpsbt.Packet) {
			p.UnsignedTx.TxOut[1].PkScript = fx.derive(t, fx.gen1, 1, 1).PkScript
		}, ErrUnprovenChange, -1, 1},
		{"change hidden at an index no wallet scans", func(p *btcpsbt.Packet) {
			far := fx.derive(t, fx.gen1, 1, 2_000_000)
			p.UnsignedTx.TxOut[1].PkScript = far.PkScript
			p.Outputs[1].WitnessScript = far.WitnessScript
			for _, d := range p.Outputs[1].Bip32Derivation {
				d.Bip32Path[len(d.Bip32Path)-1] = 2_000_000
			}
		}, ErrHiddenChange, -1, 1},
		{"output witness script disagrees", func(p *btcpsbt.Packet) {
			p.Outputs[1].WitnessScript = strangeChange.WitnessScript
		}, ErrScriptMismatch, -1, 1},
		{"input from an unregistered vault", func(p *btcpsbt.Packet) {
			tx := prevTx(77, inputValue, strangeIn.PkScript)
			p.UnsignedTx.TxIn[1].PreviousOutPoint = wire.OutPoint{Hash: tx.TxHash(), Index: 1}
			p.Inputs[1].NonWitnessUtxo = tx
			p.Inputs[1].WitnessUtxo = wire.NewTxOut(inputValue, strangeIn.PkScript)
			p.Inputs[1].WitnessScript = strangeIn.WitnessScript
			// Bip32Derivation still names alice, bob and carol at 0/1.
		}, ErrUnknownInput, 1, -1},
		{"input witness script disagrees", func(p *btcpsbt.Packet) {
			p.Inputs[0].WitnessScript = strangeIn.WitnessScript
		}, ErrScriptMismatch, 0, -1},
		{"previous transaction does not match the outpoint", func(p *btcpsbt.Packet) {
			p.Inputs[2].NonWitnessUtxo = p.Inputs[0].NonWitnessUtxo
		}, ErrPrevTxMismatch, 2, -1},
		{"witness utxo value lowered (fee attack)", func(p *btcpsbt.Packet) {
			p.Inputs[1].WitnessUtxo.Value -= 500_000
		}, ErrPrevTxMismatch, 1, -1},
		{"previous transaction lacks the output", func(p *btcpsbt.Packet) {
			p.UnsignedTx.TxIn[0].PreviousOutPoint.Index = 7
		}, ErrPrevTxMismatch, 0, -1},
		{"no previous transaction", func(p *btcpsbt.Packet) {
			p.Inputs[0].NonWitnessUtxo = nil
		}, ErrMissingUTXO, 0, -1},
		{"no witness utxo", func(p *btcpsbt.Packet) {
			p.Inputs[2].WitnessUtxo = nil
		}, ErrMissingUTXO, 2, -1},
		{"SIGHASH_NONE", func(p *btcpsbt.Packet) {
			p.Inputs[1].SighashType = txscript.SigHashNone
		}, ErrSighashType, 1, -1},
		{"SIGHASH_ALL|ANYONECANPAY", func(p *btcpsbt.Packet) {
			p.Inputs[0].SighashType = txscript.SigHashAll | txscript.SigHashAnyOneCanPay
		}, ErrSighashType, 0, -1},
		{"not a multisig input", func(p *btcpsbt.Packet) {
			tx := prevTx(78, inputValue, payment)
			p.UnsignedTx.TxIn[0].PreviousOutPoint = wire.OutPoint{Hash: tx.TxHash(), Index: 1}
			p.Inputs[0].NonWitnessUtxo = tx
			p.Inputs[0].WitnessUtxo = wire.NewTxOut(inputValue, payment)
		}, ErrUnsupportedInput, 0, -1},
		{"same outpoint twice", func(p *btcpsbt.Packet) {
			p.UnsignedTx.TxIn[2].PreviousOutPoint = p.UnsignedTx.TxIn[0].PreviousOutPoint
			p.Inputs[2] = p.Inputs[0]
		}, ErrDuplicateInput, 2, -1},
		{"negative fee", func(p *btcpsbt.Packet) {
			p.UnsignedTx.TxOut[0].Value = 3 * inputValue
		}, ErrNegativeFee, -1, -1},
		{"output above 21M BTC", func(p *btcpsbt.Packet) {
			p.UnsignedTx.TxOut[0].Value = btcutil.MaxSatoshi + 1
		}, ErrInvalidAmount, -1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fx.spend(t, 3)
			tt.tamper(p)
			_, err := fx.alice.Review(p)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var re *RefusalError
			if !errors.As(err, &re) || re.Input != tt.input || re.Output != tt.output {
				t.Fatalf("refusal %+v, want input %d output %d", re, tt.input, tt.output)
			}
			t.Log(err)
		})
	}
}

// TestChangeWithForeignHintsIsAPayment: an output whose derivations name
// no key of a registered vault is shown as leaving the family, not refused.
func TestChangeWithForeignHintsIsAPayment(t *testing.T) {
	fx := newFixture(t)
	p := fx.spend(t, 2)
	strange := fx.derive(t, fx.strange, 1, 0)
	p.UnsignedTx.TxOut[1].PkScript = strange.PkScript
	p.Outputs[1] = btcpsbt.POutput{}
	r, err := fx.alice.Review(p)
	if err != nil {
		t.Fatal(err)
	}
	if r.Outputs[1].Internal || r.Payments != btcutil.Amount(2*inputValue-fee) || r.Internal != 0 {
		t.Errorf("payments %d internal %d, output %+v", r.Payments, r.Internal, r.Outputs[1])
	}
}

func TestReviewNetwork(t *testing.T) {
	fx := newFixture(t)
	// The same seed as alice's, on mainnet, with a mainnet vault registered.
	mainnet := mustNetwork(t, "mainnet")
	aliceMain, err := FromMnemonic("alice", mainnet, string(fx.alice.mnemonic), "")
	if err != nil {
		t.Fatal(err)
	}
	others := holders(t, "mainnet", "x", "y")
	if _, err := aliceMain.Register(multisig(t, 2, 0, aliceMain, others[0], others[1])); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		tamper func(p *btcpsbt.Packet)
		input  int
	}{
		{"global xpubs are tpubs", func(*btcpsbt.Packet) {}, -1},
		{"no global xpubs: BIP-48 coin type", func(p *btcpsbt.Packet) { p.XPubs = nil }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fx.spend(t, 2)
			tt.tamper(p)
			_, err := aliceMain.Review(p)
			var re *RefusalError
			if !errors.Is(err, ErrNetworkMismatch) || !errors.As(err, &re) || re.Input != tt.input {
				t.Fatalf("err = %v, want a network refusal on input %d", err, tt.input)
			}
		})
	}
	// A regtest file refuses to register the mainnet vault.
	if _, err := fx.alice.Register(multisig(t, 2, 0, aliceMain, others[0], others[1])); !errors.Is(err, ErrNetworkMismatch) {
		t.Errorf("register mainnet vault on regtest: %v", err)
	}
}

func TestReviewNothingRegistered(t *testing.T) {
	fx := newFixture(t)
	fresh := holders(t, "regtest", "zed")[0]
	if _, err := fresh.Review(fx.spend(t, 1)); !errors.Is(err, ErrNothingRegistered) {
		t.Errorf("err = %v", err)
	}
}

func TestSignRefuses(t *testing.T) {
	fx := newFixture(t)
	tests := []struct {
		name string
		run  func(p *btcpsbt.Packet, r *Review) error
		want error
	}{
		{"review by another key", func(p *btcpsbt.Packet, r *Review) error {
			_, err := fx.bob.Sign(p, r)
			return err
		}, ErrReviewMismatch},
		{"witness utxo changed after review", func(p *btcpsbt.Packet, r *Review) error {
			p.Inputs[0].WitnessUtxo.Value--
			_, err := fx.alice.Sign(p, r)
			return err
		}, ErrReviewMismatch},
		{"transaction changed after review", func(p *btcpsbt.Packet, r *Review) error {
			p.UnsignedTx.TxOut[0].Value++
			_, err := fx.alice.Sign(p, r)
			return err
		}, ErrReviewMismatch},
		{"sighash changed after review", func(p *btcpsbt.Packet, r *Review) error {
			p.Inputs[1].SighashType = txscript.SigHashSingle
			_, err := fx.alice.Sign(p, r)
			return err
		}, ErrSighashType},
		{"wiped key", func(p *btcpsbt.Packet, r *Review) error {
			f, _ := FromMnemonic("alice", fx.net, string(fx.alice.mnemonic), "")
			f.Registered = fx.alice.Registered
			r2, err := f.Review(p)
			if err != nil {
				return err
			}
			f.Zero()
			_, err = f.Sign(p, r2)
			return err
		}, ErrZeroed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fx.spend(t, 2)
			r, err := fx.alice.Review(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.run(p, r); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			for i := range p.Inputs {
				if len(p.Inputs[i].PartialSigs) != 0 {
					t.Errorf("input %d was signed", i)
				}
			}
		})
	}
}

// TestSignFillsWitnessScript: a PSBT without witness scripts (some
// coordinators omit them) is signed with the recomputed ones.
func TestSignFillsWitnessScript(t *testing.T) {
	fx := newFixture(t)
	p := fx.spend(t, 2)
	for i := range p.Inputs {
		p.Inputs[i].WitnessScript = nil
		p.Inputs[i].SighashType = 0 // absent means ALL
	}
	r, err := fx.carol.Review(p)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := fx.carol.Sign(p, r); err != nil || n != 2 {
		t.Fatalf("signed %d: %v", n, err)
	}
	hashes, _ := psbt.SigHashes(p)
	for i := range p.Inputs {
		if err := psbt.VerifyPartialSig(p, hashes, i, p.Inputs[i].PartialSigs[0]); err != nil {
			t.Errorf("input %d: %v", i, err)
		}
	}
}

func BenchmarkSign500(b *testing.B) {
	for _, n := range []int{50, 500} {
		fx := newFixture(b)
		raw, err := psbt.EncodeBinary(fx.spend(b, n))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strconv.Itoa(n)+"inputs", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				p, err := psbt.Decode(raw)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				r, err := fx.alice.Review(p)
				if err != nil {
					b.Fatal(err)
				}
				if signed, err := fx.alice.Sign(p, r); err != nil || signed != n {
					b.Fatalf("signed %d: %v", signed, err)
				}
			}
		})
	}
}

// BenchmarkSignOnly500 times Sign alone on a reviewed 500-input 2-of-3
// PSBT: key derivation, sighash, signature and its self-check per input.
// BenchmarkReview500 times the review that precedes it.
func BenchmarkSignOnly500(b *testing.B) {
	benchReviewSign(b, false)
}

// BenchmarkReview500 times Review of a 500-input 2-of-3 PSBT: every input's
// script recomputed from the registered descriptor.
func BenchmarkReview500(b *testing.B) {
	benchReviewSign(b, true)
}

func benchReviewSign(b *testing.B, reviewOnly bool) {
	fx := newFixture(b)
	raw, err := psbt.EncodeBinary(fx.spend(b, 500))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p, err := psbt.Decode(raw)
		if err != nil {
			b.Fatal(err)
		}
		if reviewOnly {
			b.StartTimer()
		}
		r, err := fx.alice.Review(p)
		if err != nil {
			b.Fatal(err)
		}
		if reviewOnly {
			continue
		}
		b.StartTimer()
		if _, err := fx.alice.Sign(p, r); err != nil {
			b.Fatal(err)
		}
	}
}
