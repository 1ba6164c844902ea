package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (c *cli) newKeyShowCmd() *cobra.Command {
	var pf passphraseFlags
	cmd := &cobra.Command{
		Use:   "show FILE",
		Short: "Print a key file's holder name, fingerprint, network and registered vaults (never a secret)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := c.loadKeyFile(args[0], pf)
			if err != nil {
				return err
			}
			defer f.Zero()
			if c.json {
				return c.printJSON(struct {
					Version     int        `json:"version"`
					Name        string     `json:"name"`
					Fingerprint string     `json:"fingerprint"`
					Network     string     `json:"network"`
					Registered  []string   `json:"registered"`
					Policy      policyJSON `json:"policy"`
				}{jsonVersion, f.Name, f.Fingerprint.String(), f.Network, append([]string{}, f.Registered...), toPolicyJSON(f.Policy())})
			}
			fmt.Fprintf(c.out, "name:         %s\nfingerprint:  %s\nnetwork:      %s\nregistered:   %d descriptor(s)\n", f.Name, f.Fingerprint, f.Network, len(f.Registered))
			for _, d := range f.Registered {
				fmt.Fprintf(c.out, "  %s\n", d)
			}
			printPolicy(c.out, f.Policy())
			return nil
		},
	}
	bindPassphrase(cmd, &pf)
	return cmd
}
