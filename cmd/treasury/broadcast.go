package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

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
