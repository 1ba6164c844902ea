package rotate

import (
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/psbt"
)

func many(n int, v btcutil.Amount) []Coin {
	vs := make([]btcutil.Amount, n)
	for i := range vs {
		vs[i] = v + btcutil.Amount(i) // distinct values, so the order shows
	}
	return coins(vs...)
}

// Outputs worth less than the fee to spend them at the chosen rate are
// left out of a sweep and reported.
func TestPlanSweepLeavesUneconomicOutputs(t *testing.T) {
	req := request(gens[0], coins(400, 1_000_000, 400), payTo(100_000))
	req.Rate = psbt.SatPerVByte(5) // one input costs about 523 sat
	p, err := PlanSweep(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Spend) != 1 || p.Spend[0].Ref != 1 || len(p.Uneconomic) != 2 {
		t.Fatalf("spend %+v, uneconomic %+v", p.Spend, p.Uneconomic)
	}
	req.Rate = psbt.SatPerVByte(1) // now worth spending
	if p, err := PlanSweep(req); err != nil || len(p.Spend) != 3 || len(p.Uneconomic) != 0 {
		t.Fatalf("at 1 sat/vB: %+v, %v", p, err)
	}
}

// A cold spend of a generation with more outputs than fit one standard
// transaction takes the largest that fit and leaves the rest.
func TestPlanSweepColdTakesTheLargestThatFit(t *testing.T) {
	cs := many(1500, 10_000)
	p, err := PlanSweep(request(gens[0], cs, payTo(1_000_000)))
	if err != nil {
		t.Fatal(err)
	}
	if p.VSize*4 >= psbt.MaxStandardTxWeight || len(p.Spend)+len(p.Overflow) != 1500 || len(p.Overflow) == 0 {
		t.Fatalf("%d spent, %d left, %d vB", len(p.Spend), len(p.Overflow), p.VSize)
	}
	if low, high := p.Spend[len(p.Spend)-1].Value, p.Overflow[0].Value; low < high {
		t.Fatalf("spent %d but left a larger %d", low, high)
	}
	// One more input would not fit.
	if VSize(len(p.Spend)+1, wsh2of3, []int64{31, 43, 43})*4 < psbt.MaxStandardTxWeight {
		t.Fatalf("%d inputs spent where one more fits", len(p.Spend))
	}
	// When what fits cannot pay, the refusal says how many were left out.
	var short *ShortError
	if _, err := PlanSweep(request(gens[0], cs, payTo(1_000_000_000))); !errors.As(err, &short) || short.Overflow != len(p.Overflow) {
		t.Fatalf("short: %v", err)
	}
}

// A hot generation with more outputs than fit one standard transaction is
// swept in several, each standard, together spending every output once.
func TestPlanSweepsBatchesAHotGeneration(t *testing.T) {
	req := request(Gen{0, Hot}, many(2500, 10_000))
	req.Gens = []Gen{{0, Hot}, {1, Cold}}
	plans, err := PlanSweeps(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 3 {
		t.Fatalf("%d batches, want 3", len(plans))
	}
	seen := map[int]bool{}
	var in, out btcutil.Amount
	for i, p := range plans {
		if p.VSize*4 >= psbt.MaxStandardTxWeight || p.Target != 1 || p.Float != 0 || len(p.Overflow) != 0 {
			t.Fatalf("batch %d: %d inputs, %d vB, target %d", i, len(p.Spend), p.VSize, p.Target)
		}
		for _, c := range p.Spend {
			if seen[c.Ref] {
				t.Fatalf("output %d in two batches", c.Ref)
			}
			seen[c.Ref] = true
			in += c.Value
		}
		out += p.Remainder + p.Fee
	}
	if len(seen) != 2500 || in != out {
		t.Fatalf("%d outputs swept, %d in, %d out", len(seen), in, out)
	}
}

// Outputs held by a live proposal (an earlier batch) are left to it; a
// cold spend still refuses to start while one is held.
func TestPlanSweepsSkipsHeldOutputsOfAHotGeneration(t *testing.T) {
	cs := coins(10_000, 20_000, 30_000)
	cs[1].Held = true
	req := request(Gen{0, Hot}, cs)
	req.Gens = []Gen{{0, Hot}, {1, Cold}}
	plans, err := PlanSweeps(req)
	if err != nil || len(plans) != 1 || len(plans[0].Spend) != 2 {
		t.Fatalf("plans %+v, %v", plans, err)
	}
	cs[0].Held, cs[2].Held = true, true
	if _, err := PlanSweeps(req); !errors.As(err, new(*HeldError)) {
		t.Fatalf("everything held: %v", err)
	}
}
