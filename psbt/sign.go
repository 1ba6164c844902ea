package psbt

import (
	"bytes"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"
)

// SigHashes computes the BIP-143 midstate of p's unsigned transaction once,
// with a prevout fetcher over every input's witness UTXO. Pass the result to
// every VerifyPartialSig, SignInput and Finalize call on the same
// transaction so that signing N inputs costs O(N).
func SigHashes(p *btcpsbt.Packet) (*txscript.TxSigHashes, error) {
	fetcher, err := prevOutFetcher(p)
	if err != nil {
		return nil, err
	}
	return txscript.NewTxSigHashes(p.UnsignedTx, fetcher), nil
}

// prevOutFetcher maps every input's outpoint to its witness UTXO.
func prevOutFetcher(p *btcpsbt.Packet) (*txscript.MultiPrevOutFetcher, error) {
	if p == nil || p.UnsignedTx == nil || len(p.Inputs) != len(p.UnsignedTx.TxIn) {
		return nil, fmt.Errorf("%w: packet has no unsigned transaction or mismatched inputs", ErrInvalidPSBT)
	}
	fetcher := txscript.NewMultiPrevOutFetcher(nil)
	for i, in := range p.UnsignedTx.TxIn {
		if p.Inputs[i].WitnessUtxo == nil {
			return nil, fmt.Errorf("input %d: %w", i, ErrMissingUTXO)
		}
		fetcher.AddPrevOut(in.PreviousOutPoint, p.Inputs[i].WitnessUtxo)
	}
	return fetcher, nil
}

// sigHash is the BIP-143 SIGHASH_ALL digest of input i.
func sigHash(p *btcpsbt.Packet, hashes *txscript.TxSigHashes, i int, info *inputInfo) ([]byte, error) {
	h, err := txscript.CalcWitnessSigHash(info.witnessScript, hashes, txscript.SigHashAll,
		p.UnsignedTx, i, info.amount)
	if err != nil {
		return nil, fmt.Errorf("input %d: unable to compute sighash: %w", i, err)
	}
	return h, nil
}

// VerifyPartialSig checks sig for input i of p: the public key is one of
// the keys of the input's witness script (ErrKeyNotInScript); the signature
// is strict DER (ErrBadSignature), low-S (ErrHighS) and ends in
// SIGHASH_ALL (ErrNotSighashAll); and it is a valid ECDSA signature over the
// input's BIP-143 sighash, computed from the witness script and the witness
// UTXO's value (ErrBadSignature). hashes must come from SigHashes(p).
func VerifyPartialSig(p *btcpsbt.Packet, hashes *txscript.TxSigHashes, input int, sig *btcpsbt.PartialSig) error {
	info, err := inspectInput(p, input)
	if err != nil {
		return err
	}
	return verifySig(p, hashes, input, info, sig)
}

func verifySig(p *btcpsbt.Packet, hashes *txscript.TxSigHashes, i int, info *inputInfo, sig *btcpsbt.PartialSig) error {
	if sig == nil {
		return fmt.Errorf("input %d: %w: no signature", i, ErrBadSignature)
	}
	if info.ms.indexOf(sig.PubKey) < 0 {
		return fmt.Errorf("input %d: key %x: %w", i, sig.PubKey, ErrKeyNotInScript)
	}
	pub, err := btcec.ParsePubKey(sig.PubKey)
	if err != nil {
		return fmt.Errorf("input %d: key %x: %w", i, sig.PubKey, ErrKeyNotInScript)
	}
	if len(sig.Signature) == 0 {
		return fmt.Errorf("input %d: %w: empty signature", i, ErrBadSignature)
	}
	if ht := sig.Signature[len(sig.Signature)-1]; ht != byte(txscript.SigHashAll) {
		return fmt.Errorf("input %d: key %x: %w (byte %#02x)", i, sig.PubKey, ErrNotSighashAll, ht)
	}
	parsed, err := ecdsa.ParseDERSignature(sig.Signature[:len(sig.Signature)-1])
	if err != nil {
		return fmt.Errorf("input %d: key %x: %w: %v", i, sig.PubKey, ErrBadSignature, err)
	}
	s := parsed.S()
	if s.IsOverHalfOrder() {
		return fmt.Errorf("input %d: key %x: %w", i, sig.PubKey, ErrHighS)
	}
	hash, err := sigHash(p, hashes, i, info)
	if err != nil {
		return err
	}
	if !parsed.Verify(hash, pub) {
		return fmt.Errorf("input %d: key %x: %w: does not verify against the sighash", i, sig.PubKey, ErrBadSignature)
	}
	return nil
}

// SignInput signs input i of p with priv (SIGHASH_ALL, RFC 6979, low-S),
// adds the signature to the input and returns it. The key must be in the
// input's witness script. Signatures from other keys are left alone; a
// valid signature already present for the same key is kept and returned.
// hashes must come from SigHashes(p).
func SignInput(p *btcpsbt.Packet, hashes *txscript.TxSigHashes, input int, priv *btcec.PrivateKey) (*btcpsbt.PartialSig, error) {
	info, err := inspectInput(p, input)
	if err != nil {
		return nil, err
	}
	pub := priv.PubKey().SerializeCompressed()
	if info.ms.indexOf(pub) < 0 {
		return nil, fmt.Errorf("input %d: key %x: %w", input, pub, ErrKeyNotInScript)
	}
	in := &p.Inputs[input]
	pos := -1
	for j, ps := range in.PartialSigs {
		if bytes.Equal(ps.PubKey, pub) {
			if verifySig(p, hashes, input, info, ps) == nil {
				return ps, nil
			}
			pos = j
		}
	}
	hash, err := sigHash(p, hashes, input, info)
	if err != nil {
		return nil, err
	}
	der := ecdsa.Sign(priv, hash).Serialize()
	ps := &btcpsbt.PartialSig{PubKey: pub, Signature: append(der, byte(txscript.SigHashAll))}
	if pos >= 0 {
		in.PartialSigs[pos] = ps // replaces this key's own invalid signature
	} else {
		in.PartialSigs = append(in.PartialSigs, ps)
	}
	return ps, nil
}

// SignedKeys returns the public keys that have a partial signature on
// input i, in the order stored. It does not verify the signatures.
func SignedKeys(p *btcpsbt.Packet, input int) [][]byte {
	if p == nil || input < 0 || input >= len(p.Inputs) {
		return nil
	}
	keys := make([][]byte, 0, len(p.Inputs[input].PartialSigs))
	for _, ps := range p.Inputs[input].PartialSigs {
		keys = append(keys, cloneBytes(ps.PubKey))
	}
	return keys
}

// Merge adds to dst the partial signatures of src that dst lacks (by public
// key), after verifying each against dst's own UTXO and script data. Both
// must carry the same unsigned transaction (ErrMismatchedTx). A signature
// for a key dst already has a signature for is skipped: the first one
// kept wins, even if src's differs and is also valid. Merge copies nothing
// but signatures. It is all or nothing: if any new signature fails to
// verify, dst is unchanged and the error says which. It returns how many
// signatures were added.
func Merge(dst, src *btcpsbt.Packet) (added int, err error) {
	if err := sameTx(dst, src); err != nil {
		return 0, err
	}
	hashes, err := SigHashes(dst)
	if err != nil {
		return 0, err
	}
	adds := make([][]*btcpsbt.PartialSig, len(dst.Inputs))
	for i := range src.Inputs {
		if len(src.Inputs[i].PartialSigs) == 0 {
			continue
		}
		info, err := inspectInput(dst, i)
		if err != nil {
			return 0, fmt.Errorf("unable to merge: %w", err)
		}
		for _, ps := range src.Inputs[i].PartialSigs {
			if hasSig(dst.Inputs[i].PartialSigs, ps.PubKey) || hasSig(adds[i], ps.PubKey) {
				continue
			}
			if err := verifySig(dst, hashes, i, info, ps); err != nil {
				return 0, fmt.Errorf("unable to merge: %w", err)
			}
			adds[i] = append(adds[i], &btcpsbt.PartialSig{
				PubKey: cloneBytes(ps.PubKey), Signature: cloneBytes(ps.Signature),
			})
		}
	}
	for i, a := range adds {
		dst.Inputs[i].PartialSigs = append(dst.Inputs[i].PartialSigs, a...)
		added += len(a)
	}
	return added, nil
}

func hasSig(sigs []*btcpsbt.PartialSig, pub []byte) bool {
	for _, s := range sigs {
		if bytes.Equal(s.PubKey, pub) {
			return true
		}
	}
	return false
}

// sameTx checks that a and b carry the same unsigned transaction.
func sameTx(a, b *btcpsbt.Packet) error {
	if a == nil || b == nil || a.UnsignedTx == nil || b.UnsignedTx == nil {
		return fmt.Errorf("%w: missing unsigned transaction", ErrMismatchedTx)
	}
	if a.UnsignedTx.TxHash() != b.UnsignedTx.TxHash() || len(a.Inputs) != len(b.Inputs) {
		return fmt.Errorf("%w: %s and %s", ErrMismatchedTx, a.UnsignedTx.TxHash(), b.UnsignedTx.TxHash())
	}
	return nil
}
