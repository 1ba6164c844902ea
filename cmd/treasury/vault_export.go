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
	all        bool
	name       string
}

func (c *cli) newVaultExportCmd() *cobra.Command {
	var opts vaultExportOptions
	cmd := &cobra.Command{
		Use:   "export NAME --format descriptor|core|caravan|coldcard|bsms",
		Short: "Export a vault's descriptors so its funds can be recovered with other software",
		Long: `Write one file of the format for the vault's cold generation (--generation G
for another), as the other software imports it:
  descriptor  one line, the receive descriptor with its BIP-380 checksum, which
              Caravan, Sparrow and Bitcoin Core import as is (change is /1/*)
  core        a JSON array for Bitcoin Core's importdescriptors (watch-only),
              receive and change
  caravan     a Caravan wallet configuration, keys named after their holders
  coldcard    a Coldcard multisig setup file (--name: at most 20 characters)
  bsms        a BIP-129 descriptor record (4 lines)
--all exports every generation, retired ones too since late deposits can reach
them: in one importdescriptors array for core (only the cold generation active),
or with --json, whose output lists every generation unless --generation is given.`,
		Example: `  treasury vault export ops --format core --all > ops-core.json
  bitcoin-cli -rpcwallet=watch importdescriptors "$(cat ops-core.json)"
  treasury vault export ops --format coldcard --name "Ops cold" > ops-coldcard.txt`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := c.exportRequest(cmd, args[0], opts)
			if err != nil {
				return err
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
	cmd.Flags().IntVar(&opts.generation, "generation", 0, "export this generation instead of the cold one")
	cmd.Flags().BoolVar(&opts.all, "all", false, "every generation (core, or with --json)")
	cmd.Flags().StringVar(&opts.name, "name", "", "wallet name in a caravan or coldcard file (default VAULT-gN)")
	return cmd
}

// exportRequest checks the flags: a bundle of generations only where the
// format holds one, a name only where the format has one.
func (c *cli) exportRequest(cmd *cobra.Command, vaultName string, opts vaultExportOptions) (app.ExportRequest, error) {
	req := app.ExportRequest{Vault: vaultName, Format: app.ExportFormat(opts.format), Name: opts.name}
	switch req.Format {
	case app.FormatDescriptor, app.FormatCore, app.FormatCaravan, app.FormatColdcard, app.FormatBSMS:
	default:
		return req, usagef("unknown export format %q (descriptor, core, caravan, coldcard, bsms)", opts.format)
	}
	gen := cmd.Flags().Changed("generation")
	switch {
	case gen && opts.all:
		return req, usagef("give --generation or --all, not both")
	case opts.all && req.Format != app.FormatCore && !c.json:
		return req, usagef("a %s file holds one wallet; --all is for --format core or --json (or give --generation G)", req.Format)
	case opts.name != "" && req.Format != app.FormatCaravan && req.Format != app.FormatColdcard:
		return req, usagef("--name is for --format caravan or coldcard")
	}
	if gen {
		req.Generation = &opts.generation
	}
	// The JSON envelope lists generations; by default all of them, as
	// 'key register --vault-export' reads it.
	req.All = opts.all || (c.json && !gen)
	return req, nil
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
	if len(gens) != 1 {
		return fmt.Errorf("an export of %d generations cannot be one %s file", len(gens), req.Format)
	}
	// The file exactly as the other software reads it: a BSMS record
	// ends without a newline (BIP-129: exactly 4 lines).
	_, err := c.out.Write(gens[0].Data)
	return err
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
