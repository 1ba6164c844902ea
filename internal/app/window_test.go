package app_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
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
