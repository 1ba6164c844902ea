package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

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
	texts := opts.descriptors
	if opts.exportFile != "" {
		b, err := os.ReadFile(opts.exportFile)
		if err != nil {
			return fmt.Errorf("unable to read %s: %w", opts.exportFile, err)
		}
		found := descriptorsIn(b)
		if len(found) == 0 {
			return fmt.Errorf("%s holds no descriptor", opts.exportFile)
		}
		texts = append(texts, found...)
	}
	var descs []*vault.Descriptor
	seen := map[string]bool{}
	for _, t := range texts {
		d, err := vault.ParseDescriptor(t)
		if err != nil {
			return err
		}
		if d, err = multipath(d); err != nil {
			return err
		}
		if !seen[d.String()] {
			seen[d.String()] = true
			descs = append(descs, d)
		}
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
	added, err := registerAll(f, descs, opts.destination || opts.exportFile != "")
	if err != nil {
		return err
	}
	if len(added) > 0 {
		if err := f.Save(path, pass); err != nil {
			return err
		}
	}
	if c.json {
		return c.printJSON(struct {
			Version    int      `json:"version"`
			Added      []string `json:"added"`
			Registered int      `json:"registered"`
		}{jsonVersion, append([]string{}, added...), len(f.Registered)})
	}
	for _, d := range added {
		fmt.Fprintf(c.out, "registered %s\n", d)
	}
	if len(added) == 0 {
		fmt.Fprintln(c.out, "already registered; nothing changed")
	}
	return nil
}

// multipath turns a single-chain descriptor ("/0/*") into the wallet it is
// half of ("/<0;1>/*"): trusting a wallet's receive chain means trusting its
// change chain, which is derived from the same keys.
func multipath(d *vault.Descriptor) (*vault.Descriptor, error) {
	if len(d.Keys) == 0 || d.Keys[0].Multipath {
		return d, nil
	}
	keys := make([]vault.Key, len(d.Keys))
	for i, k := range d.Keys {
		k.Multipath, k.Chain = true, 0
		keys[i] = k
	}
	return vault.NewDescriptor(d.Type, d.Threshold, keys)
}

// descriptorsIn finds descriptors in an export: JSON string values that look
// like one, or lines of text. A BIP-129 (BSMS) record writes its descriptor
// as a template whose "/**" stands for "/<0;1>/*".
func descriptorsIn(b []byte) []string {
	var out []string
	var v any
	if json.Unmarshal(b, &v) == nil {
		walkStrings(v, func(s string) {
			if looksLikeDescriptor(s) {
				out = append(out, s)
			}
		})
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); looksLikeDescriptor(line) {
			out = append(out, strings.ReplaceAll(line, "/**", "/<0;1>/*"))
		}
	}
	return out
}

func looksLikeDescriptor(s string) bool {
	return strings.HasPrefix(s, "wsh(") || strings.HasPrefix(s, "sh(wsh(") || strings.HasPrefix(s, "tr(")
}

func walkStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case []any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	case map[string]any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	}
}

// registerAll registers every descriptor: those with this holder's keys as a
// signer; the others, when allowed, as destinations, but only if at least
// one descriptor is the holder's own (so they belong to the same family).
func registerAll(f *keys.File, descs []*vault.Descriptor, allowDestinations bool) ([]string, error) {
	var added, foreign []*vault.Descriptor
	for _, d := range descs {
		ok, err := f.Register(d)
		switch {
		case errors.Is(err, keys.ErrForeignDescriptor) && allowDestinations:
			foreign = append(foreign, d)
		case errors.Is(err, keys.ErrForeignDescriptor):
			return nil, fmt.Errorf("%w; if it is the next generation of a vault you are leaving, add --destination", err)
		case err != nil:
			return nil, err
		case ok:
			added = append(added, d)
		}
	}
	if len(foreign) > 0 && len(foreign) == len(descs) && len(f.Registered) == 0 {
		return nil, fmt.Errorf("none of the descriptors holds a key of %s (%s); register your own vault first", f.Name, f.Fingerprint)
	}
	for _, d := range foreign {
		ok, err := f.RegisterDestination(d)
		if err != nil {
			return nil, err
		}
		if ok {
			added = append(added, d)
		}
	}
	out := make([]string, len(added))
	for i, d := range added {
		out[i] = d.String()
	}
	return out, nil
}
