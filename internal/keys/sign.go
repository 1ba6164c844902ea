package keys

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"

	"github.com/treasury-dev/treasury/internal/parallel"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// Sign adds this key's SIGHASH_ALL signatures to the inputs r found
// signable and returns how many inputs it signed. r must be this File's
// Review of p, and p must be unchanged since (same unsigned transaction,
// same UTXO data and scripts); otherwise Sign refuses with
// ErrReviewMismatch. For every key of this seed in an input's recomputed
// script, it derives the private key at that key's path, checks that the
// derived public key is the one in the script, signs, and verifies the
// signature before keeping it. p is modified in place; on error it may hold
// some of the new signatures, so the caller must not write it out. Sign
// refuses what the key file's spending policy forbids, and on success
// records the spend and p's audit anchor in the File: the caller must Save
// it before writing out the signed PSBT.
func (f *File) Sign(p *btcpsbt.Packet, r *Review) (signed int, err error) {
	if f.zeroed {
		return 0, ErrZeroed
	}
	if err := f.checkReview(p, r); err != nil {
		return 0, err
	}
	if r.Signable == 0 {
		return 0, refuse(ErrNothingToSign, "none of its inputs has a key with fingerprint %s", f.Fingerprint)
	}
	if err := f.CheckPolicy(r); err != nil {
		return 0, err
	}
	hashes, err := psbt.SigHashes(p)
	if err != nil {
		return 0, fmt.Errorf("unable to sign: %w", err)
	}
	keys := newKeyCache(f)
	defer keys.zero()
	if err := keys.warm(r); err != nil {
		return 0, err
	}
	// Each input's signing touches only that input of p.
	err = parallel.ForEach(len(r.Inputs), func(i int) error {
		if !r.Inputs[i].Signable {
			return nil
		}
		return f.signInput(p, hashes, &r.Inputs[i], keys)
	})
	if err != nil {
		return 0, err
	}
	f.recordSigning(p, r)
	return r.Signable, nil
}

// checkReview verifies that r is this key's review of p as p is now.
func (f *File) checkReview(p *btcpsbt.Packet, r *Review) error {
	if r == nil || r.reviewer != f.Fingerprint {
		return refuse(ErrReviewMismatch, "the review was not made by this key")
	}
	if p == nil || p.UnsignedTx == nil || p.UnsignedTx.TxHash() != r.TxID ||
		len(p.Inputs) != len(r.Inputs) || len(p.UnsignedTx.TxIn) != len(r.Inputs) {
		return refuse(ErrReviewMismatch, "it is not the transaction that was reviewed")
	}
	for i := range r.Inputs {
		in, ir := &p.Inputs[i], &r.Inputs[i]
		if in.WitnessUtxo == nil || in.WitnessUtxo.Value != ir.prevOut.Value ||
			!bytes.Equal(in.WitnessUtxo.PkScript, ir.prevOut.PkScript) {
			return refuseInput(i, ErrReviewMismatch, "its witness utxo changed since the review")
		}
		if in.SighashType != 0 && in.SighashType != txscript.SigHashAll {
			return refuseInput(i, ErrSighashType, "it asks for signature hash type %#x; this signer signs SIGHASH_ALL only", uint32(in.SighashType))
		}
		if ir.derived == nil {
			return refuseInput(i, ErrReviewMismatch, "the review holds no verified script for it")
		}
		if err := sameScripts(in.WitnessScript, in.RedeemScript, ir.derived); err != nil {
			return refuseInput(i, ErrReviewMismatch, "its %s", err)
		}
	}
	return nil
}

// signInput signs input ir.Index with every key of this seed in its
// recomputed script.
func (f *File) signInput(p *btcpsbt.Packet, hashes *txscript.TxSigHashes, ir *InputReview, keys *keyCache) error {
	in := &p.Inputs[ir.Index]
	// Fill in the verified scripts if the PSBT lacked them: the sighash
	// and the finalizer need them.
	if len(in.WitnessScript) == 0 {
		in.WitnessScript = bytes.Clone(ir.derived.WitnessScript)
	}
	if len(in.RedeemScript) == 0 && len(ir.derived.RedeemScript) > 0 {
		in.RedeemScript = bytes.Clone(ir.derived.RedeemScript)
	}
	for _, k := range ir.derived.Keys {
		if k.Fingerprint != f.Fingerprint {
			continue
		}
		if err := f.signWith(p, hashes, ir, k, keys); err != nil {
			return err
		}
	}
	return nil
}

func (f *File) signWith(p *btcpsbt.Packet, hashes *txscript.TxSigHashes, ir *InputReview, k vault.DerivedKey, keys *keyCache) error {
	priv, err := keys.at(k.Path)
	if err != nil {
		return fmt.Errorf("unable to sign input %d: %w", ir.Index, err)
	}
	defer priv.Zero()
	// SignInput refuses a key that is not in the input's witness script;
	// the key must also be the one the review recomputed for this path.
	sig, err := psbt.SignInput(p, hashes, ir.Index, priv)
	if errors.Is(err, psbt.ErrKeyNotInScript) || err == nil && !bytes.Equal(sig.PubKey, k.PubKey) {
		return refuseInput(ir.Index, ErrReviewMismatch, "the key this seed derives at %s is not in its script", vault.FormatPath(k.Path))
	}
	if err != nil {
		return fmt.Errorf("unable to sign input %d: %w", ir.Index, err)
	}
	if err := psbt.VerifyPartialSig(p, hashes, ir.Index, sig); err != nil {
		return fmt.Errorf("unable to sign input %d: the new signature does not verify: %w", ir.Index, err)
	}
	return nil
}

// keyCache keeps the private keys one level above the leaves (the chain
// keys of each account), so that signing N inputs derives N leaves rather
// than N full paths. zero wipes them.
type keyCache struct {
	f      *File
	chains map[string]*hdkeychain.ExtendedKey // filled by warm, then read-only
}

func newKeyCache(f *File) *keyCache {
	return &keyCache{f: f, chains: make(map[string]*hdkeychain.ExtendedKey)}
}

// at returns the private key at path; the caller must Zero it.
func (c *keyCache) at(path []uint32) (*btcec.PrivateKey, error) {
	if len(path) == 0 {
		return nil, fmt.Errorf("empty derivation path")
	}
	parent, ok := c.chains[vault.FormatPath(path[:len(path)-1])]
	if !ok {
		return nil, fmt.Errorf("no chain key for %s", vault.FormatPath(path))
	}
	leaf, err := parent.Derive(path[len(path)-1])
	if err != nil {
		return nil, fmt.Errorf("unable to derive %s: %w", vault.FormatPath(path), err)
	}
	defer leaf.Zero()
	return leaf.ECPrivKey()
}

// warm derives, before signing starts, the chain key above every leaf this
// seed will sign with, so that the concurrent signers only read the cache.
func (c *keyCache) warm(r *Review) error {
	for i := range r.Inputs {
		ir := &r.Inputs[i]
		if !ir.Signable {
			continue
		}
		for _, k := range ir.derived.Keys {
			if k.Fingerprint != c.f.Fingerprint || len(k.Path) == 0 {
				continue
			}
			parentPath := k.Path[:len(k.Path)-1]
			id := vault.FormatPath(parentPath)
			if _, ok := c.chains[id]; ok {
				continue
			}
			parent, err := c.f.derive(parentPath)
			if err != nil {
				return err
			}
			// hdkeychain computes and caches an extended key's public key
			// on first use; doing it here keeps the concurrent Derive calls
			// read-only.
			if _, err := parent.ECPubKey(); err != nil {
				return err
			}
			c.chains[id] = parent
		}
	}
	return nil
}

func (c *keyCache) zero() {
	for id, k := range c.chains {
		k.Zero()
		delete(c.chains, id)
	}
}
