package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

func (c *cli) newVaultCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vault",
		Short: "Create and inspect M-of-N vaults and their generations",
	}
	cmd.AddCommand(c.newVaultCreateCmd(), c.newVaultListCmd(), c.newVaultShowCmd(), c.newVaultAddressCmd(), c.newVaultExportCmd(), c.newVaultImportCmd(), c.newVaultStandbyCmd(), c.newVaultPolicyCmd(), c.newVaultProveCmd())
	return cmd
}

// vaultJSON is the JSON form of a vault, written for output.
type vaultJSON struct {
	Name        string           `json:"name"`
	Network     string           `json:"network"`
	HotFloat    int64            `json:"hot_float_sat"`
	ColdAbove   int64            `json:"cold_above_sat"`
	Gap         uint32           `json:"gap"`
	CreatedAt   string           `json:"created_at"`
	Generations []generationJSON `json:"generations"`
	Moves       []moveJSON       `json:"moves,omitempty"`
}

type moveJSON struct {
	Proposal string `json:"proposal"`
	TxID     string `json:"txid"`
	Kind     string `json:"kind"`
	State    string `json:"state"`
	From     int    `json:"from_generation"`
	To       int    `json:"to_generation"`
}

type generationJSON struct {
	Number     int    `json:"number"`
	State      string `json:"state"`
	Threshold  int    `json:"threshold"`
	Keys       int    `json:"keys"`
	Descriptor string `json:"descriptor"`
	Birthday   int32  `json:"birthday_height"`
	// UTXOSetAt is the height of the node's UTXO set the generation's
	// outputs were read from at import (0: none; its history is scanned).
	UTXOSetAt int32        `json:"utxo_set_height"`
	Holders   []holderJSON `json:"holders"`
	Balance   *balanceJSON `json:"balance,omitempty"`
	Proofs    []proofJSON  `json:"proofs"`
}

type balanceJSON struct {
	Confirmed   int64 `json:"confirmed_sat"`
	Unconfirmed int64 `json:"unconfirmed_sat"`
	Immature    int64 `json:"immature_sat"`
	Late        int64 `json:"late_deposits_sat"`
}

type holderJSON struct {
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint"`
	Path        string `json:"path"`
	XPub        string `json:"xpub"`
}

func toVaultJSON(d app.VaultDetail) vaultJSON {
	v := vaultJSON{Name: d.Vault.Name, Network: d.Vault.Network, HotFloat: int64(d.Vault.HotFloat),
		ColdAbove: int64(d.Vault.ColdAbove), Gap: d.Vault.GapOf(), CreatedAt: d.Vault.CreatedAt.Format("2006-01-02T15:04:05Z"), Generations: []generationJSON{}}
	for i, g := range d.Generations {
		gj := generationJSON{Number: g.Number, State: string(g.State), Threshold: g.Threshold, Keys: len(g.Holders),
			Descriptor: g.Descriptor, Birthday: g.Birthday, UTXOSetAt: g.UTXOSetAt, Holders: []holderJSON{}}
		for _, h := range g.Holders {
			gj.Holders = append(gj.Holders, holderJSON{h.Name, h.Fingerprint, h.OriginPath, h.XPub})
		}
		gj.Proofs = proofsJSON(d.Proofs[g.Number])
		if i < len(d.Balances) {
			b := d.Balances[i]
			gj.Balance = &balanceJSON{int64(b.Confirmed), int64(b.Unconfirmed), int64(b.Immature), int64(b.Late)}
		}
		v.Generations = append(v.Generations, gj)
	}
	for _, m := range d.Moves {
		v.Moves = append(v.Moves, moveJSON{m.Proposal, m.TxID, m.Kind, string(m.State), m.From, m.To})
	}
	return v
}

// policy is "2-of-3" for a generation.
func policy(g app.Generation) string { return fmt.Sprintf("%d-of-%d", g.Threshold, len(g.Holders)) }

func holderNames(g app.Generation) string {
	names := make([]string, len(g.Holders))
	for i, h := range g.Holders {
		names[i] = h.Name
	}
	return strings.Join(names, ", ")
}
