package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/vault"
)

func (c *cli) newVaultProveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "prove NAME FILE…",
		Short: "Verify and record holders' standby proofs (from 'treasury key prove')",
		Long: `Verify each proof against the vault's stored standby generation: the signature
must come from the key the stored descriptor holds at the proof's fingerprint
and origin, over that descriptor, that key and the proof's date. Nothing in the
file is trusted but its signed date. Every file must verify, or none is
recorded. A cold spend ('treasury propose', 'treasury rotate') pays into the
standby only once M of its holders have proven it; 'treasury vault show' lists
who proved what, and when.`,
		Example: `  treasury vault prove ops alice.proof bob.proof`,
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := app.ProveRequest{Vault: args[0]}
			for _, path := range args[1:] {
				b, err := readProofFile(path)
				if err != nil {
					return err
				}
				req.Files = append(req.Files, app.ProofFile{Source: path, Data: b})
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				res, err := a.ProveStandby(cmd.Context(), req)
				if err != nil {
					return err
				}
				return c.printProveResult(res)
			})
		},
	}
}

// readProofFile reads at most one byte more than a proof may hold, so that
// a huge file or a device is refused without being read whole.
func readProofFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("unable to read %s: %w", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, vault.MaxStandbyProofSize+1))
	if err != nil {
		return nil, fmt.Errorf("unable to read %s: %w", path, err)
	}
	if len(b) > vault.MaxStandbyProofSize {
		return nil, usagef("%s is larger than a standby proof can be (%d bytes)", path, vault.MaxStandbyProofSize)
	}
	return b, nil
}

func (c *cli) printProveResult(res *app.ProveResult) error {
	if c.json {
		type fileJSON struct {
			File        string `json:"file"`
			Generation  int    `json:"generation"`
			Holder      string `json:"holder"`
			Fingerprint string `json:"fingerprint"`
			Date        string `json:"date"`
			Added       bool   `json:"added"`
		}
		type statusJSON struct {
			Generation int      `json:"generation"`
			Proven     []string `json:"proven_by"`
			Needed     int      `json:"needed"`
		}
		out := struct {
			Version int          `json:"version"`
			Vault   string       `json:"vault"`
			Files   []fileJSON   `json:"files"`
			Status  []statusJSON `json:"generations"`
		}{Version: jsonVersion, Vault: res.Vault, Files: []fileJSON{}, Status: []statusJSON{}}
		for _, f := range res.Files {
			out.Files = append(out.Files, fileJSON{f.Source, f.Generation, f.Proof.Holder, f.Proof.Fingerprint, vault.ProofDate(f.Proof.SignedAt), f.Added})
		}
		for _, s := range res.Status {
			out.Status = append(out.Status, statusJSON{s.Generation, append([]string{}, s.Proven...), s.Needed})
		}
		return c.printJSON(out)
	}
	for _, f := range res.Files {
		verb := "recorded"
		if !f.Added {
			verb = "already recorded"
		}
		fmt.Fprintf(c.out, "%s: %s proof by %s (%s) of generation %d, dated %s\n", f.Source, verb, f.Proof.Holder, f.Proof.Fingerprint, f.Generation, vault.ProofDate(f.Proof.SignedAt))
	}
	for _, s := range res.Status {
		state := "proven"
		if len(s.Proven) < s.Needed {
			state = "not yet proven"
		}
		fmt.Fprintf(c.out, "generation %d of %s: %s (%s, %d needed: %s)\n", s.Generation, res.Vault, state, proofCount(len(s.Proven)), s.Needed, strings.Join(s.Proven, ", "))
	}
	return nil
}

// proofJSON is one recorded standby proof in 'vault show --json'.
type proofJSON struct {
	Holder      string `json:"holder"`
	Fingerprint string `json:"fingerprint"`
	Origin      string `json:"origin"`
	Date        string `json:"date"`
	RecordedAt  string `json:"recorded_at"`
}

func proofsJSON(ps []app.StandbyProof) []proofJSON {
	out := []proofJSON{}
	for _, p := range ps {
		out = append(out, proofJSON{p.Holder, p.Fingerprint, p.OriginPath, vault.ProofDate(p.SignedAt), vault.ProofDate(p.RecordedAt)})
	}
	return out
}

// proofNote is what 'vault show' adds to a holder's line: when they last
// proved their key in the generation.
func proofNote(d app.VaultDetail, g app.Generation, h app.Holder) string {
	last := ""
	for _, p := range d.Proofs[g.Number] {
		if p.Fingerprint == h.Fingerprint && vault.ProofDate(p.SignedAt) > last {
			last = vault.ProofDate(p.SignedAt)
		}
	}
	if last == "" {
		return ""
	}
	return "  proved " + last
}

// printProofStatus says whether a standby may receive a cold spend.
func (c *cli) printProofStatus(d app.VaultDetail, g app.Generation) {
	if g.State != app.Standby {
		return
	}
	proven := app.ProvenHolders(g, d.Proofs[g.Number])
	if len(proven) >= g.Threshold {
		fmt.Fprintf(c.out, "  proven (%s, %d needed): it may receive a cold spend\n", proofCount(len(proven)), g.Threshold)
		return
	}
	fmt.Fprintf(c.out, "  not yet proven (%s, %d needed): a cold spend into it is refused until %d more holder(s) run 'treasury key prove' and it is recorded with 'treasury vault prove'\n",
		proofCount(len(proven)), g.Threshold, g.Threshold-len(proven))
}

// proofCount is "no proof", "1 proof" or "N proofs".
func proofCount(n int) string {
	switch n {
	case 0:
		return "no proof"
	case 1:
		return "1 proof"
	}
	return fmt.Sprintf("%d proofs", n)
}

const unprovenStandbyUsage = "pay into a standby that fewer than M holders have proven (recorded in the audit log)"
