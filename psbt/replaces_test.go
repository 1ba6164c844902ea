package psbt

import (
	"bytes"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/chainhash/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

func replacesTx(ins []byte, outs ...int64) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	for _, b := range ins {
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: chainhash.Hash{b}, Index: 0}, Sequence: SequenceRBF})
	}
	for i, v := range outs {
		tx.AddTxOut(wire.NewTxOut(v, []byte{0x00, 0x14, byte(i), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}))
	}
	return tx
}

// TestReplacesRoundTrip: the replaced transaction survives encoding, its id
// must be its txid, and the fields sit beside the audit anchor.
func TestReplacesRoundTrip(t *testing.T) {
	old := replacesTx([]byte{1, 2}, 1000, 5000)
	next := replacesTx([]byte{1, 2}, 1000, 4000)
	p, err := btcpsbt.NewFromUnsignedTx(next)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Replaces(p); got != nil || err != nil {
		t.Fatalf("a plain PSBT replaces %v, %v", got, err)
	}
	if err := SetAnchor(p, Anchor{Seq: 7, Hash: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}); err != nil {
		t.Fatal(err)
	}
	if err := SetReplaces(p, old); err != nil {
		t.Fatal(err)
	}
	raw, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Replaces(back)
	if err != nil || got.TxHash() != old.TxHash() {
		t.Fatalf("Replaces = %v, %v", got, err)
	}
	if a, ok, err := AnchorOf(back); err != nil || !ok || a.Seq != 7 {
		t.Fatalf("anchor beside the replaced fields: %+v, %v, %v", a, ok, err)
	}
	for _, kv := range back.Unknowns {
		if bytes.Equal(kv.Key, propKey(replacesTxIDSubtype)) {
			kv.Value[0] ^= 1
		}
	}
	if _, err := Replaces(back); !errors.Is(err, ErrBadReplaces) {
		t.Fatalf("an id that is not the transaction's: %v", err)
	}
}

func TestSamePayments(t *testing.T) {
	old := replacesTx([]byte{1, 2}, 1000, 5000) // output 1 is internal
	internal := func(s []byte) bool { return s[2] == 1 }
	tests := []struct {
		name string
		next *wire.MsgTx
		ok   bool
	}{
		{"remainder pays the fee", replacesTx([]byte{1, 2}, 1000, 4000), true},
		{"a superset of inputs", replacesTx([]byte{1, 2, 3}, 1000, 9000), true},
		{"payment lowered", replacesTx([]byte{1, 2}, 999, 4000), false},
		{"payment dropped", replacesTx([]byte{1, 2}), false},
		{"payment added", replacesTx([]byte{1, 2}, 1000, 4000, 7), false},
		{"no common input", replacesTx([]byte{3}, 1000, 4000), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := SamePayments(old, tc.next, internal); (err == nil) != tc.ok {
				t.Fatalf("SamePayments = %v, want ok %v", err, tc.ok)
			}
		})
	}
}
