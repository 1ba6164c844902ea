package psbt

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/vault"
)

// SigSize is the size each ECDSA signature is counted at: the largest DER
// encoding (72 bytes) plus the sighash byte. btcec does not grind for low R,
// so smaller signatures cannot be assumed.
const SigSize = 73

// MaxStandardTxWeight is the largest transaction weight relayed by default.
const MaxStandardTxWeight = 400000

// InputShape describes an input for size estimation: its script type and
// its M-of-N.
type InputShape struct {
	Type vault.ScriptType
	M, N int
}

// InputWeight is the exact weight of one M-of-N input of type t with
// 73-byte signatures: the outpoint, sequence and scriptSig count four
// times, the witness once. It returns 0 for an unknown type or a shape
// that is not 1 <= m <= n <= 16.
func InputWeight(t vault.ScriptType, m, n int) int64 {
	if m < 1 || m > n || n > 16 {
		return 0
	}
	var scriptSig int64
	switch t {
	case vault.P2WSH:
	case vault.P2SHP2WSH:
		scriptSig = 1 + 34 // push of the 34-byte P2WSH program
	default:
		return 0
	}
	nonWitness := 32 + 4 + 4 + int64(wire.VarIntSerializeSize(uint64(scriptSig))) + scriptSig
	witnessScript := int64(34*n + 3) // OP_m, n pushes of 33-byte keys, OP_n, OP_CHECKMULTISIG
	witness := int64(wire.VarIntSerializeSize(uint64(m+2))) +
		1 + // the empty item CHECKMULTISIG pops
		int64(m)*(1+SigSize) +
		int64(wire.VarIntSerializeSize(uint64(witnessScript))) + witnessScript
	return 4*nonWitness + witness
}

// InputVSize is InputWeight in virtual bytes (weight / 4, not rounded),
// for display. Fee arithmetic uses weights.
func InputVSize(t vault.ScriptType, m, n int) float64 {
	return float64(InputWeight(t, m, n)) / 4
}

// OutputVSize is the size of one output paying to pkScript.
func OutputVSize(pkScript []byte) int64 {
	return 8 + int64(wire.VarIntSerializeSize(uint64(len(pkScript)))+len(pkScript))
}

// DustThreshold is Bitcoin Core's GetDustThreshold at the default dust
// relay fee of 3 sat/vB: an output worth less is not relayed. It is three
// times the size of the output plus that of the input that would spend it
// (32+4+1+107+4 bytes, the 107-byte scriptSig counted at a quarter for a
// witness program). The coordinator keeps change above it and the signer
// refuses outputs below it, by this one rule.
func DustThreshold(pkScript []byte) btcutil.Amount {
	spend := int64(32 + 4 + 1 + 107 + 4)
	if txscript.IsWitnessProgram(pkScript) {
		spend = 32 + 4 + 1 + 107/4 + 4
	}
	return btcutil.Amount((OutputVSize(pkScript) + spend) * 3)
}

// EstimateWeight is the weight of a segwit transaction with these inputs
// (signed with 73-byte signatures) and outputs: version, marker and flag,
// the input and output counts, the outputs and the locktime included.
func EstimateWeight(inputs []InputShape, outputScripts [][]byte) int64 {
	base := int64(4 + 4) // version, locktime
	base += int64(wire.VarIntSerializeSize(uint64(len(inputs))))
	base += int64(wire.VarIntSerializeSize(uint64(len(outputScripts))))
	for _, s := range outputScripts {
		base += OutputVSize(s)
	}
	weight := 4*base + 2 // segwit marker and flag
	for _, in := range inputs {
		weight += InputWeight(in.Type, in.M, in.N)
	}
	return weight
}

// EstimateVSize is EstimateWeight in virtual bytes, rounded up. With
// 73-byte signatures it is never below the size of the signed transaction.
func EstimateVSize(inputs []InputShape, outputScripts [][]byte) int64 {
	return ceilDiv(EstimateWeight(inputs, outputScripts), 4)
}

// FeeRate is a fee rate in satoshis per 1000 virtual bytes (equivalently,
// millisatoshis per virtual byte), so fractional sat/vB rates stay exact
// integers.
type FeeRate int64

// SatPerVByte returns the fee rate of n sat/vB.
func SatPerVByte(n int64) FeeRate { return FeeRate(n * 1000) }

// ParseFeeRate reads a rate in sat/vB with at most three decimals ("12",
// "1.5"); it refuses negative, empty and malformed rates.
func ParseFeeRate(s string) (FeeRate, error) {
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" || len(frac) > 3 || strings.ContainsAny(whole+frac, "+-") {
		return 0, fmt.Errorf("fee rate %q is not a number of sat/vB with at most 3 decimals", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1e9 {
		return 0, fmt.Errorf("fee rate %q is not a number of sat/vB with at most 3 decimals", s)
	}
	var f int64
	if frac != "" {
		frac += strings.Repeat("0", 3-len(frac))
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return 0, fmt.Errorf("fee rate %q is not a number of sat/vB with at most 3 decimals", s)
		}
	}
	return FeeRate(w*1000 + f), nil
}

// String formats the rate in sat/vB ("12 sat/vB", "1.5 sat/vB").
func (r FeeRate) String() string { return r.Decimal() + " sat/vB" }

// Decimal is the rate in sat/vB as an exact decimal number without a unit
// ("12", "1.5"): what JSON output prints as a number.
func (r FeeRate) Decimal() string {
	if r < 0 {
		return "-" + (-r).Decimal()
	}
	s := strconv.FormatInt(int64(r)/1000, 10)
	if frac := int64(r) % 1000; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%03d", frac), "0")
	}
	return s
}

// Fee is the fee for vsize virtual bytes at rate, rounded up to a whole
// satoshi.
func Fee(vsize int64, rate FeeRate) btcutil.Amount {
	return btcutil.Amount(ceilDiv(vsize*int64(rate), 1000))
}

// FeeForWeight is the fee for a weight at rate, rounded up.
func FeeForWeight(weight int64, rate FeeRate) btcutil.Amount {
	return btcutil.Amount(ceilDiv(weight*int64(rate), 4000))
}

// ceilDiv divides non-negative a by positive b, rounding up.
func ceilDiv(a, b int64) int64 {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}
