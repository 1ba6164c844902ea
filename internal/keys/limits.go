package keys

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// Limits are the ceilings a signer holds a PSBT to. The zero value is not
// usable; start from DefaultLimits and raise a figure only on the holder's
// explicit word (key sign --max-fee-rate, --max-fee-share).
type Limits struct {
	// MaxFeeRate is the highest fee rate signed.
	MaxFeeRate psbt.FeeRate
	// MaxFeeShare is the highest fee signed, in basis points (1/100 of a
	// percent) of the value the inputs spend: 500 is 5%.
	MaxFeeShare int64
}

// Defaults of Limits: 1,000 sat/vB is several times any fee rate the
// network has needed; 5% of the value spent is what a careful holder would
// never pay without being told.
const (
	DefaultMaxFeeRate  = psbt.FeeRate(1000 * 1000)
	DefaultMaxFeeShare = 500
)

// MaxInternalIndex is the window of address indexes on each chain of a
// registered descriptor where an output counts as the vault's own:
// 0..MaxInternalIndex. The coordinator hands indexes out one by one, watches
// the whole window and exports it to Bitcoin Core; an output beyond it
// would be invisible to every wallet that restores the vault, so the signer
// refuses it. It is vault.MaxAddressIndex, which the coordinator uses.
const MaxInternalIndex = vault.MaxAddressIndex

// DefaultLimits returns the default ceilings.
func DefaultLimits() Limits {
	return Limits{MaxFeeRate: DefaultMaxFeeRate, MaxFeeShare: DefaultMaxFeeShare}
}

var (
	// ErrFeeRateTooHigh: the fee rate is above Limits.MaxFeeRate.
	ErrFeeRateTooHigh = errors.New("fee rate is above the signer's ceiling")
	// ErrFeeShareTooHigh: the fee is a larger share of the value spent
	// than Limits.MaxFeeShare.
	ErrFeeShareTooHigh = errors.New("fee is above the signer's share of the value spent")
)

// checkFee refuses a fee above either ceiling, naming the one hit.
func (r *Review) checkFee(l Limits) error {
	if r.FeeRate > l.MaxFeeRate {
		return refuse(ErrFeeRateTooHigh, "its fee of %s BTC is %s for %d vB, above the ceiling of %s",
			btcString(r.Fee), r.FeeRate, r.VSize, l.MaxFeeRate)
	}
	// fee/inputs > share/10000, in integers wide enough for 21M BTC.
	lhs := new(big.Int).Mul(big.NewInt(int64(r.Fee)), big.NewInt(10000))
	rhs := new(big.Int).Mul(big.NewInt(int64(r.InputTotal)), big.NewInt(l.MaxFeeShare))
	if lhs.Cmp(rhs) > 0 {
		return refuse(ErrFeeShareTooHigh, "its fee of %s BTC is %s of the %s BTC it spends, above the ceiling of %s",
			btcString(r.Fee), percent(r.FeeShare), btcString(r.InputTotal), percent(l.MaxFeeShare))
	}
	return nil
}

// feeShare is fee over inputs in basis points, rounded up, so that a share
// shown as within the ceiling is.
func feeShare(fee, inputs btcutil.Amount) int64 {
	if inputs <= 0 {
		return 0
	}
	n := new(big.Int).Mul(big.NewInt(int64(fee)), big.NewInt(10000))
	n.Add(n, big.NewInt(int64(inputs)-1))
	n.Quo(n, big.NewInt(int64(inputs)))
	if !n.IsInt64() {
		return 1 << 62
	}
	return n.Int64()
}

// percent prints basis points as a percentage ("5%", "2.75%").
func percent(bp int64) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s + "%"
}

// btcString prints an amount in BTC with 8 decimals.
func btcString(a btcutil.Amount) string {
	sign := ""
	if a < 0 {
		sign, a = "-", -a
	}
	return fmt.Sprintf("%s%d.%08d", sign, int64(a)/1e8, int64(a)%1e8)
}

func btcAmount(sat int64) btcutil.Amount { return btcutil.Amount(sat) }
