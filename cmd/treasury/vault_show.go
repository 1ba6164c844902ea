package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

func (c *cli) newVaultShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Show a vault: threshold, holders, generations with state and descriptor",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				d, err := a.ShowVault(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if c.json {
					return c.printJSON(struct {
						Version int       `json:"version"`
						Vault   vaultJSON `json:"vault"`
					}{jsonVersion, toVaultJSON(*d)})
				}
				c.printVault(*d)
				return nil
			})
		},
	}
}

func (c *cli) printVault(d app.VaultDetail) {
	fmt.Fprintf(c.out, "vault %s (%s)\n", d.Vault.Name, d.Vault.Network)
	if d.Vault.HotFloat > 0 || d.Vault.ColdAbove > 0 {
		fmt.Fprintf(c.out, "policy: hot float %s, cold above %s\n", btc(d.Vault.HotFloat), btc(d.Vault.ColdAbove))
	}
	if d.Vault.GapOf() != app.GapLimit {
		fmt.Fprintf(c.out, "address gap: %d unused addresses watched past the last used one\n", d.Vault.GapOf())
	}
	c.printChain(d)
	for _, g := range d.Generations {
		fmt.Fprintf(c.out, "\ngeneration %d  %s  %s\n", g.Number, g.State, policy(g))
		for _, h := range g.Holders {
			fmt.Fprintf(c.out, "  %-12s [%s/%s]%s\n", h.Name, h.Fingerprint, strings.TrimPrefix(h.OriginPath, "m/"), proofNote(d, g, h))
		}
		c.printProofStatus(d, g)
		fmt.Fprintf(c.out, "  descriptor %s\n", g.Descriptor)
		if g.UTXOSetAt > 0 {
			fmt.Fprintf(c.out, "  history  blocks %d..%d not scanned: its outputs were read from the node's UTXO set at %d (treasury sync --rescan scans them)\n",
				g.Birthday, g.UTXOSetAt, g.UTXOSetAt)
		}
	}
}

// printChain draws the generations in order with their balances, the
// transactions that moved funds from one to the next, and what changed in
// the holder set or threshold.
func (c *cli) printChain(d app.VaultDetail) {
	fmt.Fprintln(c.out)
	for i, g := range d.Generations {
		bal := ""
		if i < len(d.Balances) {
			b := d.Balances[i]
			bal = btc(b.Confirmed + b.Unconfirmed)
			if b.Late > 0 {
				bal += fmt.Sprintf("  (! %s arrived after it signed or was left by its cold spend: sweep it)", btc(b.Late))
			}
		}
		fmt.Fprintf(c.out, "  g%-3d %-8s %-7s %s\n", g.Number, g.State, policy(g), bal)
		if i > 0 {
			for _, change := range generationChanges(d.Generations[i-1], g) {
				fmt.Fprintf(c.out, "       * %s\n", change)
			}
		}
		if i == len(d.Generations)-1 {
			break
		}
		for _, m := range d.Moves {
			if m.From == g.Number {
				to := "out"
				if m.To >= 0 {
					to = fmt.Sprintf("g%d", m.To)
				}
				fmt.Fprintf(c.out, "   |   %s %s -> %s (%s)\n", m.Kind, m.TxID, to, m.State)
			}
		}
		fmt.Fprintln(c.out, "   v")
	}
}

// generationChanges says how a generation's holders and threshold differ
// from the one before it.
func generationChanges(prev, g app.Generation) []string {
	had := map[string]bool{}
	for _, h := range prev.Holders {
		had[h.Name] = true
	}
	has := map[string]bool{}
	var joined, left []string
	for _, h := range g.Holders {
		has[h.Name] = true
		if !had[h.Name] {
			joined = append(joined, h.Name)
		}
	}
	for _, h := range prev.Holders {
		if !has[h.Name] {
			left = append(left, h.Name)
		}
	}
	var out []string
	if len(left) > 0 {
		out = append(out, "left: "+strings.Join(left, ", "))
	}
	if len(joined) > 0 {
		out = append(out, "joined: "+strings.Join(joined, ", "))
	}
	if prev.Threshold != g.Threshold || len(prev.Holders) != len(g.Holders) {
		out = append(out, fmt.Sprintf("policy %s -> %s", policy(prev), policy(g)))
	}
	return out
}
