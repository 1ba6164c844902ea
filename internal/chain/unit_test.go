package chain

import (
	"encoding/json"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"
)

func TestBTCAmounts(t *testing.T) {
	tests := []struct {
		in   string
		want btcutil.Amount
	}{
		{"0", 0},
		{"0.00001", 1000},
		{"1e-05", 1000},
		{"0.00012345", 12345},
		{"0.000123455", 12346}, // half a satoshi rounds away from zero
		{"0.000123454", 12345},
		{"21000000", 2_100_000_000_000_000},
		{"-0.00000001", -1},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := btcToSat(json.Number(tc.in))
			if err != nil || got != tc.want {
				t.Fatalf("btcToSat(%s) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
			if tc.want >= 0 && tc.in != "0.000123455" && tc.in != "0.000123454" {
				back, err := btcToSat(btcNumber(got))
				if err != nil || back != got {
					t.Fatalf("btcNumber round trip %d → %s → %d, %v", got, btcNumber(got), back, err)
				}
			}
		})
	}
	if _, err := btcToSat("abc"); err == nil {
		t.Error("btcToSat accepted abc")
	}
	if got := btcNumber(DefaultMaxFeeRate); got != "0.10000000" {
		t.Errorf("btcNumber(DefaultMaxFeeRate) = %s", got)
	}
}

func TestNodeURL(t *testing.T) {
	tests := []struct {
		cfg     Config
		want    string
		wantErr bool
	}{
		{Config{Host: "127.0.0.1:18443"}, "http://127.0.0.1:18443", false},
		{Config{Host: "127.0.0.1:18443", TLS: true}, "https://127.0.0.1:18443", false},
		{Config{Host: "https://node.lan:8332/wallet/x"}, "https://node.lan:8332/wallet/x", false},
		{Config{Host: "ftp://x:1"}, "", true},
		{Config{Host: ""}, "", true},
		{Config{Host: "http://"}, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.cfg.Host, func(t *testing.T) {
			u, err := nodeURL(tc.cfg)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if err == nil && u.String() != tc.want {
				t.Errorf("url = %s, want %s", u, tc.want)
			}
		})
	}
}

func TestAlreadyKnown(t *testing.T) {
	tests := []struct {
		msg  string
		want bool
	}{
		{"TX rejected: already have transaction in mempool abcd", true},
		{"TX rejected: transaction already exists in blockchain", true},
		{"txn-already-in-mempool", true},
		{"Transaction already in block chain", true},
		{"Transaction outputs already in utxo set", true},
		{"bad-txns-inputs-missingorspent", false},
		{"min relay fee not met", false},
	}
	for _, tc := range tests {
		t.Run(tc.msg, func(t *testing.T) {
			if got := alreadyKnown(tc.msg); got != tc.want {
				t.Errorf("alreadyKnown = %v, want %v", got, tc.want)
			}
		})
	}
}
