package app

import (
	"errors"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/rotate"
)

// planSweeps plans the spend of src's outputs: the payments go out, the
// spent generation keeps at most the hot float (a cold spend), and the rest
// moves to the standby (when src is cold) or to the cold generation (when
// src is hot or retired), in as many transactions as a hot or retired
// generation's outputs need. What moves where is decided by
// rotate.PlanSweeps, in one call; this gathers its inputs from the store
// and words its refusals.
func (a *App) planSweeps(tx Tx, v Vault, gens []Generation, src *Generation, pays []Payment, rate psbt.FeeRate, tip int32, kind string) ([]*spendPlan, error) {
	if src == nil {
		return nil, errorf(ErrNotFound, "vault %s has no cold generation", v.Name)
	}
	all, err := tx.UTXOs(UTXOFilter{GenerationID: src.ID, Unspent: true})
	if err != nil {
		return nil, err
	}
	req, floatOut, err := a.sweepRequest(v, gens, *src, all, pays, rate, tip)
	if err != nil {
		return nil, err
	}
	rps, err := rotate.PlanSweeps(req)
	if err != nil {
		return nil, sweepRefusal(v, *src, all, rate, err)
	}
	var plans []*spendPlan
	for _, rp := range rps {
		plan, err := sweepPlan(v, gens, *src, all, pays, rate, kind, floatOut, rp)
		if err != nil {
			return nil, err
		}
		plans = append(plans, plan)
	}
	return plans, nil
}

// sweepPlan turns one plan of rotate into a proposal's plan.
func sweepPlan(v Vault, gens []Generation, src Generation, all []UTXO, pays []Payment, rate psbt.FeeRate, kind string, floatOut changeOut, rp rotate.Plan) (*spendPlan, error) {
	plan := &spendPlan{kind: kind, vault: v, source: src, target: generationNumbered(gens, rp.Target), payments: pays, rate: rate,
		algo: psbt.AlgoAll, fee: rp.Fee, vsize: rp.VSize}
	for _, c := range rp.Spend {
		plan.coins = append(plan.coins, all[c.Ref])
	}
	plan.left = Left{Waiting: leftOf(rp.Waiting), Uneconomic: leftOf(rp.Uneconomic), Overflow: leftOf(rp.Overflow)}
	if rp.Float > 0 {
		floatOut.value = rp.Float
		plan.change = append(plan.change, floatOut)
	}
	if rp.Remainder > 0 {
		restOut, err := newChangeOut(*plan.target, 0)
		if err != nil {
			return nil, err
		}
		restOut.value = rp.Remainder
		plan.change = append(plan.change, restOut)
	}
	return plan, nil
}

// sweepRequest describes a sweep of src to rotate as plain values. It also
// returns src's change output, whose script gives the size and dust limit
// of every internal output (a vault's generations share one script type),
// and which holds the float if the plan keeps one.
func (a *App) sweepRequest(v Vault, gens []Generation, src Generation, all []UTXO, pays []Payment, rate psbt.FeeRate, tip int32) (rotate.Request, changeOut, error) {
	req := rotate.Request{Source: rotate.Gen{Number: src.Number, State: rotate.State(src.State)}, HotFloat: v.HotFloat, Rate: rate}
	for _, g := range gens {
		req.Gens = append(req.Gens, rotate.Gen{Number: g.Number, State: rotate.State(g.State)})
	}
	for i, u := range all {
		req.Coins = append(req.Coins, rotate.Coin{Ref: i, Value: u.Value, Held: u.ReservedBy != "", Waiting: u.ReservedBy == "" && !matured(u, tip)})
	}
	for _, p := range pays {
		s, err := a.payScript(p.Address)
		if err != nil {
			return req, changeOut{}, err
		}
		req.Payments = append(req.Payments, rotate.Output{Size: psbt.OutputVSize(s), Value: p.Amount})
	}
	shape, err := shapeOf(src)
	if err != nil {
		return req, changeOut{}, err
	}
	req.InputWeight = psbt.InputWeight(shape.Type, shape.M, shape.N)
	floatOut, err := newChangeOut(src, 1)
	if err != nil {
		return req, changeOut{}, err
	}
	dv, err := deriveNext(floatOut, a.Net)
	if err != nil {
		return req, changeOut{}, err
	}
	req.Internal, req.Dust = rotate.Output{Size: psbt.OutputVSize(dv.PkScript)}, psbt.DustThreshold(dv.PkScript)
	return req, floatOut, nil
}

// sweepRefusal words a refusal of rotate for the user.
func sweepRefusal(v Vault, src Generation, all []UTXO, rate psbt.FeeRate, err error) error {
	var (
		held  *rotate.HeldError
		big   *rotate.TooBigError
		short *rotate.ShortError
		nw    *rotate.NotWorthError
	)
	switch {
	case errors.Is(err, rotate.ErrNotSweepable):
		return errorf(ErrRefused, "generation %d of vault %s: %w", src.Number, v.Name, err)
	case errors.Is(err, rotate.ErrNoStandby):
		return errorf(ErrRefused, "vault %s has no standby generation to receive the remainder of a cold spend; register one first: treasury vault standby %s --key … (keys from treasury key xpub --generation %d)", v.Name, v.Name, src.Number+1)
	case errors.Is(err, rotate.ErrNoCold):
		return errorf(ErrNotFound, "vault %s has no cold generation to sweep into", v.Name)
	case errors.As(err, &held):
		return errorf(ErrConflict, "generation %d of vault %s already has a live proposal (%s); a sweep takes every output, so broadcast or cancel that one first", src.Number, v.Name, shortID(all[held.Coin.Ref].ReservedBy))
	case errors.Is(err, rotate.ErrNothingSpendable):
		return errorf(psbt.ErrInsufficientFunds, "generation %d of vault %s has no confirmed, mature funds worth spending at %s (run treasury sync?)", src.Number, v.Name, rate)
	case errors.As(err, &big):
		return errorf(ErrRefused, "the payments do not fit one standard transaction (%d vB with a single input); split them into several proposals", big.VSize)
	case errors.As(err, &short) && short.Overflow > 0:
		return errorf(psbt.ErrInsufficientFunds, "the largest outputs of generation %d that fit one standard transaction hold %s; the payments of %s plus a fee of %s need %s more (%d smaller outputs do not fit: treasury rotate %s moves what fits, then treasury rotate %s --generation %d the rest)", src.Number, formatBTC(short.Have), formatBTC(short.Payments), formatBTC(short.Fee), formatBTC(short.Payments+short.Fee-short.Have), short.Overflow, v.Name, v.Name, src.Number)
	case errors.As(err, &short):
		return errorf(psbt.ErrInsufficientFunds, "generation %d holds %s; the payments of %s plus a fee of %s need %s more", src.Number, formatBTC(short.Have), formatBTC(short.Payments), formatBTC(short.Fee), formatBTC(short.Payments+short.Fee-short.Have))
	case errors.As(err, &nw):
		return errorf(psbt.ErrInsufficientFunds, "generation %d holds only %s, which is not worth moving at %s", src.Number, formatBTC(nw.Have), rate)
	}
	return err
}

// leftOf counts and sums outputs a sweep leaves in the spent generation.
func leftOf(cs []rotate.Coin) LeftOutputs {
	out := LeftOutputs{Outputs: len(cs)}
	for _, c := range cs {
		out.Value += c.Value
	}
	return out
}

func generationNumbered(gens []Generation, n int) *Generation {
	for i := range gens {
		if gens[i].Number == n {
			return &gens[i]
		}
	}
	return nil
}
