package main

import (
	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

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
