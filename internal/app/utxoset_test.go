package app_test

import (
	"context"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/fakenode"
)

// onCore makes f's node answer like Bitcoin Core with scantxoutset, using
// scan to answer it (coreScanner unless a test lies).
func onCore(f *fixture, scan func(c app.Chain) app.Chain) {
	dial := f.fake.Dialer()
	f.app.Chain = func(ctx context.Context) (app.Chain, error) {
		c, err := dial(ctx)
		if err != nil {
			return nil, err
		}
		return scan(c), nil
	}
}

// liar answers scantxoutset with every output worth one satoshi more.
type liar struct{ coreScanner }

func (l liar) ScanDescriptors(ctx context.Context, descs []app.DescriptorRange) ([]app.ScannedOutput, error) {
	out, err := l.coreScanner.ScanDescriptors(ctx, descs)
	for i := range out {
		out[i].Value++
	}
	return out, err
}

// TestImportFromUTXOSet: a vault with an old birthday, imported from the
// node's UTXO set (Bitcoin Core's scantxoutset), holds at once what the
// node holds for it, deposits past the gap included; sync then scans no
// old block, finds what comes later, and a full rescan from the birthday
// scans the history and agrees.
func TestImportFromUTXOSet(t *testing.T) {
	f := newFakeFixture(t, fakenode.Core)
	cold, standby := f.keys(0, "alice", "bob", "carol"), f.keys(1, "alice", "bob", "carol")
	// Someone else's books of the same vault, to find its addresses.
	other := newFixtureOn(t, nil)
	other.holders, other.fake, other.app.Chain = f.holders, f.fake, f.fake.Dialer()
	other.createVault("ops", 2, cold, standby)
	f.fake.Mine(10)
	for _, p := range []struct {
		change bool
		idx    uint32
		amt    btcutil.Amount
	}{{false, 0, 1_000_000}, {false, 5, 2_000_000}, {false, 150, 3_000_000}, {true, 3, 4_000_000}} {
		f.fakePay(other.addressAt("ops", p.change, p.idx), p.amt)
		f.fake.Mine(7)
	}
	f.fake.Mine(40)

	// Without scantxoutset: refused, and no vault.
	_, err := f.app.CreateVault(f.ctx, app.CreateVaultRequest{Name: "ops", Threshold: 2, Keys: cold, StandbyKeys: standby, Birthday: 0, FromUTXOSet: true})
	if !errors.Is(err, app.ErrInvalid) {
		t.Fatalf("import from a node without scantxoutset: %v", err)
	}
	// A node whose scan disagrees with its blocks: refused, and no vault.
	onCore(f, func(c app.Chain) app.Chain { return liar{coreScanner{Chain: c, fake: f.fake, net: f.net}} })
	if _, err := f.app.CreateVault(f.ctx, app.CreateVaultRequest{Name: "ops", Threshold: 2, Keys: cold, StandbyKeys: standby, Birthday: 0, FromUTXOSet: true}); err == nil {
		t.Fatal("a scan that contradicts the blocks was recorded")
	}
	if vs, _ := f.app.ListVaults(f.ctx); len(vs) != 0 {
		t.Fatalf("a refused import left %d vault(s)", len(vs))
	}

	onCore(f, func(c app.Chain) app.Chain { return coreScanner{Chain: c, fake: f.fake, net: f.net} })
	res, err := f.app.CreateVault(f.ctx, app.CreateVaultRequest{Name: "ops", Threshold: 2, Keys: cold, StandbyKeys: standby, Birthday: 0, FromUTXOSet: true})
	if err != nil {
		t.Fatal(err)
	}
	tip := f.fake.Height()
	if res.UTXOSetOutputs != 4 || res.UTXOSetTotal != 10_000_000 || res.Generations[0].UTXOSetAt != tip {
		t.Fatalf("read %d outputs, %d sat, at %d; want 4, 10000000, at %d", res.UTXOSetOutputs, res.UTXOSetTotal, res.Generations[0].UTXOSetAt, tip)
	}
	if got := f.balance("ops", 0); got != 10_000_000 {
		t.Fatalf("balance %d", got)
	}
	if s := f.sync(); s.BlocksScanned != 0 || s.Found != 0 {
		t.Fatalf("first sync scanned %d blocks, found %d; want nothing below the snapshot", s.BlocksScanned, s.Found)
	}
	// A later deposit past the old gap (the watch set reaches 20 past 150).
	f.fakePay(other.addressAt("ops", false, 160), 500_000)
	f.fake.Mine(1)
	if s := f.sync(); s.Found != 1 || f.balance("ops", 0) != 10_500_000 {
		t.Fatalf("later deposit: found %d, balance %d", s.Found, f.balance("ops", 0))
	}
	// The full rescan from the birthday scans the history and agrees.
	s, err := f.app.Sync(f.ctx, app.SyncRequest{Rescan: true, RescanFrom: -1})
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.app.ShowVault(f.ctx, "ops")
	if err != nil {
		t.Fatal(err)
	}
	if s.BlocksScanned < int(tip) || d.Generations[0].UTXOSetAt != 0 || f.balance("ops", 0) != 10_500_000 {
		t.Fatalf("rescan scanned %d blocks, utxo_set_at %d, balance %d", s.BlocksScanned, d.Generations[0].UTXOSetAt, f.balance("ops", 0))
	}
	if _, err := f.app.AuditVerify(f.ctx); err != nil {
		t.Fatal(err)
	}
}
