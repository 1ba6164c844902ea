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

func (c *cli) newProposalListCmd() *cobra.Command {
	var vaultName string
	cmd := &cobra.Command{
		Use:   "list [--vault NAME]",
		Short: "List proposals with their signing progress",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				ds, err := a.ListProposals(cmd.Context(), vaultName)
				if err != nil {
					return err
				}
				if c.json {
					out := struct {
						Version   int            `json:"version"`
						Proposals []proposalJSON `json:"proposals"`
					}{Version: jsonVersion, Proposals: detailsJSON(ds)}
					return c.printJSON(out)
				}
				t := c.newTable("ID", "VAULT", "KIND", "STATE", "SIGNED", "PAYS", "AGE")
				for _, d := range ds {
					t.row(d.Proposal.ID[:12], d.Vault.Name, d.Proposal.Kind, string(d.Proposal.State), d.Quorum.Bar()+" "+d.Quorum.Short(), btc(payments(d.Proposal)), age(d.Proposal.CreatedAt))
				}
				return t.flush()
			})
		},
	}
	cmd.Flags().StringVar(&vaultName, "vault", "", "only this vault")
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

func (c *cli) newProposalShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show a proposal: payments, fee, where the remainder goes, who signed which input",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				d, err := a.ShowProposal(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if c.json {
					type holderSig struct {
						Name        string `json:"name"`
						Fingerprint string `json:"fingerprint"`
						Inputs      []int  `json:"signed_inputs"`
					}
					j := detailJSON(*d)
					hs := []holderSig{}
					for h, hd := range d.Quorum.Holders {
						hsig := holderSig{Name: hd.Name, Fingerprint: hd.Fingerprint, Inputs: []int{}}
						for i := range d.Quorum.Signed {
							if d.Quorum.Signed[i][h] {
								hsig.Inputs = append(hsig.Inputs, i)
							}
						}
						hs = append(hs, hsig)
					}
					return c.printJSON(struct {
						Version   int          `json:"version"`
						Proposal  proposalJSON `json:"proposal"`
						Vault     string       `json:"vault"`
						From      int          `json:"from_generation"`
						Threshold int          `json:"threshold"`
						Complete  bool         `json:"complete"`
						Holders   []holderSig  `json:"holders"`
						Replaces  string       `json:"replaces,omitempty"`
						Bumps     []string     `json:"replaced_by,omitempty"`
					}{jsonVersion, j, d.Vault.Name, d.Source.Number, d.Source.Threshold, d.Quorum.Complete(), hs, d.Replaces, d.ReplacedBy})
				}
				c.printDetail(c.out, d)
				return nil
			})
		},
	}
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

func (c *cli) newProposalExportCmd() *cobra.Command {
	var out string
	var binary, forDevice bool
	cmd := &cobra.Command{
		Use:   "export ID -o FILE",
		Short: "Write a proposal's PSBT, with every signature collected so far",
		Long: `Write a proposal's PSBT, with every signature collected so far.

--for-device writes the PSBT a hardware signer (Coldcard and others) accepts
for a rotation: the remainder output to the next generation loses the
derivations of the spent generation's fingerprints (a device would take them
for change of its registered wallet under another account and refuse the
transaction), and the global xpubs are the spent generation's only. The device
then shows the remainder as a payment: check its address against the next
generation's first addresses, printed by 'treasury vault address NAME
--generation G'.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("give -o FILE (or -o - for stdout)")
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				var d *app.ProposalDetail
				var dev *app.DevicePSBT
				var err error
				if forDevice {
					if dev, err = a.ForDevice(cmd.Context(), args[0]); err == nil {
						d = &app.ProposalDetail{PSBT: dev.PSBT}
					}
				} else {
					d, err = a.ShowProposal(cmd.Context(), args[0])
				}
				if err != nil {
					return err
				}
				data, err := encodePSBT(d.PSBT, binary)
				if err != nil {
					return err
				}
				if out == "-" {
					_, err = c.out.Write(data)
				} else if err = writeNewFile(out, data); err == nil {
					fmt.Fprintf(c.err, "wrote %s\n", out)
				}
				if err == nil && dev != nil {
					c.deviceNote(dev)
				}
				return err
			})
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "file to write (must not exist), or - for stdout")
	cmd.Flags().BoolVar(&binary, "binary", false, "raw bytes instead of base64")
	cmd.Flags().BoolVar(&forDevice, "for-device", false, "shape the PSBT for hardware signers (a rotation's remainder shows as a payment)")
	return cmd
}

// deviceNote tells the holder what the device cannot check for them.
func (c *cli) deviceNote(dev *app.DevicePSBT) {
	r := dev.Remainder
	if r == nil {
		return
	}
	v := dev.Detail.Vault.Name
	fmt.Fprintf(c.err, "treasury: note: the device shows output %d, %s to %s, as a payment: it is the remainder to generation %d (address %d/%d) of vault %s\n",
		r.Index, r.Amount, r.Address, r.Generation, r.Chain, r.AddrIndex, v)
	fmt.Fprintf(c.err, "treasury: note: before signing, check that address against the standby's first addresses: treasury vault address %s --generation %d\n", v, r.Generation)
}

func (c *cli) newProposalCancelCmd() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "cancel ID",
		Short: "Cancel a proposal and release its inputs (a broadcast one only if the node dropped it)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.confirm("Cancel proposal "+args[0]+"?", yes); err != nil {
				return err
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				res, err := a.Cancel(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if c.json {
					return c.printJSON(struct {
						Version int    `json:"version"`
						ID      string `json:"id"`
						State   string `json:"state"`
						Dropped bool   `json:"was_dropped"`
						Signed  bool   `json:"still_signable"`
						Retired []int  `json:"retired_standbys"`
					}{jsonVersion, res.Proposal.ID, string(res.Proposal.State), res.Dropped, res.StillSignable, append([]int{}, res.RetiredStandbys...)})
				}
				fmt.Fprintf(c.out, "cancelled %s; its inputs are free again\n", res.Proposal.ID[:12])
				if res.StillSignable {
					fmt.Fprintln(c.err, "treasury: warning: it had enough signatures: anyone holding the signed files can still send it until one of its inputs is spent")
					fmt.Fprintln(c.err, "treasury: hint: to make the cancel final, spend one of its inputs in a new proposal (for example treasury rotate)")
				}
				if res.Dropped {
					fmt.Fprintln(c.out, "its transaction had been dropped by the node; the rotation was rolled back")
					for _, g := range res.RetiredStandbys {
						fmt.Fprintf(c.out, "generation %d, registered as standby since, is retired (still watched); the rotation's target is the standby again\n", g)
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "do not ask (required without a terminal)")
	return cmd
}
