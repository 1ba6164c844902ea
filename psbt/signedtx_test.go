package psbt

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/btcsuite/btcd/wire/v2"
)

func signedTxBytes(t testing.TB, witness bool) []byte {
	tx := wire.NewMsgTx(2)
	in := wire.NewTxIn(&wire.OutPoint{Index: 1}, nil, nil)
	if witness {
		in.Witness = wire.TxWitness{{}, {0x30, 0x01}, {0x52}}
	}
	tx.AddTxIn(in)
	tx.AddTxOut(wire.NewTxOut(1000, []byte{0x00, 0x14}))
	var b bytes.Buffer
	if err := tx.Serialize(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodeSignedTx(t *testing.T) {
	raw := signedTxBytes(t, true)
	for name, in := range map[string][]byte{
		"binary": raw, "hex": []byte(hex.EncodeToString(raw)), "hex with spaces": []byte(" " + hex.EncodeToString(raw) + "\n"),
	} {
		tx, err := DecodeSignedTx(in)
		if err != nil || len(tx.TxIn) != 1 || len(tx.TxIn[0].Witness) != 3 {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, in := range map[string][]byte{
		"trailing bytes": append(append([]byte{}, raw...), 0),
		"no witness":     signedTxBytes(t, false),
		"garbage":        []byte("hello"),
		"empty":          nil,
	} {
		if _, err := DecodeSignedTx(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// StrippedTxID is the txid without scriptSigs and witnesses, so a P2SH
// input's scriptSig does not change the proposal a transaction matches.
func TestStrippedTxID(t *testing.T) {
	tx, err := DecodeSignedTx(signedTxBytes(t, true))
	if err != nil {
		t.Fatal(err)
	}
	id := StrippedTxID(tx)
	tx.TxIn[0].SignatureScript = []byte{0x01, 0x02}
	if StrippedTxID(tx) != id || tx.TxHash() == id {
		t.Error("the scriptSig changed the stripped txid, or not the txid")
	}
}

func FuzzDecodeSignedTx(f *testing.F) {
	f.Add(signedTxBytes(f, true))
	f.Add([]byte(hex.EncodeToString(signedTxBytes(f, true))))
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := DecodeSignedTx(b)
		if err == nil && (len(tx.TxIn) == 0 || !tx.HasWitness()) {
			t.Fatal("accepted a transaction without inputs or witnesses")
		}
	})
}
