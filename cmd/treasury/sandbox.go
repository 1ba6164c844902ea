package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
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
The spent generation turns hot and the standby becomes cold. It then prints
where everything is and what to try next. --keep leaves the node running
until Ctrl-C so you can try the commands; on a terminal the TUI opens.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return c.runSandbox(cmd, opts) },
	}
	cmd.Flags().StringVar(&opts.dir, "dir", "", "directory for the node, data and key files (default: a new temporary directory)")
	cmd.Flags().BoolVar(&opts.keep, "keep", false, "keep the node running until Ctrl-C")
	cmd.Flags().BoolVar(&opts.noTUI, "no-tui", false, "print the scripted flow only; do not open the TUI")
	cmd.Flags().BoolVar(&opts.log, "node-log", false, "show btcd's log on stderr")
	return cmd
}

func (c *cli) runSandbox(cmd *cobra.Command, opts sandboxOptions) error {
	ctx := cmd.Context()
	if opts.dir == "" {
		d, err := os.MkdirTemp("", "treasury-sandbox-")
		if err != nil {
			return err
		}
		opts.dir = d
	}
	dir, err := filepath.Abs(opts.dir)
	if err != nil {
		return err
	}
	var log io.Writer
	if opts.log {
		log = c.err
	}
	fmt.Fprintf(c.err, "sandbox in %s (the first run builds btcd, which takes a minute)\n", dir)
	sb, err := sandbox.Run(ctx, sandbox.Options{Dir: dir, Out: c.err, Log: log, Actor: c.actor})
	if err != nil {
		return err
	}
	defer sb.Close()
	if err := c.printSandbox(cmd, sb); err != nil {
		return err
	}
	interactive := !opts.noTUI && isTerminal(c.in) && isTerminal(c.err)
	switch {
	case interactive:
		return tui.Run(ctx, sb.App, c.in, c.err, tui.Options{Dir: sb.Dir, SyncEvery: 10 * time.Second})
	case opts.keep:
		fmt.Fprintln(c.err, "the node keeps running; press Ctrl-C to stop it")
		<-ctx.Done()
		fmt.Fprintln(c.err, "stopping the node")
	}
	return nil
}

// printSandbox tells the user where everything is and what to try next.
func (c *cli) printSandbox(cmd *cobra.Command, sb *sandbox.Sandbox) error {
	bal, err := sb.App.Balance(cmd.Context(), app.BalanceRequest{Vault: sandbox.VaultName})
	if err != nil {
		return err
	}
	if c.json {
		d, err := sb.App.ShowVault(cmd.Context(), sandbox.VaultName)
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
			Vault     vaultJSON `json:"vault"`
			Transfer  string    `json:"transfer_txid"`
			Confirmed int64     `json:"cold_confirmed_sat"`
		}{jsonVersion, sb.Dir, sb.DataDir, sb.KeysDir, sb.PassFile, sb.Node.RPC().Host, toVaultJSON(*d), sb.Transfer.TxID, int64(coldConfirmed(bal))})
	}
	w := c.out
	fmt.Fprintf(w, "\nThe sandbox vault %q after one transfer:\n", sandbox.VaultName)
	for _, g := range bal.Generations {
		fmt.Fprintf(w, "  generation %d  %-8s %s\n", g.Generation, g.State, btc(g.Confirmed+g.Unconfirmed))
	}
	fmt.Fprintf(w, "  transfer txid %s (1 BTC out; the remainder moved to generation 1, now cold)\n", sb.Transfer.TxID)
	fmt.Fprintf(w, `
Where everything is:
  data directory  %s
  key files       %s/{alice,bob,carol}.key
  passphrase      %s  (TEST ONLY: never use these keys for money)
  node RPC        %s

Try next (in another terminal, while the node runs with --keep):
  export TREASURY_DATA_DIR=%s
  treasury vault show %s
  treasury balance
  treasury propose --vault %s --to %s --amount 0.1btc -o p.psbt
  treasury key sign %s/alice.key p.psbt -o p.alice.psbt --passphrase-file %s --yes
  treasury key sign %s/bob.key p.psbt -o p.bob.psbt --passphrase-file %s --yes
  treasury collect p.alice.psbt p.bob.psbt
  treasury broadcast ID --yes            # ID: the proposal id propose printed
  treasury audit verify
`, sb.DataDir, sb.KeysDir, sb.PassFile, sb.Node.RPC().Host, sb.DataDir, sandbox.VaultName, sandbox.VaultName, sb.Node.Address(), sb.KeysDir, sb.PassFile, sb.KeysDir, sb.PassFile)
	return nil
}

func coldConfirmed(b *app.BalanceResult) (sum btcutil.Amount) {
	for _, g := range b.Generations {
		if g.State == app.Cold {
			sum += g.Confirmed
		}
	}
	return sum
}
