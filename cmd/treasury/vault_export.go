package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

type vaultExportOptions struct {
	format     string
	generation int
}

func (c *cli) newVaultExportCmd() *cobra.Command {
	var opts vaultExportOptions
	cmd := &cobra.Command{
		Use:   "export NAME --format descriptor|core|caravan|coldcard|bsms",
		Short: "Export a vault's descriptors so its funds can be recovered with other software",
		Long: `Export every generation, retired ones too since late deposits can reach them (or one, with
--generation). descriptor: the <0;1>/* form and the receive and change
descriptors, each with its BIP-380 checksum. core: a JSON array for Bitcoin
Core's importdescriptors (watch-only). caravan, coldcard, bsms: those wallets'
multisig configuration files.`,
		Example: `  treasury vault export ops --format core > ops-core.json
  bitcoin-cli -rpcwallet=watch importdescriptors "$(cat ops-core.json)"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := app.ExportRequest{Vault: args[0], Format: app.ExportFormat(opts.format)}
			switch req.Format {
			case app.FormatDescriptor, app.FormatCore, app.FormatCaravan, app.FormatColdcard, app.FormatBSMS:
			default:
				return usagef("unknown export format %q (descriptor, core, caravan, coldcard, bsms)", opts.format)
			}
			if cmd.Flags().Changed("generation") {
				req.Generation = &opts.generation
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				gens, err := a.Export(cmd.Context(), req)
				if err != nil {
					return err
				}
				return c.printExport(req, gens)
			})
		},
	}
	cmd.Flags().StringVar(&opts.format, "format", "descriptor", "descriptor, core, caravan, coldcard or bsms")
	cmd.Flags().IntVar(&opts.generation, "generation", 0, "export only this generation")
	return cmd
}

func (c *cli) printExport(req app.ExportRequest, gens []app.ExportedGeneration) error {
	if req.Format == app.FormatCore && !c.json {
		return c.printCoreExport(gens)
	}
	if c.json {
		type genJSON struct {
			Generation int    `json:"generation"`
			State      string `json:"state"`
			Descriptor string `json:"descriptor"`
			Receive    string `json:"receive"`
			Change     string `json:"change"`
			Data       string `json:"data,omitempty"`
		}
		out := struct {
			Version     int       `json:"version"`
			Vault       string    `json:"vault"`
			Format      string    `json:"format"`
			Generations []genJSON `json:"generations"`
		}{Version: jsonVersion, Vault: req.Vault, Format: string(req.Format)}
		for _, g := range gens {
			out.Generations = append(out.Generations, genJSON{g.Number, string(g.State), g.Descriptor, g.Receive, g.Change, string(g.Data)})
		}
		return c.printJSON(out)
	}
	for i, g := range gens {
		if i > 0 {
			fmt.Fprintln(c.out)
		}
		if req.Format == app.FormatDescriptor {
			fmt.Fprintf(c.out, "# %s generation %d (%s)\n%s\n%s\n%s\n", req.Vault, g.Number, g.State, g.Descriptor, g.Receive, g.Change)
			continue
		}
		c.out.Write(g.Data)
		// A BSMS record ends without a newline; end every file with one so
		// the next generation's file starts on its own line.
		if len(g.Data) > 0 && g.Data[len(g.Data)-1] != '\n' {
			fmt.Fprintln(c.out)
		}
	}
	return nil
}

// printCoreExport merges the generations' importdescriptors arrays into one:
// only the cold generation is "active" (Bitcoin Core keeps one active
// descriptor per script type and chain); the others are imported to watch.
func (c *cli) printCoreExport(gens []app.ExportedGeneration) error {
	var all []map[string]any
	for _, g := range gens {
		var entries []map[string]any
		if err := json.Unmarshal(g.Data, &entries); err != nil {
			return fmt.Errorf("unable to merge Core export: %w", err)
		}
		for _, e := range entries {
			e["active"] = g.State == app.Cold
			all = append(all, e)
		}
	}
	enc := json.NewEncoder(c.out)
	enc.SetIndent("", "  ")
	return enc.Encode(all)
}
