package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

type bumpOptions struct {
	feeRate      string
	memo         string
	out          string
	binary       bool
	allowHighFee bool
	cpfp         bool
}

func (c *cli) newBumpCmd() *cobra.Command {
	var opts bumpOptions
	cmd := &cobra.Command{
		Use:   "bump ID --fee-rate R -o FILE [--cpfp]",
		Short: "Propose a fee bump of a broadcast, unconfirmed proposal (replacement, or a child with --cpfp)",
		Long: `Create a replacement (BIP-125) for a broadcast proposal stuck at a low fee rate:
the same inputs (more of the same generation only when the remainder cannot pay),
the same payments to the satoshi, the remainder to the same generation and
address less the extra fee. Holders sign it like any proposal; their review says
which proposal it replaces and that the payments are unchanged. Whichever of the
two confirms wins; sync marks the other replaced.

With --cpfp, create instead a child that spends the remainder output (signed by
the holders of the generation that receives it) so that parent and child
together pay the rate R.

The rate must be above the replaced transaction's, and the fee must exceed the
fees of everything the replacement evicts (the replaced transaction and any
mempool transaction spending from it, such as a recipient's) by at least the
node's incremental relay fee times the new size; the rate must not be below the
node's relay floor. A rate too low is refused with the minimum named.`,
		Example: `  treasury bump 3f2a9c01 --fee-rate 25 -o bump.psbt`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := opts.request(args[0])
			if err != nil {
				return err
			}
			if err := checkNewFile(opts.out); err != nil {
				return err
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				if opts.cpfp {
					return c.runCPFP(cmd, a, req, opts)
				}
				res, err := a.Bump(cmd.Context(), req)
				if err != nil {
					return err
				}
				if c.json {
					return c.reportBumpJSON(res, opts)
				}
				fmt.Fprintf(c.out, "replaces %s (fee %s at %s); payments unchanged\n", res.Replaces.ID[:12], btc(res.OldFee), res.OldFeeRate)
				if res.Evicts > 0 {
					fmt.Fprintf(c.out, "  evicts %d mempool transaction(s) spending from it too (fees with the replaced one's: %s); the replacement pays more\n", res.Evicts, btc(res.EvictedFees))
				}
				if res.AddedInputs > 0 {
					fmt.Fprintf(c.out, "  added %d input(s) of the same generation: the remainder could not pay the extra fee\n", res.AddedInputs)
				}
				return c.reportProposal(a, &res.ProposeResult, opts.out, opts.binary)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.feeRate, "fee-rate", "", "the new fee rate in sat/vB (decimals allowed)")
	f.StringVar(&opts.memo, "memo", "", "a note kept with the new proposal (default: the replaced one's)")
	f.StringVarP(&opts.out, "output", "o", "", "write the PSBT to FILE (must not exist)")
	f.BoolVar(&opts.binary, "binary", false, "write raw bytes instead of base64")
	f.BoolVar(&opts.allowHighFee, "allow-high-fee", false, "allow a rate above 1000 sat/vB or a fee above 5% of the payments")
	f.BoolVar(&opts.cpfp, "cpfp", false, "build a child spending the remainder instead of a replacement")
	return cmd
}

// request turns the flags into a use-case request.
func (o bumpOptions) request(id string) (app.BumpRequest, error) {
	req := app.BumpRequest{ID: id, Memo: o.memo, AllowHighFee: o.allowHighFee}
	if o.feeRate == "" {
		return req, usagef("give the new rate with --fee-rate R (sat/vB)")
	}
	r, err := parseFeeRateFlag(o.feeRate)
	if err != nil {
		return req, err
	}
	req.FeeRate = r
	return req, nil
}

func (c *cli) runCPFP(cmd *cobra.Command, a *app.App, req app.BumpRequest, opts bumpOptions) error {
	res, err := a.BumpCPFP(cmd.Context(), req)
	if err != nil {
		return err
	}
	if c.json {
		return c.reportCPFPJSON(res, opts)
	}
	fmt.Fprintf(c.out, "child of %s (fee %s at %s, %d vB); parent and child together pay %s\n",
		res.Parent.ID[:12], btc(res.ParentFee), res.ParentFeeRate, res.ParentVSize, res.PackageRate)
	return c.reportProposal(a, &res.ProposeResult, opts.out, opts.binary)
}

// reportBumpJSON writes the PSBT and prints the replacement with what it
// replaces.
func (c *cli) reportBumpJSON(res *app.BumpResult, opts bumpOptions) error {
	if err := writeProposalFile(&res.ProposeResult, opts.out, opts.binary); err != nil {
		return err
	}
	return c.printJSON(struct {
		Version         int          `json:"version"`
		Proposal        proposalJSON `json:"proposal"`
		Replaces        string       `json:"replaces"`
		ReplacedFee     int64        `json:"replaced_fee_sat"`
		ReplacedFeeRate json.Number  `json:"replaced_fee_rate"` // sat/vB
		MinFeeRate      json.Number  `json:"min_fee_rate"`      // sat/vB
		AddedInputs     int          `json:"added_inputs"`
		Evicts          int          `json:"evicts"`          // mempool transactions spending from the replaced one
		EvictedFee      int64        `json:"evicted_fee_sat"` // theirs and the replaced one's together
		File            string       `json:"file,omitempty"`
	}{jsonVersion, proposalSummaryJSON(res.Proposal, res.FeeRate, res.Inputs, res.InputSum), res.Replaces.ID, int64(res.OldFee),
		rateJSON(res.OldFeeRate), rateJSON(res.MinFeeRate), res.AddedInputs, res.Evicts, int64(res.EvictedFees), opts.out})
}

// reportCPFPJSON writes the child's PSBT and prints it with its parent.
func (c *cli) reportCPFPJSON(res *app.CPFPResult, opts bumpOptions) error {
	if err := writeProposalFile(&res.ProposeResult, opts.out, opts.binary); err != nil {
		return err
	}
	return c.printJSON(struct {
		Version     int          `json:"version"`
		Proposal    proposalJSON `json:"proposal"`
		Parent      string       `json:"parent"`
		ParentFee   int64        `json:"parent_fee_sat"`
		ParentVSize int64        `json:"parent_vsize"`
		PackageRate json.Number  `json:"package_fee_rate"` // sat/vB
		File        string       `json:"file,omitempty"`
	}{jsonVersion, proposalSummaryJSON(res.Proposal, res.FeeRate, res.Inputs, res.InputSum), res.Parent.ID, int64(res.ParentFee),
		res.ParentVSize, rateJSON(res.PackageRate), opts.out})
}
