package app

import (
	"errors"
	"fmt"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/rotate"
	"github.com/treasury-dev/treasury/vault"
)

// planTransfer decides which tier pays and plans the spend.
func (a *App) planTransfer(tx Tx, req ProposeRequest, rate psbt.FeeRate) (*spendPlan, error) {
	v, err := loadVault(tx, req.Vault)
	if err != nil {
		return nil, err
	}
	if _, err := a.checkPayments(tx, req.Payments, req.Internal); err != nil {
		return nil, err
	}
	gens, err := tx.Generations(v.ID)
	if err != nil {
		return nil, err
	}
	tip, _, err := tx.Cursor()
	if err != nil {
		return nil, err
	}
	total := paymentsSum(req.Payments)
	mustCold := v.ColdAbove > 0 && total >= v.ColdAbove
	switch {
	case req.From == TierHot && mustCold:
		return nil, errorf(ErrRefused, "vault %s's policy requires transfers of %s or more to come from cold; this one is %s", v.Name, formatBTC(v.ColdAbove), formatBTC(total))
	case req.From == TierHot:
		return a.planHot(tx, *v, gens, req.Payments, rate, tip)
	case req.From == TierAuto && v.ColdAbove > 0 && !mustCold:
		plan, err := a.planHot(tx, *v, gens, req.Payments, rate, tip)
		if !errors.Is(err, psbt.ErrInsufficientFunds) {
			return plan, err
		}
	}
	return a.planSweep(tx, *v, gens, generationIn(gens, Cold), req.Payments, rate, tip, KindTransfer)
}

// planSweep spends the outputs of src: the payments go out, the spent
// generation keeps at most the hot float (a cold spend), and the rest moves
// to the standby (when src is cold) or to the cold generation (when src is
// hot or retired). What moves where is decided by rotate.PlanSweep; this
// gathers its inputs from the store and words its refusals.
func (a *App) planSweep(tx Tx, v Vault, gens []Generation, src *Generation, pays []Payment, rate psbt.FeeRate, tip int32, kind string) (*spendPlan, error) {
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
	rp, err := rotate.PlanSweep(req)
	if err != nil {
		return nil, sweepRefusal(v, *src, all, rate, err)
	}
	plan := &spendPlan{kind: kind, vault: v, source: *src, target: generationNumbered(gens, rp.Target), payments: pays, rate: rate,
		algo: psbt.AlgoAll, fee: rp.Fee, vsize: rp.VSize}
	for _, c := range rp.Spend {
		plan.coins = append(plan.coins, all[c.Ref])
	}
	plan.left.Waiting = leftOf(rp.Waiting)
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

// sweepRequest describes a sweep of src to rotate.PlanSweep as plain
// values. It also returns src's change output, whose script gives the size
// and dust limit of every internal output (a vault's generations share one
// script type), and which holds the float if the plan keeps one.
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
	req.Internal, req.Dust = rotate.Output{Size: psbt.OutputVSize(dv.PkScript)}, DustThreshold(dv.PkScript)
	return req, floatOut, nil
}

// sweepRefusal words a refusal of rotate.PlanSweep for the user.
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
		return errorf(psbt.ErrInsufficientFunds, "generation %d of vault %s has no confirmed, mature funds to spend (run treasury sync?)", src.Number, v.Name)
	case errors.As(err, &big):
		return errorf(ErrRefused, "generation %d has %d outputs, too many to sweep in one standard transaction (%d vB); consolidate part of them first", src.Number, big.Inputs, big.VSize)
	case errors.As(err, &short):
		return errorf(psbt.ErrInsufficientFunds, "generation %d holds %s; the payments of %s plus a fee of %s need %s more", src.Number, formatBTC(short.Have), formatBTC(short.Payments), formatBTC(short.Fee), formatBTC(short.Payments+short.Fee-short.Have))
	case errors.As(err, &nw):
		return errorf(psbt.ErrInsufficientFunds, "generation %d holds only %s, which is not worth moving at %s", src.Number, formatBTC(nw.Have), rate)
	}
	return err
}

// leftOf sums outputs a sweep leaves in the spent generation.
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

// deriveNext derives the next unused script of an internal output's chain.
func deriveNext(o changeOut, net vault.Network) (*vault.Derived, error) {
	idx := o.gen.NextReceive
	if o.chain == 1 {
		idx = o.gen.NextChange
	}
	return o.desc.Derive(net, o.chain, idx)
}

// planHot pays from the newest hot generation that can, by coin
// selection, with change back to that generation.
func (a *App) planHot(tx Tx, v Vault, gens []Generation, pays []Payment, rate psbt.FeeRate, tip int32) (*spendPlan, error) {
	for i := len(gens) - 1; i >= 0; i-- {
		g := gens[i]
		if g.State != Hot {
			continue
		}
		plan, err := a.selectHot(tx, v, g, pays, rate, tip)
		if errors.Is(err, psbt.ErrInsufficientFunds) {
			continue
		}
		return plan, err
	}
	return nil, errorf(psbt.ErrInsufficientFunds, "no hot generation of vault %s can pay %s; pay from cold with --from cold", v.Name, formatBTC(paymentsSum(pays)))
}

func (a *App) selectHot(tx Tx, v Vault, g Generation, pays []Payment, rate psbt.FeeRate, tip int32) (*spendPlan, error) {
	all, err := tx.UTXOs(UTXOFilter{GenerationID: g.ID, Unspent: true})
	if err != nil {
		return nil, err
	}
	utxos, _ := spendable(all, tip)
	shape, err := shapeOf(g)
	if err != nil {
		return nil, err
	}
	byOutpoint := map[string]UTXO{}
	coins := make([]psbt.Coin, len(utxos))
	for i, u := range utxos {
		coins[i] = psbt.Coin{OutPoint: u.OutPoint, Value: u.Value}
		byOutpoint[u.OutPoint.String()] = u
	}
	change, err := newChangeOut(g, 1)
	if err != nil {
		return nil, err
	}
	dv, err := deriveNext(change, a.Net)
	if err != nil {
		return nil, err
	}
	var payScripts [][]byte
	for _, p := range pays {
		s, err := a.payScript(p.Address)
		if err != nil {
			return nil, err
		}
		payScripts = append(payScripts, s)
	}
	params := psbt.SelectParams{
		Target: paymentsSum(pays), FeeRate: rate, LongTermFeeRate: min(rate, psbt.SatPerVByte(10)),
		InputWeight: psbt.InputWeight(shape.Type, shape.M, shape.N), BaseVSize: psbt.EstimateVSize(nil, payScripts),
		ChangeVSize: psbt.OutputVSize(dv.PkScript), ChangeSpendVSize: int64(psbt.InputVSize(shape.Type, shape.M, shape.N) + 0.999),
		MinChange: DustThreshold(dv.PkScript),
	}
	sel, err := psbt.SelectCoins(coins, params, newRand())
	if err != nil {
		return nil, fmt.Errorf("generation %d: %w", g.Number, err)
	}
	plan := &spendPlan{kind: KindHot, vault: v, source: g, payments: pays, rate: rate, fee: sel.Fee, algo: sel.Algorithm}
	for _, c := range sel.Coins {
		plan.coins = append(plan.coins, byOutpoint[c.OutPoint.String()])
	}
	shapes := make([]psbt.InputShape, len(plan.coins))
	for i := range shapes {
		shapes[i] = shape
	}
	scripts := payScripts
	if sel.Change > 0 {
		change.value = sel.Change
		plan.change = []changeOut{change}
		scripts = append(scripts, dv.PkScript)
	}
	plan.vsize = psbt.EstimateVSize(shapes, scripts)
	return plan, nil
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
