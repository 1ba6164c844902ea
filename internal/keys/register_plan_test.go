package keys

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/treasury-dev/treasury/vault"
)

func TestRegistrationRule(t *testing.T) {
	hs := holders(t, "regtest", "alice", "bob", "carol", "dave")
	alice, bob, carol, dave := hs[0], hs[1], hs[2], hs[3]
	ours := multisig(t, 2, 0, alice, bob, carol)
	next := multisig(t, 2, 1, bob, carol, dave)

	// A destination alone, with nothing of alice's registered: refused.
	if _, err := alice.PlanRegistration([]Candidate{{Descriptor: next, Generation: -1}}); !errors.Is(err, ErrNoOwnWallet) {
		t.Fatalf("destination alone: %v, want ErrNoOwnWallet", err)
	}
	plan, err := alice.PlanRegistration([]Candidate{
		{Descriptor: ours, Vault: "ops", Generation: 0},
		{Descriptor: next, Vault: "ops", Generation: 1},
		{Descriptor: ours, Generation: -1}, // the same wallet twice
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) != 2 || plan[0].Role != RoleSigning || plan[1].Role != RoleDestination || !plan[0].New || !plan[1].New {
		t.Fatalf("plan = %+v", plan)
	}
	// Without acceptance nothing is registered, not even the signing wallet.
	if _, _, err := alice.ApplyRegistration(plan, false); !errors.Is(err, ErrDestinationNotAccepted) ||
		err.Error() != "refusing to register generation 1 of vault ops with keys "+joinFingerprints(next.Fingerprints())+
			": it holds no key of alice ("+alice.Fingerprint.String()+"), so it can only be a destination, and it was not accepted as one" {
		t.Fatalf("unaccepted destination: %v", err)
	}
	if len(alice.Registered) != 0 {
		t.Fatalf("registered %v after a refusal", alice.Registered)
	}
	added, _, err := alice.ApplyRegistration(plan, true)
	if err != nil || len(added) != 2 {
		t.Fatalf("apply: %v, %d added", err, len(added))
	}

	// Saved and loaded, every registration keeps its role, name and generation.
	path := filepath.Join(t.TempDir(), "alice.key")
	if err := alice.SaveNew(path, []byte(testPass)); err != nil {
		t.Fatal(err)
	}
	g, err := Load(path, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	regs, err := g.Registrations()
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		role Role
		gen  int
	}{{RoleSigning, 0}, {RoleDestination, 1}}
	for i, w := range want {
		r := regs[i]
		if r.Role != w.role || r.Vault != "ops" || r.Generation != w.gen || r.Threshold != 2 || r.N != 3 || len(r.Fingerprints) != 3 {
			t.Errorf("registration %d = %+v", i, r)
		}
	}

	// A descriptor registered without an export: its generation is the
	// BIP-48 account its keys share.
	third := multisig(t, 2, 7, alice, bob)
	if _, err := g.Register(third); err != nil {
		t.Fatal(err)
	}
	regs, _ = g.Registrations()
	if r := regs[2]; r.Vault != "" || r.Generation != 7 || r.Role != RoleSigning {
		t.Errorf("unlabelled registration = %+v", r)
	}

	// Another network, or a forged origin, fails the plan.
	main := holders(t, "mainnet", "m")[0]
	if _, err := alice.PlanRegistration([]Candidate{{Descriptor: multisig(t, 1, 0, main), Generation: -1}}); !errors.Is(err, ErrNetworkMismatch) {
		t.Errorf("mainnet: %v", err)
	}
	forged := multisig(t, 2, 5, alice, bob)
	k, _ := bob.AccountKey(9, vault.P2WSH)
	for i := range forged.Keys {
		if forged.Keys[i].Origin.Fingerprint == alice.Fingerprint {
			forged.Keys[i].XPub = k.XPub // alice's origin, bob's key
		}
	}
	if _, err := alice.PlanRegistration([]Candidate{{Descriptor: forged, Generation: -1}}); !errors.Is(err, ErrFalseOrigin) {
		t.Errorf("forged origin: %v", err)
	}
}
