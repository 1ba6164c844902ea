package main

import (
	"fmt"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

func (c *cli) newVaultPolicyCmd() *cobra.Command {
	var hotFloat, coldAbove string
	var gap uint32
	var rules policyFlags
	cmd := &cobra.Command{
		Use:   "policy NAME [--hot-float AMT] [--cold-above AMT] [--gap N] [--allow ADDRESS]… [--allow-after D] [--remove ADDRESS]… [--max-per-tx AMT] [--max-per-day AMT]",
		Short: "Set which tier pays, and the signers' spending rules that propose enforces",
		Long: `Set which tier pays: the hot float a spent generation keeps, the amount from
which transfers come from cold.

--gap sets how many unused addresses past the last used one sync watches on
each chain of every generation (default 20, as wallets scan). A wider gap
takes effect for new blocks at once; run 'treasury sync --rescan' to search
the blocks already synced.

--allow, --allow-after, --remove, --max-per-tx and --max-per-day hold here the
same rules the holders set in their key files ('treasury key policy'): propose
then refuses a payment the signers would refuse, so nothing is signed in vain.
Every change is appended to the audit log.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := app.PolicyRequest{Vault: args[0]}
			parse := func(flag, s string) (*btcutil.Amount, error) {
				if !cmd.Flags().Changed(flag) {
					return nil, nil
				}
				if s == "0" || s == "0btc" || s == "0sat" {
					var z btcutil.Amount
					return &z, nil
				}
				a, err := app.ParseAmount(s)
				return &a, err
			}
			var err error
			if req.HotFloat, err = parse("hot-float", hotFloat); err != nil {
				return err
			}
			if req.ColdAbove, err = parse("cold-above", coldAbove); err != nil {
				return err
			}
			if cmd.Flags().Changed("gap") {
				req.Gap = &gap
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				if !rules.empty() {
					return c.runVaultSignerPolicy(cmd.Context(), a, args[0], rules, req.HotFloat != nil || req.ColdAbove != nil || req.Gap != nil, req)
				}
				v, err := a.SetPolicy(cmd.Context(), req)
				if err != nil {
					return err
				}
				if c.json {
					return c.printJSON(struct {
						Version   int    `json:"version"`
						Vault     string `json:"vault"`
						HotFloat  int64  `json:"hot_float_sat"`
						ColdAbove int64  `json:"cold_above_sat"`
						Gap       uint32 `json:"gap"`
					}{jsonVersion, v.Name, int64(v.HotFloat), int64(v.ColdAbove), v.GapOf()})
				}
				fmt.Fprintf(c.out, "vault %s: hot float %s, transfers from %s come from cold\n", v.Name, btc(v.HotFloat), btc(v.ColdAbove))
				fmt.Fprintf(c.out, "vault %s: address gap %d\n", v.Name, v.GapOf())
				return nil
			})
		},
	}
	rules.bind(cmd)
	cmd.Flags().StringVar(&hotFloat, "hot-float", "", "what a spent generation may keep (0 for none)")
	cmd.Flags().Uint32Var(&gap, "gap", app.GapLimit, "unused addresses watched past the last used one, per chain")
	cmd.Flags().StringVar(&coldAbove, "cold-above", "", "transfers at or above this come from cold (0: always cold unless --from hot)")
	return cmd
}
