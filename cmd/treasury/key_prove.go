package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/vault"
)

type keyProveOptions struct {
	descriptor string
	vault      string
	generation int
	out        string
	pass       passphraseFlags
}

func (c *cli) newKeyProveCmd() *cobra.Command {
	var opts keyProveOptions
	cmd := &cobra.Command{
		Use:   "prove KEYFILE (--descriptor D | --vault NAME --generation G) -o FILE",
		Short: "Prove you hold your key in a standby generation, before it receives a cold spend",
		Long: `Write a standby proof: a BIP-340 signature by your key in the generation
(the first receive key, /0/0 below the xpub in the descriptor) over a message
binding the network, the descriptor and its checksum, your key's fingerprint and
origin, and the date. The descriptor must be registered in the key file
('treasury key register') and hold a key that this seed really derives: a
mistyped origin is refused here, before any money is sent to it. An officer
records the file with 'treasury vault prove NAME FILE'; a cold spend pays into
a standby only once M of its holders have proven it.`,
		Example: `  treasury key prove alice.key --descriptor "wsh(sortedmulti(2,[…]tpub…/<0;1>/*,…))#…" -o alice.proof
  treasury key prove alice.key --vault ops --generation 1 -o alice.proof   # registered with --vault-export`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.check(cmd); err != nil {
				return err
			}
			return c.runKeyProve(args[0], opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.descriptor, "descriptor", "", "the generation's descriptor, as registered")
	f.StringVar(&opts.vault, "vault", "", "the vault the generation was registered from (with --generation)")
	f.IntVar(&opts.generation, "generation", 0, "the generation number, with --vault")
	f.StringVarP(&opts.out, "output", "o", "", "file to write the proof to (must not exist)")
	bindPassphrase(cmd, &opts.pass)
	return cmd
}

// check validates the flags before anything is read or asked for.
func (o keyProveOptions) check(cmd *cobra.Command) error {
	hasGen := cmd.Flags().Changed("generation")
	byVault := o.vault != "" || hasGen
	switch {
	case o.out == "":
		return usagef("give -o FILE for the proof")
	case o.descriptor != "" && byVault:
		return usagef("give either --descriptor or --vault with --generation, not both")
	case o.descriptor == "" && !byVault:
		return usagef("give --descriptor D, or --vault NAME --generation G")
	case byVault && (o.vault == "" || !hasGen || o.generation < 0):
		return usagef("--vault and --generation go together (--generation 0 or more)")
	}
	if _, err := os.Stat(o.out); err == nil {
		return fmt.Errorf("%s already exists; choose another -o", o.out)
	}
	return nil
}

func (c *cli) runKeyProve(keyPath string, opts keyProveOptions) error {
	f, err := c.loadKeyFile(keyPath, opts.pass)
	if err != nil {
		return err
	}
	defer f.Zero()
	d, err := proveTarget(f, opts)
	if err != nil {
		return err
	}
	p, err := f.ProveStandby(d, time.Now())
	if err != nil {
		return err
	}
	data, err := p.Encode()
	if err != nil {
		return err
	}
	if err := writeNewFile(opts.out, data); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(struct {
			Version     int    `json:"version"`
			File        string `json:"file"`
			Checksum    string `json:"checksum"`
			Fingerprint string `json:"fingerprint"`
			Origin      string `json:"origin"`
			Date        string `json:"date"`
		}{jsonVersion, opts.out, p.Checksum, p.Fingerprint, p.Origin, p.Date})
	}
	fmt.Fprintf(c.out, "proved key %s (%s) in descriptor #%s%s on %s; wrote %s\n", p.Fingerprint, p.Origin, p.Checksum, registeredAs(f, d), p.Date, opts.out)
	fmt.Fprintf(c.err, "next: an officer records it with 'treasury vault prove VAULT %s'\n", opts.out)
	return nil
}

// proveTarget is the descriptor to prove: --descriptor, or the key file's
// registration of --vault's generation --generation.
func proveTarget(f *keys.File, opts keyProveOptions) (*vault.Descriptor, error) {
	if opts.descriptor != "" {
		d, err := vault.ParseDescriptor(opts.descriptor)
		if err != nil {
			return nil, err
		}
		return vault.Wallet(d)
	}
	return f.RegisteredGeneration(opts.vault, opts.generation)
}

// registeredAs is " (vault V, generation G)" when the key file registered d
// from a vault export, so the holder sees which wallet they proved.
func registeredAs(f *keys.File, d *vault.Descriptor) string {
	regs, err := f.Registrations()
	if err != nil {
		return ""
	}
	for _, r := range regs {
		rd, err := vault.ParseDescriptor(r.Descriptor)
		if err == nil && rd.Equal(d) && r.Vault != "" && r.Generation >= 0 {
			return fmt.Sprintf(" (vault %s, generation %d)", r.Vault, r.Generation)
		}
	}
	return ""
}
