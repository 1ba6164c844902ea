package psbt

import (
	"encoding/binary"
	"errors"
	"math/rand"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/vault"
)

func coinsOf(values ...btcutil.Amount) []Coin {
	coins := make([]Coin, len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(coins[i].OutPoint.Hash[:], uint32(i+1))
		coins[i].Value = v
	}
	return coins
}

func sum(coins []Coin) btcutil.Amount {
	var s btcutil.Amount
	for _, c := range coins {
		s += c.Value
	}
	return s
}

// params is a 2-of-3 P2WSH spend paying one P2WPKH output.
func params(target btcutil.Amount, rate, longTerm FeeRate) SelectParams {
	change := make([]byte, 34)
	return SelectParams{
		Target:           target,
		FeeRate:          rate,
		LongTermFeeRate:  longTerm,
		InputWeight:      InputWeight(vault.P2WSH, 2, 3),
		BaseVSize:        EstimateVSize(nil, [][]byte{payScript}),
		ChangeVSize:      OutputVSize(change),
		ChangeSpendVSize: 105,
		MinChange:        330,
	}
}

// checkSelection checks the accounting every selection must satisfy.
func checkSelection(t *testing.T, sel Selection, p SelectParams) {
	t.Helper()
	in := sum(sel.Coins)
	if in != p.Target+sel.Fee+sel.Change {
		t.Fatalf("inputs %d != target %d + fee %d + change %d", in, p.Target, sel.Fee, sel.Change)
	}
	vsize := p.BaseVSize + ceilDiv(int64(len(sel.Coins))*p.InputWeight, 4)
	if sel.Change > 0 {
		vsize += p.ChangeVSize
		if sel.Change < p.MinChange {
			t.Fatalf("change %d below the minimum %d", sel.Change, p.MinChange)
		}
	}
	if min := Fee(vsize, p.FeeRate); sel.Fee < min {
		t.Fatalf("fee %d below %d for %d vB", sel.Fee, min, vsize)
	}
	seen := map[wire.OutPoint]bool{}
	for _, c := range sel.Coins {
		if seen[c.OutPoint] {
			t.Fatalf("coin %s selected twice", c.OutPoint)
		}
		seen[c.OutPoint] = true
	}
}

func TestSelectCoinsBnBExact(t *testing.T) {
	p := params(0, SatPerVByte(10), SatPerVByte(10))
	inFee := FeeForWeight(p.InputWeight, p.FeeRate)
	baseFee := Fee(p.BaseVSize, p.FeeRate)
	// Coins 3 and 5 (effective values) pay the target exactly.
	p.Target = 8_000_000 - baseFee
	coins := coinsOf(1_000_000+inFee, 3_000_000+inFee, 5_000_000+inFee, 9_500_000+inFee)
	sel, err := SelectCoins(coins, p, rand.New(rand.NewSource(1)))
	if err != nil {
		t.Fatal(err)
	}
	checkSelection(t, sel, p)
	if sel.Algorithm != AlgoBnB || sel.Change != 0 || len(sel.Coins) != 2 || sum(sel.Coins) != 8_000_000+2*inFee {
		t.Fatalf("selection %+v, want bnb with the 3M and 5M coins", sel)
	}
	// Waste at equal rates with no excess is zero.
	if sel.Waste != 0 {
		t.Fatalf("waste %d, want 0", sel.Waste)
	}
}

func TestSelectCoinsWithChange(t *testing.T) {
	p := params(1_234_567, SatPerVByte(5), SatPerVByte(10))
	coins := coinsOf(10_000_000, 20_000_000, 300_000, 700_000)
	for seed := int64(0); seed < 20; seed++ {
		sel, err := SelectCoins(coins, p, rand.New(rand.NewSource(seed)))
		if err != nil {
			t.Fatal(err)
		}
		checkSelection(t, sel, p)
		if sel.Change == 0 {
			t.Fatalf("seed %d: no change from %+v", seed, sel)
		}
	}
}

func TestSelectCoinsSkipsUneconomic(t *testing.T) {
	p := params(100_000, SatPerVByte(50), SatPerVByte(10))
	inFee := FeeForWeight(p.InputWeight, p.FeeRate) // 5250 sat
	dust := coinsOf(inFee, inFee-1, 1000, 546)
	if _, err := SelectCoins(dust, p, rand.New(rand.NewSource(1))); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("SelectCoins of uneconomic coins = %v, want ErrInsufficientFunds", err)
	}
	coins := append(dust, coinsOf(5_000_000)...)
	coins[len(coins)-1].OutPoint.Index = 9
	sel, err := SelectCoins(coins, p, rand.New(rand.NewSource(1)))
	if err != nil {
		t.Fatal(err)
	}
	checkSelection(t, sel, p)
	if len(sel.Coins) != 1 || sel.Coins[0].Value != 5_000_000 {
		t.Fatalf("selected %+v, want only the 5M coin", sel.Coins)
	}
}

func TestSelectCoinsInsufficient(t *testing.T) {
	p := params(10_000_000, SatPerVByte(1), SatPerVByte(1))
	if _, err := SelectCoins(coinsOf(5_000_000, 4_000_000), p, rand.New(rand.NewSource(1))); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("err = %v, want ErrInsufficientFunds", err)
	}
	if _, err := SelectCoins(nil, p, rand.New(rand.NewSource(1))); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("no coins: err = %v, want ErrInsufficientFunds", err)
	}
	// Enough value, but only in more inputs than a standard tx holds.
	if _, err := SelectCoins(manyCoins(3000), params(12_000_000_000, SatPerVByte(1), SatPerVByte(1)), rand.New(rand.NewSource(1))); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("over the weight limit: err = %v, want ErrInsufficientFunds", err)
	}
	p.InputWeight = 0
	if _, err := SelectCoins(coinsOf(5_000_000), p, rand.New(rand.NewSource(1))); err == nil {
		t.Fatal("zero input weight accepted")
	}
}

// TestSelectCoinsPicksLeastWaste checks the waste metric on a case where
// a changeless solution exists but wastes more than making change: at a
// high rate relative to the long-term rate every extra input costs.
func TestSelectCoinsWaste(t *testing.T) {
	p := params(0, SatPerVByte(20), SatPerVByte(5))
	inFee := int64(FeeForWeight(p.InputWeight, p.FeeRate))
	inLT := int64(FeeForWeight(p.InputWeight, p.LongTermFeeRate))
	baseFee := Fee(p.BaseVSize, p.FeeRate)
	changeFee := int64(Fee(p.ChangeVSize, p.FeeRate))
	costOfChange := changeFee + int64(Fee(p.ChangeSpendVSize, p.LongTermFeeRate))
	p.Target = 1_000_000 - baseFee
	// Five small coins sum exactly to the target; one large coin needs
	// change.
	small := btcutil.Amount(200_000 + inFee)
	coins := coinsOf(small, small, small, small, small, 50_000_000)
	sel, err := SelectCoins(coins, p, rand.New(rand.NewSource(3)))
	if err != nil {
		t.Fatal(err)
	}
	checkSelection(t, sel, p)
	wantWaste := (inFee - inLT) + costOfChange // the large coin with change
	bnbWaste := 5 * (inFee - inLT)
	if bnbWaste <= wantWaste {
		t.Fatalf("test premise broken: bnb waste %d <= change waste %d", bnbWaste, wantWaste)
	}
	if len(sel.Coins) != 1 || sel.Waste != wantWaste {
		t.Fatalf("selection %+v, want the large coin with waste %d", sel, wantWaste)
	}
	// At a low rate, spending the small coins now is cheaper than later:
	// negative waste per input makes the changeless five-coin set win.
	p.FeeRate, p.LongTermFeeRate = SatPerVByte(2), SatPerVByte(20)
	inFee = int64(FeeForWeight(p.InputWeight, p.FeeRate))
	p.Target = 1_000_000 - Fee(p.BaseVSize, p.FeeRate)
	small = btcutil.Amount(200_000 + inFee)
	coins = coinsOf(small, small, small, small, small, 50_000_000)
	sel, err = SelectCoins(coins, p, rand.New(rand.NewSource(3)))
	if err != nil {
		t.Fatal(err)
	}
	checkSelection(t, sel, p)
	if sel.Algorithm != AlgoBnB || len(sel.Coins) != 5 || sel.Change != 0 {
		t.Fatalf("selection %+v, want bnb with the five small coins", sel)
	}
}

func TestSelectAll(t *testing.T) {
	p := params(1_000_000, SatPerVByte(10), SatPerVByte(10))
	coins := coinsOf(600_000, 700_000, 500) // the 500-sat coin costs more than it holds
	sel, err := SelectAll(coins, p)
	if err != nil {
		t.Fatal(err)
	}
	checkSelection(t, sel, p)
	if len(sel.Coins) != 3 || sel.Change == 0 || sel.Algorithm != AlgoAll {
		t.Fatalf("selection %+v, want all three coins with change", sel)
	}
	// A remainder below MinChange goes to the fee.
	fees := Fee(p.BaseVSize, p.FeeRate) + 3*FeeForWeight(p.InputWeight, p.FeeRate) + Fee(p.ChangeVSize, p.FeeRate)
	p.Target = sum(coins) - fees - p.MinChange + 1
	sel, err = SelectAll(coins, p)
	if err != nil {
		t.Fatal(err)
	}
	checkSelection(t, sel, p)
	if sel.Change != 0 {
		t.Fatalf("change %d, want none", sel.Change)
	}
	p.Target = sum(coins)
	if _, err := SelectAll(coins, p); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("err = %v, want ErrInsufficientFunds", err)
	}
}

// manyCoins returns n coins of pseudo-random values between 10k and 10M sat.
func manyCoins(n int) []Coin {
	r := rand.New(rand.NewSource(int64(n)))
	values := make([]btcutil.Amount, n)
	for i := range values {
		values[i] = btcutil.Amount(10_000 + r.Int63n(10_000_000))
	}
	return coinsOf(values...)
}

func TestSelectCoinsDeterministic(t *testing.T) {
	coins := manyCoins(2000)
	p := params(123_456_789, SatPerVByte(7), SatPerVByte(10))
	a, err := SelectCoins(coins, p, rand.New(rand.NewSource(42)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := SelectCoins(coins, p, rand.New(rand.NewSource(42)))
	checkSelection(t, a, p)
	if a.Algorithm != b.Algorithm || a.Fee != b.Fee || len(a.Coins) != len(b.Coins) {
		t.Fatalf("same seed, different selections: %s/%d vs %s/%d", a.Algorithm, a.Fee, b.Algorithm, b.Fee)
	}
}

func benchmarkSelect(b *testing.B, n int) {
	coins := manyCoins(n)
	p := params(btcutil.SatoshiPerBitcoin, SatPerVByte(7), SatPerVByte(10))
	rng := rand.New(rand.NewSource(1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := SelectCoins(coins, p, rng); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSelectCoins10k(b *testing.B)  { benchmarkSelect(b, 10_000) }
func BenchmarkSelectCoins100k(b *testing.B) { benchmarkSelect(b, 100_000) }
