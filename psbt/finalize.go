package psbt

import (
	"bytes"
	"fmt"

	"github.com/btcsuite/btcd/chainhash/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/parallel"
)

// Finalize returns the signed transaction of p. Every input needs at least
// threshold valid partial signatures (else a *NotEnoughSigsError, which
// matches ErrNotEnoughSigs, naming the first short input); threshold must
// be the M of every input's witness script. Finalize builds each witness
// itself: an empty item for CHECKMULTISIG's extra pop, exactly threshold
// signatures in witness-script key order, then the witness script; for
// P2SH-P2WSH the scriptSig pushes the redeem script. It then runs the
// script engine with the standard verification flags on every input and
// refuses the transaction if any input fails (ErrScriptFailed); the
// engine computes its own sighashes and only skips the ECDSA check for a
// (sighash, signature, key) that Finalize has just verified. Finalize
// never modifies p.
func Finalize(p *btcpsbt.Packet, threshold int) (*wire.MsgTx, error) {
	hashes, err := SigHashes(p)
	if err != nil {
		return nil, fmt.Errorf("unable to finalize: %w", err)
	}
	tx := p.UnsignedTx.Copy()
	cache := txscript.NewSigCache(uint(threshold * len(tx.TxIn)))
	// Inputs are independent: each goroutine writes only its own TxIn.
	err = parallel.ForEach(len(tx.TxIn), func(i int) error {
		return finalizeInput(p, tx, hashes, i, threshold, cache)
	})
	if err != nil {
		return nil, err
	}
	if err := verifyScripts(p, tx, hashes, cache); err != nil {
		return nil, fmt.Errorf("unable to finalize: %w", err)
	}
	return tx, nil
}

// finalizeInput writes input i's witness (and scriptSig) into tx.
func finalizeInput(p *btcpsbt.Packet, tx *wire.MsgTx, hashes *txscript.TxSigHashes, i, threshold int, cache *txscript.SigCache) error {
	info, err := inspectInput(p, i)
	if err != nil {
		return fmt.Errorf("unable to finalize: %w", err)
	}
	if info.ms.m != threshold {
		return fmt.Errorf("unable to finalize: input %d: threshold %d but the witness script needs %d signatures",
			i, threshold, info.ms.m)
	}
	sigs, err := validSigsInKeyOrder(p, hashes, i, info, threshold, cache)
	if err != nil {
		return fmt.Errorf("unable to finalize: %w", err)
	}
	if len(sigs) < threshold {
		return &NotEnoughSigsError{Input: i, Have: len(sigs), Need: threshold}
	}
	witness := wire.TxWitness{nil}
	witness = append(witness, sigs...)
	tx.TxIn[i].Witness = append(witness, cloneBytes(info.witnessScript))
	if len(info.redeemScript) > 0 {
		scriptSig, err := txscript.NewScriptBuilder().AddData(info.redeemScript).Script()
		if err != nil {
			return fmt.Errorf("unable to finalize: input %d: %w", i, err)
		}
		tx.TxIn[i].SignatureScript = scriptSig
	}
	return nil
}

// validSigsInKeyOrder returns up to need signatures on input i that
// verify, taken in the order of their keys in the witness script; invalid
// ones are skipped. Each verified signature goes into cache so that the
// script engine, if it computes the same sighash, does not verify it again.
func validSigsInKeyOrder(p *btcpsbt.Packet, hashes *txscript.TxSigHashes, i int, info *inputInfo,
	need int, cache *txscript.SigCache) ([][]byte, error) {

	hash, err := sigHash(p, hashes, i, info)
	if err != nil {
		return nil, err
	}
	var sigHash chainhash.Hash
	copy(sigHash[:], hash)
	var sigs [][]byte
	for _, key := range info.ms.keys {
		for _, ps := range p.Inputs[i].PartialSigs {
			if !bytes.Equal(ps.PubKey, key) || verifySig(p, hashes, i, info, ps) != nil {
				continue
			}
			sig := cloneBytes(ps.Signature)
			cache.Add(sigHash, sig[:len(sig)-1], key)
			sigs = append(sigs, sig)
			break
		}
		if len(sigs) == need {
			break
		}
	}
	return sigs, nil
}

// verifyScripts runs the script engine on every input of tx.
func verifyScripts(p *btcpsbt.Packet, tx *wire.MsgTx, hashes *txscript.TxSigHashes, cache *txscript.SigCache) error {
	fetcher, err := prevOutFetcher(p)
	if err != nil {
		return err
	}
	return parallel.ForEach(len(tx.TxIn), func(i int) error {
		utxo := p.Inputs[i].WitnessUtxo
		vm, err := txscript.NewEngine(utxo.PkScript, tx, i, txscript.StandardVerifyFlags,
			cache, hashes, utxo.Value, fetcher)
		if err != nil {
			return fmt.Errorf("input %d: %w: %v", i, ErrScriptFailed, err)
		}
		if err := vm.Execute(); err != nil {
			return fmt.Errorf("input %d: %w: %v", i, ErrScriptFailed, err)
		}
		return nil
	})
}
