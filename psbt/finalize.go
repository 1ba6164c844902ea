package psbt

import (
	"fmt"

	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Finalize returns the signed transaction of p. Every input needs at least
// threshold valid partial signatures (else a *NotEnoughSigsError, which
// matches ErrNotEnoughSigs, naming the first short input); threshold must
// be the M of every input's witness script. Finalize builds each witness
// itself: an empty item for CHECKMULTISIG's extra pop, exactly threshold
// signatures in witness-script key order, then the witness script; for
// P2SH-P2WSH the scriptSig pushes the redeem script. It then runs the
// script engine with the standard verification flags on every input and
// refuses the transaction if any input fails (ErrScriptFailed). Finalize
// never modifies p.
func Finalize(p *btcpsbt.Packet, threshold int) (*wire.MsgTx, error) {
	hashes, err := SigHashes(p)
	if err != nil {
		return nil, fmt.Errorf("unable to finalize: %w", err)
	}
	tx := p.UnsignedTx.Copy()
	for i := range tx.TxIn {
		info, err := inspectInput(p, i)
		if err != nil {
			return nil, fmt.Errorf("unable to finalize: %w", err)
		}
		if info.ms.m != threshold {
			return nil, fmt.Errorf("unable to finalize: input %d: threshold %d but the witness script needs %d signatures",
				i, threshold, info.ms.m)
		}
		sigs := validSigsInKeyOrder(p, hashes, i, info)
		if len(sigs) < threshold {
			return nil, &NotEnoughSigsError{Input: i, Have: len(sigs), Need: threshold}
		}
		witness := wire.TxWitness{nil}
		witness = append(witness, sigs[:threshold]...)
		tx.TxIn[i].Witness = append(witness, cloneBytes(info.witnessScript))
		if len(info.redeemScript) > 0 {
			scriptSig, err := txscript.NewScriptBuilder().AddData(info.redeemScript).Script()
			if err != nil {
				return nil, fmt.Errorf("unable to finalize: input %d: %w", i, err)
			}
			tx.TxIn[i].SignatureScript = scriptSig
		}
	}
	if err := verifyScripts(p, tx, hashes); err != nil {
		return nil, fmt.Errorf("unable to finalize: %w", err)
	}
	return tx, nil
}

// validSigsInKeyOrder returns the signatures on input i that verify, in
// the order of their keys in the witness script. Invalid ones are skipped.
func validSigsInKeyOrder(p *btcpsbt.Packet, hashes *txscript.TxSigHashes, i int, info *inputInfo) [][]byte {
	byKey := make([][]byte, len(info.ms.keys))
	for _, ps := range p.Inputs[i].PartialSigs {
		k := info.ms.indexOf(ps.PubKey)
		if k < 0 || byKey[k] != nil || verifySig(p, hashes, i, info, ps) != nil {
			continue
		}
		byKey[k] = cloneBytes(ps.Signature)
	}
	var sigs [][]byte
	for _, s := range byKey {
		if s != nil {
			sigs = append(sigs, s)
		}
	}
	return sigs
}

// verifyScripts runs the script engine on every input of tx.
func verifyScripts(p *btcpsbt.Packet, tx *wire.MsgTx, hashes *txscript.TxSigHashes) error {
	fetcher, err := prevOutFetcher(p)
	if err != nil {
		return err
	}
	for i := range tx.TxIn {
		utxo := p.Inputs[i].WitnessUtxo
		vm, err := txscript.NewEngine(utxo.PkScript, tx, i, txscript.StandardVerifyFlags,
			nil, hashes, utxo.Value, fetcher)
		if err != nil {
			return fmt.Errorf("input %d: %w: %v", i, ErrScriptFailed, err)
		}
		if err := vm.Execute(); err != nil {
			return fmt.Errorf("input %d: %w: %v", i, ErrScriptFailed, err)
		}
	}
	return nil
}
