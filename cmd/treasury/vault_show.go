package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

func (c *cli) newVaultShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Show a vault: threshold, holders, generations with state and descriptor",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				d, err := a.ShowVault(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if c.json {
					return c.printJSON(struct {
						Version int       `json:"version"`
						Vault   vaultJSON `json:"vault"`
					}{jsonVersion, toVaultJSON(*d)})
				}
				c.printVault(*d)
				return nil
			})
		},
	}
}

func (c *cli) printVault(d app.VaultDetail) {
	fmt.Fprintf(c.out, "vault %s (%s)\n", d.Vault.Name, d.Vault.Network)
	if d.Vault.HotFloat > 0 || d.Vault.ColdAbove > 0 {
		fmt.Fprintf(c.out, "policy: hot float %s, cold above %s\n", btc(d.Vault.HotFloat), btc(d.Vault.ColdAbove))
	}
	for _, g := range d.Generations {
		fmt.Fprintf(c.out, "\ngeneration %d  %s  %s\n", g.Number, g.State, policy(g))
		for _, h := range g.Holders {
			fmt.Fprintf(c.out, "  %-12s [%s/%s]\n", h.Name, h.Fingerprint, strings.TrimPrefix(h.OriginPath, "m/"))
		}
		fmt.Fprintf(c.out, "  descriptor %s\n", g.Descriptor)
	}
}
