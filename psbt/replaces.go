package psbt

import (
	"bytes"
	"errors"
	"fmt"

	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// A fee bump carries the transaction it replaces in BIP-174 proprietary
// global fields (type 0xFC, identifier "treasury", beside the audit anchor
// of anchor.go): subtype 0x02 holds the replaced proposal's id (its unsigned
// txid, 32 bytes in internal order), subtype 0x03 the replaced unsigned
// transaction itself, so a signer can check that the id is that
// transaction's and compare the payments.
const (
	replacesTxIDSubtype     = 0x02
	replacesUnsignedSubtype = 0x03
)

// SetReplaces records in p that it replaces the unsigned transaction old.
func SetReplaces(p *btcpsbt.Packet, old *wire.MsgTx) error {
	u := old.Copy()
	for _, in := range u.TxIn {
		in.SignatureScript, in.Witness = nil, nil
	}
	var raw bytes.Buffer
	if err := u.SerializeNoWitness(&raw); err != nil {
		return err
	}
	h := u.TxHash()
	var kept []*btcpsbt.Unknown
	for _, kv := range p.Unknowns {
		if !isReplacesKey(kv.Key) {
			kept = append(kept, kv)
		}
	}
	p.Unknowns = append(kept,
		&btcpsbt.Unknown{Key: propKey(replacesTxIDSubtype), Value: h[:]},
		&btcpsbt.Unknown{Key: propKey(replacesUnsignedSubtype), Value: raw.Bytes()})
	return nil
}

func isReplacesKey(k []byte) bool {
	return bytes.Equal(k, propKey(replacesTxIDSubtype)) || bytes.Equal(k, propKey(replacesUnsignedSubtype))
}

// ErrBadReplaces means a PSBT's replaces fields are malformed or disagree.
var ErrBadReplaces = errors.New("malformed replaced-transaction field")

// Replaces returns the unsigned transaction p says it replaces, or nil
// when it carries none. The id field must be that transaction's txid.
func Replaces(p *btcpsbt.Packet) (*wire.MsgTx, error) {
	var id, raw []byte
	for _, kv := range p.Unknowns {
		switch {
		case bytes.Equal(kv.Key, propKey(replacesTxIDSubtype)):
			id = kv.Value
		case bytes.Equal(kv.Key, propKey(replacesUnsignedSubtype)):
			raw = kv.Value
		}
	}
	if id == nil && raw == nil {
		return nil, nil
	}
	if len(id) != 32 || raw == nil {
		return nil, fmt.Errorf("%w: it needs both the 32-byte id and the transaction", ErrBadReplaces)
	}
	var old wire.MsgTx
	if err := old.DeserializeNoWitness(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadReplaces, err)
	}
	if h := old.TxHash(); !bytes.Equal(h[:], id) {
		return nil, fmt.Errorf("%w: the transaction hashes to %s, not to the id given", ErrBadReplaces, h)
	}
	return &old, nil
}

// SamePayments checks that next pays every output of old that is not
// internal (internal(script) true: it returns to the vault family) with
// the same script and the same value, and pays nothing else outside the
// family; and that it spends at least one of old's inputs, so the two
// conflict and at most one can confirm.
func SamePayments(old, next *wire.MsgTx, internal func(pkScript []byte) bool) error {
	want := map[string]int{}
	for _, o := range old.TxOut {
		if !internal(o.PkScript) {
			want[fmt.Sprintf("%x:%d", o.PkScript, o.Value)]++
		}
	}
	for _, o := range next.TxOut {
		if internal(o.PkScript) {
			continue
		}
		k := fmt.Sprintf("%x:%d", o.PkScript, o.Value)
		if want[k] == 0 {
			return fmt.Errorf("it pays %d sat to script %x, which the replaced transaction does not", o.Value, o.PkScript)
		}
		want[k]--
	}
	for k, n := range want {
		if n > 0 {
			return fmt.Errorf("it drops the payment %s of the replaced transaction", k)
		}
	}
	spent := map[wire.OutPoint]bool{}
	for _, in := range old.TxIn {
		spent[in.PreviousOutPoint] = true
	}
	for _, in := range next.TxIn {
		if spent[in.PreviousOutPoint] {
			return nil
		}
	}
	return errors.New("it spends none of the replaced transaction's inputs, so both could confirm")
}
