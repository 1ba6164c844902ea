package keys

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/treasury-dev/treasury/psbt"
)

// FuzzLoad feeds arbitrary bytes to the key file decoder: it must never
// panic and must fail only with the documented errors.
func FuzzLoad(f *testing.F) {
	maxLoadWorkFactor = 12 // test-only: bound the scrypt work a mutated header can ask for
	k, _ := newTestFile(f, "fuzz")
	path := filepath.Join(f.TempDir(), "k")
	if err := k.SaveNew(path, []byte(testPass)); err != nil {
		f.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	f.Add(raw)
	f.Add(raw[:len(raw)/2])
	f.Add(ageEncrypt(f, validPayload(f, nil), testPass, false))
	f.Add(ageEncrypt(f, []byte("{}"), testPass, false))
	f.Add([]byte("age-encryption.org/v1\n-> scrypt AAAA 10\n\n--- AAAA\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := decode(data, []byte(testPass))
		if err == nil {
			if got == nil || got.Name == "" {
				t.Fatal("decode returned no key and no error")
			}
			return
		}
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrWrongPassphrase) && !errors.Is(err, ErrUnsupportedVersion) {
			t.Fatalf("undocumented error: %v", err)
		}
	})
}

// FuzzReview feeds arbitrary PSBTs to Review and Sign: they must never
// panic, and whatever they accept must carry signatures that verify.
func FuzzReview(f *testing.F) {
	fx := newFixture(f)
	for _, n := range []int{1, 2} {
		raw, err := psbt.EncodeBinary(fx.spend(f, n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := psbt.Decode(data)
		if err != nil {
			return
		}
		r, err := fx.alice.Review(p)
		if err != nil {
			return
		}
		if _, err := fx.alice.Sign(p, r); err != nil {
			return
		}
		hashes, err := psbt.SigHashes(p)
		if err != nil {
			t.Fatalf("signed a psbt whose sighashes cannot be computed: %v", err)
		}
		for i, in := range r.Inputs {
			for _, k := range in.derived.Keys {
				if k.Fingerprint != fx.alice.Fingerprint {
					continue
				}
				for _, s := range p.Inputs[i].PartialSigs {
					if !bytes.Equal(s.PubKey, k.PubKey) {
						continue // another holder's signature: not ours to vouch for
					}
					if err := psbt.VerifyPartialSig(p, hashes, i, s); err != nil {
						t.Fatalf("input %d: %v", i, err)
					}
				}
			}
		}
	})
}
