package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

func (c *cli) newVaultListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List vaults",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				vs, err := a.ListVaults(cmd.Context())
				if err != nil {
					return err
				}
				if c.json {
					out := struct {
						Version int         `json:"version"`
						Vaults  []vaultJSON `json:"vaults"`
					}{Version: jsonVersion, Vaults: []vaultJSON{}}
					for _, v := range vs {
						out.Vaults = append(out.Vaults, toVaultJSON(v))
					}
					return c.printJSON(out)
				}
				t := c.newTable("NAME", "NETWORK", "COLD", "POLICY", "GENERATIONS")
				for _, v := range vs {
					cold, pol := "-", "-"
					for _, g := range v.Generations {
						if g.State == app.Cold {
							cold, pol = fmt.Sprintf("g%d", g.Number), policy(g)
						}
					}
					t.row(v.Vault.Name, v.Vault.Network, cold, pol, fmt.Sprint(len(v.Generations)))
				}
				return t.flush()
			})
		},
	}
}
