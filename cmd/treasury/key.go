package main

import (
	"github.com/spf13/cobra"

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

// keyNetwork is the network of a new key: --network (or TREASURY_NETWORK),
// else an error. A key is made offline, so its network is never taken from
// a data directory that happens to be set (a leftover TREASURY_DATA_DIR
// would decide it silently).
func (c *cli) keyNetwork() (vault.Network, error) {
	if c.network == "" {
		return vault.Network{}, usageError{msg: "give the network of the new key with --network (mainnet, testnet, testnet4, signet, regtest)",
			hints: []string{"a key is made offline: its network is never taken from a data directory"}}
	}
	n, err := vault.ParseNetwork(c.network)
	if err != nil {
		return n, usagef("%v", err)
	}
	return n, nil
}
