package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/vault"
)

type keyAddressOptions struct {
	vault      string
	generation int
	index      int64
	change     bool
	qr         bool
	pass       passphraseFlags
}

func (c *cli) newKeyAddressCmd() *cobra.Command {
	var opts keyAddressOptions
	cmd := &cobra.Command{
		Use:   "address KEYFILE --vault NAME [--generation G] [--index N] [--change] [--qr]",
		Short: "Derive a vault address from the key file's registered descriptors, to confirm a deposit address offline",
		Long: `Derive the address at --index (default 0) of the receive chain (or --change)
of a vault generation this key file has registered as a signing wallet, from
the registered descriptor alone: no database, no node. A holder compares it
with the address the officer hands out ('treasury vault address NAME --json'
names the generation and index) before anyone deposits to it. --qr draws it
as a QR code in the terminal as well.`,
		Example: `  treasury key address alice.key --vault ops --generation 0 --index 3 --qr`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.vault == "" {
				return usagef("give --vault NAME (as registered: 'treasury key show %s' lists them)", args[0])
			}
			if opts.index < 0 || opts.index >= 1<<31 {
				return usagef("--index must be between 0 and 2147483647")
			}
			gen := -1
			if cmd.Flags().Changed("generation") {
				if opts.generation < 0 {
					return usagef("--generation must not be negative")
				}
				gen = opts.generation
			}
			return c.runKeyAddress(args[0], gen, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.vault, "vault", "", "the vault's name, as registered in the key file")
	f.IntVar(&opts.generation, "generation", 0, "the generation (needed when the key file has registered more than one)")
	f.Int64Var(&opts.index, "index", 0, "the address index")
	f.BoolVar(&opts.change, "change", false, "the change chain (1) instead of receive (0)")
	f.BoolVar(&opts.qr, "qr", false, "also draw the address as a QR code")
	bindPassphrase(cmd, &opts.pass)
	return cmd
}

func (c *cli) runKeyAddress(path string, gen int, opts keyAddressOptions) error {
	f, err := c.loadKeyFile(path, opts.pass)
	if err != nil {
		return err
	}
	defer f.Zero()
	reg, err := pickRegistration(f, path, opts.vault, gen)
	if err != nil {
		return err
	}
	d, err := vault.ParseDescriptor(reg.Descriptor)
	if err != nil {
		return err
	}
	chain := uint32(0)
	if opts.change {
		chain = 1
	}
	a, err := d.Derive(f.NetworkParams(), chain, uint32(opts.index))
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(struct {
			Version    int    `json:"version"`
			Vault      string `json:"vault"`
			Generation int    `json:"generation"`
			Chain      uint32 `json:"chain"`
			Index      uint32 `json:"index"`
			Address    string `json:"address"`
			Threshold  int    `json:"threshold"`
			Keys       int    `json:"keys"`
		}{jsonVersion, reg.Vault, reg.Generation, a.Chain, a.Index, a.Address, reg.Threshold, reg.N})
	}
	kind := "receive"
	if opts.change {
		kind = "change"
	}
	fmt.Fprintf(c.out, "vault %s · generation %d · %s %d · %d-of-%d, derived from %s\n%s\n",
		reg.Vault, reg.Generation, kind, a.Index, reg.Threshold, reg.N, path, a.Address)
	if opts.qr {
		return writeQR(c.out, addressURI(a.Address))
	}
	return nil
}

// pickRegistration finds the signing wallet of vault name (generation gen,
// or the only one when gen is -1). A destination-only descriptor is never
// used: its keys are not the holder's, so it proves nothing to them.
func pickRegistration(f *keys.File, path, name string, gen int) (keys.Registration, error) {
	regs, err := f.Registrations()
	if err != nil {
		return keys.Registration{}, err
	}
	var mine []keys.Registration
	var gens []string
	for _, r := range regs {
		if r.Vault != name || r.Role != keys.RoleSigning {
			continue
		}
		mine = append(mine, r)
		gens = append(gens, fmt.Sprint(r.Generation))
		if gen >= 0 && r.Generation == gen {
			return r, nil
		}
	}
	sort.Strings(gens)
	switch {
	case len(mine) == 0:
		return keys.Registration{}, notFoundError{msg: fmt.Sprintf("%s has no signing wallet of a vault named %q registered", path, name),
			hints: []string{fmt.Sprintf("'treasury key show %s' lists what it has registered; register the vault with 'treasury key register %s --vault-export FILE'", path, path)}}
	case gen >= 0:
		return keys.Registration{}, notFoundError{msg: fmt.Sprintf("%s has no generation %d of vault %s registered (it has %s)", path, gen, name, strings.Join(gens, ", "))}
	case len(mine) > 1:
		return keys.Registration{}, usageError{msg: fmt.Sprintf("%s has generations %s of vault %s registered; give --generation G", path, strings.Join(gens, ", "), name),
			hints: []string{"'treasury vault address NAME --json' names the generation of the address to confirm"}}
	}
	return mine[0], nil
}
