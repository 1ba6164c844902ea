package psbt

import (
	"bytes"
	"errors"
	"testing"

	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/vault"
)

// serializeWitness writes a witness stack as BIP-174's final script
// witness field holds it.
func serializeWitness(t testing.TB, w wire.TxWitness) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := wire.WriteVarInt(&b, 0, uint64(len(w))); err != nil {
		t.Fatal(err)
	}
	for _, item := range w {
		if err := wire.WriteVarBytes(&b, 0, item); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func TestSigsFromFinalWitness(t *testing.T) {
	for typ, name := range map[vault.ScriptType]string{vault.P2WSH: "wsh", vault.P2SHP2WSH: "sh-wsh"} {
		sc := newScenario(t, typ, 2, 3, 2)
		signed := clone(t, sc.p)
		sc.signAll(t, signed, 0)
		sc.signAll(t, signed, 2)
		tx, err := Finalize(clone(t, signed), 2)
		if err != nil {
			t.Fatal(err)
		}
		hashes, err := SigHashes(sc.p)
		if err != nil {
			t.Fatal(err)
		}
		witness := tx.TxIn[1].Witness // [empty, sig, sig, witness script]
		mutate := func(f func(w wire.TxWitness) wire.TxWitness) []byte {
			w := make(wire.TxWitness, len(witness))
			for i := range witness {
				w[i] = append([]byte(nil), witness[i]...)
			}
			return serializeWitness(t, f(w))
		}
		tests := []struct {
			name    string
			witness []byte
			want    error // nil: both signatures recovered
		}{
			{"as finalized", mutate(func(w wire.TxWitness) wire.TxWitness { return w }), nil},
			{"signatures out of key order", mutate(func(w wire.TxWitness) wire.TxWitness {
				w[1], w[2] = w[2], w[1]
				return w
			}), nil},
			{"another witness script", mutate(func(w wire.TxWitness) wire.TxWitness {
				w[3][1] ^= 1
				return w
			}), ErrFinalWitness},
			{"no leading empty item", mutate(func(w wire.TxWitness) wire.TxWitness { return w[1:] }), ErrFinalWitness},
			{"only the script", mutate(func(w wire.TxWitness) wire.TxWitness { return w[3:] }), ErrFinalWitness},
			{"tampered signature", mutate(func(w wire.TxWitness) wire.TxWitness {
				w[1][10] ^= 1
				return w
			}), ErrBadSignature},
			{"one signature twice", mutate(func(w wire.TxWitness) wire.TxWitness {
				w[2] = w[1]
				return w
			}), ErrBadSignature},
			{"signature of another input", mutate(func(w wire.TxWitness) wire.TxWitness {
				w[1] = tx.TxIn[0].Witness[1]
				return w
			}), ErrBadSignature},
			{"trailing bytes", append(mutate(func(w wire.TxWitness) wire.TxWitness { return w }), 0), ErrFinalWitness},
			{"truncated", mutate(func(w wire.TxWitness) wire.TxWitness { return w })[:20], ErrFinalWitness},
		}
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				sigs, err := SigsFromFinalWitness(sc.p, hashes, 1, tt.witness)
				if tt.want != nil {
					if !errors.Is(err, tt.want) {
						t.Fatalf("SigsFromFinalWitness = %v, want %v", err, tt.want)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]bool{}
				for _, ps := range signed.Inputs[1].PartialSigs {
					want[string(ps.PubKey)+string(ps.Signature)] = true
				}
				if len(sigs) != 2 {
					t.Fatalf("recovered %d signatures, want 2", len(sigs))
				}
				for _, ps := range sigs {
					if !want[string(ps.PubKey)+string(ps.Signature)] {
						t.Fatalf("recovered %x for key %x, which the signer did not make", ps.Signature, ps.PubKey)
					}
				}
				// The recovered signatures finalize the proposal again.
				again := clone(t, sc.p)
				again.Inputs[1].PartialSigs = sigs
				again.Inputs[0].PartialSigs = []*btcpsbt.PartialSig{signed.Inputs[0].PartialSigs[0], signed.Inputs[0].PartialSigs[1]}
				if _, err := Finalize(again, 2); err != nil {
					t.Fatalf("Finalize with recovered signatures: %v", err)
				}
			})
		}
	}
}
