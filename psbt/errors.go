package psbt

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidPSBT is wrapped by every Decode failure: the data is not a
	// well-formed PSBT of a supported version.
	ErrInvalidPSBT = errors.New("invalid psbt")

	// ErrNotSighashAll means a signature, or an input's sighash type field,
	// is not SIGHASH_ALL, the only type this package signs or accepts.
	ErrNotSighashAll = errors.New("signature hash type is not SIGHASH_ALL")

	// ErrHighS means a signature's S value is in the upper half of the curve
	// order; such signatures are non-standard (BIP-146 LOW_S).
	ErrHighS = errors.New("signature has a high S value")

	// ErrBadSignature means a signature is not strict DER or does not verify
	// against the input's sighash and the claimed public key.
	ErrBadSignature = errors.New("invalid signature")

	// ErrKeyNotInScript means a public key is not one of the keys of the
	// input's witness script.
	ErrKeyNotInScript = errors.New("public key is not in the input's witness script")

	// ErrMismatchedTx means two PSBTs do not carry the same unsigned
	// transaction.
	ErrMismatchedTx = errors.New("psbts are for different transactions")

	// ErrNotEnoughSigs is matched (errors.Is) by *NotEnoughSigsError.
	ErrNotEnoughSigs = errors.New("not enough signatures")

	// ErrMissingUTXO means an input lacks the witness UTXO or the witness
	// script needed to compute its sighash.
	ErrMissingUTXO = errors.New("input lacks its witness utxo or witness script")

	// ErrUTXOMismatch means the data describing a previous output does not
	// agree with itself: the previous transaction does not hash to the
	// outpoint, lacks the output, or disagrees with the witness UTXO, or the
	// scripts do not hash to the output script.
	ErrUTXOMismatch = errors.New("previous output data is inconsistent")

	// ErrUnsupportedScript means an input's witness script is not a bare
	// M-of-N CHECKMULTISIG of compressed keys.
	ErrUnsupportedScript = errors.New("witness script is not a supported multisig")

	// ErrInsufficientFunds means the coins cannot pay the target plus fees.
	ErrInsufficientFunds = errors.New("insufficient funds")

	// ErrFinalWitness means an input's final script witness is not the
	// multisig stack [empty, signature…, witness script] for the input's own
	// witness script, so no signature can be taken from it.
	ErrFinalWitness = errors.New("final script witness is not a multisig witness of the input's script")

	// ErrScriptFailed means the script engine rejected a finalized input.
	ErrScriptFailed = errors.New("script verification failed")
)

// NotEnoughSigsError reports an input that has fewer valid partial
// signatures than the threshold.
type NotEnoughSigsError struct {
	Input int // index of the first input that is short
	Have  int // valid signatures present
	Need  int // the threshold
}

// Error implements error.
func (e *NotEnoughSigsError) Error() string {
	return fmt.Sprintf("input %d has %d of %d required signatures", e.Input, e.Have, e.Need)
}

// Is makes errors.Is(err, ErrNotEnoughSigs) true.
func (e *NotEnoughSigsError) Is(target error) bool { return target == ErrNotEnoughSigs }
