package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/vault"
)

type keyRegisterOptions struct {
	descriptors []string
	exportFile  string
	destination bool
	pass        passphraseFlags
}

func (c *cli) newKeyRegisterCmd() *cobra.Command {
	var opts keyRegisterOptions
	cmd := &cobra.Command{
		Use:   "register FILE (--descriptor D | --vault-export FILE)",
		Short: "Record inside the key file which vault descriptors this signer trusts",
		Long: `A signer refuses to sign inputs, and to accept change, that do not come from a
registered descriptor. Register every generation of your vault, including the
standby one that receives the remainder of a cold spend. --vault-export reads
the output of 'treasury vault export' (any format that carries descriptors);
generations in it that hold none of your keys (the next generation of a vault
you are leaving) are registered as destinations you may fund but not sign
for. --destination does the same for a --descriptor.`,
		Example: `  treasury key register alice.key --descriptor "wsh(sortedmulti(2,[…]tpub…/<0;1>/*,…))#…"
  treasury vault export ops --json > ops.json && treasury key register alice.key --vault-export ops.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(opts.descriptors) == 0 && opts.exportFile == "" {
				return usagef("give --descriptor or --vault-export")
			}
			return c.runKeyRegister(args[0], opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.descriptors, "descriptor", nil, "a vault descriptor to trust (repeatable)")
	cmd.Flags().StringVar(&opts.exportFile, "vault-export", "", "a file written by 'treasury vault export'")
	cmd.Flags().BoolVar(&opts.destination, "destination", false, "trust a descriptor that holds none of your keys, as a destination only")
	bindPassphrase(cmd, &opts.pass)
	return cmd
}

func (c *cli) runKeyRegister(path string, opts keyRegisterOptions) error {
	cands, err := registerCandidates(opts)
	if err != nil {
		return err
	}
	pass, err := c.passphrase(opts.pass, "Passphrase for "+path, false)
	if err != nil {
		return err
	}
	f, err := keys.Load(path, pass)
	if err != nil {
		return err
	}
	defer f.Zero()
	plan, err := f.PlanRegistration(cands)
	if err != nil {
		return err
	}
	added, err := f.ApplyRegistration(plan, opts.destination || opts.exportFile != "")
	if err != nil {
		return fmt.Errorf("%w; if it is the next generation of a vault you are leaving, add --destination", err)
	}
	if len(added) > 0 {
		if err := f.Save(path, pass); err != nil {
			return err
		}
	}
	if c.json {
		texts := make([]string, len(added))
		for i, r := range added {
			texts[i] = r.Descriptor
		}
		return c.printJSON(struct {
			Version    int      `json:"version"`
			Added      []string `json:"added"`
			Registered int      `json:"registered"`
		}{jsonVersion, texts, len(f.Registered)})
	}
	for _, r := range added {
		fmt.Fprintf(c.out, "registered %s\n", r.Descriptor)
	}
	if len(added) == 0 {
		fmt.Fprintln(c.out, "already registered; nothing changed")
	}
	return nil
}

// registerCandidates parses the --descriptor flags and reads the
// --vault-export file (bounded: vault.ReadExport stops at
// vault.MaxExportSize).
func registerCandidates(opts keyRegisterOptions) ([]keys.Candidate, error) {
	var out []keys.Candidate
	for _, t := range opts.descriptors {
		d, err := vault.ParseDescriptor(t)
		if err != nil {
			return nil, err
		}
		out = append(out, keys.Candidate{Descriptor: d, Generation: -1})
	}
	if opts.exportFile == "" {
		return out, nil
	}
	fh, err := os.Open(opts.exportFile)
	if err != nil {
		return nil, fmt.Errorf("unable to read %s: %w", opts.exportFile, err)
	}
	defer fh.Close()
	e, err := vault.ReadExport(fh)
	switch {
	case errors.Is(err, vault.ErrNoDescriptor):
		return nil, fmt.Errorf("%s %w", opts.exportFile, err)
	case err != nil:
		return nil, fmt.Errorf("unable to read vault export %s: %w", opts.exportFile, err)
	}
	for _, en := range e.Entries {
		out = append(out, keys.Candidate{Descriptor: en.Descriptor, Vault: en.Vault, Generation: en.Generation})
	}
	return out, nil
}
