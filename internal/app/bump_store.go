package app

import (
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// storeBump builds the replacement's PSBT (carrying the replaced
// transaction for the signers' review), reserves the inputs it adds, and
// stores the proposal with its link to the one it replaces.
func (a *App) storeBump(tx Tx, b *bumpPlan, lock uint32, memo string) (*BumpResult, error) {
	d := b.old
	req := psbt.BuildRequest{LockTime: lock}
	res := &BumpResult{Replaces: d.Proposal, OldFee: b.oldFee, OldFeeRate: b.oldRate, MinFeeRate: b.minRate, AddedInputs: b.added,
		Evicts: b.evictedOthers, EvictedFees: b.evictedFees}
	res.FeeRate, res.Inputs, res.Algorithm = b.spend.rate, len(b.coins), b.spend.algo
	var err error
	if req.Inputs, res.InputSum, err = a.inputSpecs(b.sourceDesc, b.coins); err != nil {
		return nil, err
	}
	descs := []*vault.Descriptor{b.sourceDesc}
	outs := make([]ProposalOutput, len(b.outs))
	for i, o := range b.outs {
		req.Outputs = append(req.Outputs, psbt.OutputSpec{Value: o.value, PkScript: o.pkScript, Derived: o.derived})
		outs[i] = o.out
		outs[i].Index, outs[i].Value = i, o.value
		if o.desc != nil {
			descs = append(descs, o.desc)
		}
		if o.out.GenerationID == 0 {
			res.Payments += o.value
		}
		if o.newGen != nil {
			if err := a.handOut(tx, *o.newGen, o.derived.Chain, o.derived.Index); err != nil {
				return nil, err
			}
		}
	}
	req.GlobalXPubs = globalXPubs(descs)
	p, err := psbt.Build(req)
	if err != nil {
		return nil, err
	}
	if err := psbt.SetReplaces(p, b.oldTx); err != nil {
		return nil, err
	}
	id := psbt.UnsignedTxID(p).String()
	prop := Proposal{ID: id, VaultID: d.Proposal.VaultID, GenerationID: d.Proposal.GenerationID, TargetGenID: d.Proposal.TargetGenID,
		Kind: d.Proposal.Kind, State: Collecting, Memo: memo, Fee: b.spend.fee, VSize: b.spend.vsize, Outputs: outs,
		CreatedAt: a.now(), UpdatedAt: a.now()}
	var added []wire.OutPoint
	for _, u := range b.coins[len(b.coins)-b.added:] {
		added = append(added, u.OutPoint)
	}
	if err := tx.Reserve(added, id); err != nil {
		return nil, err
	}
	payload := proposalPayload(b.spend, &prop)
	payload["replaces"], payload["replaced_fee_sat"], payload["added_inputs"] = d.Proposal.ID, int64(b.oldFee), b.added
	// The PSBT carries the bump's own audit entry as its anchor.
	if err := a.insertProposal(tx, p, &prop, d.Vault.Name, "proposal.bump", payload, "bump"); err != nil {
		return nil, err
	}
	if err := tx.InsertReplacement(id, d.Proposal.ID, a.now()); err != nil {
		return nil, err
	}
	res.Proposal, res.PSBT = prop, p
	return res, nil
}
