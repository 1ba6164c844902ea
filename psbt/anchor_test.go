package psbt

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

func anchorPacket(t *testing.T) *btcpsbt.Packet {
	t.Helper()
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: 1}, Sequence: SequenceRBF})
	tx.AddTxOut(wire.NewTxOut(1000, []byte{0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}))
	p, err := btcpsbt.NewFromUnsignedTx(tx)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAnchorRoundTrip(t *testing.T) {
	p := anchorPacket(t)
	txid := UnsignedTxID(p)
	if _, ok, err := AnchorOf(p); ok || err != nil {
		t.Fatalf("fresh packet: ok %v err %v", ok, err)
	}
	want := Anchor{Seq: 42, Hash: strings.Repeat("ab", 32), Vault: "ops"}
	if err := SetAnchor(p, Anchor{Seq: 7, Hash: strings.Repeat("01", 32)}); err != nil {
		t.Fatal(err)
	}
	if err := SetAnchor(p, want); err != nil {
		t.Fatal(err)
	}
	raw, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	// The field is BIP-174 proprietary: 0xFC, "treasury", subtype 0.
	if !bytes.Contains(raw, append([]byte{11, 0xfc, 8}, []byte("treasury\x00")...)) {
		t.Fatalf("encoded psbt lacks the proprietary key: %x", raw)
	}
	back, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := AnchorOf(back)
	if err != nil || !ok || got != want {
		t.Fatalf("AnchorOf = %+v %v %v, want %+v", got, ok, err, want)
	}
	if len(back.Unknowns) != 2 {
		t.Fatalf("%d unknowns, want the anchor and the vault label", len(back.Unknowns))
	}
	if UnsignedTxID(back) != txid {
		t.Fatal("the anchor changed the txid")
	}
}

func TestAnchorRefusesMalformed(t *testing.T) {
	p := anchorPacket(t)
	for _, a := range []Anchor{{Seq: 0, Hash: strings.Repeat("00", 32)}, {Seq: 1, Hash: "abcd"}, {Seq: 1, Hash: strings.Repeat("zz", 32)}} {
		if err := SetAnchor(p, a); !errors.Is(err, ErrBadAnchor) {
			t.Errorf("SetAnchor(%+v) = %v, want ErrBadAnchor", a, err)
		}
	}
	p.Unknowns = append(p.Unknowns, &btcpsbt.Unknown{Key: anchorKey(), Value: []byte{1, 2, 3}})
	if _, _, err := AnchorOf(p); !errors.Is(err, ErrBadAnchor) {
		t.Fatalf("short value: %v, want ErrBadAnchor", err)
	}
}
