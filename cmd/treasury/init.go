package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/store"
	"github.com/treasury-dev/treasury/vault"
)

type initOptions struct {
	network string
}

func (c *cli) newInitCmd() *cobra.Command {
	var opts initOptions
	cmd := &cobra.Command{
		Use:   "init --network NETWORK",
		Short: "Create the data directory and its database",
		Example: `  treasury init --network regtest --rpc-url 127.0.0.1:18334 --rpc-user u --rpc-pass p
  treasury init --network mainnet --data-dir /srv/treasury`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.network == "" {
				opts.network = c.network
			}
			if opts.network == "" {
				return usagef("give the network: --network mainnet, testnet, testnet4, signet or regtest")
			}
			// Refuse a bad network before anything is created on disk.
			net, err := vault.ParseNetwork(opts.network)
			if err != nil {
				return usagef("%v", err)
			}
			// Refuse a node of another network before anything is created.
			file, err := readConfig(c.dataDir)
			if err != nil {
				return err
			}
			// A missing database is refused in one sentence, before the
			// node is asked anything (a note about it would come first).
			if err := c.checkDatabaseExpected(file); err != nil {
				return err
			}
			if err := c.checkNodeNetwork(cmd.Context(), c.node.merged(file), net); err != nil {
				return err
			}
			return c.runInit(cmd, opts)
		},
	}
	cmd.Flags().StringVar(&opts.network, "network", "", "the network this treasury works on (fixed for the data directory's life)")
	return cmd
}

func (c *cli) runInit(cmd *cobra.Command, opts initOptions) error {
	if err := c.checkActor(); err != nil {
		return err
	}
	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return fmt.Errorf("unable to create data directory: %w", err)
	}
	file, err := readConfig(c.dataDir)
	if err != nil {
		return err
	}
	if err := c.checkDatabaseExpected(file); err != nil {
		return err
	}
	db, err := store.Open(cmd.Context(), c.dbPath(), store.Options{Create: true, BusyTimeout: c.busyTimeout()})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := c.checkDatabaseID(cmd.Context(), file, db); err != nil {
		return err
	}
	res, err := app.Init(cmd.Context(), db, app.InitRequest{Network: opts.network}, c.actor, nowUTC())
	if err != nil {
		return err
	}
	cfg := c.node.merged(file)
	if cfg.DatabaseCreated == "" {
		cfg.DatabaseCreated = nowUTC().Format(time.RFC3339)
	}
	if cfg.DatabaseID == "" {
		if cfg.DatabaseID, err = app.DatabaseID(cmd.Context(), db); err != nil {
			return err
		}
	}
	if cfg != file {
		if err := writeConfig(c.dataDir, cfg); err != nil {
			return err
		}
	}
	if c.json {
		return c.printJSON(struct {
			Version  int    `json:"version"`
			Network  string `json:"network"`
			DataDir  string `json:"data_dir"`
			Database string `json:"database"`
			Created  bool   `json:"created"`
		}{jsonVersion, res.Network, c.dataDir, c.dbPath(), res.Created})
	}
	verb := "initialized"
	if !res.Created {
		verb = "already initialized"
	}
	fmt.Fprintf(c.out, "%s %s for %s\n", c.dataDir, verb, res.Network)
	return nil
}
