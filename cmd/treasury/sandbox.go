package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/sandbox"
	"github.com/treasury-dev/treasury/tui"
)

type sandboxOptions struct {
	dir   string
	keep  bool
	noTUI bool
	log   bool
}

func (c *cli) newSandboxCmd() *cobra.Command {
	var opts sandboxOptions
	cmd := &cobra.Command{
		Use:   "sandbox [--keep] [--dir DIR]",
		Short: "Run the whole flow on a throwaway local regtest node: vault, deposits, a transfer, a rotation",
		Long: `Build and start a regtest btcd in a throwaway directory, create key files for
alice, bob and carol (encrypted with a TEST-ONLY passphrase written beside
them), a 2-of-3 cold vault with a standby generation, fund it, and run one
full transfer: propose, two offline signatures, collect, broadcast, confirm.
The spent generation is retired and the standby becomes cold. It prints where
everything is and what to try next; on a terminal the TUI opens.

When it ends (the TUI quits, or without one the flow is done; or on Ctrl-C,
SIGTERM, SIGHUP or a closed output pipe) it stops the node and removes the
throwaway directory. --keep keeps the node running until Ctrl-C, and the
directory afterwards, so you can try the commands; --dir DIR uses (and
keeps) a directory of your choice.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return c.runSandbox(cmd, opts) },
	}
	cmd.Flags().StringVar(&opts.dir, "dir", "", "directory for the node, data and key files, kept afterwards (default: a new temporary directory, removed unless --keep)")
	cmd.Flags().BoolVar(&opts.keep, "keep", false, "keep the node running until Ctrl-C, and the directory afterwards")
	cmd.Flags().BoolVar(&opts.noTUI, "no-tui", false, "print the scripted flow only; do not open the TUI")
	cmd.Flags().BoolVar(&opts.log, "node-log", false, "show btcd's log on stderr")
	return cmd
}

// sandboxRun is one sandbox invocation: where it lives, how it was
// started, and what happens to it at the end.
type sandboxRun struct {
	dir       string
	prog      string // how to run treasury again, as this one was run
	removeDir bool   // a throwaway directory, removed at the end
	keep      bool
}

func (c *cli) runSandbox(cmd *cobra.Command, opts sandboxOptions) (err error) {
	ctx, stop := stopOnSignals(cmd.Context())
	defer stop()
	r := sandboxRun{dir: opts.dir, prog: invocation(), keep: opts.keep}
	if r.dir == "" {
		d, err := os.MkdirTemp("", "treasury-sandbox-")
		if err != nil {
			return err
		}
		r.dir, r.removeDir = d, !opts.keep
	}
	if r.dir, err = filepath.Abs(r.dir); err != nil {
		return err
	}
	if r.removeDir {
		// Registered first, so it runs last: after the node has stopped.
		defer func() {
			if e := os.RemoveAll(r.dir); e == nil {
				fmt.Fprintf(c.err, "removed the sandbox directory %s\n", r.dir)
			}
		}()
	}
	var log io.Writer
	if opts.log {
		log = c.err
	}
	fmt.Fprintf(c.err, "sandbox in %s (the first run builds btcd, which takes a minute)\n", r.dir)
	sb, err := sandbox.Run(ctx, sandbox.Options{Dir: r.dir, Out: c.err, Log: log, Actor: c.actor})
	if err != nil {
		return stoppedBy(ctx, err)
	}
	defer func() {
		sb.Close()
		fmt.Fprintln(c.err, "the sandbox's node has stopped")
	}()
	interactive := !opts.noTUI && isTerminal(c.in) && isTerminal(c.err)
	if err := c.printSandbox(cmd.Context(), sb, r, interactive); err != nil {
		return stoppedBy(ctx, err)
	}
	if interactive {
		if err := tui.Run(ctx, sb.App, c.in, c.err, tui.Options{Dir: sb.Dir, SyncEvery: 10 * time.Second}); err != nil && ctx.Err() == nil {
			return err
		}
		c.printWhere(c.out, sb, r, false) // the TUI covered it
	}
	if r.keep && ctx.Err() == nil {
		fmt.Fprintln(c.err, "the node keeps running; press Ctrl-C to stop it")
		<-ctx.Done()
	}
	return stoppedBy(ctx, nil)
}

// stopOnSignals cancels the sandbox's context on SIGTERM, SIGHUP (its
// terminal closed) and SIGPIPE (its output pipe closed), as run's context
// already is on Ctrl-C, so the node is stopped and the directory removed
// however the process is asked to end. A second signal kills as usual.
func stopOnSignals(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	go func() {
		select {
		case s := <-ch:
			cancel(fmt.Errorf("stopped by %v", s))
			signal.Reset(syscall.SIGTERM, syscall.SIGHUP)
		case <-ctx.Done():
		}
	}()
	return ctx, func() { signal.Stop(ch); cancel(nil) }
}

// stoppedBy reports why the sandbox ended early: Ctrl-C is the way to end
// a kept sandbox (no error); another signal is.
func stoppedBy(ctx context.Context, err error) error {
	cause := context.Cause(ctx)
	switch {
	case cause == nil:
		return err
	case errors.Is(cause, context.Canceled):
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	}
	return fmt.Errorf("sandbox %v; the node was stopped", cause)
}

// invocation is how the user ran this program, so the advice can be
// pasted: "treasury" when that is on the PATH, "go run ./cmd/treasury"
// after go run, else the executable's full path.
func invocation() string {
	exe, err := os.Executable()
	if err != nil {
		return "treasury"
	}
	if strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return "go run ./cmd/treasury"
	}
	if p, err := exec.LookPath("treasury"); err == nil {
		a, errA := os.Stat(p)
		b, errB := os.Stat(exe)
		if errA == nil && errB == nil && os.SameFile(a, b) {
			return "treasury"
		}
	}
	return exe
}

// printSandbox tells the user what the flow did, where everything is and
// what to try next.
func (c *cli) printSandbox(ctx context.Context, sb *sandbox.Sandbox, r sandboxRun, tuiNext bool) error {
	bal, err := sb.App.Balance(ctx, app.BalanceRequest{Vault: sandbox.VaultName})
	if err != nil {
		return err
	}
	if c.json {
		d, err := sb.App.ShowVault(ctx, sandbox.VaultName)
		if err != nil {
			return err
		}
		return c.printJSON(struct {
			Version   int       `json:"version"`
			Dir       string    `json:"dir"`
			DataDir   string    `json:"data_dir"`
			KeysDir   string    `json:"keys_dir"`
			PassFile  string    `json:"test_passphrase_file"`
			RPCURL    string    `json:"rpc_url"`
			Removed   bool      `json:"dir_removed_at_exit"`
			Vault     vaultJSON `json:"vault"`
			Transfer  string    `json:"transfer_txid"`
			Confirmed int64     `json:"cold_confirmed_sat"`
		}{jsonVersion, sb.Dir, sb.DataDir, sb.KeysDir, sb.PassFile, sb.Node.RPC().Host, r.removeDir, toVaultJSON(*d), sb.Transfer.TxID, int64(coldConfirmed(bal))})
	}
	w := c.out
	fmt.Fprintf(w, "\nThe sandbox vault %q after one transfer:\n", sandbox.VaultName)
	for _, g := range bal.Generations {
		fmt.Fprintf(w, "  generation %d  %-8s %s\n", g.Generation, g.State, btc(g.Confirmed+g.Unconfirmed))
	}
	fmt.Fprintf(w, "  transfer txid %s (1 BTC out; the remainder moved to generation 1, now cold)\n", sb.Transfer.TxID)
	c.printWhere(w, sb, r, tuiNext)
	return nil
}

// printWhere says where everything is, what happens to it at the end, and
// (while the node runs on) what to try, in commands that work as pasted.
func (c *cli) printWhere(w io.Writer, sb *sandbox.Sandbox, r sandboxRun, tuiNext bool) {
	fmt.Fprintf(w, `
Where everything is:
  data directory  %s
  key files       %s/{alice,bob,carol}.key
  passphrase      %s  (TEST ONLY: never use these keys for money)
  node RPC        %s
`, sb.DataDir, sb.KeysDir, sb.PassFile, sb.Node.RPC().Host)
	end := "When the sandbox ends its node stops"
	if tuiNext {
		end = "When you quit the TUI the node stops"
	}
	switch {
	case r.keep:
		fmt.Fprintf(w, "\nThe node runs until Ctrl-C; the directory stays. Try next, in another terminal:\n")
		c.printTryNext(w, sb, r.prog)
	case r.removeDir:
		fmt.Fprintf(w, "\n%s and this directory is removed. To try the commands yourself, keep both: %s sandbox --keep\n", end, r.prog)
	default:
		fmt.Fprintf(w, "\n%s; the files stay in %s. To try the commands against a running node: %s sandbox --keep\n", end, r.dir, r.prog)
	}
}

func (c *cli) printTryNext(w io.Writer, sb *sandbox.Sandbox, prog string) {
	lines := []string{
		"export TREASURY_DATA_DIR=" + sb.DataDir,
		"vault show " + sandbox.VaultName,
		"balance",
		fmt.Sprintf("propose --vault %s --to %s --amount 0.1btc -o p.psbt", sandbox.VaultName, sb.Node.Address()),
		fmt.Sprintf("key sign %s/alice.key p.psbt -o p.alice.psbt --passphrase-file %s --yes", sb.KeysDir, sb.PassFile),
		fmt.Sprintf("key sign %s/bob.key p.psbt -o p.bob.psbt --passphrase-file %s --yes", sb.KeysDir, sb.PassFile),
		"collect p.alice.psbt p.bob.psbt",
		"broadcast ID --yes            # ID: the proposal id propose printed",
		"audit verify",
	}
	for i, l := range lines {
		if i > 0 {
			l = prog + " " + l
		}
		fmt.Fprintf(w, "  %s\n", l)
	}
}

func coldConfirmed(b *app.BalanceResult) (sum btcutil.Amount) {
	for _, g := range b.Generations {
		if g.State == app.Cold {
			sum += g.Confirmed
		}
	}
	return sum
}
