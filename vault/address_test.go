package vault

import (
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
)

var (
	mainNet = Network{Name: "mainnet", Params: &chaincfg.MainNetParams}
	testNet = Network{Name: "testnet", Params: &chaincfg.TestNet3Params}
	regNet  = Network{Name: "regtest", Params: &chaincfg.RegressionNetParams}
)

// Vectors from BIP-173 and BIP-350, and the mistakes officers make.
func TestDecodeAddress(t *testing.T) {
	tests := []struct {
		addr string
		net  Network
		want error // nil: valid
	}{
		{"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", mainNet, nil},
		{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", mainNet, nil},
		{"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", testNet, nil},
		{"tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy", testNet, nil},
		{"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", mainNet, nil},
		{"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", mainNet, nil},
		{"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", mainNet, nil},
		{"mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", regNet, nil},
		{"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", regNet, nil},

		// One character wrong, or the checksum of the wrong kind.
		{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", mainNet, ErrAddressChecksum},
		{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", mainNet, ErrAddressChecksum},
		{"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", mainNet, ErrAddressChecksum},
		{"tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", testNet, ErrAddressChecksum},
		{"bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", mainNet, ErrAddressChecksum},
		{"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", mainNet, ErrAddressChecksum},

		// Another network.
		{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", regNet, ErrAddressNetwork},
		{"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", mainNet, ErrAddressNetwork},
		{"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", regNet, ErrAddressNetwork},
		{"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", regNet, ErrAddressNetwork},
		{"mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", mainNet, ErrAddressNetwork},

		// Not an address.
		{"", mainNet, ErrNotAddress},
		{" bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", mainNet, ErrNotAddress},
		{"tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", mainNet, ErrNotAddress},
		{"BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", mainNet, ErrNotAddress},
		{"bc1pw5dgrnzv", mainNet, ErrNotAddress},
		{"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav", mainNet, ErrNotAddress},
		{"BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", mainNet, ErrNotAddress},
		{"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", testNet, ErrNotAddress},
		{"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", mainNet, ErrNotAddress},
		{"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", testNet, ErrNotAddress},
		{"bc1gmk9yu", mainNet, ErrNotAddress},
		{"LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9", mainNet, ErrNotAddress},
		{"0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", mainNet, ErrNotAddress},
		{"bc1pfeessrawgf", mainNet, ErrNotAddress}, // pay-to-anchor: anyone can spend
		{"hello", mainNet, ErrNotAddress},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			a, err := DecodeAddress(tt.addr, tt.net)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("DecodeAddress: %v", err)
				}
				if !strings.EqualFold(a.EncodeAddress(), tt.addr) {
					t.Fatalf("decoded to %s", a.EncodeAddress())
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// BIP-173: "implementations should not suggest corrections". A typo's
// error must not contain the checksum of any nearby valid address.
func TestDecodeAddressSuggestsNoCorrection(t *testing.T) {
	typos := []string{
		"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", // checksum typo
		"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kw8f3t4", // data typo
		"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7v8f3t4",  // dropped character
	}
	for _, typo := range typos {
		_, err := DecodeAddress(typo, mainNet)
		if err == nil {
			t.Fatalf("%s accepted", typo)
		}
		msg := err.Error()
		for _, leak := range []string{"expected", "v8f3t4", "bech32="} {
			if strings.Contains(strings.ReplaceAll(msg, typo, ""), leak) {
				t.Errorf("error for %s suggests a correction (%q): %s", typo, leak, msg)
			}
		}
	}
}

// A private key pasted where an address belongs is never repeated.
func TestDecodeAddressNeverEchoesPrivateKeys(t *testing.T) {
	priv, _ := btcec.NewPrivateKey()
	wif, err := btcutil.NewWIF(priv, &chaincfg.MainNetParams, true)
	if err != nil {
		t.Fatal(err)
	}
	w := wif.String()
	for _, k := range []string{
		w,
		w[:len(w)-1] + string(w[len(w)-1]^1), // mistyped
		w[:34],                               // cut short
		"tprv8ZgxMBicQKsPd9TeAdPADNnSyH9SSUUbTVeFszDE23Ki6TBB5nCefAdHkK8Fm3qMQR6sHwA56zqRmKmxnHk37JkiFzvncDqoKmPWubu7hDF",
	} {
		_, err := DecodeAddress(k, mainNet)
		if !errors.Is(err, ErrNotAddress) || strings.Contains(err.Error(), k[:12]) {
			t.Errorf("private key: err = %v", err)
		}
	}
}

// FuzzDecodeAddress: whatever the input, one of the three kinds of error
// or an address that prints back to the same text (in lower case), and
// never a suggested checksum.
func FuzzDecodeAddress(f *testing.F) {
	for _, s := range []string{
		"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
		"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
		"bc1pfeessrawgf", "bc1", "tb1", "", "1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := DecodeAddress(s, mainNet)
		if err != nil {
			if !errors.Is(err, ErrNotAddress) && !errors.Is(err, ErrAddressChecksum) && !errors.Is(err, ErrAddressNetwork) {
				t.Fatalf("untyped error: %v", err)
			}
			if strings.Contains(err.Error(), "expected") {
				t.Fatalf("suggests a correction: %v", err)
			}
			return
		}
		if !strings.EqualFold(a.EncodeAddress(), s) {
			t.Fatalf("%q decoded to %s", s, a.EncodeAddress())
		}
	})
}
