package rotate

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/psbt"
)

// Gen is a generation as sweep planning sees it: its number and state.
type Gen struct {
	Number int
	State  State
}

// Coin is one unspent output of the generation being swept. Ref is the
// caller's own index for it; planning only reads the value and whether it
// can be spent now.
type Coin struct {
	Ref     int
	Value   btcutil.Amount
	Held    bool // reserved by a live proposal
	Waiting bool // unconfirmed, or an immature coinbase
}

// Output is one output of a sweep transaction: its serialized size in
// bytes (value, script length, script) and, for a payment, its value.
type Output struct {
	Size  int64
	Value btcutil.Amount
}

// Request is everything a sweep is planned from, as plain values.
type Request struct {
	Gens     []Gen  // the vault's generations
	Source   Gen    // the generation whose outputs are spent
	Coins    []Coin // every unspent output of Source
	Payments []Output
	// Internal is an output back to one of the vault's generations (all
	// share one script type); Dust is the value below which it is not
	// created and its value goes to the fee.
	Internal    Output
	Dust        btcutil.Amount
	InputWeight int64 // the weight of one signed input of Source
	HotFloat    btcutil.Amount
	Rate        psbt.FeeRate
}

// Plan is a sized sweep: what it spends, what it pays, where the rest goes.
type Plan struct {
	Target int    // the generation receiving the remainder
	Spend  []Coin // the inputs
	// Float stays in Source (a cold spend with payments keeps at most the
	// hot float) and Remainder moves to Target; a zero value means that
	// output is not created.
	Float, Remainder btcutil.Amount
	Fee              btcutil.Amount
	VSize            int64
	// Outputs of Source the sweep leaves: Waiting cannot be spent yet
	// (unconfirmed, immature), Uneconomic are worth less than the fee to
	// spend them at the rate, Overflow do not fit one standard transaction
	// (the largest go first). After a cold spend they stay in the now-hot
	// generation as late deposits, for rotate --generation to sweep.
	Waiting, Uneconomic, Overflow []Coin
}

// Errors of sweep planning; the caller words them for its vault.
var (
	ErrNoCold           = errors.New("no cold generation to sweep into")
	ErrNothingSpendable = errors.New("no confirmed, mature funds to spend")
)

// HeldError means an output of a cold generation is already in a live
// proposal: a cold spend takes every output, so it must wait.
type HeldError struct{ Coin Coin }

func (e *HeldError) Error() string { return "an output is already reserved by a live proposal" }

// TooBigError means not even one input fits one standard transaction with
// the payments.
type TooBigError struct {
	Inputs int
	VSize  int64
}

func (e *TooBigError) Error() string {
	return fmt.Sprintf("%d inputs make %d vB, more than a standard transaction", e.Inputs, e.VSize)
}

// ShortError means the inputs cannot pay the payments and the fee.
// Overflow counts the outputs left out because they did not fit one
// standard transaction.
type ShortError struct {
	Have, Payments, Fee btcutil.Amount
	Overflow            int
}

func (e *ShortError) Error() string {
	return fmt.Sprintf("%d sat cannot pay %d sat plus a fee of %d sat", int64(e.Have), int64(e.Payments), int64(e.Fee))
}

// NotWorthError means a sweep without payments would leave nothing above
// dust after its fee.
type NotWorthError struct{ Have btcutil.Amount }

func (e *NotWorthError) Error() string {
	return fmt.Sprintf("%d sat are not worth moving", int64(e.Have))
}

// Target picks the generation that receives a sweep of src: the standby
// for a cold generation, the cold one for a hot or retired one.
func Target(gens []Gen, src Gen) (Gen, error) {
	want, err := SweepTarget(src.State)
	if err != nil {
		return Gen{}, err
	}
	for _, g := range gens {
		if g.State == want {
			return g, nil
		}
	}
	if want == Standby {
		return Gen{}, ErrNoStandby
	}
	return Gen{}, ErrNoCold
}

// PlanSweep plans one sweep of req.Source: its target, which outputs it
// spends (the largest first, as many as fit one standard transaction),
// which it leaves and why, and how what is left after payments and fee
// splits between the float and the remainder.
func PlanSweep(req Request) (Plan, error) {
	tgt, err := Target(req.Gens, req.Source)
	if err != nil {
		return Plan{}, err
	}
	coins, left, err := choose(req)
	if err != nil {
		return Plan{}, err
	}
	fit := fitting(req, len(coins))
	if fit == 0 {
		return Plan{}, &TooBigError{Inputs: 1, VSize: VSize(1, req.InputWeight, outputSizes(req.Payments, req.Internal, 2))}
	}
	plan, err := size(req, coins[:fit])
	if short := (*ShortError)(nil); errors.As(err, &short) {
		short.Overflow = len(coins) - fit
	}
	plan.Target, plan.Waiting, plan.Uneconomic, plan.Overflow = tgt.Number, left.Waiting, left.Uneconomic, coins[fit:]
	return plan, err
}

// left sorts the outputs a sweep does not take.
type left struct{ Waiting, Uneconomic []Coin }

// choose returns the outputs a sweep may spend, largest first, and those
// it leaves. Pending deposits never block a cold spend: it spends what is
// confirmed and mature, and what confirms later is a late deposit of the
// now-hot generation. Outputs worth less than the fee to spend them are
// left out. An output held by a live proposal stops a cold spend (it
// would stay behind unnoticed); a sweep of a hot or retired generation
// leaves it to that proposal.
func choose(req Request) (coins []Coin, l left, err error) {
	each := psbt.FeeForWeight(req.InputWeight, req.Rate)
	var held []Coin
	for _, c := range req.Coins {
		switch {
		case c.Held:
			held = append(held, c)
		case c.Waiting:
			l.Waiting = append(l.Waiting, c)
		case c.Value < each:
			l.Uneconomic = append(l.Uneconomic, c)
		default:
			coins = append(coins, c)
		}
	}
	if len(held) > 0 && (req.Source.State == Cold || len(coins) == 0) {
		return nil, l, &HeldError{Coin: held[0]}
	}
	if len(coins) == 0 {
		return nil, l, ErrNothingSpendable
	}
	largestFirst(coins)
	return coins, l, nil
}

// fitting is how many of n inputs fit one standard transaction with the
// request's payments and internal outputs.
func fitting(req Request, n int) int {
	outs := outputSizes(req.Payments, req.Internal, 2)
	for ; n > 0; n-- {
		if VSize(n, req.InputWeight, outs)*4 < psbt.MaxStandardTxWeight {
			return n
		}
	}
	return 0
}

// largestFirst orders coins by value, largest first (ties keep the
// caller's order).
func largestFirst(cs []Coin) {
	slices.SortStableFunc(cs, func(a, b Coin) int { return cmp.Compare(b.Value, a.Value) })
}

// size sets the sweep's outputs and fee: it sizes the transaction exactly,
// then drops any internal output that would be dust (its value goes to
// the fee) and sizes again.
func size(req Request, coins []Coin) (Plan, error) {
	in, pay := sumCoins(coins), sumOutputs(req.Payments)
	keepFloat := KeepsFloat(req.Source.State, len(req.Payments) > 0) && req.HotFloat > 0
	outs := []*btcutil.Amount{new(btcutil.Amount)} // the remainder, last
	float, remainder := new(btcutil.Amount), outs[0]
	if keepFloat {
		outs = []*btcutil.Amount{float, remainder}
	}
	for {
		vsize := VSize(len(coins), req.InputWeight, outputSizes(req.Payments, req.Internal, len(outs)))
		if vsize*4 >= psbt.MaxStandardTxWeight {
			return Plan{}, &TooBigError{Inputs: len(coins), VSize: vsize}
		}
		fee := psbt.Fee(vsize, req.Rate)
		rest := in - pay - fee
		if rest < 0 {
			return Plan{}, &ShortError{Have: in, Payments: pay, Fee: fee}
		}
		assign(outs, rest, req.HotFloat)
		kept := slices.DeleteFunc(slices.Clone(outs), func(v *btcutil.Amount) bool { return *v < req.Dust })
		if len(kept) == len(outs) {
			p := Plan{Spend: coins, Float: *float, Remainder: *remainder, VSize: vsize}
			p.Fee = in - pay - p.Float - p.Remainder
			return p, nil
		}
		for _, v := range outs {
			if *v < req.Dust {
				*v = 0
			}
		}
		outs = kept
		if len(outs) == 0 && len(req.Payments) == 0 {
			return Plan{}, &NotWorthError{Have: in}
		}
	}
}

// assign splits rest between the outputs: with two, the first (the float)
// gets at most hotFloat and the last the rest; a single one takes it all.
func assign(outs []*btcutil.Amount, rest, hotFloat btcutil.Amount) {
	if len(outs) == 0 {
		return
	}
	float, remainder := Split(rest, hotFloat, len(outs) == 2)
	if len(outs) == 2 {
		*outs[0] = float
	}
	*outs[len(outs)-1] = remainder
}

// VSize is the virtual size of a segwit transaction with n inputs of
// inputWeight each and outputs of the given serialized sizes, rounded up.
func VSize(n int, inputWeight int64, outputs []int64) int64 {
	base := int64(4+4) + int64(wire.VarIntSerializeSize(uint64(n))+wire.VarIntSerializeSize(uint64(len(outputs))))
	for _, s := range outputs {
		base += s
	}
	weight := 4*base + 2 + int64(n)*inputWeight
	return (weight + 3) / 4
}

func outputSizes(pays []Output, internal Output, n int) []int64 {
	sizes := make([]int64, 0, len(pays)+n)
	for _, p := range pays {
		sizes = append(sizes, p.Size)
	}
	for range n {
		sizes = append(sizes, internal.Size)
	}
	return sizes
}

func sumCoins(cs []Coin) btcutil.Amount {
	var s btcutil.Amount
	for _, c := range cs {
		s += c.Value
	}
	return s
}

func sumOutputs(os []Output) btcutil.Amount {
	var s btcutil.Amount
	for _, o := range os {
		s += o.Value
	}
	return s
}
