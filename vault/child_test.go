package vault

import (
	"bytes"
	"testing"
)

// TestChildMatchesHDKeychain holds the fast public derivation equal to
// hdkeychain's for many indexes of several keys and both chains.
func TestChildMatchesHDKeychain(t *testing.T) {
	d, err := ParseDescriptor("wsh(sortedmulti(2," + tpubA + "/<0;1>/*," + tpubB + "/<0;1>/*))")
	if err != nil {
		t.Fatal(err)
	}
	for chain := uint32(0); chain < 2; chain++ {
		cks, err := chainKeysOf(d.Keys, chain)
		if err != nil {
			t.Fatal(err)
		}
		for i := range cks {
			for _, index := range []uint32{0, 1, 2, 19, 20, 999, 1 << 20, 1<<31 - 1} {
				got, err := cks[i].child(index)
				if err != nil {
					t.Fatal(err)
				}
				want, err := cks[i].xk.Derive(index)
				if err != nil {
					t.Fatal(err)
				}
				wpk, _ := want.ECPubKey()
				if !bytes.Equal(got, wpk.SerializeCompressed()) {
					t.Fatalf("key %d chain %d index %d: %x, hdkeychain says %x", i, chain, index, got, wpk.SerializeCompressed())
				}
			}
		}
	}
}
