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
