package main

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

func (c *cli) newLabelsExportCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "export [-o FILE]",
		Short: "Write the labels of every vault as BIP-329 JSON Lines",
		Long: `Write one BIP-329 record per line: every handed-out or used address of every
generation, every output it received (spendable while unspent), every broadcast
proposal's transaction labelled with its memo, and every label imported before.
A label imported for a reference replaces the one made up here; origin names the
generation's wallet. Labels are private: delete the file once it is imported.`,
		Example: `  treasury labels export -o treasury-labels.jsonl`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				recs, err := a.ExportLabels(cmd.Context())
				if err != nil {
					return err
				}
				var b bytes.Buffer
				for _, r := range recs {
					line, err := json.Marshal(r)
					if err != nil {
						return err
					}
					b.Write(line)
					b.WriteByte('\n')
				}
				if out == "" || out == "-" {
					_, err = c.out.Write(b.Bytes())
					return err
				}
				if err := writeNewFile(out, b.Bytes()); err != nil {
					return err
				}
				fmt.Fprintf(c.err, "wrote %d label(s) to %s\n", len(recs), out)
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "file to write (must not exist); default stdout")
	return cmd
}
