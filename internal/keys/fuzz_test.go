package keys

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
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
