// Package money formats bitcoin amounts for people, from integer satoshis,
// never through a float. It is the one formatter the CLI, the TUI, the use
// cases and the signer's review share, so a figure reads the same wherever
// a holder or an officer sees it.
package money

import (
	"strconv"

	"github.com/btcsuite/btcd/btcutil/v2"
)

// FormatBTC prints a as BTC with exactly eight decimals and the unit:
// "1.50000000 BTC", "-0.00000001 BTC".
func FormatBTC(a btcutil.Amount) string {
	return Decimal(a) + " BTC"
}

// Decimal prints a as a BTC decimal with exactly eight places and no unit
// ("0.00012345"), the form Bitcoin Core's JSON-RPC takes and gives.
func Decimal(a btcutil.Amount) string {
	v := int64(a)
	neg := v < 0
	u := uint64(v)
	if neg {
		u = -u // two's complement: correct for math.MinInt64 too
	}
	whole := strconv.FormatUint(u/btcutil.SatoshiPerBitcoin, 10)
	frac := strconv.FormatUint(u%btcutil.SatoshiPerBitcoin, 10)
	for len(frac) < 8 {
		frac = "0" + frac
	}
	if neg {
		whole = "-" + whole
	}
	return whole + "." + frac
}
