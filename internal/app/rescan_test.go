package app_test

import (
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/fakenode"
	"github.com/treasury-dev/treasury/vault"
)

// The gap is a per-vault setting; a rescan with a wider one finds a
// deposit past the gap the blocks were first scanned with. The whole
// signers' window (0..vault.MaxAddressIndex) is always watched, so the gap
// counts past its end: these deposits are near and past index 1,000.

const w = vault.MaxAddressIndex

func (f *fixture) setGap(vaultName string, gap uint32) {
	f.t.Helper()
	if _, err := f.app.SetPolicy(f.ctx, app.PolicyRequest{Vault: vaultName, Gap: &gap}); err != nil {
		f.t.Fatalf("SetPolicy gap %d: %v", gap, err)
	}
}

func TestRescanWithAWiderGapFindsADepositPastTheOldGap(t *testing.T) {
	f := newFixture(t)
	f.createVault("ops", 2, f.keys(0, "alice", "bob", "carol"), f.keys(1, "alice", "bob", "carol"))
	if _, err := f.node.FundAddress(f.ctx, f.addressAt("ops", false, w-5), 1_000_000); err != nil {
		t.Fatal(err)
	}
	if _, err := f.node.FundAddress(f.ctx, f.addressAt("ops", false, w+30), 2_000_000); err != nil {
		t.Fatal(err)
	}
	f.mine(1)
	if s := f.sync(); s.Found != 1 {
		t.Fatalf("found %d with the default gap; want 1", s.Found)
	}
	f.setGap("ops", 40)
	f.auditHas("vault.policy")
	if s := f.sync(); s.Found != 0 {
		t.Fatalf("a plain sync found %d in blocks already scanned", s.Found)
	}
	s, err := f.app.Sync(f.ctx, app.SyncRequest{Rescan: true, RescanFrom: -1})
	if err != nil || s.Found != 1 || s.RescanFrom < 0 {
		t.Fatalf("rescan: %+v, %v; want the one deposit past the old gap", s, err)
	}
	if got := f.booksTotal("ops"); got != 3_000_000 {
		t.Fatalf("books %d after the rescan", got)
	}
	f.matchesNode("ops")
	if again := f.sync(); again.Found != 0 || f.booksTotal("ops") != 3_000_000 {
		t.Fatalf("sync after the rescan: %+v", again)
	}
}

func TestRescanFromAHeight(t *testing.T) {
	f := newFakeFixture(t, fakenode.Btcd)
	f.createVault("ops", 2, f.keys(0, "alice", "bob", "carol"), f.keys(1, "alice", "bob", "carol"))
	f.mine(5)
	f.fakePay(f.addressAt("ops", false, w+25), 4_000_000)
	f.mine(1)
	at := f.fake.Height()
	f.mine(5)
	f.fakePay(f.addressAt("ops", false, w-5), 1_000_000)
	f.mine(1)
	f.sync()
	f.setGap("ops", 30)
	s, err := f.app.Sync(f.ctx, app.SyncRequest{Rescan: true, RescanFrom: at + 1})
	if err != nil || s.Found != 0 {
		t.Fatalf("rescan above the deposit: %+v, %v", s, err)
	}
	s, err = f.app.Sync(f.ctx, app.SyncRequest{Rescan: true, RescanFrom: at})
	if err != nil || s.Found != 1 || f.booksTotal("ops") != btcutil.Amount(5_000_000) {
		t.Fatalf("rescan from the deposit's block: %+v, %v, books %d", s, err, f.booksTotal("ops"))
	}
	f.matchesNode("ops")
	before := f.dump()
	if _, err := f.app.Sync(f.ctx, app.SyncRequest{Rescan: true, RescanFrom: f.fake.Height() + 5}); !errors.Is(err, app.ErrInvalid) {
		t.Fatalf("rescan above the cursor: %v", err)
	}
	if f.dump() != before {
		t.Fatal("a refused rescan changed the database")
	}
	var zero uint32
	if _, err := f.app.SetPolicy(f.ctx, app.PolicyRequest{Vault: "ops", Gap: &zero}); !errors.Is(err, app.ErrInvalid) {
		t.Fatalf("gap 0: %v", err)
	}
}
