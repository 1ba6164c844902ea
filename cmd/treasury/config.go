package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/vault"
)

func (c *cli) newConfigCmd() *cobra.Command {
	var fallback int64
	cmd := &cobra.Command{
		Use:   "config [--rpc-url …] [--rpc-user …] [--rpc-pass …] [--rpc-cookie …] [--fallback-fee-rate N]",
		Short: "Show or change the node settings kept in the data directory (config.json, mode 0600)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := c.checkActor(); err != nil {
				return err
			}
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
			if nodeSettingsChanged(file, cfg) {
				if err := c.checkConfigNode(cmd.Context(), cfg); err != nil {
					return err
				}
			}
			if cfg != file {
				if err := writeConfig(c.dataDir, cfg); err != nil {
					return err
				}
				err := c.withApp(cmd.Context(), func(a *app.App) error {
					return a.RecordConfig(cmd.Context(), app.ConfigChange{RPCURL: cfg.URL, RPCUser: cfg.User, RPCCookie: cfg.CookieFile,
						RPCTLS: cfg.TLS, PasswordChanged: cfg.Pass != file.Pass, FallbackFeeRate: cfg.FallbackFeeRate})
				})
				if err != nil && !errors.Is(err, app.ErrNotInitialized) {
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

// checkConfigNode refuses node settings naming a node of another network
// than the data directory's (or --network's, before init), changing nothing.
func (c *cli) checkConfigNode(ctx context.Context, cfg nodeConfig) error {
	err := c.withApp(ctx, func(a *app.App) error { return c.checkNodeNetwork(ctx, cfg, a.Net) })
	if !errors.Is(err, app.ErrNotInitialized) {
		return err
	}
	if c.network == "" {
		return nil
	}
	net, err := vault.ParseNetwork(c.network)
	if err != nil {
		return usagef("%v", err)
	}
	return c.checkNodeNetwork(ctx, cfg, net)
}
