package psbt

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/chainhash/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// ErrSignedTx means a signed transaction handed in does not belong to a
// PSBT: an input's scriptSig is not the one the PSBT's script needs, or an
// input carries no witness.
var ErrSignedTx = errors.New("signed transaction does not match the proposal")

// DecodeSignedTx reads a network-serialized transaction, binary or hex
// (whitespace ignored), as Electrum, Sparrow or Bitcoin Core's finalizepsbt
// give it back once it is fully signed. It refuses trailing bytes and a
// transaction without witness data (a vault spends segwit outputs only).
func DecodeSignedTx(data []byte) (*wire.MsgTx, error) {
	if len(data) > MaxPSBTSize*2 {
		return nil, fmt.Errorf("transaction of %d bytes is larger than the %d-byte limit", len(data), MaxPSBTSize)
	}
	raw := data
	if text := stripSpace(data); len(text) > 0 {
		if b, err := hex.DecodeString(string(text)); err == nil {
			raw = b
		}
	}
	tx := &wire.MsgTx{}
	r := bytes.NewReader(raw)
	if err := tx.Deserialize(r); err != nil {
		return nil, fmt.Errorf("not a raw transaction: %v", err)
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("not a raw transaction: %d bytes after it", r.Len())
	}
	if len(tx.TxIn) == 0 || !tx.HasWitness() {
		return nil, fmt.Errorf("a raw transaction without witnesses spends no vault output")
	}
	return tx, nil
}

// StrippedTxID is the txid tx has without its scriptSigs and witnesses:
// the unsigned transaction's txid, the proposal's identity. (A P2SH-P2WSH
// input's scriptSig changes the txid, so the signed txid is not it.)
func StrippedTxID(tx *wire.MsgTx) chainhash.Hash {
	c := tx.Copy()
	for _, in := range c.TxIn {
		in.SignatureScript, in.Witness = nil, nil
	}
	return c.TxHash()
}

// FinalWitnesses checks a signed transaction against p, whose unsigned
// transaction it must be (StrippedTxID equal to UnsignedTxID(p)), and
// returns each input's witness serialized as a BIP-174 final script
// witness, for SigsFromFinalWitness to take the signatures from. Each
// scriptSig must be exactly what the input's script needs: empty for
// P2WSH, the push of the PSBT's redeem script for P2SH-P2WSH. Nothing in
// tx is trusted beyond that: the signatures are verified by the caller.
func FinalWitnesses(p *btcpsbt.Packet, tx *wire.MsgTx) ([][]byte, error) {
	if p == nil || p.UnsignedTx == nil || len(p.Inputs) != len(tx.TxIn) || StrippedTxID(tx) != UnsignedTxID(p) {
		return nil, fmt.Errorf("%w: it is another transaction", ErrSignedTx)
	}
	out := make([][]byte, len(tx.TxIn))
	for i, in := range tx.TxIn {
		want, err := scriptSigFor(p.Inputs[i].RedeemScript)
		if err != nil {
			return nil, fmt.Errorf("input %d: %w", i, err)
		}
		if !bytes.Equal(in.SignatureScript, want) {
			return nil, fmt.Errorf("%w: input %d: its scriptSig is not the one its script needs", ErrSignedTx, i)
		}
		if len(in.Witness) == 0 {
			return nil, fmt.Errorf("%w: input %d is not signed (no witness)", ErrSignedTx, i)
		}
		var b bytes.Buffer
		if err := writeWitness(&b, in.Witness); err != nil {
			return nil, err
		}
		out[i] = b.Bytes()
	}
	return out, nil
}

// scriptSigFor is the scriptSig of a segwit input: none for native, one
// push of the redeem script for P2SH-wrapped.
func scriptSigFor(redeem []byte) ([]byte, error) {
	if len(redeem) == 0 {
		return nil, nil
	}
	return txscript.NewScriptBuilder().AddData(redeem).Script()
}

// writeWitness serializes a witness stack as BIP-174's final script
// witness field holds it: a count, then each item with its length.
func writeWitness(b *bytes.Buffer, w wire.TxWitness) error {
	if err := wire.WriteVarInt(b, 0, uint64(len(w))); err != nil {
		return err
	}
	for _, item := range w {
		if err := wire.WriteVarBytes(b, 0, item); err != nil {
			return err
		}
	}
	return nil
}
