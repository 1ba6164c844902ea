package rotate

import (
	"errors"
	"slices"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// The shapes of a 2-of-3 P2WSH vault: one input's weight, an output to
// one of its scripts (34-byte program) and its dust limit.
var (
	wsh2of3  = psbt.InputWeight(vault.P2WSH, 2, 3)
	internal = Output{Size: 43}
	dust     = btcutil.Amount(330)
	payTo    = func(v btcutil.Amount) Output { return Output{Size: 31, Value: v} } // a P2WPKH payment
	gens     = []Gen{{0, Cold}, {1, Standby}}
)

func coins(values ...btcutil.Amount) []Coin {
	out := make([]Coin, len(values))
	for i, v := range values {
		out[i] = Coin{Ref: i, Value: v}
	}
	return out
}

func request(src Gen, cs []Coin, pays ...Output) Request {
	return Request{Gens: gens, Source: src, Coins: cs, Payments: pays, Internal: internal, Dust: dust,
		InputWeight: wsh2of3, Rate: psbt.SatPerVByte(2)}
}

// VSize must agree with psbt's estimate of the same transaction.
func TestVSizeMatchesPSBTEstimate(t *testing.T) {
	wsh := make([]byte, 34)
	wpkh := make([]byte, 22)
	for _, n := range []int{1, 2, 252, 253, 300} {
		shapes := make([]psbt.InputShape, n)
		for i := range shapes {
			shapes[i] = psbt.InputShape{Type: vault.P2WSH, M: 2, N: 3}
		}
		want := psbt.EstimateVSize(shapes, [][]byte{wpkh, wsh, wsh})
		if got := VSize(n, wsh2of3, []int64{31, 43, 43}); got != want {
			t.Errorf("%d inputs: VSize %d, psbt estimates %d", n, got, want)
		}
	}
}

func TestPlanSweepColdSpendKeepsFloatAndRotates(t *testing.T) {
	req := request(gens[0], coins(60_000, 50_000), payTo(30_000))
	req.HotFloat = 20_000
	p, err := PlanSweep(req)
	if err != nil {
		t.Fatal(err)
	}
	if p.Target != 1 || len(p.Spend) != 2 || p.Float != 20_000 {
		t.Fatalf("plan %+v", p)
	}
	if p.VSize != VSize(2, wsh2of3, []int64{31, 43, 43}) || p.Fee != psbt.Fee(p.VSize, req.Rate) {
		t.Fatalf("fee %d for %d vB", p.Fee, p.VSize)
	}
	if p.Float+p.Remainder+p.Fee+30_000 != 110_000 {
		t.Fatalf("amounts do not add up: %+v", p)
	}
}

func TestPlanSweepWithoutPaymentTakesEverything(t *testing.T) {
	req := request(gens[0], coins(60_000))
	req.HotFloat = 20_000 // a rotation without payment keeps no float
	p, err := PlanSweep(req)
	if err != nil || p.Float != 0 || p.Remainder+p.Fee != 60_000 {
		t.Fatalf("plan %+v, %v", p, err)
	}
}

func TestPlanSweepDropsDustOutputs(t *testing.T) {
	// The remainder after the float is below dust: it goes to the fee, and
	// the float output takes what is left.
	req := request(gens[0], coins(50_000), payTo(30_000))
	req.HotFloat = 19_400
	p, err := PlanSweep(req)
	if err != nil {
		t.Fatal(err)
	}
	if p.Remainder != 0 || p.Float == 0 || p.Float+p.Fee+30_000 != 50_000 {
		t.Fatalf("plan %+v", p)
	}
	if p.VSize != VSize(1, wsh2of3, []int64{31, 43}) {
		t.Fatalf("sized with the dropped output: %d vB", p.VSize)
	}
}

func TestPlanSweepHotGenerationIntoCold(t *testing.T) {
	req := request(Gen{0, Hot}, coins(10_000))
	req.Gens = []Gen{{0, Hot}, {1, Cold}}
	p, err := PlanSweep(req)
	if err != nil || p.Target != 1 || p.Remainder == 0 {
		t.Fatalf("plan %+v, %v", p, err)
	}
}

func TestPlanSweepRefusals(t *testing.T) {
	held := coins(10_000, 20_000)
	held[1].Held = true
	tests := []struct {
		name string
		req  Request
		want any
	}{
		{"no standby", Request{Gens: []Gen{{0, Cold}}, Source: Gen{0, Cold}}, ErrNoStandby},
		{"no cold", Request{Gens: []Gen{{0, Hot}}, Source: Gen{0, Hot}}, ErrNoCold},
		{"standby", Request{Gens: gens, Source: gens[1]}, ErrNotSweepable},
		{"held", request(gens[0], held), new(*HeldError)},
		{"nothing", request(gens[0], nil), ErrNothingSpendable},
		{"short", request(gens[0], coins(10_000), payTo(10_000)), new(*ShortError)},
		{"not worth", request(gens[0], coins(400)), new(*NotWorthError)},
		{"too many payments", request(gens[0], coins(10_000), slices.Repeat([]Output{payTo(1_000)}, 4000)...), new(*TooBigError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PlanSweep(tt.req)
			if target, ok := tt.want.(error); ok {
				if !errors.Is(err, target) {
					t.Fatalf("err %v, want %v", err, target)
				}
				return
			}
			if !errors.As(err, tt.want) {
				t.Fatalf("err %v, want %T", err, tt.want)
			}
		})
	}
}

// A pending deposit or an immature coinbase never blocks a cold spend: it
// is left out and reported.
func TestPlanSweepLeavesWaitingOutputs(t *testing.T) {
	cs := coins(10_000, 20_000, 30_000)
	cs[0].Waiting, cs[2].Waiting = true, true
	p, err := PlanSweep(request(gens[0], cs, payTo(5_000)))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Spend) != 1 || p.Spend[0].Ref != 1 || len(p.Waiting) != 2 {
		t.Fatalf("spend %+v, waiting %+v", p.Spend, p.Waiting)
	}
	cs[1].Waiting = true
	if _, err := PlanSweep(request(gens[0], cs, payTo(5_000))); !errors.Is(err, ErrNothingSpendable) {
		t.Fatalf("nothing spendable: %v", err)
	}
}
