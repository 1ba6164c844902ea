package app

import (
	"crypto/sha256"
	"math"
	"strings"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/money"
)

func amount(sat int64) btcutil.Amount { return btcutil.Amount(sat) }

// formatBTC prints satoshis as BTC with eight decimals, without floats.
func formatBTC(a btcutil.Amount) string { return money.FormatBTC(a) }

// ParseAmount reads a user amount: "0.5btc", "50000000sat" or a bare BTC
// number ("1.25"). It parses decimal text, never through a float, and
// refuses more than eight decimals, signs, exponents and zero.
func ParseAmount(s string) (btcutil.Amount, error) {
	text := strings.ToLower(strings.TrimSpace(s))
	unitSat := false
	switch {
	case strings.HasSuffix(text, "sat"):
		text, unitSat = strings.TrimSpace(strings.TrimSuffix(text, "sat")), true
	case strings.HasSuffix(text, "sats"):
		text, unitSat = strings.TrimSpace(strings.TrimSuffix(text, "sats")), true
	case strings.HasSuffix(text, "btc"):
		text = strings.TrimSpace(strings.TrimSuffix(text, "btc"))
	}
	if rest, neg := strings.CutPrefix(text, "-"); neg && rest != "" && digits(strings.Replace(rest, ".", "", 1)) {
		return 0, errorf(ErrInvalid, "amount %q is negative; an amount is what moves, above zero", s)
	}
	whole, frac, hasDot := strings.Cut(text, ".")
	if text == "" || whole == "" && frac == "" || !digits(whole) || !digits(frac) || (hasDot && frac == "" && whole == "") {
		return 0, errorf(ErrInvalid, "amount %q is not a number: use 0.5btc, 50000000sat or 0.5", s)
	}
	if unitSat && hasDot {
		return 0, errorf(ErrInvalid, "amount %q: satoshis have no fractions", s)
	}
	if len(frac) > 8 {
		return 0, errorf(ErrInvalid, "amount %q has more than 8 decimals; the smallest unit is 1 satoshi (0.00000001 BTC)", s)
	}
	scale := int64(1e8)
	if unitSat {
		scale = 1
	}
	w, err := parseDigits(whole, s)
	if err != nil {
		return 0, err
	}
	if w > int64(btcutil.MaxSatoshi)/scale {
		return 0, errorf(ErrInvalid, "amount %q is more than 21 million BTC", s)
	}
	f, err := parseDigits(frac+strings.Repeat("0", 8-len(frac)), s)
	if err != nil {
		return 0, err
	}
	if unitSat {
		f = 0
	}
	total := w*scale + f
	if total <= 0 {
		return 0, errorf(ErrInvalid, "amount %q must be above zero", s)
	}
	if total > btcutil.MaxSatoshi {
		return 0, errorf(ErrInvalid, "amount %q is more than 21 million BTC", s)
	}
	return btcutil.Amount(total), nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func parseDigits(d, orig string) (int64, error) {
	var v int64
	for _, r := range d {
		if v > (math.MaxInt64-9)/10 {
			return 0, errorf(ErrInvalid, "amount %q is too large", orig)
		}
		v = v*10 + int64(r-'0')
	}
	return v, nil
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }
