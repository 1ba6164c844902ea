package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/keys"
)

type keyNewOptions struct {
	name         string
	out          string
	fromMnemonic bool
	bip39Pass    bool
	pass         passphraseFlags
}

func (c *cli) newKeyNewCmd() *cobra.Command {
	var opts keyNewOptions
	cmd := &cobra.Command{
		Use:   "new --name NAME -o FILE",
		Short: "Create an encrypted key file from a new 24-word seed (or restore one)",
		Long: `Create a BIP-39 seed of 24 words, show the words once on stderr so the holder
can write them down, and encrypt the seed with the holder's passphrase into
FILE (mode 0600). --from-mnemonic restores from words read on stdin instead.`,
		Example: `  treasury key new --name alice -o alice.key --network mainnet
  treasury key new --name alice -o alice.key --network mainnet --from-mnemonic < words.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.name == "" || opts.out == "" {
				return usagef("give --name and -o FILE")
			}
			return c.runKeyNew(cmd, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.name, "name", "", "the holder's name")
	f.StringVarP(&opts.out, "output", "o", "", "key file to create (never overwritten)")
	f.BoolVar(&opts.fromMnemonic, "from-mnemonic", false, "restore from BIP-39 words read on stdin")
	f.BoolVar(&opts.bip39Pass, "bip39-passphrase", false, "protect the seed with a BIP-39 passphrase (asked on the terminal; TREASURY_BIP39_PASSPHRASE is test-only)")
	bindPassphrase(cmd, &opts.pass)
	return cmd
}

func (c *cli) runKeyNew(cmd *cobra.Command, opts keyNewOptions) error {
	net, err := c.keyNetwork()
	if err != nil {
		return err
	}
	bip39Pass := ""
	if opts.bip39Pass {
		if bip39Pass = c.getenv("TREASURY_BIP39_PASSPHRASE"); bip39Pass == "" {
			p, err := c.passphrase(passphraseFlags{}, "BIP-39 passphrase (part of the seed: without it the words restore another wallet)", true)
			if err != nil {
				return err
			}
			bip39Pass = string(p)
		}
	}
	var file *keys.File
	var words string
	if opts.fromMnemonic {
		text, err := readAllTrimmed(c.in)
		if err != nil {
			return err
		}
		file, err = keys.FromMnemonic(opts.name, net, text, bip39Pass)
		if err != nil {
			return err
		}
	} else if file, words, err = keys.New(opts.name, net, 256, bip39Pass); err != nil {
		return err
	}
	defer file.Zero()
	pass, err := c.passphrase(opts.pass, "Passphrase to encrypt "+opts.out, true)
	if err != nil {
		return err
	}
	if err := file.SaveNew(opts.out, pass); err != nil {
		return err
	}
	if words != "" {
		showWords(c.err, words)
	}
	if c.json {
		return c.printJSON(struct {
			Version     int    `json:"version"`
			Name        string `json:"name"`
			Network     string `json:"network"`
			Fingerprint string `json:"fingerprint"`
			File        string `json:"file"`
		}{jsonVersion, file.Name, file.Network, file.Fingerprint.String(), opts.out})
	}
	fmt.Fprintf(c.out, "%s\n", file.Fingerprint)
	fmt.Fprintf(c.err, "created %s for %s on %s (fingerprint %s)\n", opts.out, file.Name, file.Network, file.Fingerprint)
	return nil
}

// showWords prints the seed words once, numbered, on stderr.
func showWords(w io.Writer, mnemonic string) {
	fmt.Fprintln(w, "Write these 24 words down, in order, and keep them offline. They are shown only now:")
	for i, word := range strings.Fields(mnemonic) {
		fmt.Fprintf(w, "%2d. %-10s", i+1, word)
		if (i+1)%4 == 0 {
			fmt.Fprintln(w)
		}
	}
}

func readAllTrimmed(r io.Reader) (string, error) {
	var b strings.Builder
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		b.WriteString(sc.Text())
		b.WriteByte(' ')
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("unable to read the words: %w", err)
	}
	return strings.TrimSpace(b.String()), nil
}
