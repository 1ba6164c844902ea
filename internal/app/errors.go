package app

import (
	"errors"
	"fmt"
)

// Sentinel errors the adapters translate into and the front ends explain.
var (
	ErrNotFound       = errors.New("not found")
	ErrDuplicate      = errors.New("already exists")
	ErrLocked         = errors.New("the database is locked by another treasury process; try again when it has finished")
	ErrNewerSchema    = errors.New("the database was written by a newer version of treasury")
	ErrCorruptDB      = errors.New("the database file is damaged or is not a treasury database")
	ErrNotInitialized = errors.New("treasury is not initialized")
	ErrInvalid        = errors.New("invalid input")
	ErrNoNode         = errors.New("no node is configured")
	// ErrDatabaseGone marks a database file that is missing or empty where
	// one was expected: treasury refuses to replace it with a new one.
	ErrDatabaseGone = errors.New("the database is missing or empty")

	// ErrUnknownVault and ErrUnknownProposal say which kind of thing was
	// not found; errors.Is matches ErrNotFound too.
	ErrUnknownVault    = fmt.Errorf("no such vault: %w", ErrNotFound)
	ErrUnknownProposal = fmt.Errorf("no such proposal: %w", ErrNotFound)
)

// Meta keys the app keeps in the store.
const (
	MetaNetwork   = "network"
	MetaAuditHead = "audit_head"
)

// Error is a user-facing error: its message is one sentence for the user,
// and errors.Is matches its Kind (one of the sentinels above) as well as
// whatever it wraps.
type Error struct {
	Kind error
	Err  error
}

// Error returns the cause's message, the sentence the user sees.
func (e *Error) Error() string { return e.Err.Error() }

// Unwrap exposes both the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error { return []error{e.Kind, e.Err} }

// errorf makes an *Error of the given kind; format may use %w.
func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Err: fmt.Errorf(format, args...)}
}

// ErrRefused marks input that a safety check refused: a forged or foreign
// signature, a PSBT for another vault, a policy violation.
var ErrRefused = errors.New("refused")

// ErrHighFee marks a fee above the guards (MaxFeeRate, MaxFeePercent): a
// refusal (errors.Is matches ErrRefused too) that the caller may override
// by asking again with AllowHighFee.
var ErrHighFee = fmt.Errorf("fee above the guard: %w", ErrRefused)

// ErrConflict marks an output already held by another live proposal, or spent.
var ErrConflict = errors.New("output is already in use")

// ConflictError reports the output that could not be reserved.
func ConflictError(op fmt.Stringer) error {
	return errorf(ErrConflict, "output %s is already reserved by another live proposal or spent; cancel that proposal first (treasury proposal list)", op)
}

// ErrReorg means the node's chain changed under a sync; sync starts over
// from its cursor, undoing what the orphaned blocks recorded.
var ErrReorg = errors.New("the node's chain changed during sync; run treasury sync again")
