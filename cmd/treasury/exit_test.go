package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/audit"
	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// Every exit code --help promises comes from the error's type, however
// deeply it is wrapped.
func TestExitCodes(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("unable to do it: %w", err) }
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"plain failure", errors.New("disk full"), exitError},
		{"duplicate", &app.Error{Kind: app.ErrDuplicate, Err: errors.New("vault ops already exists")}, exitError},
		{"usage", usagef("give --vault NAME"), exitUsage},
		{"invalid input", &app.Error{Kind: app.ErrInvalid, Err: errors.New("payment 1: below dust")}, exitUsage},
		{"bad threshold", wrap(vault.ErrThreshold), exitUsage},
		{"address checksum", wrap(&vault.AddressError{Kind: vault.ErrAddressChecksum}), exitUsage},
		{"refused", &app.Error{Kind: app.ErrRefused, Err: errors.New("forged")}, exitRefused},
		{"conflict", app.ConflictError(stringer("abc:0")), exitRefused},
		{"broken audit", wrap(&audit.BrokenError{}), exitRefused},
		{"signer refusal", wrap(&keys.RefusalError{}), exitRefused},
		{"not a psbt", wrap(psbt.ErrInvalidPSBT), exitUsage},
		{"export too large", wrap(vault.ErrExportTooLarge), exitUsage},
		{"export without descriptor", wrap(vault.ErrNoDescriptor), exitUsage},
		{"false origin", wrap(keys.ErrFalseOrigin), exitRefused},
		{"no own wallet", wrap(keys.ErrNoOwnWallet), exitRefused},
		{"unreachable", wrap(&chain.Error{Kind: chain.ErrUnreachable, Msg: "node down"}), exitNode},
		{"timeout", wrap(&chain.Error{Kind: chain.ErrTimeout, Msg: "node at x did not answer within 1s"}), exitNode},
		{"auth", wrap(chain.ErrAuth), exitNode},
		{"wrong network", wrap(chain.ErrWrongNetwork), exitNode},
		{"no node", app.ErrNoNode, exitNode},
		{"locked", wrap(app.ErrLocked), exitLocked},
		{"no vault", &app.Error{Kind: app.ErrUnknownVault, Err: errors.New(`no vault named "x"`)}, exitNotFound},
		{"no proposal", &app.Error{Kind: app.ErrUnknownProposal, Err: errors.New("no proposal abc")}, exitNotFound},
		{"no file", wrap(fs.ErrNotExist), exitNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitCode(tt.err); got != tt.want {
				t.Fatalf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
			if !strings.Contains(exitCodeHelp, fmt.Sprintf("\n  %d  ", tt.want)) {
				t.Fatalf("--help does not list exit code %d", tt.want)
			}
		})
	}
}

type stringer string

func (s stringer) String() string { return string(s) }

// Every command group refuses an unknown subcommand with exit 2 and a
// sentence on stderr, and nothing on stdout.
func TestEveryGroupRefusesUnknownSubcommands(t *testing.T) {
	c := &cli{getenv: func(string) string { return "" }}
	var groups []string
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		if cmd.HasSubCommands() {
			groups = append(groups, strings.TrimPrefix(cmd.CommandPath(), "treasury"))
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(c.newRootCmd())
	if len(groups) < 4 {
		t.Fatalf("only %d groups found: %q", len(groups), groups)
	}
	p := newInproc(t)
	for _, g := range groups {
		args := append(strings.Fields(g), "imprt")
		code, out, errs := p.run("", args...)
		if code != exitUsage || out != "" || !strings.HasPrefix(errs, `treasury: error: unknown command "imprt"`) {
			t.Errorf("treasury %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errs)
		}
	}
}
