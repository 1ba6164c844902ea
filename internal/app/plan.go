package app

import (
	"errors"
	"fmt"

	"github.com/treasury-dev/treasury/psbt"
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
	plans, err := a.planSweeps(tx, *v, gens, generationIn(gens, Cold), req.Payments, rate, tip, KindTransfer)
	if err != nil {
		return nil, err
	}
	return plans[0], nil // a cold spend is one transaction
}

// deriveNext derives the next unused script of an internal output's chain.
func deriveNext(o changeOut, net vault.Network) (*vault.Derived, error) {
	idx := o.gen.NextReceive
	if o.chain == 1 {
		idx = o.gen.NextChange
	}
	// Signers refuse an internal output beyond the window (and Bitcoin
	// Core's export does not cover it): the generation is used up.
	if idx > vault.MaxAddressIndex {
		return nil, errorf(ErrRefused, "generation %d has used every index up to %d of its %s chain, the window signers accept and the Core export covers; rotate to the next generation",
			o.gen.Number, vault.MaxAddressIndex, map[uint32]string{0: "receive", 1: "change"}[o.chain])
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
		MinChange: psbt.DustThreshold(dv.PkScript),
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
