package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

func (c *cli) newVaultStandbyCmd() *cobra.Command {
	var keys []string
	var threshold int
	cmd := &cobra.Command{
		Use:   "standby NAME --key K1 --key K2 … [--threshold M]",
		Short: "Register the next generation, which receives the remainder of the next cold spend",
		Long: `Register the vault's next generation in advance. Keys come from 'treasury key
xpub --generation G' (the next BIP-48 account of the same seeds) or from new
seeds or devices. The holder set and threshold may change, for example to
rotate out a departing holder. Every holder should then register the new
descriptor in their key file ('treasury key register').`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := app.StandbyRequest{Vault: args[0], Threshold: threshold}
			for _, k := range keys {
				req.Keys = append(req.Keys, app.KeySpec(k))
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				g, err := a.RegisterStandby(cmd.Context(), req)
				if err != nil {
					return err
				}
				if c.json {
					return c.printJSON(struct {
						Version    int    `json:"version"`
						Vault      string `json:"vault"`
						Generation int    `json:"generation"`
						State      string `json:"state"`
						Descriptor string `json:"descriptor"`
					}{jsonVersion, args[0], g.Number, string(g.State), g.Descriptor})
				}
				fmt.Fprintf(c.out, "registered generation %d of %s as standby (%s: %s)\n  %s\n", g.Number, args[0], policy(*g), holderNames(*g), g.Descriptor)
				return nil
			})
		},
	}
	cmd.Flags().StringArrayVar(&keys, "key", nil, "a key of the new generation (repeatable)")
	cmd.Flags().IntVar(&threshold, "threshold", 0, "threshold of the new generation (default: the cold generation's)")
	return cmd
}
