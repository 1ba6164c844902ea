package keys

import (
	"errors"
	"testing"

	"github.com/treasury-dev/treasury/vault"
)

func TestRegisterDestination(t *testing.T) {
	net := mustNetwork(t, "regtest")
	mk := func(name string) *File {
		f, _, err := New(name, net, 128, "")
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	carol, dave, erin := mk("carol"), mk("dave"), mk("erin")
	var ks []vault.Key
	for _, f := range []*File{dave, erin} {
		k, err := f.AccountKey(1, vault.P2WSH)
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, k)
	}
	next, err := vault.NewDescriptor(vault.P2WSH, 2, ks)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := carol.Register(next); !errors.Is(err, ErrForeignDescriptor) {
		t.Fatalf("Register of a descriptor without our keys = %v, want ErrForeignDescriptor", err)
	}
	if added, err := carol.RegisterDestination(next); err != nil || !added {
		t.Fatalf("RegisterDestination = %v, %v", added, err)
	}
	// A key falsely claiming carol's fingerprint is refused even as a destination.
	forged := ks[0]
	forged.Origin = &vault.KeyOrigin{Fingerprint: carol.Fingerprint, Path: forged.Origin.Path}
	bad, err := vault.NewDescriptor(vault.P2WSH, 1, []vault.Key{forged, ks[1]})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := carol.RegisterDestination(bad); !errors.Is(err, ErrFalseOrigin) {
		t.Fatalf("RegisterDestination with a forged origin = %v, want ErrFalseOrigin", err)
	}
}
