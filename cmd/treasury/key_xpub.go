package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/vault"
)

type keyXpubOptions struct {
	generation uint32
	nested     bool
	pass       passphraseFlags
}

func (c *cli) newKeyXpubCmd() *cobra.Command {
	var opts keyXpubOptions
	cmd := &cobra.Command{
		Use:   "xpub FILE [--generation G]",
		Short: "Print the key origin and xpub of a vault generation (BIP-48 account G)",
		Long: `Print "[fingerprint/48'/coin'/G'/2']xpub" for generation G: the BIP-48 account
G', hardened, so generations cannot be linked to each other. Coin type is 0'
on mainnet and 1' on the test networks. Give the printed line to the treasury
officer for 'treasury vault create --key'.`,
		Example: `  treasury key xpub alice.key --generation 0`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.runKeyXpub(cmd, args[0], opts)
		},
	}
	cmd.Flags().Uint32Var(&opts.generation, "generation", 0, "vault generation (the BIP-48 account)")
	cmd.Flags().BoolVar(&opts.nested, "nested", false, "P2SH-P2WSH (BIP-48 script type 1') instead of native P2WSH (2')")
	bindPassphrase(cmd, &opts.pass)
	return cmd
}

// loadKeyFile asks for path's passphrase and opens the key file.
func (c *cli) loadKeyFile(path string, pf passphraseFlags) (*keys.File, error) {
	f, _, err := c.loadKeyFileToSave(path, pf)
	return f, err
}

// loadKeyFileToSave is loadKeyFile that also returns the passphrase, for a
// command that saves the file again under it.
func (c *cli) loadKeyFileToSave(path string, pf passphraseFlags) (*keys.File, []byte, error) {
	pass, err := c.passphrase(pf, "Passphrase for "+path, false)
	if err != nil {
		return nil, nil, err
	}
	f, err := keys.Load(path, pass)
	return f, pass, err
}

func (c *cli) runKeyXpub(cmd *cobra.Command, path string, opts keyXpubOptions) error {
	if opts.generation >= 1<<31 {
		return usagef("--generation must be below 2^31")
	}
	f, err := c.loadKeyFile(path, opts.pass)
	if err != nil {
		return err
	}
	defer f.Zero()
	t := vault.P2WSH
	if opts.nested {
		t = vault.P2SHP2WSH
	}
	k, err := f.AccountKey(opts.generation, t)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(struct {
			Version     int    `json:"version"`
			Name        string `json:"name"`
			Fingerprint string `json:"fingerprint"`
			Path        string `json:"path"`
			XPub        string `json:"xpub"`
			Key         string `json:"key"`
		}{jsonVersion, f.Name, k.Origin.Fingerprint.String(), vault.FormatPath(k.Origin.Path), k.XPub.String(), k.OriginString()})
	}
	fmt.Fprintln(c.out, k.OriginString())
	return nil
}
