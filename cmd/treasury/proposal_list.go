package main

import (
	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

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
