package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/vault"
)

// policyFlags are the rule flags key policy and vault policy share.
type policyFlags struct {
	allow      []string
	allowAfter time.Duration
	remove     []string
	maxPerTx   string
	maxPerDay  string
}

func (pf *policyFlags) bind(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&pf.allow, "allow", nil, "allow paying ADDRESS once --allow-after has passed (repeatable)")
	f.DurationVar(&pf.allowAfter, "allow-after", keys.DefaultAllowAfter, "how long a newly allowed address waits before it may be paid")
	f.StringArrayVar(&pf.remove, "remove", nil, "take ADDRESS off the allowlist (repeatable)")
	f.StringVar(&pf.maxPerTx, "max-per-tx", "", "most that one transaction may send out of the vault family (0: no cap)")
	f.StringVar(&pf.maxPerDay, "max-per-day", "", "most that may leave the vault family in any 24 hours (0: no cap)")
}

// change turns the flags into a policy change, checking addresses against
// net. Addresses are kept in their canonical form.
func (pf *policyFlags) change(net vault.Network) (keys.PolicyChange, error) {
	ch := keys.PolicyChange{AllowAfter: pf.allowAfter}
	if pf.allowAfter < 0 {
		return ch, usagef("--allow-after must not be negative")
	}
	for _, list := range []struct {
		in  []string
		out *[]string
	}{{pf.allow, &ch.Allow}, {pf.remove, &ch.Remove}} {
		for _, s := range list.in {
			ad, err := vault.DecodeAddress(s, net)
			if err != nil {
				return ch, usagef("%v", err)
			}
			*list.out = append(*list.out, ad.String())
		}
	}
	var err error
	if ch.MaxPerTx, err = parseCap("--max-per-tx", pf.maxPerTx); err != nil {
		return ch, err
	}
	ch.MaxPerDay, err = parseCap("--max-per-day", pf.maxPerDay)
	return ch, err
}

// parseCap reads a cap flag: "" leaves it unchanged, "0" removes it.
func parseCap(flag, s string) (*btcutil.Amount, error) {
	switch strings.TrimSpace(s) {
	case "":
		return nil, nil
	case "0", "none":
		var zero btcutil.Amount
		return &zero, nil
	}
	a, err := app.ParseAmount(s)
	if err != nil {
		return nil, usagef("%s: %v", flag, err)
	}
	return &a, nil
}

func (pf *policyFlags) empty() bool {
	return len(pf.allow) == 0 && len(pf.remove) == 0 && pf.maxPerTx == "" && pf.maxPerDay == ""
}

type keyPolicyOptions struct {
	rules policyFlags
	pass  passphraseFlags
}

func (c *cli) newKeyPolicyCmd() *cobra.Command {
	var opts keyPolicyOptions
	cmd := &cobra.Command{
		Use:   "policy KEYFILE [--allow ADDRESS]… [--allow-after DURATION] [--remove ADDRESS]… [--max-per-tx AMOUNT] [--max-per-day AMOUNT]",
		Short: "Set the spending rules this key enforces before it signs",
		Long: `Set, inside the encrypted key file, the rules 'treasury key sign' enforces on
every output that leaves the vault family (outputs to a wallet this key signs
for are exempt; one to a destination-only wallet, which it holds no key of,
counts as leaving):

  --allow ADDRESS      only allowlisted destinations may be paid (an empty list
                       allows any); a new entry becomes valid only after
                       --allow-after (default 24h) by this machine's clock
  --max-per-tx AMOUNT  the most one transaction may send out
  --max-per-day AMOUNT the most that may leave in any 24 hours, counted from
                       the log of what this key file signed

A cap of 0 removes it. Changing the policy takes the key file's passphrase.
Without rule flags, it prints the policy.`,
		Example: `  treasury key policy alice.key --allow bc1q… --max-per-tx 2btc --max-per-day 5btc`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.runKeyPolicy(args[0], opts)
		},
	}
	opts.rules.bind(cmd)
	bindPassphrase(cmd, &opts.pass)
	return cmd
}

func (c *cli) runKeyPolicy(path string, opts keyPolicyOptions) error {
	f, pass, err := c.loadKeyFileToSave(path, opts.pass)
	if err != nil {
		return err
	}
	defer f.Zero()
	if !opts.rules.empty() {
		ch, err := opts.rules.change(f.NetworkParams())
		if err != nil {
			return err
		}
		had := len(f.Policy().Allow)
		if _, err := f.ChangePolicy(ch); err != nil {
			return usagef("%v", err)
		}
		c.noteOpenAllowlist(had, f.Policy())
		if err := f.Save(path, pass); err != nil {
			return err
		}
	}
	if c.json {
		return c.printJSON(struct {
			Version int        `json:"version"`
			Policy  policyJSON `json:"policy"`
		}{jsonVersion, toPolicyJSON(f.Policy())})
	}
	printPolicy(c.out, f.Policy())
	return nil
}

type allowJSON struct {
	Address   string `json:"address"`
	AddedAt   string `json:"added_at"`
	ValidFrom string `json:"valid_from"`
}

type policyJSON struct {
	Allow     []allowJSON `json:"allow"`
	MaxPerTx  int64       `json:"max_per_tx_sat"`
	MaxPerDay int64       `json:"max_per_day_sat"`
}

func toPolicyJSON(p keys.Policy) policyJSON {
	out := policyJSON{Allow: []allowJSON{}, MaxPerTx: int64(p.MaxPerTx), MaxPerDay: int64(p.MaxPerDay)}
	for _, a := range p.Allow {
		out.Allow = append(out.Allow, allowJSON{a.Address, a.AddedAt.UTC().Format(time.RFC3339), a.ValidFrom.UTC().Format(time.RFC3339)})
	}
	return out
}

// printPolicy writes a policy for people.
func printPolicy(w io.Writer, p keys.Policy) {
	capText := func(a btcutil.Amount) string {
		if a == 0 {
			return "none"
		}
		return btc(a)
	}
	fmt.Fprintf(w, "policy:       max per tx %s, max per day %s\n", capText(p.MaxPerTx), capText(p.MaxPerDay))
	if len(p.Allow) == 0 {
		fmt.Fprintln(w, "allowlist:    none (any destination)")
		return
	}
	fmt.Fprintf(w, "allowlist:    %d address(es)\n", len(p.Allow))
	for _, a := range p.Allow {
		fmt.Fprintf(w, "  %s  valid from %s\n", a.Address, a.ValidFrom.UTC().Format(time.RFC3339))
	}
}

// runVaultSignerPolicy changes the signer policy a vault's coordinator
// holds (and its tier policy when tier flags were given too) and prints it.
func (c *cli) runVaultSignerPolicy(ctx context.Context, a *app.App, name string, rules policyFlags, tier bool, req app.PolicyRequest) error {
	ch, err := rules.change(a.Net)
	if err != nil {
		return err
	}
	if tier {
		if _, err := a.SetPolicy(ctx, req); err != nil {
			return err
		}
	}
	before, err := a.SignerPolicy(ctx, name)
	if err != nil {
		return err
	}
	p, err := a.SetSignerPolicy(ctx, app.SignerPolicyRequest{Vault: name, Change: ch})
	if err != nil {
		return err
	}
	c.noteOpenAllowlist(len(before.Allow), *p)
	if c.json {
		return c.printJSON(struct {
			Version int        `json:"version"`
			Vault   string     `json:"vault"`
			Policy  policyJSON `json:"signer_policy"`
		}{jsonVersion, name, toPolicyJSON(*p)})
	}
	fmt.Fprintf(c.out, "vault %s: signer policy\n", name)
	printPolicy(c.out, *p)
	return nil
}

// noteOpenAllowlist says so when a change emptied the allowlist: an empty
// list allows every destination.
func (c *cli) noteOpenAllowlist(had int, p keys.Policy) {
	if had > 0 && len(p.Allow) == 0 {
		fmt.Fprintln(c.err, "treasury: note: the allowlist is now empty, so any destination may be paid (within the caps)")
	}
}
