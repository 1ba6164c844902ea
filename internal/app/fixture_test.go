package app_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/apptest"
	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/internal/fakenode"
	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/internal/regtest"
	"github.com/treasury-dev/treasury/internal/store"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// fixture is one treasury data directory wired to a real regtest btcd,
// with holders whose key files live in memory (an apptest.Env; the fields
// below are its parts, under the names the tests use).
type fixture struct {
	t       testing.TB
	ctx     context.Context
	node    *regtest.Node
	fake    *fakenode.Node // set instead of node by newFakeFixture
	env     *apptest.Env
	app     *app.App
	db      *store.DB
	net     vault.Network
	holders map[string]*keys.File
}

func init() { keys.ScryptWorkFactor = 10 }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	if testing.Short() {
		t.Skip("regtest integration test; skipped with -short")
	}
	return newFixtureOn(t, regtest.StartT(t))
}

func newFixtureOn(t testing.TB, node *regtest.Node) *fixture {
	t.Helper()
	f := fixtureOf(apptest.Open(t, apptest.Options{}))
	if node != nil {
		f.node = node
		f.app.Chain = chain.Dialer(node.RPC(), f.net.Params)
	}
	return f
}

func fixtureOf(e *apptest.Env) *fixture {
	return &fixture{t: e.T, ctx: e.Ctx, env: e, app: e.App, db: e.DB, net: e.Net, holders: e.Holders}
}

// e is the fixture's apptest.Env with the holders of f.holders, which a
// test may have replaced by another fixture's (two books of one vault).
func (f *fixture) e() *apptest.Env {
	f.env.Holders = f.holders
	return f.env
}

// holder returns the named holder's key file, creating it on first use.
func (f *fixture) holder(name string) *keys.File { return f.e().Holder(name) }

func (f *fixture) keys(gen uint32, names ...string) []app.KeySpec {
	return f.e().KeySpecs(gen, names...)
}

// keysOf is keys for script type st: each holder's BIP-48 account key of
// generation gen, as "name=[origin]xpub".
func (f *fixture) keysOf(st vault.ScriptType, gen uint32, names ...string) []app.KeySpec {
	return f.e().KeySpecsOf(st, gen, names...)
}

func (f *fixture) createVault(name string, m int, cold, standby []app.KeySpec) {
	f.t.Helper()
	_, err := f.app.CreateVault(f.ctx, app.CreateVaultRequest{Name: name, Threshold: m, Keys: cold, StandbyKeys: standby, Birthday: -1})
	if err != nil {
		f.t.Fatalf("CreateVault: %v", err)
	}
	if len(standby) > 0 {
		f.proveStandby(name)
	}
}

// deposit pays amt to the vault's next cold address (unconfirmed).
func (f *fixture) deposit(vaultName string, amt btcutil.Amount) *wire.MsgTx {
	f.t.Helper()
	addr, err := f.app.Address(f.ctx, app.AddressRequest{Vault: vaultName})
	if err != nil {
		f.t.Fatal(err)
	}
	if f.fake != nil {
		return f.fakePay(addr.Address, amt)
	}
	tx, err := f.node.FundAddress(f.ctx, addr.Address, amt)
	if err != nil {
		f.t.Fatalf("fund %s: %v", addr.Address, err)
	}
	return tx
}

func (f *fixture) mine(n int) {
	f.t.Helper()
	if f.fake != nil {
		f.fake.Mine(n)
		return
	}
	if _, err := f.node.Mine(f.ctx, n); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) sync() *app.SyncResult {
	f.t.Helper()
	res, err := f.app.Sync(f.ctx, app.SyncRequest{})
	if err != nil {
		f.t.Fatalf("Sync: %v", err)
	}
	return res
}

// registerAll has every holder trust every generation of the vault.
func (f *fixture) registerAll(vaultName string) { f.e().RegisterAll(vaultName) }

// sign has each named holder sign their own copy of the PSBT.
func (f *fixture) sign(raw []byte, names ...string) []app.CollectFile {
	return f.e().Sign(raw, names...)
}

func (f *fixture) psbtOf(res *app.ProposeResult) []byte {
	f.t.Helper()
	b, err := psbt.EncodeBinary(res.PSBT)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

// states returns "g0:hot g1:cold …" for a vault.
func (f *fixture) states(vaultName string) string {
	f.t.Helper()
	d, err := f.app.ShowVault(f.ctx, vaultName)
	if err != nil {
		f.t.Fatal(err)
	}
	s := ""
	for i, g := range d.Generations {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("g%d:%s", g.Number, g.State)
	}
	return s
}

// balance returns a generation's confirmed balance.
func (f *fixture) balance(vaultName string, gen int) btcutil.Amount {
	f.t.Helper()
	b, err := f.app.Balance(f.ctx, app.BalanceRequest{Vault: vaultName})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, g := range b.Generations {
		if g.Generation == gen {
			return g.Confirmed
		}
	}
	return 0
}

// vsize of a signed transaction.
func vsize(tx *wire.MsgTx) int64 {
	weight := int64(tx.SerializeSizeStripped()*3 + tx.SerializeSize())
	return (weight + 3) / 4
}

// dump is the whole database as text, to prove a failed call changed nothing.
func (f *fixture) dump() string {
	f.t.Helper()
	s, err := f.db.Dump(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func keysNew(name string, net vault.Network) (*keys.File, string, error) {
	return keys.New(name, net, 128, "")
}

func serialize(tx *wire.MsgTx) ([]byte, error) {
	var b bytes.Buffer
	err := tx.Serialize(&b)
	return b.Bytes(), err
}

// createVaultAt creates a vault that scans from the given birthday height.
func (f *fixture) createVaultAt(name string, m int, cold []app.KeySpec, birthday int32) {
	f.t.Helper()
	if _, err := f.app.CreateVault(f.ctx, app.CreateVaultRequest{Name: name, Threshold: m, Keys: cold, Birthday: birthday}); err != nil {
		f.t.Fatalf("CreateVault: %v", err)
	}
}

// send collects the files and broadcasts the proposal (no block).
func (f *fixture) send(id string, files []app.CollectFile) *app.BroadcastResult {
	f.t.Helper()
	if _, err := f.app.Collect(f.ctx, files); err != nil {
		f.t.Fatalf("Collect: %v", err)
	}
	b, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: id})
	if err != nil {
		f.t.Fatalf("Broadcast %s: %v", id[:12], err)
	}
	return b
}

// signAndSend has the holders sign a proposal, collects their files,
// broadcasts it, mines a block and syncs.
func (f *fixture) signAndSend(res *app.ProposeResult, signers ...string) *app.BroadcastResult {
	f.t.Helper()
	f.registerAll(vaultOf(f, res))
	b := f.send(res.Proposal.ID, f.sign(f.psbtOf(res), signers...))
	f.mine(1)
	f.sync()
	return b
}

func vaultOf(f *fixture, res *app.ProposeResult) string {
	f.t.Helper()
	d, err := f.app.ShowProposal(f.ctx, res.Proposal.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return d.Vault.Name
}

// fundedOps creates vault "ops" (2-of-3 alice, bob, carol, with a standby),
// deposits amt to its cold generation, mines and syncs.
func (f *fixture) fundedOps(amt btcutil.Amount) {
	f.t.Helper()
	f.createVault("ops", 2, f.keys(0, "alice", "bob", "carol"), f.keys(1, "alice", "bob", "carol"))
	f.deposit("ops", amt)
	f.mine(1)
	f.sync()
}

// payRequest pays amt from "ops" to the harness wallet at 2 sat/vB.
func (f *fixture) payRequest(amt btcutil.Amount) app.ProposeRequest {
	return app.ProposeRequest{Vault: "ops", FeeRate: psbt.SatPerVByte(2), Payments: []app.Payment{{Address: f.payee(), Amount: amt}}}
}
