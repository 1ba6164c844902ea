package keys

import (
	"errors"
	"fmt"
)

// Sentinels that Review and Sign wrap in a *RefusalError; match them with
// errors.Is.
var (
	// ErrNothingRegistered: the key file trusts no descriptor yet.
	ErrNothingRegistered = errors.New("key file has no registered descriptor")
	// ErrUnknownInput: an input's script does not recompute from any
	// registered descriptor.
	ErrUnknownInput = errors.New("input does not come from a registered descriptor")
	// ErrUnsupportedInput: an input is not a P2WSH or P2SH-P2WSH multisig.
	ErrUnsupportedInput = errors.New("input is not a segwit multisig input")
	// ErrMissingUTXO: an input lacks its full previous transaction or its
	// witness UTXO; both are required.
	ErrMissingUTXO = errors.New("input lacks its previous transaction or its witness utxo")
	// ErrPrevTxMismatch: an input's previous transaction does not hash to
	// its outpoint, lacks the output, or disagrees with the witness UTXO.
	ErrPrevTxMismatch = errors.New("input's previous transaction does not match its outpoint and witness utxo")
	// ErrDuplicateInput: two inputs spend the same outpoint.
	ErrDuplicateInput = errors.New("two inputs spend the same outpoint")
	// ErrSighashType: an input asks for a signature hash type other than
	// SIGHASH_ALL.
	ErrSighashType = errors.New("input asks for a signature hash type other than SIGHASH_ALL")
	// ErrScriptMismatch: a witness or redeem script in the PSBT disagrees
	// with the one the registered descriptor derives.
	ErrScriptMismatch = errors.New("psbt script disagrees with the registered descriptor")
	// ErrUnprovenChange: an output carries derivations of a registered
	// vault's keys but its script does not recompute from any registered
	// descriptor (the change-substitution attack).
	ErrUnprovenChange = errors.New("output claims to belong to a registered vault but does not derive from it")
	// ErrNegativeFee: the outputs spend more than the inputs hold.
	ErrNegativeFee = errors.New("outputs spend more than the inputs hold")
	// ErrHiddenChange: an internal output at an index so far beyond any
	// wallet's gap limit that no recovery wallet would find it.
	ErrHiddenChange = errors.New("internal output is at an index no wallet scans")
	// ErrInvalidAmount: an amount is negative or above 21 million BTC.
	ErrInvalidAmount = errors.New("amount is out of range")
	// ErrNothingToSign: no reviewed input has a key of this seed.
	ErrNothingToSign = errors.New("no input of this psbt needs a signature from this key")
	// ErrReviewMismatch: Sign was given a review that does not describe
	// this PSBT as it is now, or was made by another key.
	ErrReviewMismatch = errors.New("psbt does not match the review it is signed under")
)

// RefusalError is why Review or Sign refused a PSBT: one sentence naming
// the input or output at fault. Kind is one of the sentinels above (or
// ErrNetworkMismatch); errors.Is matches it.
type RefusalError struct {
	Kind   error
	Input  int // index of the input at fault, or -1
	Output int // index of the output at fault, or -1
	Reason string
}

// Error implements error.
func (e *RefusalError) Error() string { return e.Reason }

// Unwrap returns Kind.
func (e *RefusalError) Unwrap() error { return e.Kind }

func refuseInput(i int, kind error, format string, args ...any) error {
	return &RefusalError{Kind: kind, Input: i, Output: -1,
		Reason: fmt.Sprintf("refusing input %d: ", i) + fmt.Sprintf(format, args...)}
}

func refuseOutput(j int, kind error, format string, args ...any) error {
	return &RefusalError{Kind: kind, Input: -1, Output: j,
		Reason: fmt.Sprintf("refusing output %d: ", j) + fmt.Sprintf(format, args...)}
}

func refuse(kind error, format string, args ...any) error {
	return &RefusalError{Kind: kind, Input: -1, Output: -1, Reason: "refusing psbt: " + fmt.Sprintf(format, args...)}
}
