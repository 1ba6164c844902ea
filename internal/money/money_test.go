package money

import (
	"math"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"
)

func TestFormatBTC(t *testing.T) {
	tests := []struct {
		in   btcutil.Amount
		want string
	}{
		{0, "0.00000000 BTC"},
		{1, "0.00000001 BTC"},
		{-1, "-0.00000001 BTC"},
		{12345, "0.00012345 BTC"},
		{150_000_000, "1.50000000 BTC"},
		{btcutil.MaxSatoshi, "21000000.00000000 BTC"},
		{-btcutil.MaxSatoshi - 1, "-21000000.00000001 BTC"},
		{math.MaxInt64, "92233720368.54775807 BTC"},
		{math.MinInt64, "-92233720368.54775808 BTC"},
	}
	for _, tc := range tests {
		if got := FormatBTC(tc.in); got != tc.want {
			t.Errorf("FormatBTC(%d) = %q; want %q", int64(tc.in), got, tc.want)
		}
	}
}

func TestDecimal(t *testing.T) {
	if got := Decimal(100_001); got != "0.00100001" {
		t.Fatalf("Decimal = %q", got)
	}
}
