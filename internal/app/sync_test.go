package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/internal/regtest"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// addressAt derives an address of the vault's cold generation.
func (f *fixture) addressAt(vaultName string, change bool, idx uint32) string {
	f.t.Helper()
	d, err := f.app.ShowVault(f.ctx, vaultName)
	if err != nil {
		f.t.Fatal(err)
	}
	desc, err := vault.ParseDescriptor(d.Generations[0].Descriptor)
	if err != nil {
		f.t.Fatal(err)
	}
	chainNo := uint32(0)
	if change {
		chainNo = 1
	}
	dv, err := desc.Derive(f.net, chainNo, idx)
	if err != nil {
		f.t.Fatal(err)
	}
	return dv.Address
}

func TestSyncAcrossTheGapBothChains(t *testing.T) {
	f := newAnyFixture(t)
	f.createVault("ops", 2, f.keys(0, "alice", "bob", "carol"), nil)
	// The whole signers' window (0..w) is watched from the start; the gap
	// counts past its end. Index w is the last watched; using it extends
	// the watch set, so w+16 and w+20 are found in the same sync, and w+26
	// once w+16 is used. w+61 is beyond every gap and must not count.
	// On the change chain, w then w+15 likewise.
	const w = vault.MaxAddressIndex
	pays := []struct {
		change bool
		idx    uint32
		amt    btcutil.Amount
	}{
		{false, 0, 1_000_000}, {false, w, 2_000_000}, {false, w + 16, 3_000_000}, {false, w + 20, 4_000_000},
		{false, w + 26, 5_000_000}, {true, w, 6_000_000}, {true, w + 15, 7_000_000}, {false, w + 61, 8_000_000},
	}
	for _, p := range pays {
		f.payTo(f.addressAt("ops", p.change, p.idx), p.amt)
		f.mine(1)
	}
	res := f.sync()
	if res.Found != 7 {
		t.Fatalf("found %d outputs, want 7 (everything but the one beyond the gap)", res.Found)
	}
	if got := f.balance("ops", 0); got != 28_000_000 {
		t.Fatalf("balance %d, want 28000000", got)
	}
	utxos, err := f.app.ListUTXOs(f.ctx, app.UTXOsRequest{Vault: "ops"})
	if err != nil || len(utxos) != 7 {
		t.Fatalf("utxos %d, %v", len(utxos), err)
	}
	// Idempotent: a second sync finds nothing new and changes nothing.
	again := f.sync()
	if again.Found != 0 || f.balance("ops", 0) != 28_000_000 {
		t.Fatalf("second sync found %d, balance %d", again.Found, f.balance("ops", 0))
	}
	// Every address up to the window's end is used or skipped: no fresh
	// one is handed out beyond it.
	if _, err := f.app.Address(f.ctx, app.AddressRequest{Vault: "ops"}); !errors.Is(err, app.ErrRefused) {
		t.Fatalf("next address past the window: %v; want a refusal", err)
	}
}

func TestSyncSpendDetectionAndImmatureCoinbase(t *testing.T) {
	if testing.Short() {
		t.Skip("regtest")
	}
	// A second node mines to the vault: its coinbases must show as immature
	// until 100 confirmations.
	f := newFixtureOn(t, nil)
	f.createVault("ops", 1, f.keys(0, "alice"), nil)
	addr := f.addressAt("ops", false, 0)
	node, err := regtest.Start(t.Context(), regtest.Options{ExtraArgs: []string{"--miningaddr=" + addr}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Stop() })
	f.node = node
	f.app.Chain = chain.Dialer(node.RPC(), f.net.Params)
	var ours int
	for i := 0; i < 64 && ours == 0; i++ {
		f.mine(4)
		f.sync()
		b, _ := f.app.Balance(f.ctx, app.BalanceRequest{Vault: "ops"})
		if b.Generations[0].Immature > 0 {
			ours++
		}
	}
	if ours == 0 {
		t.Fatal("no coinbase paid the vault (btcd picks a mining address at random)")
	}
	b, _ := f.app.Balance(f.ctx, app.BalanceRequest{Vault: "ops"})
	if b.Generations[0].Confirmed != 0 {
		t.Fatalf("young coinbase counted as confirmed: %+v", b.Generations[0])
	}
	f.mine(100)
	f.sync()
	b, _ = f.app.Balance(f.ctx, app.BalanceRequest{Vault: "ops"})
	if b.Generations[0].Confirmed == 0 {
		t.Fatalf("mature coinbase not confirmed: %+v", b.Generations[0])
	}
}

func TestSyncUndoesReorg(t *testing.T) {
	f := newFixture(t)
	f.createVault("ops", 2, f.keys(0, "alice", "bob", "carol"), nil)
	tx := f.deposit("ops", 10_000_000)
	hashes, err := f.node.Mine(f.ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	f.mine(2)
	f.sync()
	if f.balance("ops", 0) != 10_000_000 {
		t.Fatal("deposit not found")
	}
	// Orphan the deposit's block: the node switches to a longer chain
	// without it (invalidateblock), and the deposit returns to the mempool.
	if err := f.node.Chain().Call(f.ctx, "invalidateblock", nil, hashes[0].String()); err != nil {
		t.Fatal(err)
	}
	mineWithout(t, f, tx.TxHash(), 4)
	res := f.sync()
	if res.ReorgFrom < 0 {
		t.Fatal("sync did not notice the reorg")
	}
	if got := f.balance("ops", 0); got != 0 {
		t.Fatalf("after the reorg the orphaned deposit still counts: %d", got)
	}
	// Re-mined on the new chain, it is found again.
	if _, err := f.node.Chain().Broadcast(f.ctx, tx); err != nil && !errors.Is(err, chain.ErrAlreadyKnown) {
		t.Fatal(err)
	}
	f.mine(1)
	f.sync()
	if got := f.balance("ops", 0); got != 10_000_000 {
		t.Fatalf("re-mined deposit: balance %d", got)
	}
	if _, err := f.app.AuditVerify(f.ctx); err != nil {
		t.Fatal(err)
	}
}

// mineWithout builds n blocks on the node's new tip without the orphaned
// transaction: btcd would put it back from its mempool, so the node is
// restarted first, which empties the mempool.
func mineWithout(t *testing.T, f *fixture, txid chainhash.Hash, n int) {
	t.Helper()
	if err := f.node.Restart(f.ctx); err != nil {
		t.Fatal(err)
	}
	hashes, err := f.node.Mine(f.ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hashes {
		var blk struct {
			Tx []string `json:"tx"`
		}
		if err := f.node.Chain().Call(f.ctx, "getblock", &blk, h.String(), 1); err != nil {
			t.Fatal(err)
		}
		for _, id := range blk.Tx {
			if id == txid.String() {
				t.Fatal("the orphaned deposit was mined again on the new chain")
			}
		}
	}
}

func TestSyncNodeFaults(t *testing.T) {
	f := newFixture(t)
	f.createVault("ops", 2, f.keys(0, "alice", "bob", "carol"), nil)
	before := f.dump()
	cfg := f.node.RPC()
	for name, c := range map[string]struct {
		cfg    chain.Config
		params *chaincfg.Params
		want   error
	}{
		"node down":      {chain.Config{Host: deadPort(t), User: cfg.User, Pass: cfg.Pass}, f.net.Params, chain.ErrUnreachable},
		"wrong password": {chain.Config{Host: cfg.Host, User: cfg.User, Pass: "wrong"}, f.net.Params, chain.ErrAuth},
		"wrong network":  {cfg, &chaincfg.TestNet3Params, chain.ErrWrongNetwork},
	} {
		t.Run(name, func(t *testing.T) {
			a := *f.app
			a.Chain = chain.Dialer(c.cfg, c.params)
			_, err := a.Sync(f.ctx, app.SyncRequest{})
			if !errors.Is(err, c.want) {
				t.Fatalf("Sync = %v, want %v", err, c.want)
			}
			if strings.Count(err.Error(), "\n") > 0 {
				t.Fatalf("error is not one sentence: %q", err)
			}
			if after := f.dump(); after != before {
				t.Fatal("a failed sync changed the database")
			}
		})
	}
}

func TestSyncResumesAfterNodeRestart(t *testing.T) {
	f := newFixture(t)
	f.createVault("ops", 2, f.keys(0, "alice", "bob", "carol"), nil)
	f.deposit("ops", 3_000_000)
	f.mine(30)
	if _, err := f.app.Sync(f.ctx, app.SyncRequest{BatchSize: 7}); err != nil {
		t.Fatal(err)
	}
	if err := f.node.Restart(f.ctx); err != nil {
		t.Fatal(err)
	}
	f.deposit("ops", 4_000_000)
	f.mine(5)
	res := f.sync()
	if res.From != res.Tip-4 || f.balance("ops", 0) != 7_000_000 {
		t.Fatalf("after restart: scanned %d..%d of %d, balance %d", res.From, res.To, res.Tip, f.balance("ops", 0))
	}
}

// cancelAfter cancels a sync after n progress reports, as a kill between
// two batches would stop it.
type cancelAfter struct {
	app.NopEvents
	n      int
	cancel func()
}

func (c *cancelAfter) SyncProgress(app.SyncProgress) {
	if c.n--; c.n == 0 {
		c.cancel()
	}
}

func TestKilledSyncLeavesAConsistentDatabase(t *testing.T) {
	f := newAnyFixture(t)
	f.createVault("ops", 2, f.keys(0, "alice", "bob", "carol"), nil)
	for i := 0; i < 6; i++ {
		f.deposit("ops", btcutil.Amount(1_000_000*(i+1)))
		f.mine(3)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	a := *f.app
	a.Events = &cancelAfter{n: 2, cancel: cancel}
	if _, err := a.Sync(ctx, app.SyncRequest{BatchSize: 4}); err == nil {
		t.Fatal("a cancelled sync reported success")
	}
	// What was recorded is a prefix of the chain: every deposit at or below
	// the cursor, none above it.
	var cursor int32
	err := f.db.View(f.ctx, func(tx app.Tx) error {
		var err error
		cursor, _, err = tx.Cursor()
		return err
	})
	if err != nil || cursor <= 0 {
		t.Fatalf("cursor %d, %v", cursor, err)
	}
	utxos, _ := f.app.ListUTXOs(f.ctx, app.UTXOsRequest{Vault: "ops"})
	for _, u := range utxos {
		if u.Height > cursor {
			t.Fatalf("an output at height %d was recorded beyond the cursor %d", u.Height, cursor)
		}
	}
	if _, err := f.app.AuditVerify(f.ctx); err != nil {
		t.Fatal(err)
	}
	// The next sync continues from the cursor and ends with everything.
	res := f.sync()
	if res.From != cursor+1 {
		t.Fatalf("resumed at %d, want %d", res.From, cursor+1)
	}
	if got := f.balance("ops", 0); got != 21_000_000 {
		t.Fatalf("balance after resuming %d, want 21000000", got)
	}
}

func TestSyncSeesMempoolDeposits(t *testing.T) {
	f := newFixture(t)
	f.createVault("ops", 2, f.keys(0, "alice", "bob", "carol"), f.keys(1, "alice", "bob", "carol"))
	f.deposit("ops", 4_000_000)
	f.sync()
	b, _ := f.app.Balance(f.ctx, app.BalanceRequest{Vault: "ops"})
	if g := b.Generations[0]; g.Unconfirmed != 4_000_000 || g.Confirmed != 0 {
		t.Fatalf("a deposit in the mempool: %+v, want 4000000 unconfirmed", g)
	}
	// A cold spend spends only what is confirmed and mature (issue 11,
	// item 4): here there is nothing yet.
	_, err := f.app.Propose(f.ctx, f.payRequest(1_000_000))
	if !errors.Is(err, psbt.ErrInsufficientFunds) {
		t.Fatalf("cold spend with only a deposit in the mempool = %v, want insufficient funds", err)
	}
	// The node forgets its mempool: the deposit is forgotten too.
	if err := f.node.Restart(f.ctx); err != nil {
		t.Fatal(err)
	}
	f.sync()
	b, _ = f.app.Balance(f.ctx, app.BalanceRequest{Vault: "ops"})
	if g := b.Generations[0]; g.Unconfirmed != 0 || g.UTXOs != 0 {
		t.Fatalf("a dropped deposit still counts: %+v", g)
	}
	// A new one confirms and counts once.
	f.deposit("ops", 3_000_000)
	f.sync()
	f.mine(1)
	f.sync()
	b, _ = f.app.Balance(f.ctx, app.BalanceRequest{Vault: "ops"})
	if g := b.Generations[0]; g.Confirmed != 3_000_000 || g.Unconfirmed != 0 || g.UTXOs != 1 {
		t.Fatalf("after confirmation: %+v", g)
	}
}
