package app

import (
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/vault"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in   string
		want btcutil.Amount // 0: refused
	}{
		{"1", 100_000_000},
		{"0.5btc", 50_000_000},
		{"0.5 BTC", 50_000_000},
		{"1.23456789", 123_456_789},
		{"0.00000001", 1},
		{".5", 50_000_000},
		{"50000000sat", 50_000_000},
		{"1sats", 1},
		{"21000000", 2_100_000_000_000_000},
		{"21000000.00000001", 0},
		{"1.234567891", 0}, // 9 decimals
		{"0", 0},
		{"0.0btc", 0},
		{"-1", 0},
		{"+1", 0},
		{"1e3", 0},
		{"1,5", 0},
		{"0x10", 0},
		{"1.5sat", 0},
		{"", 0},
		{".", 0},
		{"btc", 0},
		{"NaN", 0},
		{"99999999999999999999999", 0},
		{"92233720368", 0}, // w*1e8 fits in int64 but is far above 21M BTC
		{"92233720368.54775807", 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAmount(tt.in)
			if tt.want == 0 {
				if err == nil || !errors.Is(err, ErrInvalid) {
					t.Fatalf("ParseAmount(%q) = %d, %v; want a refusal", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseAmount(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseAmountTooLargeSaysSo(t *testing.T) {
	for _, in := range []string{"92233720368", "92233720368.54775807", "21000001btc"} {
		if _, err := ParseAmount(in); err == nil || !strings.Contains(err.Error(), "more than 21 million") {
			t.Errorf("ParseAmount(%q) = %v, want a too-large refusal", in, err)
		}
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1", "0.5btc", "50000000sat", "1.234567891", "-1", "1e3", "21000000", ".", "9" + strings.Repeat("9", 30)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAmount(s)
		if err != nil {
			return
		}
		if a <= 0 || a > btcutil.MaxSatoshi {
			t.Fatalf("ParseAmount(%q) = %d, out of range", s, a)
		}
		back, err := ParseAmount(strings.TrimSuffix(formatBTC(a), " BTC"))
		if err != nil || back != a {
			t.Fatalf("round trip of %d: %d, %v", a, back, err)
		}
	})
}

func TestPayScriptNetworks(t *testing.T) {
	reg, _ := vault.ParseNetwork("regtest")
	a := &App{Net: reg}
	tests := []struct {
		addr string
		ok   bool
	}{
		{"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", true},
		{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", false}, // mainnet
		{"tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", false}, // testnet/signet
		{"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", false},         // mainnet P2PKH
		{"not an address", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			_, err := a.payScript(tt.addr)
			if (err == nil) != tt.ok {
				t.Fatalf("payScript(%q) = %v, want ok=%v", tt.addr, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is not ErrInvalid: %v", err)
			}
		})
	}
}

func FuzzPayScript(f *testing.F) {
	for _, s := range []string{"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "2N", "mzBc4XEFSdzCDcTxAgf6EZXgsZWpztRhef"} {
		f.Add(s)
	}
	reg, _ := vault.ParseNetwork("regtest")
	a := &App{Net: reg}
	f.Fuzz(func(t *testing.T, s string) {
		if script, err := a.payScript(s); err == nil && len(script) == 0 {
			t.Fatalf("payScript(%q) accepted with an empty script", s)
		}
	})
}

func TestParseAmountNegativeSaysSo(t *testing.T) {
	for _, in := range []string{"-1", "-0.5btc", "-50000sat", "-.5"} {
		if _, err := ParseAmount(in); err == nil || !strings.Contains(err.Error(), "is negative") {
			t.Errorf("ParseAmount(%q) = %v, want a negative-amount refusal", in, err)
		}
	}
}
