package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

func (c *cli) newUTXOsCmd() *cobra.Command {
	var vaultName string
	var all bool
	cmd := &cobra.Command{
		Use:   "utxos [--vault NAME] [--all]",
		Short: "List the vaults' unspent outputs (with --all, spent ones too)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				rows, err := a.ListUTXOs(cmd.Context(), app.UTXOsRequest{Vault: vaultName, All: all})
				if err != nil {
					return err
				}
				if c.json {
					type utxoJSON struct {
						Vault      string `json:"vault"`
						Generation int    `json:"generation"`
						State      string `json:"state"`
						OutPoint   string `json:"outpoint"`
						Value      int64  `json:"value_sat"`
						Chain      uint32 `json:"chain"`
						Index      uint32 `json:"index"`
						Height     int32  `json:"height"`
						Coinbase   bool   `json:"coinbase"`
						Immature   bool   `json:"immature"`
						Late       bool   `json:"late"`
						SpentBy    string `json:"spent_by,omitempty"`
						ReservedBy string `json:"reserved_by,omitempty"`
						Label      string `json:"label,omitempty"`
					}
					out := struct {
						Version int        `json:"version"`
						UTXOs   []utxoJSON `json:"utxos"`
					}{Version: jsonVersion, UTXOs: []utxoJSON{}}
					for _, r := range rows {
						out.UTXOs = append(out.UTXOs, utxoJSON{r.Vault, r.Generation, string(r.State), r.OutPoint.String(), int64(r.Value), r.Chain, r.Index, r.Height, r.Coinbase, r.Immature, r.Late, r.SpentBy, r.ReservedBy, r.Label})
					}
					return c.printJSON(out)
				}
				t := c.newTable("VAULT", "GEN", "OUTPOINT", "VALUE", "HEIGHT", "NOTE")
				for _, r := range rows {
					note := ""
					switch {
					case r.SpentBy != "":
						note = "spent by " + r.SpentBy[:12]
					case r.ReservedBy != "":
						note = "reserved by " + r.ReservedBy[:12]
					case r.Late:
						note = fmt.Sprintf("late: sweep with treasury rotate %s --generation %d", r.Vault, r.Generation)
					case r.Immature:
						note = "immature coinbase"
					case r.Height == 0:
						note = "unconfirmed"
					}
					t.row(r.Vault, fmt.Sprint(r.Generation), r.OutPoint.String(), btc(r.Value), fmt.Sprint(r.Height), withLabel(note, r.Label))
				}
				return t.flush()
			})
		},
	}
	cmd.Flags().StringVar(&vaultName, "vault", "", "only this vault")
	cmd.Flags().BoolVar(&all, "all", false, "include spent outputs")
	return cmd
}
