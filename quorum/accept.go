package quorum

import (
	"bytes"
	"encoding/hex"
	"fmt"

	btcpsbt "github.com/btcsuite/btcd/psbt/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// Signature is a signature that Accept verified: which input, by which key,
// and the holder's master fingerprint read from the proposal's own
// derivations.
type Signature struct {
	Input       int
	PubKey      []byte
	Fingerprint string
	Sig         []byte
}

// RefusedError says why a handed-in file's signature was refused. Nothing
// of the file may be kept when Accept returns one.
type RefusedError struct {
	Input  int // -1 when the refusal is not about one input (or Err names it)
	Reason string
	Err    error // the verification failure, when there is one
}

func (e *RefusedError) Error() string {
	msg := e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.Input < 0 {
		return msg
	}
	return fmt.Sprintf("input %d: %s", e.Input, msg)
}

// Unwrap returns the verification failure (psbt.ErrBadSignature, …).
func (e *RefusedError) Unwrap() error { return e.Err }

// Accept verifies every signature that in carries against the stored
// proposal's own scripts, amounts and sighashes (never against anything the
// incoming file says about them), and names each signer by the stored
// derivations. These are the signature acceptance rules:
//
//   - A partial signature must verify against the stored input's sighash
//     for the stored script and amount (psbt.VerifyPartialSig checks the
//     sighash type too).
//   - A finalized input (Bitcoin Core's walletprocesspsbt finalizes by
//     default) gives its signatures from its final witness, each verified
//     the same way against the stored script.
//   - The key must be one the proposal's derivations name for that input:
//     a valid signature by any other key is refused.
//
// in must have the stored transaction (the caller matched its txid).
func Accept(stored, in *btcpsbt.Packet) ([]Signature, error) {
	if len(in.Inputs) != len(stored.Inputs) {
		return nil, &RefusedError{Input: -1, Reason: fmt.Sprintf("it has %d inputs; the proposal has %d", len(in.Inputs), len(stored.Inputs))}
	}
	hashes, err := psbt.SigHashes(stored)
	if err != nil {
		return nil, err
	}
	var out []Signature
	for i := range in.Inputs {
		sigs := in.Inputs[i].PartialSigs
		if len(sigs) == 0 && len(in.Inputs[i].FinalScriptWitness) > 0 {
			fin, err := psbt.SigsFromFinalWitness(stored, hashes, i, in.Inputs[i].FinalScriptWitness)
			if err != nil {
				return nil, &RefusedError{Input: -1, Reason: "finalized input refused", Err: err}
			}
			sigs = fin
		}
		for _, ps := range sigs {
			if err := psbt.VerifyPartialSig(stored, hashes, i, ps); err != nil {
				return nil, &RefusedError{Input: -1, Reason: "signature refused", Err: err}
			}
			fp, ok := holderOf(stored.Inputs[i], ps.PubKey)
			if !ok {
				return nil, &RefusedError{Input: i, Reason: fmt.Sprintf("key %s is not a key of the spending generation", shortHex(ps.PubKey))}
			}
			out = append(out, Signature{Input: i, PubKey: ps.PubKey, Fingerprint: fp, Sig: ps.Signature})
		}
	}
	return out, nil
}

// holderOf finds who holds a key from the derivations the proposal wrote.
func holderOf(in btcpsbt.PInput, pub []byte) (string, bool) {
	for _, d := range in.Bip32Derivation {
		if bytes.Equal(d.PubKey, pub) {
			return vault.FingerprintFromPSBT(d.MasterKeyFingerprint).String(), true
		}
	}
	return "", false
}

func shortHex(b []byte) string {
	h := hex.EncodeToString(b)
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}
