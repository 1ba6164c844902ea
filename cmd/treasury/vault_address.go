package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

type vaultAddressOptions struct {
	index  int64
	change bool
}

func (c *cli) newVaultAddressCmd() *cobra.Command {
	var opts vaultAddressOptions
	cmd := &cobra.Command{
		Use:   "address NAME [--index N] [--change]",
		Short: "Print a deposit address of the vault's cold generation",
		Long: `Print the next unused receive address of the vault's cold generation and mark
it handed out, so the next call gives a fresh one. Addresses of hot or retired
generations are never given: their keys have signed. --index derives a
specific index instead.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := app.AddressRequest{Vault: args[0], Change: opts.change}
			if cmd.Flags().Changed("index") {
				if opts.index < 0 || opts.index >= 1<<31 {
					return usagef("--index must be between 0 and 2147483647")
				}
				i := uint32(opts.index)
				req.Index = &i
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				res, err := a.Address(cmd.Context(), req)
				if err != nil {
					return err
				}
				if c.json {
					return c.printJSON(struct {
						Version    int    `json:"version"`
						Vault      string `json:"vault"`
						Generation int    `json:"generation"`
						Chain      uint32 `json:"chain"`
						Index      uint32 `json:"index"`
						Address    string `json:"address"`
					}{jsonVersion, res.Vault, res.Generation, res.Chain, res.Index, res.Address})
				}
				fmt.Fprintln(c.out, res.Address)
				return nil
			})
		},
	}
	cmd.Flags().Int64Var(&opts.index, "index", 0, "derive this index instead of the next unused one")
	cmd.Flags().BoolVar(&opts.change, "change", false, "the change chain (1) instead of receive (0)")
	return cmd
}
