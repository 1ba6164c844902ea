package vault

import (
	"errors"
	"strings"
	"testing"
)

// TestChecksumBIP380 runs BIP-380's checksum vectors through the checksum
// check ParseDescriptor uses (raw() itself is not a vault descriptor).
func TestChecksumBIP380(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
	}{
		{"valid checksum", "raw(deadbeef)#89f8spxm", nil},
		{"no checksum", "raw(deadbeef)", nil},
		{"missing checksum", "raw(deadbeef)#", ErrChecksum},
		{"too long checksum", "raw(deadbeef)#89f8spxmx", ErrChecksum},
		{"too short checksum", "raw(deadbeef)#89f8spx", ErrChecksum},
		{"error in payload", "raw(deedbeef)#89f8spxm", ErrChecksum},
		{"error in checksum", "raw(deedbeef)##9f8spxm", ErrChecksum},
		{"invalid characters in payload", "raw(Ü)#00000000", ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := splitChecksum(tt.in)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("splitChecksum(%q) error %v, want %v", tt.in, err, tt.want)
			}
			if err == nil && body != "raw(deadbeef)" {
				t.Errorf("body %q", body)
			}
		})
	}
}

func TestChecksum(t *testing.T) {
	tests := []struct{ desc, want string }{
		{"raw(deadbeef)", "89f8spxm"},
		// Bitcoin Core's doc/descriptors.md example.
		{"wsh(sortedmulti(2,[6f53d49c/44h/1h/0h]tpubDDjsCRDQ9YzyaAq9rspCfq8RZFrWoBpYnLxK6sS2hS2yukqSczgcYiur8Scx4Hd5AZatxTuzMtJQJhchufv1FRFanLqUP7JHwusSSpfcEp2/0/*,[e6807791/44h/1h/0h]tpubDDAfvogaaAxaFJ6c15ht7Tq6ZmiqFYfrSmZsHu7tHXBgnjMZSHAeHSwhvjARNA6Qybon4ksPksjRbPDVp7yXA1KjTjSd5x18KHqbppnXP1s/0/*,[367c9cfa/44h/1h/0h]tpubDDtPnSgWYk8dDnaDwnof4ehcnjuL5VoUt1eW2MoAed1grPHuXPDnkX1fWMvXfcz3NqFxPbhqNZ3QBdYjLz2hABeM9Z2oqMR1Gt2HHYDoCgh/0/*))", "av0kxgw0"},
		// BIP-129's first test vector (hex keys).
		{"wsh(sortedmulti(1,[59865f44/48'/0'/0'/2']026d15412460ba0d881c21837bb999233896085a9ed4e5445bd637c10e579768ba,[b7044ca6/48'/0'/0'/2']030baf0497ab406ff50cb48b4013abac8a0338758d2fd54cd934927afa57cc2062))", "rzx9dffd"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got, err := Checksum(tt.desc)
			if err != nil || got != tt.want {
				t.Fatalf("Checksum = %q, %v; want %q", got, err, tt.want)
			}
			full, err := AddChecksum(tt.desc)
			if err != nil || full != tt.desc+"#"+tt.want {
				t.Errorf("AddChecksum = %q, %v", full, err)
			}
		})
	}
}

func mustChecksum(t *testing.T, s string) string {
	t.Helper()
	c, err := Checksum(s)
	if err != nil || len(c) != 8 {
		t.Fatalf("Checksum(%q) = %q, %v", s, c, err)
	}
	return c
}

func TestChecksumRefuses(t *testing.T) {
	if _, err := Checksum("raw(deadbeef)#89f8spxm"); !errors.Is(err, ErrSyntax) {
		t.Errorf("a descriptor with '#': %v", err)
	}
	if _, err := AddChecksum("wsh(\n)"); !errors.Is(err, ErrSyntax) {
		t.Errorf("a newline: %v", err)
	}
}

// A mismatch names the checksum given and never the one the text would
// need: pasting that would turn a typo into a valid, different descriptor.
func TestChecksumMismatchSuggestsNoCorrection(t *testing.T) {
	_, err := ParseDescriptor("raw(deedbeef)#89f8spxm")
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("error %v", err)
	}
	want := mustChecksum(t, "raw(deedbeef)")
	if msg := err.Error(); strings.Contains(msg, want) || !strings.Contains(msg, "#89f8spxm") {
		t.Errorf("message %q suggests the checksum or omits the given one", msg)
	}
}
