package keys

import (
	"errors"
	"testing"

	"github.com/treasury-dev/treasury/vault"
)

// holders returns n fresh key files on net.
func holders(t testing.TB, net string, names ...string) []*File {
	t.Helper()
	out := make([]*File, len(names))
	for i, name := range names {
		f, _, err := New(name, mustNetwork(t, net), DefaultEntropyBits, "")
		if err != nil {
			t.Fatal(err)
		}
		out[i] = f
	}
	return out
}

// multisig makes the threshold-of-len(files) P2WSH descriptor of the files'
// account keys, round-tripped through its string form.
func multisig(t testing.TB, threshold int, account uint32, files ...*File) *vault.Descriptor {
	t.Helper()
	return multisigOf(t, vault.P2WSH, threshold, account, files...)
}

// multisigOf is multisig for script type st.
func multisigOf(t testing.TB, st vault.ScriptType, threshold int, account uint32, files ...*File) *vault.Descriptor {
	t.Helper()
	keys := make([]vault.Key, len(files))
	for i, f := range files {
		k, err := f.AccountKey(account, st)
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
	}
	d, err := vault.NewDescriptor(st, threshold, keys)
	if err != nil {
		t.Fatal(err)
	}
	d, err = vault.ParseDescriptor(d.String())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRegister(t *testing.T) {
	hs := holders(t, "regtest", "alice", "bob", "carol", "dave")
	alice, bob, carol, dave := hs[0], hs[1], hs[2], hs[3]
	main := holders(t, "mainnet", "m1", "m2")
	ours := multisig(t, 2, 0, alice, bob, carol)
	foreign := multisig(t, 2, 0, bob, carol, dave)

	// A key with alice's fingerprint and origin path but bob's xpub.
	forged := multisig(t, 2, 5, alice, bob, carol)
	bobKey, _ := bob.AccountKey(7, vault.P2WSH)
	forged.Keys[0].XPub = bobKey.XPub
	forged, err := vault.ParseDescriptor(forged.String())
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		d       *vault.Descriptor
		added   bool
		wantErr error
	}{
		{"own vault", ours, true, nil},
		{"again", ours, false, nil},
		{"next generation", multisig(t, 2, 1, alice, bob, carol), true, nil},
		{"reordered keys are the same vault", multisig(t, 2, 0, carol, alice, bob), false, nil},
		{"no key of ours", foreign, false, ErrForeignDescriptor},
		{"forged origin", forged, false, ErrFalseOrigin},
		{"mainnet descriptor", multisig(t, 1, 0, main[0], main[1]), false, ErrNetworkMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			added, err := alice.Register(tt.d)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if added != tt.added {
				t.Errorf("added = %v, want %v", added, tt.added)
			}
		})
	}
	if len(alice.Registered) != 2 || alice.Registered[0] != ours.String() {
		t.Errorf("registered = %v", alice.Registered)
	}
}
