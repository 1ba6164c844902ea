package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (c *cli) newKeyShowCmd() *cobra.Command {
	var pf passphraseFlags
	cmd := &cobra.Command{
		Use:   "show FILE",
		Short: "Print a key file's holder name, fingerprint, network and registered descriptors with their roles (never a secret)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := c.loadKeyFile(args[0], pf)
			if err != nil {
				return err
			}
			defer f.Zero()
			regs, err := f.Registrations()
			if err != nil {
				return err
			}
			if c.json {
				return c.printJSON(struct {
					Version       int                `json:"version"`
					Name          string             `json:"name"`
					Fingerprint   string             `json:"fingerprint"`
					Network       string             `json:"network"`
					Registered    []string           `json:"registered"`
					Registrations []registrationJSON `json:"registrations"`
					Policy        policyJSON         `json:"policy"`
				}{jsonVersion, f.Name, f.Fingerprint.String(), f.Network, append([]string{}, f.Registered...),
					toRegistrationsJSON(regs), toPolicyJSON(f.Policy())})
			}
			fmt.Fprintf(c.out, "name:         %s\nfingerprint:  %s\nnetwork:      %s\n", f.Name, f.Fingerprint, f.Network)
			printRegistrations(c.out, regs)
			printPolicy(c.out, f.Policy())
			return nil
		},
	}
	bindPassphrase(cmd, &pf)
	return cmd
}
