package psbt

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/btcsuite/btcd/address/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// multisig is a parsed "OP_m <key>... OP_n OP_CHECKMULTISIG" script.
type multisig struct {
	m    int
	keys [][]byte // 33-byte compressed keys in script order
}

// parseMultisig reads a bare multisig witness script of compressed keys.
func parseMultisig(script []byte) (multisig, error) {
	var ms multisig
	tok := txscript.MakeScriptTokenizer(0, script)
	var ops []byte
	var pushes [][]byte
	for tok.Next() {
		ops = append(ops, tok.Opcode())
		pushes = append(pushes, tok.Data())
	}
	if err := tok.Err(); err != nil {
		return ms, fmt.Errorf("%w: %v", ErrUnsupportedScript, err)
	}
	if len(ops) < 4 || ops[len(ops)-1] != txscript.OP_CHECKMULTISIG {
		return ms, ErrUnsupportedScript
	}
	m, n := smallInt(ops[0]), smallInt(ops[len(ops)-2])
	keys := pushes[1 : len(ops)-2]
	if m < 1 || n != len(keys) || m > n {
		return ms, ErrUnsupportedScript
	}
	for i, k := range keys {
		op := ops[i+1]
		if op != txscript.OP_DATA_33 || (k[0] != 0x02 && k[0] != 0x03) {
			return ms, ErrUnsupportedScript
		}
	}
	ms.m, ms.keys = m, keys
	return ms, nil
}

// smallInt returns the value of OP_1..OP_16, or -1.
func smallInt(op byte) int {
	if op >= txscript.OP_1 && op <= txscript.OP_16 {
		return int(op-txscript.OP_1) + 1
	}
	return -1
}

// indexOf returns the position of key in the script's keys, or -1.
func (ms multisig) indexOf(key []byte) int {
	for i, k := range ms.keys {
		if bytes.Equal(k, key) {
			return i
		}
	}
	return -1
}

// p2wshProgram returns OP_0 <sha256(witnessScript)>.
func p2wshProgram(witnessScript []byte) []byte {
	h := sha256.Sum256(witnessScript)
	return append([]byte{txscript.OP_0, txscript.OP_DATA_32}, h[:]...)
}

// p2shScript returns OP_HASH160 <hash160(redeemScript)> OP_EQUAL.
func p2shScript(redeemScript []byte) []byte {
	s := []byte{txscript.OP_HASH160, txscript.OP_DATA_20}
	s = append(s, address.Hash160(redeemScript)...)
	return append(s, txscript.OP_EQUAL)
}

// checkScripts verifies that the witness script (and, for P2SH-P2WSH, the
// redeem script) hash to pkScript.
func checkScripts(witnessScript, redeemScript, pkScript []byte) error {
	program := p2wshProgram(witnessScript)
	if len(redeemScript) == 0 {
		if !bytes.Equal(program, pkScript) {
			return fmt.Errorf("%w: witness script does not hash to the p2wsh output script", ErrUTXOMismatch)
		}
		return nil
	}
	if !bytes.Equal(program, redeemScript) {
		return fmt.Errorf("%w: redeem script is not the p2wsh program of the witness script", ErrUTXOMismatch)
	}
	if !bytes.Equal(p2shScript(redeemScript), pkScript) {
		return fmt.Errorf("%w: redeem script does not hash to the p2sh output script", ErrUTXOMismatch)
	}
	return nil
}

// inputInfo is what signing and verifying need from one input, recomputed
// and cross-checked rather than trusted.
type inputInfo struct {
	ms            multisig
	witnessScript []byte
	redeemScript  []byte
	pkScript      []byte
	amount        int64
}

// inspectInput checks input i of p for everything a sighash depends on: the
// witness UTXO, the full previous transaction when present (it must hash
// to the outpoint and agree with the witness UTXO), the scripts and the
// sighash type.
func inspectInput(p *btcpsbt.Packet, i int) (*inputInfo, error) {
	if p == nil || p.UnsignedTx == nil || len(p.Inputs) != len(p.UnsignedTx.TxIn) {
		return nil, fmt.Errorf("%w: packet has no unsigned transaction or mismatched inputs", ErrInvalidPSBT)
	}
	if i < 0 || i >= len(p.Inputs) {
		return nil, fmt.Errorf("input %d out of range (psbt has %d inputs)", i, len(p.Inputs))
	}
	in := &p.Inputs[i]
	if in.WitnessUtxo == nil || len(in.WitnessScript) == 0 {
		return nil, fmt.Errorf("input %d: %w", i, ErrMissingUTXO)
	}
	if in.NonWitnessUtxo != nil {
		if err := checkPrevTx(in.NonWitnessUtxo, p.UnsignedTx.TxIn[i].PreviousOutPoint, in.WitnessUtxo); err != nil {
			return nil, fmt.Errorf("input %d: %w", i, err)
		}
	}
	if in.SighashType != 0 && in.SighashType != txscript.SigHashAll {
		return nil, fmt.Errorf("input %d: %w (field is %#x)", i, ErrNotSighashAll, uint32(in.SighashType))
	}
	if err := checkScripts(in.WitnessScript, in.RedeemScript, in.WitnessUtxo.PkScript); err != nil {
		return nil, fmt.Errorf("input %d: %w", i, err)
	}
	ms, err := parseMultisig(in.WitnessScript)
	if err != nil {
		return nil, fmt.Errorf("input %d: %w", i, err)
	}
	return &inputInfo{
		ms:            ms,
		witnessScript: in.WitnessScript,
		redeemScript:  in.RedeemScript,
		pkScript:      in.WitnessUtxo.PkScript,
		amount:        in.WitnessUtxo.Value,
	}, nil
}

// checkPrevTx verifies that prevTx hashes to op.Hash, has output op.Index,
// and, when want is non-nil, that this output equals want.
func checkPrevTx(prevTx *wire.MsgTx, op wire.OutPoint, want *wire.TxOut) error {
	if prevTx.TxHash() != op.Hash {
		return fmt.Errorf("%w: previous transaction %s does not hash to %s", ErrUTXOMismatch, prevTx.TxHash(), op.Hash)
	}
	if int(op.Index) >= len(prevTx.TxOut) {
		return fmt.Errorf("%w: previous transaction has no output %d", ErrUTXOMismatch, op.Index)
	}
	out := prevTx.TxOut[op.Index]
	if want != nil && (out.Value != want.Value || !bytes.Equal(out.PkScript, want.PkScript)) {
		return fmt.Errorf("%w: witness utxo differs from output %d of the previous transaction", ErrUTXOMismatch, op.Index)
	}
	return nil
}
