package psbt

import (
	"bytes"
	"cmp"
	"fmt"
	"math/rand"
	"slices"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// bnbTries bounds the branch-and-bound search, as Bitcoin Core does.
const bnbTries = 100000

// Algorithm names reported in Selection.Algorithm.
const (
	AlgoBnB          = "bnb"
	AlgoSRD          = "srd"
	AlgoLargestFirst = "largest-first"
	AlgoAll          = "all"
)

// Coin is a spendable output.
type Coin struct {
	OutPoint wire.OutPoint
	Value    btcutil.Amount
}

// SelectParams are the amounts and sizes coin selection works with.
type SelectParams struct {
	// Target is the sum of the payments.
	Target btcutil.Amount
	// FeeRate is the rate the transaction pays; LongTermFeeRate is the
	// expected future rate, used for the waste metric and for the cost of
	// spending the change later (Core's discard rate).
	FeeRate, LongTermFeeRate FeeRate
	// InputWeight is the weight of one input: InputWeight(type, m, n).
	InputWeight int64
	// BaseVSize is the transaction without inputs and without change:
	// version, counts, marker and flag, locktime and payment outputs;
	// EstimateVSize(nil, paymentScripts).
	BaseVSize int64
	// ChangeVSize is the size of the change output: OutputVSize(script).
	ChangeVSize int64
	// ChangeSpendVSize is the size of the input that will spend the
	// change later: InputWeight of the change's vault, divided by 4.
	ChangeSpendVSize int64
	// MinChange is the smallest change worth creating (at least the dust
	// threshold); smaller change goes to the fee.
	MinChange btcutil.Amount
}

// Selection is the chosen coins and what the transaction pays.
type Selection struct {
	Coins []Coin
	// Fee is what the transaction pays: inputs - Target - Change.
	Fee btcutil.Amount
	// Change is the change output's value, or 0 for no change output.
	Change btcutil.Amount
	// Waste is Bitcoin Core's waste metric of the selection, in satoshis.
	Waste int64
	// Algorithm names the algorithm that found it.
	Algorithm string
}

// candidate is a coin with its fees at the current and long-term rates.
type candidate struct {
	coin       Coin
	eff        int64 // value minus the fee to spend it now
	fee, ltFee int64
}

// selector holds the derived amounts of one selection.
type selector struct {
	p            SelectParams
	inputFee     int64
	inputLTFee   int64
	baseFee      int64
	changeFee    int64
	costOfChange int64
	target       int64 // payments + base fee
}

func newSelector(p SelectParams) (*selector, error) {
	if p.Target < 0 || p.FeeRate < 0 || p.LongTermFeeRate < 0 || p.InputWeight <= 0 ||
		p.BaseVSize < 0 || p.ChangeVSize <= 0 || p.ChangeSpendVSize < 0 || p.MinChange < 0 {
		return nil, fmt.Errorf("invalid coin selection parameters %+v", p)
	}
	s := &selector{
		p:          p,
		inputFee:   int64(FeeForWeight(p.InputWeight, p.FeeRate)),
		inputLTFee: int64(FeeForWeight(p.InputWeight, p.LongTermFeeRate)),
		baseFee:    int64(Fee(p.BaseVSize, p.FeeRate)),
		changeFee:  int64(Fee(p.ChangeVSize, p.FeeRate)),
	}
	s.costOfChange = s.changeFee + int64(Fee(p.ChangeSpendVSize, p.LongTermFeeRate))
	s.target = int64(p.Target) + s.baseFee
	return s, nil
}

// candidates returns the coins with a positive effective value, sorted by
// effective value, largest first (ties by outpoint, for determinism).
func (s *selector) candidates(coins []Coin) []candidate {
	out := make([]candidate, 0, len(coins))
	for _, c := range coins {
		eff := int64(c.Value) - s.inputFee
		if eff > 0 {
			out = append(out, candidate{coin: c, eff: eff, fee: s.inputFee, ltFee: s.inputLTFee})
		}
	}
	slices.SortFunc(out, func(a, b candidate) int {
		if a.eff != b.eff {
			if a.eff > b.eff {
				return -1
			}
			return 1
		}
		if c := bytes.Compare(a.coin.OutPoint.Hash[:], b.coin.OutPoint.Hash[:]); c != 0 {
			return c
		}
		return cmp.Compare(a.coin.OutPoint.Index, b.coin.OutPoint.Index)
	})
	return out
}

// SelectCoins chooses coins to pay p.Target at p.FeeRate. It runs Bitcoin
// Core's branch and bound for a selection that needs no change, and single
// random draw and largest first with change, and returns the result with
// the least waste (on a tie, the one with more inputs, as Core does).
// Coins whose effective value is not positive are never chosen. rng drives
// the random draw. It returns ErrInsufficientFunds when no algorithm finds
// a selection within the standard transaction weight.
func SelectCoins(coins []Coin, p SelectParams, rng *rand.Rand) (Selection, error) {
	s, err := newSelector(p)
	if err != nil {
		return Selection{}, err
	}
	pool := s.candidates(coins)
	var results []Selection
	if sel, ok := s.bnb(pool); ok {
		results = append(results, sel)
	}
	if sel, ok := s.withChange(srdOrder(pool, rng), AlgoSRD); ok {
		results = append(results, sel)
	}
	if sel, ok := s.withChange(pool, AlgoLargestFirst); ok {
		results = append(results, sel)
	}
	if len(results) == 0 {
		var total int64
		for _, c := range pool {
			total += c.eff
		}
		if total >= s.target {
			return Selection{}, fmt.Errorf("%w: %d sat plus fees needs more inputs than fit in a standard transaction",
				ErrInsufficientFunds, int64(p.Target))
		}
		return Selection{}, fmt.Errorf("%w: need %d sat plus fees, coins worth spending give %d sat after their fees",
			ErrInsufficientFunds, int64(p.Target), total)
	}
	best := results[0]
	for _, r := range results[1:] {
		if r.Waste < best.Waste || (r.Waste == best.Waste && len(r.Coins) > len(best.Coins)) {
			best = r
		}
	}
	return best, nil
}

// SelectAll spends every coin (a sweep, as a rotation does): what is left
// after the payments and fees is the change. When that is below
// p.MinChange the transaction has no change output and the rest goes to
// the fee. Coins with a non-positive effective value are included too, so
// that nothing is left behind.
func SelectAll(coins []Coin, p SelectParams) (Selection, error) {
	s, err := newSelector(p)
	if err != nil {
		return Selection{}, err
	}
	if len(coins) == 0 {
		return Selection{}, fmt.Errorf("%w: no coins to sweep", ErrInsufficientFunds)
	}
	pool := make([]candidate, len(coins))
	for i, c := range coins {
		pool[i] = candidate{coin: c, eff: int64(c.Value) - s.inputFee, fee: s.inputFee, ltFee: s.inputLTFee}
	}
	if s.weight(len(pool), true) > MaxStandardTxWeight && s.weight(len(pool), false) > MaxStandardTxWeight {
		return Selection{}, fmt.Errorf("sweeping %d coins exceeds the standard transaction weight", len(pool))
	}
	sel, ok := s.result(pool, AlgoAll, true)
	if !ok {
		return Selection{}, fmt.Errorf("%w: coins do not cover %d sat plus fees", ErrInsufficientFunds, int64(p.Target))
	}
	return sel, nil
}

// srdOrder returns the pool in random order.
func srdOrder(pool []candidate, rng *rand.Rand) []candidate {
	out := slices.Clone(pool)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// withChange takes coins in the given order until they pay the target, the
// change output and at least MinChange of change.
func (s *selector) withChange(order []candidate, algo string) (Selection, bool) {
	goal := s.target + s.changeFee + int64(s.p.MinChange)
	var sum int64
	for i, c := range order {
		sum += c.eff
		if sum >= goal {
			if s.weight(i+1, true) > MaxStandardTxWeight {
				return Selection{}, false
			}
			return s.result(order[:i+1], algo, true)
		}
	}
	return Selection{}, false
}

// weight is the transaction's weight with n inputs, with or without change.
func (s *selector) weight(n int, change bool) int64 {
	w := 4*s.p.BaseVSize + int64(n)*s.p.InputWeight
	if change {
		w += 4 * s.p.ChangeVSize
	}
	return w
}

// result prices a set of coins: with change if allowed and the change
// would be at least MinChange, else without; and computes Core's waste
// metric: the inputs' fee now minus at the long-term rate, plus the cost
// of change, or plus the excess given to the fee when there is no change.
func (s *selector) result(sel []candidate, algo string, allowChange bool) (Selection, bool) {
	var value, eff, waste int64
	coins := make([]Coin, len(sel))
	for i, c := range sel {
		coins[i] = c.coin
		value += int64(c.coin.Value)
		eff += c.eff
		waste += c.fee - c.ltFee
	}
	if eff < s.target {
		return Selection{}, false
	}
	out := Selection{Coins: coins, Algorithm: algo}
	if change := eff - s.target - s.changeFee; allowChange && change >= int64(s.p.MinChange) && change > 0 {
		out.Change = btcutil.Amount(change)
		waste += s.costOfChange
	} else {
		waste += eff - s.target
	}
	out.Fee = btcutil.Amount(value-int64(s.p.Target)) - out.Change
	out.Waste = waste
	return out, true
}

// bnb is Bitcoin Core's branch and bound: a depth-first search, largest
// effective value first, for a set whose effective value lies in
// [target, target+costOfChange], minimizing waste, bounded to bnbTries
// steps. sel is a stack of included indices.
func (s *selector) bnb(pool []candidate) (Selection, bool) {
	n := len(pool)
	suffix := make([]int64, n+1) // suffix[i]: effective value of pool[i:]
	for i := n - 1; i >= 0; i-- {
		suffix[i] = suffix[i+1] + pool[i].eff
	}
	if suffix[0] < s.target {
		return Selection{}, false
	}
	upper := s.target + s.costOfChange
	var (
		sel                []int
		best               []int
		bestWaste          = int64(1) << 62
		value, waste, next int64
		feeHigh            = n > 0 && pool[0].fee > pool[0].ltFee
	)
	for try := 0; try < bnbTries; try++ {
		backtrack := false
		switch {
		case value+suffix[next] < s.target, value > upper, waste > bestWaste && feeHigh:
			backtrack = true
		case value >= s.target:
			if w := waste + value - s.target; w <= bestWaste {
				best, bestWaste = append(best[:0], sel...), w
			}
			backtrack = true
		}
		if !backtrack {
			sel = append(sel, int(next))
			value += pool[next].eff
			waste += pool[next].fee - pool[next].ltFee
			next++
			continue
		}
		if len(sel) == 0 {
			break
		}
		// Exclude the last included coin and every following coin
		// equivalent to it (same effective value and fee): including one
		// of those instead would repeat a subtree already searched.
		last := sel[len(sel)-1]
		sel = sel[:len(sel)-1]
		value -= pool[last].eff
		waste -= pool[last].fee - pool[last].ltFee
		next = int64(last) + 1
		for next < int64(n) && pool[next].eff == pool[last].eff && pool[next].fee == pool[last].fee {
			next++
		}
	}
	if best == nil {
		return Selection{}, false
	}
	if s.weight(len(best), false) > MaxStandardTxWeight {
		return Selection{}, false
	}
	chosen := make([]candidate, len(best))
	for i, idx := range best {
		chosen[i] = pool[idx]
	}
	return s.result(chosen, AlgoBnB, false)
}
