package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/tui"
)

type tuiOptions struct {
	syncEvery time.Duration
}

func (c *cli) newTUICmd() *cobra.Command {
	var opts tuiOptions
	cmd := &cobra.Command{
		Use:   "tui",
		Short: "Open the terminal interface for treasury officers",
		Long: `Open a full-screen interface over the same operations as the other commands:
vaults and balances, proposals and who has signed them, new transfers, signature
import, broadcast and rotation (each confirmed by typing the proposal id or vault
name), and the audit log. A sync runs in the background. The help bar at the
bottom lists the keys of each screen; ? shows them all, q quits.

The interface draws on stderr, so stdout stays free; it needs a terminal.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.runTUI(cmd.Context(), opts)
		},
	}
	cmd.Flags().DurationVar(&opts.syncEvery, "sync-every", time.Minute, "repeat the background sync this often (0: only at start and with s)")
	return cmd
}

func (c *cli) runTUI(ctx context.Context, opts tuiOptions) error {
	if !isTerminal(c.err) || !isTerminal(c.in) {
		return usagef("treasury tui needs a terminal on stdin and stderr; scripts use the other commands")
	}
	if opts.syncEvery < 0 {
		return usagef("--sync-every must not be negative")
	}
	return c.withApp(ctx, func(a *app.App) error {
		return tui.Run(ctx, a, c.in, c.err, tui.Options{SyncEvery: opts.syncEvery})
	})
}
