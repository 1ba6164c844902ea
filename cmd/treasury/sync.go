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

func (c *cli) newBalanceCmd() *cobra.Command {
	var vaultName string
	cmd := &cobra.Command{
		Use:   "balance [--vault NAME]",
		Short: "Show balances per vault and generation, as of the last sync",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				res, err := a.Balance(cmd.Context(), app.BalanceRequest{Vault: vaultName})
				if err != nil {
					return err
				}
				if c.json {
					type genJSON struct {
						Vault       string `json:"vault"`
						Generation  int    `json:"generation"`
						State       string `json:"state"`
						Confirmed   int64  `json:"confirmed_sat"`
						Unconfirmed int64  `json:"unconfirmed_sat"`
						Immature    int64  `json:"immature_sat"`
						Late        int64  `json:"late_deposits_sat"`
						UTXOs       int    `json:"utxos"`
					}
					out := struct {
						Version     int       `json:"version"`
						Height      int32     `json:"synced_height"`
						Generations []genJSON `json:"generations"`
					}{Version: jsonVersion, Height: res.Height, Generations: []genJSON{}}
					for _, g := range res.Generations {
						out.Generations = append(out.Generations, genJSON{g.Vault, g.Generation, string(g.State), int64(g.Confirmed), int64(g.Unconfirmed), int64(g.Immature), int64(g.Late), g.UTXOs})
					}
					return c.printJSON(out)
				}
				t := c.newTable("VAULT", "GEN", "STATE", "CONFIRMED", "UNCONFIRMED", "IMMATURE", "UTXOS")
				for _, g := range res.Generations {
					t.row(g.Vault, fmt.Sprint(g.Generation), string(g.State), btc(g.Confirmed), btc(g.Unconfirmed), btc(g.Immature), fmt.Sprint(g.UTXOs))
				}
				if err := t.flush(); err != nil {
					return err
				}
				for _, g := range res.Generations {
					if g.Late > 0 {
						fmt.Fprintf(c.err, "treasury: warning: %s in %s generation %d of %s arrived after it signed or was left by its cold spend\ntreasury: hint: sweep it into the cold generation: treasury rotate %s --generation %d\n", btc(g.Late), g.State, g.Generation, g.Vault, g.Vault, g.Generation)
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&vaultName, "vault", "", "only this vault")
	return cmd
}

func (c *cli) newUTXOsCmd() *cobra.Command {
	var vaultName string
	var all bool
	cmd := &cobra.Command{
		Use:   "utxos [--vault NAME] [--all]",
		Short: "List the vaults' unspent outputs (with --all, spent ones too)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				rows, err := a.ListUTXOs(cmd.Context(), app.UTXOsRequest{Vault: vaultName, All: all})
				if err != nil {
					return err
				}
				if c.json {
					type utxoJSON struct {
						Vault      string `json:"vault"`
						Generation int    `json:"generation"`
						State      string `json:"state"`
						OutPoint   string `json:"outpoint"`
						Value      int64  `json:"value_sat"`
						Chain      uint32 `json:"chain"`
						Index      uint32 `json:"index"`
						Height     int32  `json:"height"`
						Coinbase   bool   `json:"coinbase"`
						Immature   bool   `json:"immature"`
						Late       bool   `json:"late"`
						SpentBy    string `json:"spent_by,omitempty"`
						ReservedBy string `json:"reserved_by,omitempty"`
						Label      string `json:"label,omitempty"`
					}
					out := struct {
						Version int        `json:"version"`
						UTXOs   []utxoJSON `json:"utxos"`
					}{Version: jsonVersion, UTXOs: []utxoJSON{}}
					for _, r := range rows {
						out.UTXOs = append(out.UTXOs, utxoJSON{r.Vault, r.Generation, string(r.State), r.OutPoint.String(), int64(r.Value), r.Chain, r.Index, r.Height, r.Coinbase, r.Immature, r.Late, r.SpentBy, r.ReservedBy, r.Label})
					}
					return c.printJSON(out)
				}
				t := c.newTable("VAULT", "GEN", "OUTPOINT", "VALUE", "HEIGHT", "NOTE")
				for _, r := range rows {
					note := ""
					switch {
					case r.SpentBy != "":
						note = "spent by " + r.SpentBy[:12]
					case r.ReservedBy != "":
						note = "reserved by " + r.ReservedBy[:12]
					case r.Late:
						note = fmt.Sprintf("late: sweep with treasury rotate %s --generation %d", r.Vault, r.Generation)
					case r.Immature:
						note = "immature coinbase"
					case r.Height == 0:
						note = "unconfirmed"
					}
					t.row(r.Vault, fmt.Sprint(r.Generation), r.OutPoint.String(), btc(r.Value), fmt.Sprint(r.Height), withLabel(note, r.Label))
				}
				return t.flush()
			})
		},
	}
	cmd.Flags().StringVar(&vaultName, "vault", "", "only this vault")
	cmd.Flags().BoolVar(&all, "all", false, "include spent outputs")
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
