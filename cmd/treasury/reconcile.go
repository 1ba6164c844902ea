package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

func (c *cli) newReconcileCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "reconcile",
		Short: "Compare the books with the node; print each difference on one line (exit 3 if any)",
		Long: `Compare what the database holds with what the node says, without changing
either: every stored unspent output with gettxout (that it exists, is unspent,
and has the same value and script; that the generation, chain and index it is
filed under derive that script, its stored creating transaction is its, and
its block height and coinbase flag are the node's), every stored spend with the block sync
recorded for it, every output of our confirmed transactions that returns to a
vault with the books, and, where the node has scantxoutset (Bitcoin Core; btcd
lacks it), every unspent output of the vaults' descriptors with the books.

Each difference is printed on one line, and the command exits 3 when there is
any. The outcome is appended to the audit log and shown in the TUI.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				res, err := a.Reconcile(cmd.Context())
				if err != nil {
					return err
				}
				if err := c.printReconcile(res); err != nil {
					return err
				}
				if n := len(res.Differences); n > 0 {
					return &app.Error{Kind: app.ErrRefused, Err: fmt.Errorf("the books differ from the node in %d place(s)", n)}
				}
				return nil
			})
		},
	}
}

func (c *cli) printReconcile(res *app.ReconcileResult) error {
	if c.json {
		type diffJSON struct {
			Kind     string `json:"kind"`
			OutPoint string `json:"outpoint"`
			Vault    string `json:"vault"`
			Line     string `json:"line"`
		}
		out := struct {
			Version     int        `json:"version"`
			At          string     `json:"at"`
			OK          bool       `json:"ok"`
			Unspent     int        `json:"unspent_checked"`
			Spends      int        `json:"spends_checked"`
			Scanned     bool       `json:"scanned"`
			ScanNote    string     `json:"scan_note,omitempty"`
			Differences []diffJSON `json:"differences"`
		}{jsonVersion, res.At.UTC().Format(time.RFC3339), len(res.Differences) == 0, res.Unspent, res.Spends, res.Scanned, res.ScanNote, []diffJSON{}}
		for _, d := range res.Differences {
			out.Differences = append(out.Differences, diffJSON{d.Kind, d.OutPoint, d.Vault, d.Line})
		}
		return c.printJSON(out)
	}
	for _, d := range res.Differences {
		fmt.Fprintln(c.out, d.Line)
	}
	if res.ScanNote != "" {
		fmt.Fprintf(c.err, "treasury: note: %s\n", res.ScanNote)
	}
	if len(res.Differences) == 0 {
		fmt.Fprintf(c.out, "the books match the node: %d unspent output(s) and %d spend(s) checked\n", res.Unspent, res.Spends)
	}
	return nil
}
