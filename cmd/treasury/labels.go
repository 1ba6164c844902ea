package main

import (
	"github.com/spf13/cobra"
)

func (c *cli) newLabelsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "labels",
		Short: "Exchange BIP-329 labels with other wallets (Sparrow, Specter, Nunchuk, Liana)",
	}
	cmd.AddCommand(c.newLabelsExportCmd(), c.newLabelsImportCmd())
	return cmd
}
