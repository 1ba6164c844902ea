package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

// maxLabelsFile bounds a labels file: 64 MiB is hundreds of thousands of
// records.
const maxLabelsFile = 64 << 20

func (c *cli) newLabelsImportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE",
		Short: "Take BIP-329 labels from another wallet; they show in utxos, proposal show and the TUI",
		Long: `Read a BIP-329 JSON Lines file (Sparrow, Specter, Nunchuk, Liana and others
export one) and keep its labels. Every record is checked against BIP-329 first;
one malformed record refuses the whole file and changes nothing. Records of
types BIP-329 does not define are ignored; labels longer than 255 characters are
cut, and the import says so. A record without label or spendable leaves the
stored value alone.`,
		Example: `  treasury labels import sparrow-labels.jsonl`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readLimited(args[0], maxLabelsFile)
			if err != nil {
				return err
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				res, err := a.ImportLabels(cmd.Context(), args[0], data)
				if err != nil {
					return err
				}
				if c.json {
					return c.printJSON(struct {
						Version   int `json:"version"`
						Imported  int `json:"imported"`
						Ignored   int `json:"ignored"`
						Truncated int `json:"truncated"`
					}{jsonVersion, len(res.Labels), res.Ignored, res.Truncated})
				}
				fmt.Fprintf(c.out, "imported %d label(s)\n", len(res.Labels))
				if res.Ignored > 0 {
					fmt.Fprintf(c.err, "treasury: note: ignored %d record(s) of types BIP-329 does not define\n", res.Ignored)
				}
				if res.Truncated > 0 {
					fmt.Fprintf(c.err, "treasury: warning: cut %d label(s) to %d characters\n", res.Truncated, app.MaxLabelLength)
				}
				return nil
			})
		},
	}
}
