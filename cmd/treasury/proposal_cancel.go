package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

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
