package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/vault"
)

type vaultImportOptions struct {
	format   string
	birthday int32
	utxoSet  bool
}

func (c *cli) newVaultImportCmd() *cobra.Command {
	var opts vaultImportOptions
	cmd := &cobra.Command{
		Use:   "import NAME FILE [--format F] [--birthday HEIGHT]",
		Short: "Create a vault from another wallet's file (descriptor, Core, Caravan, Coldcard, Sparrow, BSMS, BIP-388)",
		Long: `Bring in a multisig wallet that exists elsewhere, as the vault's cold
generation (0). FILE is one of: a descriptor file (one <0;1> line, or a receive
and a change line); Bitcoin Core's listdescriptors or importdescriptors JSON
(also 'treasury vault export --format core'); a Caravan wallet configuration; a
Coldcard or Sparrow multisig text file; a BSMS (BIP-129) record; a BIP-388 wallet
policy (JSON with name, descriptor_template and keys_info). The format is
detected unless --format names it (descriptor, core, caravan, coldcard, sparrow,
bsms, bip388, specter, treasury).

The keys are checked as 'vault create' checks them. The scan starts at
--birthday, else at the file's timestamp (Core; the node turns it into a
height), else at block 0, with a note (on mainnet that takes days: give
--birthday). A wallet whose scripts another vault already watches is refused. Register the
standby generation afterwards with 'treasury vault standby'.`,
		Example: `  treasury vault import ops ops-caravan.json
  bitcoin-cli -rpcwallet=ops listdescriptors > ops-core.json
  treasury vault import ops ops-core.json --format core --birthday 840000`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := app.ImportRequest{Name: args[0], Source: args[1], Format: opts.format, FromUTXOSet: opts.utxoSet}
			if _, ok := app.ImportFormats[opts.format]; opts.format != "" && !ok {
				return usagef("unknown import format %q (descriptor, core, caravan, coldcard, sparrow, bsms, bip388, specter, treasury)", opts.format)
			}
			if cmd.Flags().Changed("birthday") {
				if opts.birthday < 0 {
					return usagef("--birthday is a block height (0 or more)")
				}
				req.Birthday = &opts.birthday
			}
			data, err := readWalletFile(args[1])
			if err != nil {
				return err
			}
			req.Data = data
			return c.withApp(cmd.Context(), func(a *app.App) error {
				res, err := a.ImportVault(cmd.Context(), req)
				if err != nil {
					return err
				}
				return c.printImport(res)
			})
		},
	}
	cmd.Flags().StringVar(&opts.format, "format", "", "the file's format (default: detected)")
	cmd.Flags().Int32Var(&opts.birthday, "birthday", 0, "block height to scan from (default: from the file, else 0)")
	cmd.Flags().BoolVar(&opts.utxoSet, "from-utxo-set", false, "read the vault's current outputs from the node's UTXO set (Bitcoin Core's scantxoutset) instead of scanning every block since the birthday")
	return cmd
}

// readWalletFile reads a wallet file through the export size limit.
func readWalletFile(path string) ([]byte, error) {
	return readLimited(path, vault.MaxExportSize)
}

// readLimited reads at most limit bytes of a file, refusing a longer one
// as bad input (exit 2, as key register refuses an oversized export).
func readLimited(path string, limit int) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("unable to read %s: %w", path, err)
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("unable to read %s: %w", path, err)
	}
	if len(b) > limit {
		return nil, usagef("%s is larger than %d bytes; refused", path, limit)
	}
	return b, nil
}

func (c *cli) printImport(res *app.ImportResult) error {
	det := app.VaultDetail{Vault: res.Vault, Generations: res.Generations}
	if c.json {
		return c.printJSON(struct {
			Version  int       `json:"version"`
			Format   string    `json:"format"`
			Birthday int32     `json:"birthday"`
			Note     string    `json:"note,omitempty"`
			Vault    vaultJSON `json:"vault"`
		}{jsonVersion, string(res.Format), res.Birthday, res.Note, toVaultJSON(det)})
	}
	fmt.Fprintf(c.out, "imported vault %s on %s from a %s file; scanning from block %d\n", res.Vault.Name, res.Vault.Network, res.Format, res.Birthday)
	for _, g := range res.Generations {
		fmt.Fprintf(c.out, "  generation %d  %-7s  %s  %s\n    %s\n", g.Number, g.State, policy(g), holderNames(g), g.Descriptor)
	}
	c.printUTXOSet(&res.CreateVaultResult)
	if res.Note != "" {
		fmt.Fprintln(c.err, "treasury: note: "+res.Note)
	}
	fmt.Fprintln(c.err, "treasury: hint: register a standby generation before the first cold spend: treasury vault standby "+res.Vault.Name+" --key …")
	return nil
}
