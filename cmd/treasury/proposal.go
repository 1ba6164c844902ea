package main

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

func (c *cli) newProposalCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "proposal",
		Short: "List, show, export and cancel proposals",
	}
	cmd.AddCommand(c.newProposalListCmd(), c.newProposalShowCmd(), c.newProposalExportCmd(), c.newProposalCancelCmd())
	return cmd
}

func payments(p app.Proposal) (sum btcutil.Amount) {
	for _, o := range p.Outputs {
		if o.GenerationID == 0 {
			sum += o.Value
		}
	}
	return sum
}

func age(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func detailsJSON(ds []app.ProposalDetail) []proposalJSON {
	out := make([]proposalJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, detailJSON(d))
	}
	return out
}

func detailJSON(d app.ProposalDetail) proposalJSON {
	j := proposalSummaryJSON(d.Proposal, 0, len(d.PSBT.Inputs), 0)
	j.Quorum = &quorumJSON{Signed: d.Quorum.Count(), Required: d.Quorum.Threshold, Holders: len(d.Quorum.Holders)}
	j.Label = d.TxLabel
	for i := range j.Outputs {
		j.Outputs[i].Label = d.OutputLabels[j.Outputs[i].Index]
	}
	return j
}

// printDetail writes what a proposal does: to stdout for proposal show, to
// stderr as the preview before broadcast asks for confirmation.
func (c *cli) printDetail(w io.Writer, d *app.ProposalDetail) {
	p := d.Proposal
	fmt.Fprintf(w, "proposal %s  %s  %s\n", p.ID, p.Kind, p.State)
	if p.Memo != "" {
		fmt.Fprintf(w, "memo      %s\n", p.Memo)
	}
	if d.TxLabel != "" && d.TxLabel != p.Memo {
		fmt.Fprintf(w, "label     %s\n", strconv.Quote(d.TxLabel))
	}
	fmt.Fprintf(w, "vault     %s, from generation %d (%s)\n", d.Vault.Name, d.Source.Number, policy(d.Source))
	for _, o := range p.Outputs {
		dest := "leaves the vault"
		if o.GenerationID == d.Source.ID {
			dest = fmt.Sprintf("stays in generation %d (hot float or change)", d.Source.Number)
		} else if d.Target != nil && o.GenerationID == d.Target.ID {
			dest = fmt.Sprintf("remainder to generation %d (next cold)", d.Target.Number)
		}
		fmt.Fprintf(w, "output %d  %s  %s  %s\n", o.Index, btc(o.Value), o.Address, withLabel(dest, d.OutputLabels[o.Index]))
	}
	rate := float64(0)
	if p.VSize > 0 {
		rate = float64(p.Fee) / float64(p.VSize)
	}
	fmt.Fprintf(w, "fee       %s (%d vB, %.1f sat/vB)\ninputs    %d\n", btc(p.Fee), p.VSize, rate, len(d.PSBT.Inputs))
	if p.TxID != "" {
		fmt.Fprintf(w, "txid      %s\n", p.TxID)
	}
	if d.Replaces != "" {
		fmt.Fprintf(w, "replaces  %s (a fee bump: same payments)\n", d.Replaces)
	}
	for _, id := range d.ReplacedBy {
		fmt.Fprintf(w, "bumped by %s\n", id)
	}
	fmt.Fprintf(w, "signed    %s\n", d.Quorum.String())
	for i := range d.Quorum.Signed {
		fmt.Fprintf(w, "  input %d: %s\n", i, d.Quorum.InputShort(i))
	}
}
