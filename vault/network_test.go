package vault

import (
	"errors"
	"slices"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/v2"
)

func TestParseNetwork(t *testing.T) {
	tests := []struct {
		in, name string
		params   *chaincfg.Params
	}{
		{"mainnet", "mainnet", &chaincfg.MainNetParams},
		{"main", "mainnet", &chaincfg.MainNetParams},
		{"Bitcoin", "mainnet", &chaincfg.MainNetParams},
		{"testnet", "testnet", &chaincfg.TestNet3Params},
		{"testnet3", "testnet", &chaincfg.TestNet3Params},
		{"testnet4", "testnet4", &chaincfg.TestNet4Params},
		{"signet", "signet", &chaincfg.SigNetParams},
		{" regtest ", "regtest", &chaincfg.RegressionNetParams},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := ParseNetwork(tt.in)
			if err != nil || n.Name != tt.name || n.Params != tt.params {
				t.Fatalf("ParseNetwork(%q) = %+v, %v", tt.in, n, err)
			}
		})
	}
	if _, err := ParseNetwork("simnet"); err == nil {
		t.Error("simnet accepted")
	}
	if got := Networks(); !slices.Equal(got, []string{"mainnet", "testnet", "testnet4", "signet", "regtest"}) {
		t.Errorf("Networks() = %v", got)
	}
}

func TestBIP48Path(t *testing.T) {
	tests := []struct {
		net     string
		account uint32
		typ     ScriptType
		want    string
	}{
		{"mainnet", 0, P2WSH, "m/48'/0'/0'/2'"},
		{"testnet", 0, P2WSH, "m/48'/1'/0'/2'"},
		{"regtest", 7, P2SHP2WSH, "m/48'/1'/7'/1'"},
		{"mainnet", 3, P2SHP2WSH, "m/48'/0'/3'/1'"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := FormatPath(BIP48Path(mustNetwork(t, tt.net), tt.account, tt.typ)); got != tt.want {
				t.Errorf("got %s", got)
			}
		})
	}
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{in: "m", want: "m"},
		{in: "m/48'/1'/0'/2'", want: "m/48'/1'/0'/2'"},
		{in: "48h/1h/0h/2h", want: "m/48'/1'/0'/2'"},
		{in: "m/0/2147483647'", want: "m/0/2147483647'"},
		{in: "m/", err: true},
		{in: "", err: true},
		{in: "m/1//2", err: true},
		{in: "m/2147483648", err: true},
		{in: "m/0H", err: true}, // BIP-380's "invalid hardened indicators" vector
		{in: "m/0f", err: true},
		{in: "m/-0", err: true},
		{in: "m/1aa", err: true},
		{in: "m/*", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePath(tt.in)
			if tt.err {
				if !errors.Is(err, ErrSyntax) {
					t.Fatalf("ParsePath(%q) = %v, %v; want ErrSyntax", tt.in, p, err)
				}
				return
			}
			if err != nil || FormatPath(p) != tt.want {
				t.Fatalf("ParsePath(%q) = %s, %v", tt.in, FormatPath(p), err)
			}
		})
	}
}
