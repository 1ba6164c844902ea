package psbt

import (
	"errors"
	"testing"
)

// zeros is an endless input such as /dev/zero; it counts what was read.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.n += int64(len(p))
	return len(p), nil
}

// TestReadAllBounded: an endless input is refused having read no more than
// the limit (and the byte that passes it).
func TestReadAllBounded(t *testing.T) {
	var z zeros
	if _, err := ReadAll(&z); !errors.Is(err, ErrInvalidPSBT) {
		t.Fatalf("err = %v", err)
	}
	if z.n > MaxEncodedSize+1 {
		t.Errorf("read %d bytes of an endless input, limit %d", z.n, MaxEncodedSize)
	}
}

// withProprietary returns a valid BIP-174 vector with a proprietary global
// field of size n added.
func withProprietary(t *testing.T, n int) []byte {
	t.Helper()
	valid, _ := loadBIP174(t)
	raw, err := rawBytes(valid[0].data())
	if err != nil {
		t.Fatal(err)
	}
	p, err := parseRaw(raw)
	if err != nil {
		t.Fatal(err)
	}
	key := []byte{0xfc, 0x03, 'x', 'y', 'z', 0x00}
	p.global = append(p.global, field{keyType: 0xfc, key: key, keyData: key[1:], value: make([]byte, n)})
	v0, err := p.toV0()
	if err != nil {
		t.Fatal(err)
	}
	return v0.serialize()
}

func TestDecodeUnknownFieldsBounded(t *testing.T) {
	if _, err := Decode(withProprietary(t, 100<<10)); err != nil {
		t.Fatalf("100 KiB of proprietary data: %v", err)
	}
	if _, err := Decode(withProprietary(t, MaxUnknownFields)); !errors.Is(err, ErrInvalidPSBT) {
		t.Fatalf("1 MiB of proprietary data: %v, want ErrInvalidPSBT", err)
	}
}
