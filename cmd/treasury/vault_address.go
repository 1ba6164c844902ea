package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

type vaultAddressOptions struct {
	index      int64
	change     bool
	generation int
}

func (c *cli) newVaultAddressCmd() *cobra.Command {
	var opts vaultAddressOptions
	cmd := &cobra.Command{
		Use:   "address NAME [--index N] [--change] [--generation G]",
		Short: "Print a deposit address of the vault's cold generation",
		Long: `Print the next unused receive address of the vault's cold generation and mark
it handed out, so the next call gives a fresh one. Addresses of hot or retired
generations are never given: their keys have signed. --index derives a
specific index instead. --generation G lists the first addresses of any
generation (or the one at --index) without handing any out: to check the
remainder of a rotation against the standby generation before signing.`,
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
			if cmd.Flags().Changed("generation") {
				return c.runGenerationAddresses(cmd, req, opts.generation)
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
	cmd.Flags().IntVar(&opts.generation, "generation", 0, "list addresses of this generation (handing none out)")
	return cmd
}

// runGenerationAddresses lists addresses of one generation: the one at
// --index, or the first five.
func (c *cli) runGenerationAddresses(cmd *cobra.Command, req app.AddressRequest, gen int) error {
	r := app.GenerationAddressesRequest{Vault: req.Vault, Generation: gen, Change: req.Change, Count: 5}
	if req.Index != nil {
		r.From, r.Count = *req.Index, 1
	}
	return c.withApp(cmd.Context(), func(a *app.App) error {
		res, err := a.GenerationAddresses(cmd.Context(), r)
		if err != nil {
			return err
		}
		if c.json {
			type addrJSON struct {
				Chain   uint32 `json:"chain"`
				Index   uint32 `json:"index"`
				Address string `json:"address"`
			}
			out := struct {
				Version    int        `json:"version"`
				Vault      string     `json:"vault"`
				Generation int        `json:"generation"`
				Addresses  []addrJSON `json:"addresses"`
			}{Version: jsonVersion, Vault: req.Vault, Generation: gen}
			for _, x := range res {
				out.Addresses = append(out.Addresses, addrJSON{x.Chain, x.Index, x.Address})
			}
			return c.printJSON(out)
		}
		for _, x := range res {
			fmt.Fprintf(c.out, "%d/%d\t%s\n", x.Chain, x.Index, x.Address)
		}
		return nil
	})
}
