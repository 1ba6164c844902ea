package vault

import (
	"errors"
	"reflect"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
)

// TestDeriveRangeMatchesDerive holds DeriveRange equal to Derive, index by
// index (keys, paths, scripts, addresses), for every descriptor of the
// vector file, both chains, ranges of one and of many, and a range
// starting far from zero: the batched affine conversion must not change a
// single key.
func TestDeriveRangeMatchesDerive(t *testing.T) {
	compared := 0
	for _, c := range loadVectors(t).Cases {
		d, err := ParseDescriptor(c.Descriptor)
		if err != nil {
			continue // the vector file's refusals
		}
		compared++
		net, err := ParseNetwork(c.Network)
		if err != nil {
			t.Fatal(err)
		}
		for chain := uint32(0); chain < 2; chain++ {
			if !d.hasChain(chain) {
				continue
			}
			for _, r := range []struct{ from, count uint32 }{{0, 1}, {0, 25}, {990, 11}, {1<<31 - 3, 3}} {
				got, err := d.DeriveRange(net, chain, r.from, r.count)
				if err != nil {
					t.Fatalf("%s chain %d %v: %v", c.Name, chain, r, err)
				}
				if len(got) != int(r.count) {
					t.Fatalf("%s: %d derived of %d", c.Name, len(got), r.count)
				}
				for i, g := range got {
					want, err := d.Derive(net, chain, r.from+uint32(i))
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(g, want) {
						t.Fatalf("%s chain %d index %d:\nrange  %+v\nderive %+v", c.Name, chain, r.from+uint32(i), g, want)
					}
				}
			}
		}
	}
	if compared < 8 {
		t.Fatalf("compared %d descriptors of the vector file", compared)
	}
}

// TestDeriveRangeRefuses: a range reaching a hardened index, a foreign
// network or a chain the descriptor lacks fails as Derive does, and an
// empty range derives nothing.
func TestDeriveRangeRefuses(t *testing.T) {
	d := mustParse(t, wsh(t, "2", "/<0;1>/*", tpubA, tpubB, tpubC))
	regtest := mustNetwork(t, "regtest")
	if _, err := d.DeriveRange(regtest, 0, hdkeychain.HardenedKeyStart-2, 3); !errors.Is(err, ErrUnsupportedDerivation) {
		t.Errorf("range into hardened indexes: %v", err)
	}
	if _, err := d.DeriveRange(regtest, 0, 1<<32-1, 2); !errors.Is(err, ErrUnsupportedDerivation) {
		t.Errorf("range past 2^32: %v", err)
	}
	if _, err := d.DeriveRange(mustNetwork(t, "mainnet"), 0, 0, 2); !errors.Is(err, ErrNetworkMismatch) {
		t.Errorf("mainnet: %v", err)
	}
	one := mustParse(t, wsh(t, "2", "/0/*", tpubA, tpubB, tpubC))
	if _, err := one.DeriveRange(regtest, 1, 0, 2); !errors.Is(err, ErrChainUnavailable) {
		t.Errorf("missing chain: %v", err)
	}
	if got, err := d.DeriveRange(regtest, 0, 5, 0); err != nil || len(got) != 0 {
		t.Errorf("empty range: %v %v", got, err)
	}
}
