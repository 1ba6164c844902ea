package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

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
