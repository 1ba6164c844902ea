package app_test

import (
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/vault"
)

func TestAddressHandsOutFreshIndexesAndExplicitOnesLeaveNoGap(t *testing.T) {
	f := newFixtureOn(t, nil)
	f.createVault("ops", 2, f.keys(0, "alice", "bob", "carol"), nil)
	idx := func(req app.AddressRequest) uint32 {
		t.Helper()
		req.Vault = "ops"
		a, err := f.app.Address(f.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return a.Index
	}
	if got := idx(app.AddressRequest{}); got != 0 {
		t.Fatalf("first address index %d", got)
	}
	if got := idx(app.AddressRequest{}); got != 1 {
		t.Fatalf("second address index %d", got)
	}
	far := uint32(100)
	if got := idx(app.AddressRequest{Index: &far}); got != far {
		t.Fatalf("explicit index %d", got)
	}
	if got := idx(app.AddressRequest{}); got != 2 {
		t.Fatalf("after an explicit index the next fresh one is %d, want 2 (no gap)", got)
	}
	// The explicit index is watched, with the gap beyond it (the whole
	// signers' window 0..MaxAddressIndex is watched from the start).
	var max uint32
	f.db.View(f.ctx, func(tx app.Tx) error {
		ss, _ := tx.Scripts(0)
		for _, s := range ss {
			if s.Chain == 0 && s.Index > max {
				max = s.Index
			}
		}
		return nil
	})
	if max != vault.MaxAddressIndex {
		t.Fatalf("watched up to %d, want the whole window, %d", max, vault.MaxAddressIndex)
	}
}
