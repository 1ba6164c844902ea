package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

func (c *cli) newCollectCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "collect FILE… (or - for stdin)",
		Short: "Verify and keep the signatures in signed PSBT files (or a signed raw transaction)",
		Long: `Match each file to its proposal by unsigned txid, verify every partial
signature against the proposal's own stored data (right sighash, a key of that
input's script, SIGHASH_ALL, low-S), and keep the valid ones. One bad
signature refuses the whole call and changes nothing. Files may be base64,
hex or binary, PSBT version 0 or 2. A fully signed raw transaction (hex or
binary, as Electrum, Sparrow or Bitcoin Core's finalizepsbt give it back) is
matched by its unsigned txid and its signatures are taken from the witnesses,
each verified the same way. Collecting the same file twice is harmless.`,
		Example: `  treasury collect p.alice.psbt p.bob.psbt`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var files []app.CollectFile
			for _, path := range args {
				data, err := readInput(c.in, path)
				if err != nil {
					return err
				}
				files = append(files, app.CollectFile{Source: path, Data: data})
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				res, err := a.Collect(cmd.Context(), files)
				if err != nil {
					return err
				}
				if c.json {
					out := struct {
						Version   int            `json:"version"`
						Added     int            `json:"signatures_added"`
						Proposals []proposalJSON `json:"proposals"`
					}{Version: jsonVersion, Added: res.Added, Proposals: detailsJSON(res.Proposals)}
					return c.printJSON(out)
				}
				fmt.Fprintf(c.out, "%d new signature(s)\n", res.Added)
				for _, d := range res.Proposals {
					fmt.Fprintf(c.out, "%s  %s  %s\n", d.Proposal.ID[:12], d.Quorum.String(), d.Proposal.State)
				}
				return nil
			})
		},
	}
}

func (c *cli) newBroadcastCmd() *cobra.Command {
	var dry, yes bool
	cmd := &cobra.Command{
		Use:   "broadcast ID [--dry-run]",
		Short: "Finalize a fully signed proposal, check it, and send it to the node",
		Long: `Require the threshold of valid signatures on every input, check that the
transaction is exactly the proposed one, finalize it, run the script engine on
every input, have the node test-accept it, record the txid and the rotation of
generations, then send. --dry-run stops after the node's test.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				if err := a.CheckPlan(cmd.Context(), args[0]); err != nil {
					return err
				}
				if !dry {
					d, err := a.ShowProposal(cmd.Context(), args[0])
					if err != nil {
						return err
					}
					if !d.Quorum.Complete() {
						// Nothing to confirm: Broadcast refuses it in one
						// sentence, before any preview.
						if _, err := a.Broadcast(cmd.Context(), app.BroadcastRequest{ID: args[0], DryRun: true}); err != nil {
							return err
						}
					}
					// The preview is part of the prompt: stderr, so that
					// stdout stays the result alone (and valid JSON).
					c.printDetail(c.err, d)
					if err := c.confirm("Broadcast this transaction?", yes); err != nil {
						return err
					}
				}
				res, err := a.Broadcast(cmd.Context(), app.BroadcastRequest{ID: args[0], DryRun: dry})
				if err != nil {
					return err
				}
				if c.json {
					return c.printJSON(struct {
						Version     int    `json:"version"`
						ID          string `json:"id"`
						TxID        string `json:"txid"`
						DryRun      bool   `json:"dry_run"`
						AlreadySent bool   `json:"already_sent"`
						Rotated     bool   `json:"rotated"`
					}{jsonVersion, res.Proposal.ID, res.TxID, dry, res.AlreadySent, res.Rotated})
				}
				switch {
				case dry:
					fmt.Fprintf(c.out, "dry run: the node would accept %s; nothing was sent\n", res.TxID)
				case res.AlreadySent:
					fmt.Fprintf(c.out, "already broadcast: %s\n", res.TxID)
				default:
					fmt.Fprintf(c.out, "broadcast %s\n", res.TxID)
				}
				if res.Rotated {
					fmt.Fprintln(c.out, "the spent generation is now hot; the standby is now cold")
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&dry, "dry-run", false, "finalize and test-accept only; record and send nothing")
	cmd.Flags().BoolVar(&yes, "yes", false, "do not ask (required without a terminal)")
	return cmd
}

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
