package main

import (
	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

func (c *cli) newRotateCmd() *cobra.Command {
	var opts struct {
		generation   int
		feeRate      string
		memo         string
		out          string
		binary       bool
		allowHighFee bool
		unproven     bool
	}
	cmd := &cobra.Command{
		Use:   "rotate NAME [--generation G] -o FILE",
		Short: "Propose a sweep of a generation with no payment: cold into the standby, hot into cold",
		Long: `Sweep the cold generation entirely into the standby (a scheduled rotation, a
suspected compromise, a departing holder), or with --generation a hot or
retired generation (late deposits) into the cold one. It creates a proposal to
sign, collect and broadcast like any other. Outputs worth less than the fee to
spend them are left and reported. A hot or retired generation with more
outputs than fit one standard transaction is swept by several proposals, the
largest outputs first; with -o FILE the second PSBT goes to FILE-2, and so on.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := app.RotateRequest{Vault: args[0], Memo: opts.memo, AllowHighFee: opts.allowHighFee, UnprovenStandby: opts.unproven}
			if cmd.Flags().Changed("generation") {
				req.Generation = &opts.generation
			}
			if opts.feeRate != "" {
				r, err := parseFeeRateFlag(opts.feeRate)
				if err != nil {
					return err
				}
				req.FeeRate = r
			}
			if err := checkNewFile(opts.out); err != nil {
				return err
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				res, err := a.Rotate(cmd.Context(), req)
				if err != nil {
					return err
				}
				return c.reportProposal(a, res, opts.out, opts.binary)
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.generation, "generation", 0, "sweep this generation (default: the cold one)")
	f.StringVar(&opts.feeRate, "fee-rate", "", "fee rate in sat/vB")
	f.StringVar(&opts.memo, "memo", "", "a note kept with the proposal")
	f.StringVarP(&opts.out, "output", "o", "", "write the PSBT to FILE (must not exist)")
	f.BoolVar(&opts.binary, "binary", false, "write raw bytes instead of base64")
	f.BoolVar(&opts.allowHighFee, "allow-high-fee", false, "allow a high fee")
	f.BoolVar(&opts.unproven, "unproven-standby", false, unprovenStandbyUsage)
	return cmd
}
