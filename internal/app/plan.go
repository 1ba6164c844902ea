package app

import (
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/v2"

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

// planSweep spends every output of src: the payments go out, the spent
// generation keeps at most the hot float (a cold spend), and the rest moves
// to the standby (when src is cold) or to the cold generation (when src is
// hot or retired).
func (a *App) planSweep(tx Tx, v Vault, gens []Generation, src *Generation, pays []Payment, rate psbt.FeeRate, tip int32, kind string) (*spendPlan, error) {
	if src == nil {
		return nil, errorf(ErrNotFound, "vault %s has no cold generation", v.Name)
	}
	want, err := rotate.SweepTarget(rotate.State(src.State))
	if err != nil {
		return nil, errorf(ErrRefused, "generation %d of vault %s: %w", src.Number, v.Name, err)
	}
	target := generationIn(gens, GenState(want))
	if target == nil && want == rotate.Standby {
		return nil, errorf(ErrRefused, "vault %s has no standby generation to receive the remainder of a cold spend; register one first: treasury vault standby %s --key … (keys from treasury key xpub --generation %d)", v.Name, v.Name, src.Number+1)
	}
	if target == nil {
		return nil, errorf(ErrNotFound, "vault %s has no cold generation to sweep into", v.Name)
	}
	keepFloat := rotate.KeepsFloat(rotate.State(src.State), len(pays) > 0)
	all, err := tx.UTXOs(UTXOFilter{GenerationID: src.ID, Unspent: true})
	if err != nil {
		return nil, err
	}
	coins, held := spendable(all, tip)
	if len(held) > 0 {
		return nil, errorf(ErrConflict, "generation %d of vault %s already has a live proposal (%s); a sweep takes every output, so broadcast or cancel that one first", src.Number, v.Name, shortID(held[0].ReservedBy))
	}
	if src.State == Cold {
		// The spent generation turns hot: an output left out now would
		// stay behind in it, above the float and never flagged.
		if waiting := unspendableYet(all, coins); waiting > 0 {
			return nil, errorf(ErrRefused, "generation %d of vault %s holds %s that is not yet spendable (unconfirmed or immature coinbase), and a cold spend must move all of it; wait until it confirms or matures, run treasury sync, and propose again", src.Number, v.Name, formatBTC(waiting))
		}
	}
	if len(coins) == 0 {
		return nil, errorf(psbt.ErrInsufficientFunds, "generation %d of vault %s has no confirmed, mature funds to spend (run treasury sync?)", src.Number, v.Name)
	}
	plan := &spendPlan{kind: kind, vault: v, source: *src, target: target, coins: coins, payments: pays, rate: rate, algo: psbt.AlgoAll}
	return plan, a.sizeSweep(plan, keepFloat)
}

// unspendableYet sums the unspent, unreserved outputs of all that are not
// in coins: those spendable filtered out as unconfirmed or immature.
func unspendableYet(all, coins []UTXO) btcutil.Amount {
	in := make(map[string]bool, len(coins))
	for _, c := range coins {
		in[c.OutPoint.String()] = true
	}
	var sum btcutil.Amount
	for _, u := range all {
		if u.SpentBy == "" && u.ReservedBy == "" && !in[u.OutPoint.String()] {
			sum += u.Value
		}
	}
	return sum
}

// sizeSweep sets the sweep's outputs and fee: it sizes the transaction
// exactly, then drops any internal output that would be dust (its value
// goes to the fee).
func (a *App) sizeSweep(p *spendPlan, keepFloat bool) error {
	var in btcutil.Amount
	for _, c := range p.coins {
		in += c.Value
	}
	shape, err := shapeOf(p.source)
	if err != nil {
		return err
	}
	floatOut, err := newChangeOut(p.source, 1)
	if err != nil {
		return err
	}
	restOut, err := newChangeOut(*p.target, 0)
	if err != nil {
		return err
	}
	outs := []changeOut{restOut}
	if keepFloat && p.vault.HotFloat > 0 {
		outs = []changeOut{floatOut, restOut}
	}
	for {
		p.vsize, err = a.sweepVSize(p, shape, outs)
		if err != nil {
			return err
		}
		if p.vsize*4 > psbt.MaxStandardTxWeight {
			return errorf(ErrRefused, "generation %d has %d outputs, too many to sweep in one standard transaction (%d vB); consolidate part of them first", p.source.Number, len(p.coins), p.vsize)
		}
		p.fee = psbt.Fee(p.vsize, p.rate)
		rest := in - paymentsSum(p.payments) - p.fee
		if rest < 0 {
			return errorf(psbt.ErrInsufficientFunds, "generation %d holds %s; the payments of %s plus a fee of %s need %s more", p.source.Number, formatBTC(in), formatBTC(paymentsSum(p.payments)), formatBTC(p.fee), formatBTC(-rest))
		}
		outs = assignSweep(outs, rest, p.vault.HotFloat)
		kept, dropped := a.dropDust(outs)
		if !dropped {
			p.change = kept
			p.fee = in - paymentsSum(p.payments) - sumChange(kept)
			return nil
		}
		outs = kept
		if len(outs) == 0 && len(p.payments) == 0 {
			return errorf(psbt.ErrInsufficientFunds, "generation %d holds only %s, which is not worth moving at %s", p.source.Number, formatBTC(in), p.rate)
		}
	}
}

// assignSweep splits what is left after payments and fee: the float output
// (when present, first) gets at most hotFloat, the last output the rest.
func assignSweep(outs []changeOut, rest, hotFloat btcutil.Amount) []changeOut {
	if len(outs) == 0 {
		return outs
	}
	float, remainder := rotate.Split(rest, hotFloat, len(outs) == 2)
	if len(outs) == 2 {
		outs[0].value = float
	}
	outs[len(outs)-1].value = remainder
	return outs
}

func (a *App) dropDust(outs []changeOut) ([]changeOut, bool) {
	var kept []changeOut
	dropped := false
	for _, o := range outs {
		dv, err := deriveNext(o, a.Net)
		if err == nil && o.value >= DustThreshold(dv.PkScript) {
			kept = append(kept, o)
			continue
		}
		dropped = true
	}
	return kept, dropped
}

func sumChange(cs []changeOut) btcutil.Amount {
	var s btcutil.Amount
	for _, c := range cs {
		s += c.value
	}
	return s
}

func (a *App) sweepVSize(p *spendPlan, shape psbt.InputShape, outs []changeOut) (int64, error) {
	shapes := make([]psbt.InputShape, len(p.coins))
	for i := range shapes {
		shapes[i] = shape
	}
	var scripts [][]byte
	for _, pay := range p.payments {
		s, err := a.payScript(pay.Address)
		if err != nil {
			return 0, err
		}
		scripts = append(scripts, s)
	}
	for _, o := range outs {
		dv, err := deriveNext(o, a.Net)
		if err != nil {
			return 0, err
		}
		scripts = append(scripts, dv.PkScript)
	}
	return psbt.EstimateVSize(shapes, scripts), nil
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
