package app_test

import (
	"fmt"
	"sort"
	"strings"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/vault"
)

// nodeScripts is how many scripts per chain nodeHoldings watches for each
// generation: more than any test hands out.
const nodeScripts = 60

// nodeHoldings is what the node itself says each generation of the vault
// holds: every output in its blocks and its mempool paying one of the
// generation's scripts and spent by no transaction in either. It reads the
// node (regtest btcd or the fake) directly and shares no code with sync.
func (f *fixture) nodeHoldings(vaultName string) map[int]btcutil.Amount {
	f.t.Helper()
	d, err := f.app.ShowVault(f.ctx, vaultName)
	if err != nil {
		f.t.Fatal(err)
	}
	owner := map[string]int{}
	for _, g := range d.Generations {
		desc, err := vault.ParseDescriptor(g.Descriptor)
		if err != nil {
			f.t.Fatal(err)
		}
		for chain := uint32(0); chain < 2; chain++ {
			for i := uint32(0); i < nodeScripts; i++ {
				dv, err := desc.Derive(f.net, chain, i)
				if err != nil {
					f.t.Fatal(err)
				}
				owner[string(dv.PkScript)] = g.Number
			}
		}
	}
	c, err := f.app.Chain(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	tip, _, err := c.Tip(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	var txs []*wire.MsgTx
	if tip > 0 {
		blocks, err := c.Blocks(f.ctx, 1, tip)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, b := range blocks {
			txs = append(txs, b.Msg.Transactions...)
		}
	}
	pool, _, ok, err := c.Mempool(f.ctx, 100_000)
	if err != nil || !ok {
		f.t.Fatalf("mempool: %v", err)
	}
	txs = append(txs, pool...)
	type held struct {
		gen int
		val btcutil.Amount
	}
	outs, spent := map[wire.OutPoint]held{}, map[wire.OutPoint]bool{}
	for _, tx := range txs {
		for _, in := range tx.TxIn {
			spent[in.PreviousOutPoint] = true
		}
		for i, o := range tx.TxOut {
			if g, ok := owner[string(o.PkScript)]; ok {
				outs[wire.OutPoint{Hash: tx.TxHash(), Index: uint32(i)}] = held{g, btcutil.Amount(o.Value)}
			}
		}
	}
	sum := map[int]btcutil.Amount{}
	for op, h := range outs {
		if !spent[op] {
			sum[h.gen] += h.val
		}
	}
	return sum
}

// ourHoldings is what the treasury says each generation holds: confirmed,
// unconfirmed and immature together.
func (f *fixture) ourHoldings(vaultName string) map[int]btcutil.Amount {
	f.t.Helper()
	b, err := f.app.Balance(f.ctx, app.BalanceRequest{Vault: vaultName})
	if err != nil {
		f.t.Fatal(err)
	}
	sum := map[int]btcutil.Amount{}
	for _, g := range b.Generations {
		if v := g.Confirmed + g.Unconfirmed + g.Immature; v != 0 {
			sum[g.Generation] = v
		}
	}
	return sum
}

// agreeWithNode fails the test unless the treasury's balance of every
// generation is, to the satoshi, what the node says it holds.
func (f *fixture) agreeWithNode(vaultName string) {
	f.t.Helper()
	ours, node := f.ourHoldings(vaultName), f.nodeHoldings(vaultName)
	if a, b := holdings(ours), holdings(node); a != b {
		f.t.Fatalf("balances of %s disagree with the node:\n  ours %s\n  node %s", vaultName, a, b)
	}
}

func holdings(m map[int]btcutil.Amount) string {
	var gens []int
	for g, v := range m {
		if v != 0 {
			gens = append(gens, g)
		}
	}
	sort.Ints(gens)
	var parts []string
	for _, g := range gens {
		parts = append(parts, fmt.Sprintf("g%d=%d", g, int64(m[g])))
	}
	return strings.Join(parts, " ")
}
