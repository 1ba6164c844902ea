package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/vault"
)

type vaultCreateOptions struct {
	threshold        int
	keys             []string
	standbyKeys      []string
	standbyThreshold int
	nested           bool
	birthday         int32
	fromUTXOSet      bool
}

func (c *cli) newVaultCreateCmd() *cobra.Command {
	var opts vaultCreateOptions
	cmd := &cobra.Command{
		Use:   "create NAME --threshold M --key K1 --key K2 … [--standby-key …]",
		Short: "Create an M-of-N vault: generation 0 cold, generation 1 standby",
		Long: `Create a vault from the holders' key origins, as printed by 'treasury key xpub':
"[fingerprint/48'/1'/0'/2']tpub…". A key may carry its holder's name as
"alice=[…]tpub…". SLIP-132 Zpub/Vpub keys are converted. Standby keys
(generation 1, from 'treasury key xpub --generation 1') register in advance the
wallet that receives the remainder of the first cold spend.`,
		Example: `  treasury vault create ops --threshold 2 \
    --key "alice=[d34db33f/48'/1'/0'/2']tpub…" --key "bob=[…]tpub…" --key "carol=[…]tpub…" \
    --standby-key "alice=[d34db33f/48'/1'/1'/2']tpub…" --standby-key … --standby-key …`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.threshold < 1 {
				return usagef("give --threshold M (1 <= M <= number of keys)")
			}
			return c.runVaultCreate(cmd, args[0], opts)
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.threshold, "threshold", 0, "signatures required (M)")
	f.StringArrayVar(&opts.keys, "key", nil, "a holder's key origin and xpub (repeat for each holder)")
	f.StringArrayVar(&opts.standbyKeys, "standby-key", nil, "a key of the standby generation (repeatable)")
	f.IntVar(&opts.standbyThreshold, "standby-threshold", 0, "threshold of the standby generation (default: --threshold)")
	f.BoolVar(&opts.nested, "nested", false, "P2SH-P2WSH (sh(wsh(…))) instead of native P2WSH")
	f.Int32Var(&opts.birthday, "birthday", -1, "block height to scan from (default: the node's tip, or 0 without a node)")
	f.BoolVar(&opts.fromUTXOSet, "from-utxo-set", false, "read the vault's current outputs from the node's UTXO set (Bitcoin Core's scantxoutset) instead of scanning every block since --birthday")
	return cmd
}

func (c *cli) runVaultCreate(cmd *cobra.Command, name string, opts vaultCreateOptions) error {
	req := app.CreateVaultRequest{Name: name, Threshold: opts.threshold, StandbyThreshold: opts.standbyThreshold, Birthday: opts.birthday, ScriptType: vault.P2WSH, FromUTXOSet: opts.fromUTXOSet}
	if opts.nested {
		req.ScriptType = vault.P2SHP2WSH
	}
	for _, k := range opts.keys {
		req.Keys = append(req.Keys, app.KeySpec(k))
	}
	for _, k := range opts.standbyKeys {
		req.StandbyKeys = append(req.StandbyKeys, app.KeySpec(k))
	}
	return c.withApp(cmd.Context(), func(a *app.App) error {
		res, err := a.CreateVault(cmd.Context(), req)
		if err != nil {
			return err
		}
		det := app.VaultDetail{Vault: res.Vault, Generations: res.Generations}
		if c.json {
			return c.printJSON(struct {
				Version int       `json:"version"`
				Vault   vaultJSON `json:"vault"`
			}{jsonVersion, toVaultJSON(det)})
		}
		fmt.Fprintf(c.out, "created vault %s on %s\n", res.Vault.Name, res.Vault.Network)
		for _, g := range res.Generations {
			fmt.Fprintf(c.out, "  generation %d  %-7s  %s  %s\n    %s\n", g.Number, g.State, policy(g), holderNames(g), g.Descriptor)
		}
		c.printUTXOSet(res)
		if len(res.Generations) == 1 {
			fmt.Fprintln(c.err, "treasury: hint: register a standby generation before the first cold spend: treasury vault standby "+res.Vault.Name+" --key …")
		}
		return nil
	})
}

// printUTXOSet says what an import from the node's UTXO set found.
func (c *cli) printUTXOSet(res *app.CreateVaultResult) {
	if len(res.Generations) == 0 || res.Generations[0].UTXOSetAt == 0 {
		return
	}
	g := res.Generations[0]
	fmt.Fprintf(c.out, "read %d output(s), %s, from the node's UTXO set at height %d; blocks %d..%d were not scanned (treasury sync --rescan scans them)\n",
		res.UTXOSetOutputs, btc(res.UTXOSetTotal), g.UTXOSetAt, g.Birthday, g.UTXOSetAt)
}
