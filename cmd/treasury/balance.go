package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

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
