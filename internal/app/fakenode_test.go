package app_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/internal/fakenode"
	"github.com/treasury-dev/treasury/vault"
)

// newFakeFixture is a fixture whose node is an in-memory fakenode.Node
// answering like mode: for what a regtest btcd cannot stage (a node
// without a transaction index, one that is behind, one that was reset).
func newFakeFixture(t *testing.T, mode fakenode.Mode) *fixture {
	t.Helper()
	f := newFixtureOn(t, nil)
	f.fake = fakenode.New(mode)
	f.app.Chain = f.fake.Dialer()
	return f
}

// newRPCFakeFixture is a fake-node fixture reached through the real chain
// adapter over JSON-RPC, the fake node answering as Bitcoin Core (or btcd)
// answers on the wire.
func newRPCFakeFixture(t *testing.T, mode fakenode.Mode) *fixture {
	t.Helper()
	f := newFakeFixture(t, mode)
	srv := f.fake.Serve("treasury", "secret")
	t.Cleanup(srv.Close)
	f.app.Chain = chain.Dialer(chain.Config{Host: srv.URL, User: "treasury", Pass: "secret"}, f.net.Params)
	return f
}

// payee is an address outside every vault to pay to.
func (f *fixture) payee() string {
	if f.fake == nil {
		return f.node.Address()
	}
	a, err := address.NewAddressWitnessPubKeyHash(bytes.Repeat([]byte{0x11}, 20), f.net.Params)
	if err != nil {
		f.t.Fatal(err)
	}
	return a.EncodeAddress()
}

// fakePay has the fake node's faucet pay amt to addr (unconfirmed).
func (f *fixture) fakePay(addr string, amt btcutil.Amount) *wire.MsgTx {
	f.t.Helper()
	a, err := address.DecodeAddress(addr, f.net.Params)
	if err != nil {
		f.t.Fatal(err)
	}
	s, err := txscript.PayToAddrScript(a)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.fake.Pay(wire.NewTxOut(int64(amt), s))
}

// vaultScripts derives the first n scripts of both chains of every
// generation of a vault.
func (f *fixture) vaultScripts(vaultName string, n uint32) map[string]bool {
	f.t.Helper()
	d, err := f.app.ShowVault(f.ctx, vaultName)
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]bool{}
	for _, g := range d.Generations {
		for _, s := range f.derivedScripts(g.Descriptor, n) {
			out[s] = true
		}
	}
	return out
}

// derivedCache holds the scripts derived for a descriptor and count, so
// checking balances against the node many times in a test derives once.
var derivedCache sync.Map // descriptor + count → []string

// derivedScripts returns the first n scripts of each chain of desc.
func (f *fixture) derivedScripts(desc string, n uint32) []string {
	f.t.Helper()
	key := fmt.Sprintf("%s/%d", desc, n)
	if v, ok := derivedCache.Load(key); ok {
		return v.([]string)
	}
	d, err := vault.ParseDescriptor(desc)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for ch := uint32(0); ch < 2; ch++ {
		for i := uint32(0); i < n; i++ {
			dv, err := d.Derive(f.net, ch, i)
			if err != nil {
				f.t.Fatal(err)
			}
			out = append(out, string(dv.PkScript))
		}
	}
	derivedCache.Store(key, out)
	return out
}

// nodeView is what the node itself holds for a vault: every output to one
// of its scripts up to 100 past the signers' window on each chain, found by walking the node's blocks
// and mempool, that the node's UTXO view (gettxout with the mempool) says
// is unspent. It uses only the node's answers, none of sync's records.
func (f *fixture) nodeView(vaultName string) btcutil.Amount {
	f.t.Helper()
	scripts := f.vaultScripts(vaultName, vault.MaxAddressIndex+100)
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
	pool, _, _, err := c.Mempool(f.ctx, 100000)
	if err != nil {
		f.t.Fatal(err)
	}
	var sum btcutil.Amount
	for _, t := range append(txs, pool...) {
		for i, o := range t.TxOut {
			if !scripts[string(o.PkScript)] {
				continue
			}
			info, err := c.Output(f.ctx, wire.OutPoint{Hash: t.TxHash(), Index: uint32(i)})
			if err != nil {
				f.t.Fatal(err)
			}
			if info.Unspent {
				sum += btcutil.Amount(o.Value)
			}
		}
	}
	return sum
}

// booksTotal is the vault's balance as treasury records it: confirmed,
// unconfirmed and immature, over every generation.
func (f *fixture) booksTotal(vaultName string) btcutil.Amount {
	f.t.Helper()
	b, err := f.app.Balance(f.ctx, app.BalanceRequest{Vault: vaultName})
	if err != nil {
		f.t.Fatal(err)
	}
	var sum btcutil.Amount
	for _, g := range b.Generations {
		sum += g.Confirmed + g.Unconfirmed + g.Immature
	}
	return sum
}

// matchesNode fails unless the books equal the node's own view to the
// satoshi.
func (f *fixture) matchesNode(vaultName string) {
	f.t.Helper()
	if books, node := f.booksTotal(vaultName), f.nodeView(vaultName); books != node {
		f.t.Fatalf("vault %s: treasury's books say %d sat, the node's own view %d sat", vaultName, books, node)
	}
}

func TestTransferOnCoreWithoutTxIndexMatchesNode(t *testing.T) {
	f := newFakeFixture(t, fakenode.Core)
	f.fundedOps(50_000_000)
	f.matchesNode("ops")
	res, err := f.app.Propose(f.ctx, f.payRequest(10_000_000))
	if err != nil {
		t.Fatal(err)
	}
	f.signAndSend(res, "alice", "bob")
	if f.states("ops") != "g0:retired g1:cold" {
		t.Fatalf("states %s", f.states("ops"))
	}
	f.matchesNode("ops")
	if f.fake.Calls("TxConfirmations") != 0 {
		t.Fatalf("decisions asked getrawtransaction %d times", f.fake.Calls("TxConfirmations"))
	}
}

// newAnyFixture is a fixture on a regtest btcd, or, under -short, on the
// fake node answering like btcd: the use cases a test exercises (planning,
// fee guards, reservation, rotation, signing, broadcast, sync) are then
// covered without starting a node, and the regtest run checks them
// against the real thing.
func newAnyFixture(t *testing.T) *fixture {
	t.Helper()
	if testing.Short() {
		return newFakeFixture(t, fakenode.Btcd)
	}
	return newFixture(t)
}

// payTo has the node's faucet (the fake's, or the harness wallet on btcd)
// pay amt to addr, unconfirmed.
func (f *fixture) payTo(addr string, amt btcutil.Amount) {
	f.t.Helper()
	if f.fake != nil {
		f.fakePay(addr, amt)
		return
	}
	if _, err := f.node.FundAddress(f.ctx, addr, amt); err != nil {
		f.t.Fatalf("fund %s: %v", addr, err)
	}
}
