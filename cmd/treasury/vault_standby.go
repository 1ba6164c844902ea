package main

import (
	"fmt"

	"github.com/btcsuite/btcd/btcutil/v2"
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

func (c *cli) newVaultPolicyCmd() *cobra.Command {
	var hotFloat, coldAbove string
	cmd := &cobra.Command{
		Use:   "policy NAME [--hot-float AMT] [--cold-above AMT]",
		Short: "Set which tier pays: the hot float a spent generation keeps, the amount from which transfers come from cold",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := app.PolicyRequest{Vault: args[0]}
			parse := func(flag, s string) (*btcutil.Amount, error) {
				if !cmd.Flags().Changed(flag) {
					return nil, nil
				}
				if s == "0" || s == "0btc" || s == "0sat" {
					var z btcutil.Amount
					return &z, nil
				}
				a, err := app.ParseAmount(s)
				return &a, err
			}
			var err error
			if req.HotFloat, err = parse("hot-float", hotFloat); err != nil {
				return err
			}
			if req.ColdAbove, err = parse("cold-above", coldAbove); err != nil {
				return err
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				v, err := a.SetPolicy(cmd.Context(), req)
				if err != nil {
					return err
				}
				if c.json {
					return c.printJSON(struct {
						Version   int    `json:"version"`
						Vault     string `json:"vault"`
						HotFloat  int64  `json:"hot_float_sat"`
						ColdAbove int64  `json:"cold_above_sat"`
					}{jsonVersion, v.Name, int64(v.HotFloat), int64(v.ColdAbove)})
				}
				fmt.Fprintf(c.out, "vault %s: hot float %s, transfers from %s come from cold\n", v.Name, btc(v.HotFloat), btc(v.ColdAbove))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&hotFloat, "hot-float", "", "what a spent generation may keep (0 for none)")
	cmd.Flags().StringVar(&coldAbove, "cold-above", "", "transfers at or above this come from cold (0: always cold unless --from hot)")
	return cmd
}

func (c *cli) newConfigCmd() *cobra.Command {
	var fallback int64
	cmd := &cobra.Command{
		Use:   "config [--rpc-url …] [--rpc-user …] [--rpc-pass …] [--rpc-cookie …] [--fallback-fee-rate N]",
		Short: "Show or change the node settings kept in the data directory (config.json, mode 0600)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			file, err := readConfig(c.dataDir)
			if err != nil {
				return err
			}
			cfg := c.node.merged(file)
			if cmd.Flags().Changed("fallback-fee-rate") {
				if fallback < 1 {
					return usagef("--fallback-fee-rate must be at least 1 sat/vB")
				}
				cfg.FallbackFeeRate = fallback
			}
			if cfg != file {
				if err := writeConfig(c.dataDir, cfg); err != nil {
					return err
				}
			}
			if c.json {
				return c.printJSON(struct {
					Version  int    `json:"version"`
					URL      string `json:"rpc_url"`
					User     string `json:"rpc_user"`
					Cookie   string `json:"rpc_cookie"`
					TLS      bool   `json:"rpc_tls"`
					Fallback int64  `json:"fallback_fee_rate"`
				}{jsonVersion, cfg.URL, cfg.User, cfg.CookieFile, cfg.TLS, cfg.FallbackFeeRate})
			}
			pass := ""
			if cfg.Pass != "" {
				pass = "(set)"
			}
			fmt.Fprintf(c.out, "rpc-url     %s\nrpc-user    %s\nrpc-pass    %s\nrpc-cookie  %s\nrpc-tls     %v\nfallback    %d sat/vB\n", cfg.URL, cfg.User, pass, cfg.CookieFile, cfg.TLS, cfg.FallbackFeeRate)
			return nil
		},
	}
	cmd.Flags().Int64Var(&fallback, "fallback-fee-rate", 0, "fee rate (sat/vB) when the node has no estimate")
	return cmd
}
