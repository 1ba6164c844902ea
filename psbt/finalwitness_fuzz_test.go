package psbt

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/vault"
)

// FuzzSigsFromFinalWitness feeds arbitrary final script witnesses, as a
// signed file given to collect may carry, to the parser: it must never
// panic, must return signatures only for a stack that parses and re-encodes
// to the same bytes, and never more signatures than the script has keys.
func FuzzSigsFromFinalWitness(f *testing.F) {
	sc := newScenario(f, vault.P2WSH, 2, 3, 1)
	signed := clone(f, sc.p)
	sc.signAll(f, signed, 0)
	sc.signAll(f, signed, 1)
	tx, err := Finalize(clone(f, signed), 2)
	if err != nil {
		f.Fatal(err)
	}
	hashes, err := SigHashes(sc.p)
	if err != nil {
		f.Fatal(err)
	}
	good := serializeWitness(f, tx.TxIn[0].Witness)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0x03, 0x00, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		stack, perr := parseWitness(b)
		if perr == nil {
			var again bytes.Buffer
			_ = wire.WriteVarInt(&again, 0, uint64(len(stack)))
			for _, item := range stack {
				_ = wire.WriteVarBytes(&again, 0, item)
			}
			if !bytes.Equal(again.Bytes(), b) {
				t.Fatalf("witness %x re-encodes as %x", b, again.Bytes())
			}
		}
		sigs, err := SigsFromFinalWitness(sc.p, hashes, 0, b)
		if err != nil {
			return
		}
		if perr != nil || len(sigs) > 3 {
			t.Fatalf("%d signatures from a witness that does not parse (%v)", len(sigs), perr)
		}
	})
}
