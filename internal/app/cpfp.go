package app

import (
	"context"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// KindCPFP is a child that spends a stuck proposal's remainder back to the
// same generation, paying enough that parent and child together reach the
// asked rate (child pays for parent). It rotates nothing.
const KindCPFP = "cpfp"

// CPFPResult is the stored child and the parent it pulls.
type CPFPResult struct {
	ProposeResult
	Parent        Proposal
	ParentFee     btcutil.Amount
	ParentVSize   int64
	ParentFeeRate psbt.FeeRate
	PackageRate   psbt.FeeRate // (parent fee + child fee) / (parent + child size)
}

// BumpCPFP creates a child of a broadcast, unconfirmed proposal: it spends
// the parent's remainder output (so the holders of the generation that
// receives it sign) to a fresh address of that same generation, with a fee
// that brings the package to req.FeeRate. Use it when a replacement is not
// possible.
func (a *App) BumpCPFP(ctx context.Context, req BumpRequest) (*CPFPResult, error) {
	if req.FeeRate <= 0 {
		return nil, errorf(ErrInvalid, "give the package's fee rate (--fee-rate)")
	}
	id, relay, lock, err := a.startBump(ctx, req)
	if err != nil {
		return nil, err
	}
	var res *CPFPResult
	err = a.Store.Update(ctx, func(tx Tx) error {
		d, err := a.bumpable(tx, id)
		if err != nil {
			return err
		}
		plan, res0, err := a.planCPFP(tx, d, req.FeeRate, relay)
		if err != nil {
			return err
		}
		if err := checkFee(plan, req.AllowHighFee); err != nil {
			return err
		}
		memo := req.Memo
		if memo == "" {
			memo = "child pays for " + shortID(d.Proposal.ID)
		}
		stored, err := a.storeProposal(tx, plan, lock, memo)
		if err != nil {
			return err
		}
		res0.ProposeResult = *stored
		res = res0
		return nil
	})
	return res, err
}

// planCPFP sizes the child: one input (the parent's remainder), one output
// back to the remainder's generation.
func (a *App) planCPFP(tx Tx, d *ProposalDetail, rate psbt.FeeRate, relay RelayFees) (*spendPlan, *CPFPResult, error) {
	b, err := a.bumpBase(tx, d)
	if err != nil {
		return nil, nil, err
	}
	if b.remainder < 0 {
		return nil, nil, errorf(ErrRefused, "proposal %s has no remainder output for a child to spend; bump it by replacement instead", shortID(d.Proposal.ID))
	}
	h, err := chainhash.NewHashFromStr(d.Proposal.TxID)
	if err != nil {
		return nil, nil, err
	}
	op := wire.OutPoint{Hash: *h, Index: uint32(b.remainder)}
	coin, err := parentOutput(tx, op)
	if err != nil {
		return nil, nil, err
	}
	gen, err := tx.Generation(coin.GenerationID)
	if err != nil {
		return nil, nil, err
	}
	pv := b.oldVSize
	res := &CPFPResult{Parent: d.Proposal, ParentFee: b.oldFee, ParentVSize: pv, ParentFeeRate: b.oldRate}
	if rate <= b.oldRate {
		return nil, nil, errorf(ErrRefused, "proposal %s already pays %s; a child can only raise the rate, so ask for more than that", shortID(d.Proposal.ID), b.oldRate)
	}
	plan, err := a.sizeChild(d, *gen, coin, pv, b.oldFee, rate, relay)
	if err != nil {
		return nil, nil, err
	}
	res.PackageRate = psbt.FeeRate((int64(b.oldFee+plan.fee) * 1000) / (pv + plan.vsize))
	return plan, res, nil
}

// parentOutput is the parent's remainder as recorded at its broadcast.
func parentOutput(tx Tx, op wire.OutPoint) (UTXO, error) {
	us, err := tx.UTXOs(UTXOFilter{Unspent: true})
	if err != nil {
		return UTXO{}, err
	}
	for _, u := range us {
		if u.OutPoint == op {
			if u.ReservedBy != "" {
				return UTXO{}, errorf(ErrConflict, "the remainder %s is already spent by proposal %s", op, shortID(u.ReservedBy))
			}
			return u, nil
		}
	}
	return UTXO{}, errorf(ErrNotFound, "the remainder %s of the stuck transaction is not recorded; run treasury sync", op)
}

// sizeChild plans the child so that parent and child together pay rate,
// and the child alone at least the relay floor. The plan's rate is the
// package's, which the fee guards check.
func (a *App) sizeChild(d *ProposalDetail, gen Generation, coin UTXO, parentVSize int64, parentFee btcutil.Amount, rate psbt.FeeRate, relay RelayFees) (*spendPlan, error) {
	desc, err := vault.ParseDescriptor(gen.Descriptor)
	if err != nil {
		return nil, err
	}
	out := changeOut{gen: gen, desc: desc, chain: 1}
	dv, err := deriveNext(out, a.Net)
	if err != nil {
		return nil, err
	}
	shape := psbt.InputShape{Type: desc.Type, M: desc.Threshold, N: desc.N()}
	vsize := psbt.EstimateVSize([]psbt.InputShape{shape}, [][]byte{dv.PkScript})
	fee := max(psbt.Fee(parentVSize+vsize, rate)-parentFee, psbt.Fee(vsize, relay.Floor()))
	out.value = coin.Value - fee
	if out.value < psbt.DustThreshold(dv.PkScript) {
		return nil, errorf(psbt.ErrInsufficientFunds, "the remainder of proposal %s (%s) cannot pay a child fee of %s", shortID(d.Proposal.ID), formatBTC(coin.Value), formatBTC(fee))
	}
	return &spendPlan{kind: KindCPFP, vault: d.Vault, source: gen, coins: []UTXO{coin}, change: []changeOut{out},
		fee: fee, vsize: vsize, rate: rate, algo: "cpfp"}, nil
}
