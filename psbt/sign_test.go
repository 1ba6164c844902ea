package psbt

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcutil/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/vault"
)

// checkScripts runs the script engine on every input of tx independently
// of Finalize's own check.
func engineAccepts(t *testing.T, p *btcpsbt.Packet, tx *wire.MsgTx) {
	t.Helper()
	fetcher, err := prevOutFetcher(p)
	if err != nil {
		t.Fatal(err)
	}
	hashes := txscript.NewTxSigHashes(tx, fetcher)
	for i := range tx.TxIn {
		u := p.Inputs[i].WitnessUtxo
		vm, err := txscript.NewEngine(u.PkScript, tx, i, txscript.StandardVerifyFlags, nil, hashes, u.Value, fetcher)
		if err != nil {
			t.Fatalf("input %d: NewEngine: %v", i, err)
		}
		if err := vm.Execute(); err != nil {
			t.Fatalf("input %d: script engine refused: %v", i, err)
		}
	}
}

func TestSignMergeFinalize(t *testing.T) {
	tests := []struct {
		typ     vault.ScriptType
		m, n    int
		signers []int
	}{
		{vault.P2WSH, 2, 3, []int{0, 1}},
		{vault.P2WSH, 2, 3, []int{2, 1}},
		{vault.P2SHP2WSH, 2, 3, []int{0, 2}},
		{vault.P2WSH, 3, 5, []int{4, 0, 2}},
		{vault.P2SHP2WSH, 3, 5, []int{1, 3, 4}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("type%d/%dof%d/%v", tc.typ, tc.m, tc.n, tc.signers), func(t *testing.T) {
			sc := newScenario(t, tc.typ, tc.m, tc.n, 3)
			base := clone(t, sc.p)
			for _, h := range tc.signers {
				// Each holder signs their own copy, carried as base64.
				cp := clone(t, sc.p)
				sc.signAll(t, cp, h)
				b64, err := EncodeBase64(cp)
				if err != nil {
					t.Fatal(err)
				}
				got, err := Decode([]byte(b64))
				if err != nil {
					t.Fatal(err)
				}
				added, err := Merge(base, got)
				if err != nil {
					t.Fatalf("Merge: %v", err)
				}
				if added != len(base.Inputs) {
					t.Fatalf("Merge added %d signatures, want %d", added, len(base.Inputs))
				}
				if again, err := Merge(base, got); err != nil || again != 0 {
					t.Fatalf("second Merge = %d, %v; want 0, nil", again, err)
				}
			}
			for i := range base.Inputs {
				if got := len(SignedKeys(base, i)); got != tc.m {
					t.Fatalf("input %d has %d signed keys, want %d", i, got, tc.m)
				}
			}
			tx, err := Finalize(base, tc.m)
			if err != nil {
				t.Fatalf("Finalize: %v", err)
			}
			engineAccepts(t, base, tx)
			// The txid commits to the scriptSig, so only a P2WSH spend keeps
			// the unsigned txid; without scriptSigs both must match.
			stripped := tx.Copy()
			for _, in := range stripped.TxIn {
				in.SignatureScript = nil
			}
			if stripped.TxHash() != UnsignedTxID(sc.p) || (tc.typ == vault.P2WSH && tx.TxHash() != UnsignedTxID(sc.p)) {
				t.Fatalf("signed txid %s, unsigned txid %s", tx.TxHash(), UnsignedTxID(sc.p))
			}
			for i, in := range tx.TxIn {
				if len(in.Witness) != tc.m+2 || len(in.Witness[0]) != 0 {
					t.Fatalf("input %d witness has %d items, want %d starting with an empty one", i, len(in.Witness), tc.m+2)
				}
				if (tc.typ == vault.P2SHP2WSH) != (len(in.SignatureScript) > 0) {
					t.Fatalf("input %d scriptSig %x for type %d", i, in.SignatureScript, tc.typ)
				}
			}
		})
	}
}

// derSig encodes r and s as DER without normalizing s, so tests can make
// high-S signatures.
func derSig(r, s *btcec.ModNScalar) []byte {
	enc := func(v *btcec.ModNScalar) []byte {
		b := v.Bytes()
		out := bytes.TrimLeft(b[:], "\x00")
		if len(out) == 0 || out[0]&0x80 != 0 {
			out = append([]byte{0}, out...)
		}
		return out
	}
	rb, sb := enc(r), enc(s)
	der := []byte{0x30, byte(4 + len(rb) + len(sb)), 0x02, byte(len(rb))}
	der = append(der, rb...)
	der = append(der, 0x02, byte(len(sb)))
	return append(der, sb...)
}

// signWithNonce is textbook ECDSA with nonce k, low-S; it gives a valid
// signature different from the RFC 6979 one.
func signWithNonce(priv *btcec.PrivateKey, hash []byte, k uint32) []byte {
	var nonce btcec.ModNScalar
	nonce.SetInt(k)
	var R btcec.JacobianPoint
	btcec.ScalarBaseMultNonConst(&nonce, &R)
	R.ToAffine()
	var r btcec.ModNScalar
	rb := R.X.Bytes()
	r.SetBytes(rb)
	var e btcec.ModNScalar
	e.SetByteSlice(hash)
	kinv := new(btcec.ModNScalar).InverseValNonConst(&nonce)
	s := new(btcec.ModNScalar).Mul2(&priv.Key, &r).Add(&e).Mul(kinv)
	if s.IsOverHalfOrder() {
		s.Negate()
	}
	return append(derSig(&r, s), byte(txscript.SigHashAll))
}

// twoInputsOneScript builds a 2-of-3 PSBT whose two inputs pay to the same
// script, so a signature for one input names a key of the other.
func twoInputsOneScript(t *testing.T, lockTime uint32) (*btcpsbt.Packet, []*btcec.PrivateKey) {
	hs := testHolders(t, 3)
	d, privs := derive(t, hs, vault.P2WSH, 2, 0, 0)
	prev := fundingTx(99, d.PkScript, 300000, 200000)
	p, err := Build(BuildRequest{
		Inputs: []InputSpec{
			{OutPoint: wire.OutPoint{Hash: prev.TxHash(), Index: 0}, PrevTx: prev, Derived: d},
			{OutPoint: wire.OutPoint{Hash: prev.TxHash(), Index: 1}, PrevTx: prev, Derived: d},
		},
		Outputs:  []OutputSpec{{Value: 490000, PkScript: payScript}},
		LockTime: lockTime,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, privs
}

func TestVerifyPartialSigRefuses(t *testing.T) {
	p, privs := twoInputsOneScript(t, 100)
	hashes, err := SigHashes(p)
	if err != nil {
		t.Fatal(err)
	}
	good, err := SignInput(clone(t, p), hashes, 0, privs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyPartialSig(p, hashes, 0, good); err != nil {
		t.Fatalf("valid signature refused: %v", err)
	}
	otherInput, _ := SignInput(clone(t, p), hashes, 1, privs[0])
	other, _ := twoInputsOneScript(t, 101)
	otherHashes, _ := SigHashes(other)
	otherTx, _ := SignInput(other, otherHashes, 0, privs[0])
	stranger, _ := btcec.NewPrivateKey()
	strangerSig := &btcpsbt.PartialSig{PubKey: stranger.PubKey().SerializeCompressed(), Signature: good.Signature}

	parsed, err := ecdsa.ParseDERSignature(good.Signature[:len(good.Signature)-1])
	if err != nil {
		t.Fatal(err)
	}
	r, s := parsed.R(), parsed.S()
	s.Negate()
	highS := append(derSig(&r, &s), byte(txscript.SigHashAll))

	withByte := func(b byte) []byte {
		sig := bytes.Clone(good.Signature)
		sig[len(sig)-1] = b
		return sig
	}
	pub := good.PubKey
	tests := []struct {
		name  string
		input int
		sig   *btcpsbt.PartialSig
		want  error
	}{
		{"key not in script", 0, strangerSig, ErrKeyNotInScript},
		{"signature over another input", 0, &btcpsbt.PartialSig{PubKey: pub, Signature: otherInput.Signature}, ErrBadSignature},
		{"signature over another tx", 0, &btcpsbt.PartialSig{PubKey: pub, Signature: otherTx.Signature}, ErrBadSignature},
		{"high S", 0, &btcpsbt.PartialSig{PubKey: pub, Signature: highS}, ErrHighS},
		{"SIGHASH_NONE byte", 0, &btcpsbt.PartialSig{PubKey: pub, Signature: withByte(0x02)}, ErrNotSighashAll},
		{"ALL|ANYONECANPAY byte", 0, &btcpsbt.PartialSig{PubKey: pub, Signature: withByte(0x81)}, ErrNotSighashAll},
		{"garbage DER", 0, &btcpsbt.PartialSig{PubKey: pub, Signature: []byte{0x30, 0x01, 0x02, 0x01}}, ErrBadSignature},
		{"empty", 0, &btcpsbt.PartialSig{PubKey: pub}, ErrBadSignature},
		{"right sig, other key of the script", 0, &btcpsbt.PartialSig{
			PubKey: privs[1].PubKey().SerializeCompressed(), Signature: good.Signature}, ErrBadSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyPartialSig(p, hashes, tc.input, tc.sig)
			if !errors.Is(err, tc.want) {
				t.Fatalf("VerifyPartialSig = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("high S is otherwise valid", func(t *testing.T) {
		// The flipped signature must verify mathematically, so that the
		// test above fails for S alone.
		sig := ecdsa.NewSignature(&r, &s)
		h, _ := txscript.CalcWitnessSigHash(p.Inputs[0].WitnessScript, hashes, txscript.SigHashAll, p.UnsignedTx, 0, p.Inputs[0].WitnessUtxo.Value)
		if !sig.Verify(h, privs[0].PubKey()) {
			t.Fatal("negated-S signature does not verify")
		}
	})
}

func TestSignInputRefusesForeignKey(t *testing.T) {
	p, _ := twoInputsOneScript(t, 100)
	hashes, _ := SigHashes(p)
	stranger, _ := btcec.NewPrivateKey()
	before, _ := EncodeBinary(p)
	if _, err := SignInput(p, hashes, 0, stranger); !errors.Is(err, ErrKeyNotInScript) {
		t.Fatalf("SignInput with a foreign key = %v, want ErrKeyNotInScript", err)
	}
	after, _ := EncodeBinary(p)
	if !bytes.Equal(before, after) {
		t.Fatal("failed SignInput changed the psbt")
	}
}

func TestMerge(t *testing.T) {
	p, privs := twoInputsOneScript(t, 100)
	hashes, _ := SigHashes(p)

	t.Run("another tx", func(t *testing.T) {
		other, _ := twoInputsOneScript(t, 101)
		if _, err := Merge(clone(t, p), other); !errors.Is(err, ErrMismatchedTx) {
			t.Fatalf("Merge of another tx = %v, want ErrMismatchedTx", err)
		}
	})
	t.Run("invalid signature changes nothing", func(t *testing.T) {
		src := clone(t, p)
		if _, err := SignInput(src, hashes, 0, privs[1]); err != nil {
			t.Fatal(err)
		}
		if _, err := SignInput(src, hashes, 1, privs[1]); err != nil {
			t.Fatal(err)
		}
		src.Inputs[1].PartialSigs[0].Signature = src.Inputs[0].PartialSigs[0].Signature
		dst := clone(t, p)
		before, _ := EncodeBinary(dst)
		if _, err := Merge(dst, src); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("Merge = %v, want ErrBadSignature", err)
		}
		after, _ := EncodeBinary(dst)
		if !bytes.Equal(before, after) {
			t.Fatal("failed Merge changed dst")
		}
	})
	t.Run("conflicting valid signature keeps the first", func(t *testing.T) {
		dst := clone(t, p)
		first, err := SignInput(dst, hashes, 0, privs[2])
		if err != nil {
			t.Fatal(err)
		}
		h, _ := txscript.CalcWitnessSigHash(p.Inputs[0].WitnessScript, hashes, txscript.SigHashAll, p.UnsignedTx, 0, p.Inputs[0].WitnessUtxo.Value)
		alt := &btcpsbt.PartialSig{PubKey: first.PubKey, Signature: signWithNonce(privs[2], h, 12345)}
		if bytes.Equal(alt.Signature, first.Signature) {
			t.Fatal("alternative signature equals the RFC 6979 one")
		}
		if err := VerifyPartialSig(p, hashes, 0, alt); err != nil {
			t.Fatalf("alternative signature invalid: %v", err)
		}
		src := clone(t, p)
		src.Inputs[0].PartialSigs = []*btcpsbt.PartialSig{alt}
		added, err := Merge(dst, src)
		if err != nil || added != 0 {
			t.Fatalf("Merge = %d, %v; want 0, nil", added, err)
		}
		if !bytes.Equal(dst.Inputs[0].PartialSigs[0].Signature, first.Signature) {
			t.Fatal("Merge replaced the first signature")
		}
	})
}

func TestFinalizeRefuses(t *testing.T) {
	sc := newScenario(t, vault.P2WSH, 2, 3, 2)
	p := clone(t, sc.p)
	sc.signAll(t, p, 1)
	// Input 1 gets its second signature, input 0 does not.
	hashes, _ := SigHashes(p)
	if _, err := SignInput(p, hashes, 1, sc.privs[1][2]); err != nil {
		t.Fatal(err)
	}
	before, _ := EncodeBinary(p)

	_, err := Finalize(p, 2)
	var short *NotEnoughSigsError
	if !errors.Is(err, ErrNotEnoughSigs) || !errors.As(err, &short) || short.Input != 0 || short.Have != 1 || short.Need != 2 {
		t.Fatalf("Finalize one short = %v, want input 0 with 1 of 2", err)
	}
	if _, err := Finalize(p, 1); err == nil {
		t.Fatal("Finalize with a threshold other than the script's succeeded")
	}
	// An invalid signature does not count.
	bad := clone(t, p)
	bad.Inputs[0].PartialSigs = append(bad.Inputs[0].PartialSigs, &btcpsbt.PartialSig{
		PubKey: sc.privs[0][2].PubKey().SerializeCompressed(), Signature: bad.Inputs[0].PartialSigs[0].Signature,
	})
	if _, err := Finalize(bad, 2); !errors.Is(err, ErrNotEnoughSigs) {
		t.Fatalf("Finalize counting an invalid signature = %v, want ErrNotEnoughSigs", err)
	}
	after, _ := EncodeBinary(p)
	if !bytes.Equal(before, after) {
		t.Fatal("failed Finalize changed the psbt")
	}
	// Tampering with the amount after signing is caught by the engine or
	// the sighash: the signature no longer verifies.
	tampered := clone(t, p)
	if _, err := SignInput(tampered, hashes, 0, sc.privs[0][0]); err != nil {
		t.Fatal(err)
	}
	tampered.Inputs[0].WitnessUtxo.Value++
	tampered.Inputs[0].NonWitnessUtxo = nil
	if _, err := Finalize(tampered, 2); err == nil {
		t.Fatal("Finalize accepted signatures over a different amount")
	}
}

func TestBuild(t *testing.T) {
	for _, typ := range []vault.ScriptType{vault.P2WSH, vault.P2SHP2WSH} {
		t.Run(fmt.Sprintf("type%d", typ), func(t *testing.T) {
			sc := newScenario(t, typ, 2, 3, 2)
			p := sc.p
			tx := p.UnsignedTx
			if tx.Version != 2 || tx.LockTime != 800000 {
				t.Fatalf("version %d locktime %d", tx.Version, tx.LockTime)
			}
			for i, in := range p.Inputs {
				spec := sc.req.Inputs[i]
				if tx.TxIn[i].Sequence != 0xfffffffd {
					t.Fatalf("input %d sequence %#x", i, tx.TxIn[i].Sequence)
				}
				if in.NonWitnessUtxo == nil || in.NonWitnessUtxo.TxHash() != spec.OutPoint.Hash {
					t.Fatalf("input %d lacks the previous transaction", i)
				}
				if in.WitnessUtxo == nil || in.WitnessUtxo.Value != btcutil.SatoshiPerBitcoin || !bytes.Equal(in.WitnessUtxo.PkScript, spec.Derived.PkScript) {
					t.Fatalf("input %d witness utxo %+v", i, in.WitnessUtxo)
				}
				if !bytes.Equal(in.WitnessScript, spec.Derived.WitnessScript) || !bytes.Equal(in.RedeemScript, spec.Derived.RedeemScript) {
					t.Fatalf("input %d scripts", i)
				}
				if (typ == vault.P2WSH) != (in.RedeemScript == nil) {
					t.Fatalf("input %d redeem script %x for type %d", i, in.RedeemScript, typ)
				}
				if in.SighashType != txscript.SigHashAll {
					t.Fatalf("input %d sighash type %d", i, in.SighashType)
				}
				checkDerivations(t, in.Bip32Derivation, spec.Derived)
			}
			if len(p.Outputs[0].Bip32Derivation) != 0 || p.Outputs[0].WitnessScript != nil {
				t.Fatal("external output carries derivations")
			}
			checkDerivations(t, p.Outputs[1].Bip32Derivation, sc.req.Outputs[1].Derived)
			if !bytes.Equal(p.Outputs[1].WitnessScript, sc.req.Outputs[1].Derived.WitnessScript) {
				t.Fatal("change output lacks its witness script")
			}
			if len(p.XPubs) != 3 {
				t.Fatalf("%d global xpubs, want 3", len(p.XPubs))
			}
			for _, x := range p.XPubs {
				found := false
				for _, h := range sc.holders {
					if bytes.Equal(x.ExtendedKey, btcpsbt.EncodeExtendedKey(h.key.XPub)) {
						found = true
						if len(x.ExtendedKey) != 78 || x.MasterKeyFingerprint != leFingerprint(h.fp) || !equalPath(x.Bip32Path, h.key.Origin.Path) {
							t.Fatalf("global xpub %x: fp %08x path %v", x.ExtendedKey, x.MasterKeyFingerprint, x.Bip32Path)
						}
					}
				}
				if !found {
					t.Fatalf("unknown global xpub %x", x.ExtendedKey)
				}
			}
			// The serialization is stable through Decode.
			b1, _ := EncodeBinary(p)
			b2, _ := EncodeBinary(clone(t, p))
			if !bytes.Equal(b1, b2) {
				t.Fatal("serialization changed through Decode")
			}
		})
	}
}

// leFingerprint reads the four fingerprint bytes little-endian, as BIP-174
// stores them, independently of vault.Fingerprint.PSBT.
func leFingerprint(f vault.Fingerprint) uint32 {
	return uint32(f[0]) | uint32(f[1])<<8 | uint32(f[2])<<16 | uint32(f[3])<<24
}

func checkDerivations(t *testing.T, got []*btcpsbt.Bip32Derivation, d *vault.Derived) {
	t.Helper()
	if len(got) != len(d.Keys) {
		t.Fatalf("%d derivations, want %d", len(got), len(d.Keys))
	}
	for i, g := range got {
		if i > 0 && bytes.Compare(got[i-1].PubKey, g.PubKey) >= 0 {
			t.Fatal("derivations not sorted by key")
		}
		k := d.Keys[i]
		if !bytes.Equal(g.PubKey, k.PubKey) || g.MasterKeyFingerprint != leFingerprint(k.Fingerprint) || !equalPath(g.Bip32Path, k.Path) {
			t.Fatalf("derivation %d: %x %08x %v", i, g.PubKey, g.MasterKeyFingerprint, g.Bip32Path)
		}
	}
}

func TestBuildRefuses(t *testing.T) {
	sc := newScenario(t, vault.P2WSH, 2, 3, 2)
	other, _ := derive(t, sc.holders, vault.P2WSH, 2, 0, 99)
	tests := []struct {
		name   string
		mutate func(r *BuildRequest)
	}{
		{"prev tx does not hash to outpoint", func(r *BuildRequest) { r.Inputs[0].OutPoint.Hash[0] ^= 1 }},
		{"output index missing", func(r *BuildRequest) { r.Inputs[0].OutPoint.Index = 5 }},
		{"derived script differs from prev output", func(r *BuildRequest) { r.Inputs[0].Derived = other }},
		{"no prev tx", func(r *BuildRequest) { r.Inputs[0].PrevTx = nil }},
		{"same outpoint twice", func(r *BuildRequest) { r.Inputs[1] = r.Inputs[0] }},
		{"internal output script mismatch", func(r *BuildRequest) { r.Outputs[1].Derived = other }},
		{"outputs exceed inputs", func(r *BuildRequest) { r.Outputs[0].Value = 10 * btcutil.SatoshiPerBitcoin }},
		{"zero output", func(r *BuildRequest) { r.Outputs[0].Value = 0 }},
		{"xpub without origin", func(r *BuildRequest) { r.GlobalXPubs[0].Origin = nil }},
		{"xpub origin depth mismatch", func(r *BuildRequest) {
			r.GlobalXPubs[0].Origin = &vault.KeyOrigin{Fingerprint: sc.holders[0].fp, Path: []uint32{1}}
		}},
		{"no outputs", func(r *BuildRequest) { r.Outputs = nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := sc.req
			req.Inputs = append([]InputSpec(nil), sc.req.Inputs...)
			req.Outputs = append([]OutputSpec(nil), sc.req.Outputs...)
			req.GlobalXPubs = append([]vault.Key(nil), sc.req.GlobalXPubs...)
			tc.mutate(&req)
			if p, err := Build(req); err == nil {
				t.Fatalf("Build succeeded: %v", p.UnsignedTx.TxHash())
			}
		})
	}
}
