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
	destination bool // --accept-destination
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
the output of 'treasury vault export' and the other wallet files 'vault import'
reads. A descriptor that holds one of your keys (checked by deriving it) is
registered as a signing wallet. One that holds none (the next generation of a
vault you are leaving) can only be a destination, which your signature may
fund but never sign for: it is registered only if you accept it, by answering
the question that lists it with its fingerprints on a terminal, or with
--accept-destination; without either it is refused and nothing is registered.
Every registered descriptor is listed afterwards with its role, vault,
generation, threshold and fingerprints.`,
		Example: `  treasury key register alice.key --descriptor "wsh(sortedmulti(2,[…]tpub…/<0;1>/*,…))#…"
  treasury vault export ops --json > ops.json && treasury key register alice.key --vault-export ops.json
  treasury key register carol.key --vault-export ops.json --accept-destination`,
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
	cmd.Flags().BoolVar(&opts.destination, "accept-destination", false, "accept descriptors that hold none of your keys, as destinations only (check their fingerprints first)")
	cmd.Flags().BoolVar(&opts.destination, "destination", false, "old name of --accept-destination")
	_ = cmd.Flags().MarkHidden("destination")
	bindPassphrase(cmd, &opts.pass)
	return cmd
}

func (c *cli) runKeyRegister(path string, opts keyRegisterOptions) error {
	cands, err := registerCandidates(opts)
	if err != nil {
		return err
	}
	f, pass, err := c.loadKeyFileToSave(path, opts.pass)
	if err != nil {
		return err
	}
	defer f.Zero()
	plan, err := f.PlanRegistration(cands)
	if err != nil {
		return err
	}
	accept, err := c.acceptDestinations(f, plan, opts.destination)
	if err != nil {
		return err
	}
	added, labelled, err := f.ApplyRegistration(plan, accept)
	if err != nil {
		return err
	}
	if len(added) > 0 || labelled > 0 {
		if err := f.Save(path, pass); err != nil {
			return err
		}
	}
	regs, err := f.Registrations()
	if err != nil {
		return err
	}
	if c.json {
		texts := make([]string, len(added))
		for i, r := range added {
			texts[i] = r.Descriptor
		}
		return c.printJSON(struct {
			Version       int                `json:"version"`
			Added         []string           `json:"added"`
			Registered    int                `json:"registered"`
			Registrations []registrationJSON `json:"registrations"`
		}{jsonVersion, texts, len(f.Registered), toRegistrationsJSON(regs)})
	}
	for _, r := range added {
		fmt.Fprintf(c.out, "registered %s\n", r.Descriptor)
	}
	if len(added) == 0 {
		fmt.Fprintln(c.out, "already registered; nothing changed")
	}
	printRegistrations(c.out, regs)
	return nil
}

// acceptDestinations decides whether the plan's new destinations are
// accepted: by the flag, or on a terminal by the holder's answer to a
// question listing each with its fingerprints. Without either the answer
// is no, and ApplyRegistration refuses.
func (c *cli) acceptDestinations(f *keys.File, plan []keys.Decision, flag bool) (bool, error) {
	var dests []keys.Decision
	for _, d := range plan {
		if d.New && d.Role == keys.RoleDestination {
			dests = append(dests, d)
		}
	}
	if flag || len(dests) == 0 || !isTerminal(c.in) {
		return flag, nil
	}
	fmt.Fprintf(c.err, "%d descriptor(s) hold none of %s's keys (%s). As destinations, your signature may send funds to them, and you can never sign for them:\n",
		len(dests), f.Name, f.Fingerprint)
	for _, d := range dests {
		fmt.Fprintf(c.err, "  %s  %d-of-%d  keys %s\n    %s\n", regLabel(d.Vault, d.Generation), d.Threshold, d.N, fingerprintList(d.Fingerprints), d.Descriptor)
	}
	if err := c.confirm("Check these fingerprints with their holders. Register them as destinations?", false); err != nil {
		return false, err
	}
	return true, nil
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
