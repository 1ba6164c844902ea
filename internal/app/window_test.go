package app_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/fakenode"
	"github.com/treasury-dev/treasury/vault"
)

// TestAddressWindow: the coordinator hands out, and exports to Bitcoin
// Core, exactly the window of indexes the offline signer accepts as the
// vault's own (0..vault.MaxAddressIndex); nothing beyond it.
func TestAddressWindow(t *testing.T) {
	f := newFixtureOn(t, nil)
	f.createVault("ops", 2, f.keys(0, "alice", "bob", "carol"), nil)
	last, past := uint32(vault.MaxAddressIndex), uint32(vault.MaxAddressIndex+1)
	if _, err := f.app.Address(f.ctx, app.AddressRequest{Vault: "ops", Index: &last}); err != nil {
		t.Fatalf("the window's last index: %v", err)
	}
	if _, err := f.app.Address(f.ctx, app.AddressRequest{Vault: "ops", Index: &past}); !errors.Is(err, app.ErrInvalid) {
		t.Fatalf("index %d: %v, want ErrInvalid", past, err)
	}
	out, err := f.app.Export(f.ctx, app.ExportRequest{Vault: "ops", Format: app.FormatCore})
	if err != nil {
		t.Fatal(err)
	}
	var entries []struct {
		Range [2]int `json:"range"`
	}
	if err := json.Unmarshal(out[0].Data, &entries); err != nil || len(entries) != 2 {
		t.Fatalf("core export %s: %v", out[0].Data, err)
	}
	for _, e := range entries {
		if e.Range != [2]int{0, vault.MaxAddressIndex} {
			t.Errorf("core export range %v, want [0 %d]", e.Range, vault.MaxAddressIndex)
		}
	}
	// A generation that has handed out the whole window hands out no more.
	err = f.db.Update(f.ctx, func(tx app.Tx) error {
		v, err := tx.VaultByName("ops")
		if err != nil {
			return err
		}
		gs, err := tx.Generations(v.ID)
		if err != nil {
			return err
		}
		return tx.SetNextIndex(gs[0].ID, 0, past)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Address(f.ctx, app.AddressRequest{Vault: "ops"}); !errors.Is(err, app.ErrRefused) {
		t.Fatalf("next address after the window: %v, want ErrRefused", err)
	}
}

// TestPlanRefusesRemainderBeyondWindow: a proposal never pays the vault's
// own output at an index beyond the window, which signers refuse and Core
// does not watch.
func TestPlanRefusesRemainderBeyondWindow(t *testing.T) {
	f := newAnyFixture(t)
	f.fundedOps(100_000_000)
	err := f.db.Update(f.ctx, func(tx app.Tx) error {
		v, err := tx.VaultByName("ops")
		if err != nil {
			return err
		}
		gs, err := tx.Generations(v.ID)
		if err != nil {
			return err
		}
		for _, g := range gs {
			for chain := uint32(0); chain < 2; chain++ {
				if err := tx.SetNextIndex(g.ID, chain, vault.MaxAddressIndex+1); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Propose(f.ctx, f.payRequest(10_000_000)); !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "the window signers accept") {
		t.Fatalf("propose with the window used up: %v, want ErrRefused", err)
	}
}

// TestSyncDerivesAheadButWatchesTheGap: sync derives the scripts past
// the window in chunks ahead of the gap, on another goroutine, when a
// chain keeps growing; what it watches and stores is still exactly the gap
// past the last used index. Six hundred deposits past the window (three a
// block, in descending order within a block, so each block moves the gap
// more than once) are all found; one just past the final gap is not, one
// at its last index (paid later) is; the stored watch set ends exactly a
// gap past the last deposit.
func TestSyncDerivesAheadButWatchesTheGap(t *testing.T) {
	f := newFakeFixture(t, fakenode.Btcd)
	f.createVault("ops", 2, f.keys(0, "alice", "bob", "carol"), nil)
	const w, n = vault.MaxAddressIndex, 600
	f.fakePay(f.addressAt("ops", false, w), 10_000) // the window's last index: the gap counts from it
	for i := uint32(1); i <= n; i += 3 {
		for _, idx := range []uint32{w + i + 2, w + i + 1, w + i} {
			f.fakePay(f.addressAt("ops", false, idx), 10_000)
		}
		f.mine(1)
	}
	last := uint32(w + n) // the loop's last block pays w+598..w+600
	f.fakePay(f.addressAt("ops", false, last+app.GapLimit+1), 7_000)
	f.fakePay(f.addressAt("ops", true, 3), 5_000)
	f.mine(1)
	res := f.sync()
	if want := 1 + n + 1; res.Found != want {
		t.Fatalf("found %d outputs, want %d (every deposit but the one past the gap)", res.Found, want)
	}
	f.fakePay(f.addressAt("ops", false, last+app.GapLimit), 3_000)
	f.mine(1)
	if res := f.sync(); res.Found != 1 {
		t.Fatalf("second sync found %d, want 1 (the gap's last index; the deposit past the old gap is in a block scanned before)", res.Found)
	}
	end := last + 2*app.GapLimit
	var watched [2]uint32
	var count [2]int
	err := f.db.View(f.ctx, func(tx app.Tx) error {
		ss, err := tx.Scripts(0)
		for _, s := range ss {
			watched[s.Chain] = max(watched[s.Chain], s.Index)
			count[s.Chain]++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if watched[0] != end || count[0] != int(end)+1 {
		t.Fatalf("receive chain watched to %d (%d scripts), want to %d, every index once", watched[0], count[0], end)
	}
	if watched[1] != w || count[1] != w+1 {
		t.Fatalf("change chain watched to %d (%d scripts), want the window", watched[1], count[1])
	}
}
