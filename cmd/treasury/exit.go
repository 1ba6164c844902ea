package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/audit"
	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// Exit codes, decided here and nowhere else.
const (
	exitOK       = 0
	exitError    = 1 // the command failed; nothing was changed
	exitUsage    = 2 // bad flags or arguments
	exitRefused  = 3 // a check refused the input (bad signature, broken audit log, policy)
	exitNode     = 4 // the node is unreachable, refused our credentials or is on another network
	exitLocked   = 5 // another process holds the database
	exitNotFound = 6 // no such vault, proposal or file
)

const exitCodeHelp = `Exit codes:
  0  success
  1  the command failed; nothing was changed
  2  bad flags, arguments or input (an unknown command, a malformed
     address or amount, an impossible threshold)
  3  refused by a check (a bad signature, a broken audit log, a policy,
     an output already held by another proposal, a missing or emptied database)
  4  the node is unreachable, does not answer in time, refused the
     credentials, or is on another network
  5  the database is locked by another treasury process
  6  no such vault, proposal or file`

// usageError marks a mistake in how the command was called, with hints
// that say how to call it instead.
type usageError struct {
	msg   string
	hints []string
}

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{msg: fmt.Sprintf(format, args...)} }

// notFoundError: something named on the command line does not exist
// where the command looked (exit 6), with hints.
type notFoundError struct {
	msg   string
	hints []string
}

func (e notFoundError) Error() string { return e.msg }

// exitKinds name the exit codes in JSON errors, for scripts that prefer a
// word to a number.
var exitKinds = map[int]string{
	exitError: "failed", exitUsage: "usage", exitRefused: "refused",
	exitNode: "node", exitLocked: "locked", exitNotFound: "not_found",
}

// errorJSON is how an error prints on stderr with --json.
type errorJSON struct {
	Version int      `json:"version"`
	Error   string   `json:"error"`
	Kind    string   `json:"kind"`
	Exit    int      `json:"exit_code"`
	Hints   []string `json:"hints,omitempty"`
}

// report prints err as "treasury: error: …" with hints (or, with --json,
// as one JSON object), all on stderr, and returns the exit code.
func (c *cli) report(err error) int {
	if err == nil {
		return exitOK
	}
	code, msg, hs := exitCode(err), oneLine(err.Error()), hints(err)
	if c.json {
		b, _ := json.Marshal(errorJSON{Version: jsonVersion, Error: msg, Kind: exitKinds[code], Exit: code, Hints: hs})
		fmt.Fprintf(c.err, "%s\n", b)
		return code
	}
	fmt.Fprintf(c.err, "treasury: error: %s\n", msg)
	for _, h := range hs {
		fmt.Fprintf(c.err, "treasury: hint: %s\n", h)
	}
	return code
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// exitCode maps an error to the code --help promises, from its type alone.
func exitCode(err error) int {
	var ue usageError
	var nf notFoundError
	var be *audit.BrokenError
	var re *keys.RefusalError
	switch {
	case errors.As(err, &ue), errors.Is(err, app.ErrInvalid):
		return exitUsage
	case errors.Is(err, app.ErrLocked):
		return exitLocked
	case errors.As(err, &nf), errors.Is(err, app.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		return exitNotFound
	case errors.As(err, &be), errors.As(err, &re), errors.Is(err, app.ErrRefused), errors.Is(err, app.ErrConflict),
		errors.Is(err, app.ErrDatabaseGone):
		return exitRefused
	case isNodeError(err):
		return exitNode
	case isVaultInputError(err), isFileInputError(err):
		return exitUsage
	case errors.Is(err, keys.ErrFalseOrigin), errors.Is(err, keys.ErrNoOwnWallet):
		return exitRefused
	}
	return exitError
}

// isVaultInputError: a descriptor, key or threshold the user gave is wrong.
func isVaultInputError(err error) bool {
	for _, e := range []error{vault.ErrSyntax, vault.ErrChecksum, vault.ErrThreshold, vault.ErrTooManyKeys,
		vault.ErrDuplicateKey, vault.ErrMixedNetworks, vault.ErrNetworkMismatch, vault.ErrPrivateKey,
		vault.ErrNotExtendedKey, vault.ErrNotAddress, vault.ErrAddressChecksum, vault.ErrAddressNetwork,
		vault.ErrUnsupportedScript, vault.ErrTrailingData, vault.ErrUncompressedKey, vault.ErrHardenedWildcard,
		vault.ErrHardenedStep, vault.ErrUnsupportedDerivation, vault.ErrMixedMultipath, vault.ErrScriptTypeMismatch} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// isFileInputError: a PSBT or vault export handed in is not one, or is
// too large to be one (the same file is bad input to every command).
func isFileInputError(err error) bool {
	for _, e := range []error{psbt.ErrInvalidPSBT, vault.ErrExportTooLarge, vault.ErrNoDescriptor, vault.ErrBadRecord, vault.ErrBadName} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// hints say how to fix the commonest mistakes.
func hints(err error) []string {
	var ue usageError
	if errors.As(err, &ue) && len(ue.hints) > 0 {
		return ue.hints
	}
	var nf notFoundError
	if errors.As(err, &nf) && len(nf.hints) > 0 {
		return nf.hints
	}
	var out []string
	switch {
	case errors.Is(err, app.ErrNotInitialized):
		out = append(out, "run 'treasury init --network regtest' (or mainnet, testnet, signet) first, or point --data-dir at an initialized directory")
	case errors.Is(err, app.ErrNewerSchema):
		out = append(out, "upgrade treasury; this version cannot read the database safely")
	case errors.Is(err, app.ErrLocked):
		out = append(out, "another treasury command is writing; wait for it to finish and run this again")
	case errors.Is(err, app.ErrHighFee):
		out = append(out, "if you mean it, add --allow-high-fee")
	case errors.Is(err, app.ErrDatabaseGone):
		out = append(out, "restore treasury.db from a backup (then check it with 'treasury audit verify --anchors FILE'); to start over on purpose, use a new --data-dir")
	case errors.Is(err, app.ErrUnknownVault):
		out = append(out, "'treasury vault list' shows the vaults of this data directory (--data-dir or TREASURY_DATA_DIR)")
	case errors.Is(err, app.ErrUnknownProposal):
		out = append(out, "'treasury proposal list' shows the proposals; an id may be shortened to its first 4 or more characters")
	case errors.Is(err, keys.ErrWrongPassphrase):
		out = append(out, "check the passphrase; the key file was not changed")
	case errors.Is(err, keys.ErrNothingRegistered), errors.Is(err, keys.ErrUnknownInput):
		out = append(out, "register the vault in the key file first: treasury key register KEYFILE --vault-export FILE (from 'treasury vault export NAME --json')")
	case errors.Is(err, keys.ErrUnprovenChange):
		out = append(out, "if the vault has a new standby generation, register it first (treasury key register KEYFILE --vault-export FILE); otherwise do not sign: that output pays someone else")
	case errors.Is(err, keys.ErrFeeRateTooHigh):
		out = append(out, "do not sign unless you meant this fee; if you did, sign again with --max-fee-rate at or above the rate shown")
	case errors.Is(err, keys.ErrFeeShareTooHigh):
		out = append(out, "do not sign unless you meant this fee; if you did, sign again with --max-fee-share at or above the percentage shown")
	case errors.Is(err, keys.ErrHiddenChange):
		out = append(out, "do not sign; ask for a proposal whose change goes to an address the coordinator hands out")
	case errors.Is(err, keys.ErrDestinationNotAccepted):
		out = append(out, "check its fingerprints with the holders of that vault; if it is the next generation of a vault you are leaving, add --accept-destination")
	case errors.Is(err, keys.ErrFalseOrigin):
		out = append(out, "the descriptor holds, under your fingerprint, a key your seed does not derive (a mistyped origin path or xpub); tell the officer, and do not let funds be sent to it: you could not sign for them")
	case errors.Is(err, app.ErrUnprovenStandby):
		out = append(out, app.UnprovenStandbyHint)
	case errors.Is(err, vault.ErrChecksum):
		out = append(out, "copy the descriptor again in full; the part after '#' must match the rest")
	case errors.Is(err, vault.ErrAddressChecksum):
		out = append(out, "ask the payee for the address again, through a channel you trust; never guess the missing character")
	case errors.Is(err, vault.ErrMixedNetworks):
		out = append(out, "use keys of one network: xpub for mainnet, tpub for the test networks")
	case errors.Is(err, vault.ErrThreshold), errors.Is(err, vault.ErrTooManyKeys):
		out = append(out, "the threshold M must satisfy 1 <= M <= N, with at most 15 keys")
	case errors.Is(err, vault.ErrDuplicateKey):
		out = append(out, "each holder must bring a distinct key")
	}
	out = append(out, nodeHints(err)...)
	return out
}
