package main

import (
	"context"
	"errors"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/store"
	"github.com/treasury-dev/treasury/vault"
)

func (c *cli) newKeyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Offline signer: create key files, print xpubs, register vaults, sign PSBTs",
		Long: `The key commands run on a key holder's own machine, which should be offline.
A key file holds a BIP-39 seed encrypted with the holder's passphrase (age,
scrypt). Passphrases are asked for on the terminal; --passphrase-file and
TREASURY_PASSPHRASE exist for tests and scripts only.`,
	}
	cmd.AddCommand(c.newKeyNewCmd(), c.newKeyXpubCmd(), c.newKeyShowCmd(), c.newKeyAddressCmd(), c.newKeyRegisterCmd(), c.newKeySignCmd(), c.newKeyAnchorsCmd(), c.newKeyPolicyCmd(), c.newKeyProveCmd())
	return cmd
}

func bindPassphrase(cmd *cobra.Command, pf *passphraseFlags) {
	cmd.Flags().StringVar(&pf.file, "passphrase-file", "", "read the key file passphrase from FILE (test-only: prefer the terminal prompt)")
}

// keyNetwork is the network for offline key commands: --network, else the
// data directory's network, else an error (a key's network is not guessed).
func (c *cli) keyNetwork(ctx context.Context) (vault.Network, error) {
	if c.network != "" {
		n, err := vault.ParseNetwork(c.network)
		if err != nil {
			return n, usagef("%v", err)
		}
		return n, nil
	}
	if _, err := os.Stat(c.dbPath()); errors.Is(err, fs.ErrNotExist) {
		return vault.Network{}, usagef("give the network with --network (mainnet, testnet, testnet4, signet, regtest)")
	}
	db, err := store.Open(ctx, c.dbPath(), store.Options{BusyTimeout: c.busyTimeout()})
	if err != nil {
		return vault.Network{}, err
	}
	defer db.Close()
	return app.StoredNetwork(ctx, db)
}
