package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

func (c *cli) newSyncCmd() *cobra.Command {
	var (
		batch     int
		noFilters bool
		allowDeep bool
		rescan    bool
		from      int32
	)
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Scan the node's blocks for deposits to and spends from every vault generation",
		Long: `Scan blocks from the last synced one (or each vault's birthday) to the node's
tip, recording outputs paying to any generation and spends of our outputs.
A reorganization is detected and undone before scanning on, down to 100
blocks below the last synced one; a node whose chain does not contain our
blocks that far back (reset, or another node) is refused and nothing changes,
unless --allow-deep-reorg is given (exit 4). A node that is merely behind (its
tip is one of our blocks) changes nothing either: sync says so and exits 0,
and the next sync goes on once it has caught up. Deposits still in
the node's mempool (when it holds at most 5,000 transactions) count as
unconfirmed. Running it twice changes nothing. Progress goes to stderr: on a
terminal one line rewritten in place, with the rate and the time left;
piped, a line per batch; with --json, one sync_progress event per batch.

When the node serves BIP-158 compact block filters (Bitcoin Core with
-blockfilterindex=1, btcd by default), sync tests each block's filter against
every watched script and fetches only the blocks that match; otherwise it says
so once and fetches every block. --no-filters forces the full scan.

--rescan scans again from the earliest vault birthday (or --from HEIGHT) with
each vault's current address gap ('treasury vault policy NAME --gap N'), so a
deposit to an address past the gap the blocks were first scanned with is
found. Outputs already recorded are not counted again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				if cmd.Flags().Changed("from") && !rescan {
					return usagef("--from needs --rescan")
				}
				if from < -1 {
					return usagef("--from must be a block height, not %d", from)
				}
				res, err := a.Sync(cmd.Context(), app.SyncRequest{BatchSize: batch, NoFilters: noFilters, AllowDeepReorg: allowDeep, Rescan: rescan, RescanFrom: from})
				c.endProgress()
				if err != nil {
					return err
				}
				if c.json {
					return c.printJSON(struct {
						Version        int      `json:"version"`
						Event          string   `json:"event"`
						BlocksScanned  int      `json:"blocks_scanned"`
						BlocksFetched  int      `json:"blocks_fetched"`
						FiltersChecked int      `json:"filters_checked"`
						Filters        bool     `json:"filters"`
						ElapsedMS      int64    `json:"elapsed_ms"`
						From           int32    `json:"from_height"`
						To             int32    `json:"to_height"`
						Tip            int32    `json:"tip_height"`
						Found          int      `json:"outputs_found"`
						Spent          int      `json:"outputs_spent"`
						ReorgFrom      int32    `json:"reorg_fork_height"`
						Confirmed      []string `json:"confirmed_proposals"`
						Dropped        []string `json:"dropped_proposals"`
						Late           int      `json:"late_deposits"`
						Conflicted     []string `json:"conflicted_proposals"`
						Behind         bool     `json:"node_behind"`
						RescanFrom     int32    `json:"rescan_from_height"`
						Cursor         int32    `json:"synced_height"`
					}{jsonVersion, "summary", res.BlocksScanned, res.BlocksFetched, res.FiltersChecked, res.Filters, res.Elapsed.Milliseconds(), res.From, res.To, res.Tip, res.Found, res.Spent, res.ReorgFrom, append([]string{}, res.Confirmed...), append([]string{}, res.Dropped...), len(res.Late), append([]string{}, res.Conflicted...), res.Behind, res.RescanFrom, res.Cursor})
				}
				if res.RescanFrom >= 0 {
					fmt.Fprintf(c.out, "rescanned from height %d\n", res.RescanFrom)
				}
				switch {
				case res.Behind:
					fmt.Fprintf(c.out, "node is behind at %d, we are at %d; waiting (nothing changed)\n", res.Tip, res.Cursor)
					return nil
				case res.To < res.From:
					fmt.Fprintf(c.out, "up to date at height %d\n", res.Tip)
				default:
					fmt.Fprintf(c.out, "synced blocks %d..%d: %d output(s) found, %d spent\n", res.From, res.To, res.Found, res.Spent)
					how := "every block fetched"
					if res.Filters {
						how = fmt.Sprintf("%d filters checked, %d block(s) fetched", res.FiltersChecked, res.BlocksFetched)
					}
					fmt.Fprintf(c.out, "%d block(s) scanned in %s (%s)\n", res.BlocksScanned, res.Elapsed.Round(time.Millisecond), how)
				}
				for _, id := range res.Confirmed {
					fmt.Fprintf(c.out, "proposal %s confirmed\n", id[:12])
				}
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&batch, "batch", app.DefaultSyncBatch, "blocks per request batch and per database transaction")
	cmd.Flags().BoolVar(&noFilters, "no-filters", false, "fetch every block even when the node serves compact block filters")
	cmd.Flags().BoolVar(&rescan, "rescan", false, "scan again from the earliest vault birthday with each vault's current gap")
	cmd.Flags().Int32Var(&from, "from", -1, "with --rescan: the height to scan again from")
	cmd.Flags().BoolVar(&allowDeep, "allow-deep-reorg", false, "undo a reorganization deeper than 100 blocks (the node's chain really replaced ours)")
	return cmd
}

// withLabel appends a BIP-329 label, quoted, to a note.
func withLabel(note, label string) string {
	switch {
	case label == "":
		return note
	case note == "":
		return strconv.Quote(label)
	}
	return note + " · " + strconv.Quote(label)
}
