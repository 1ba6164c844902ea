package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/btcutil/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// storeProposal builds the PSBT for a plan, reserves its inputs, hands out
// the internal outputs' indexes and stores the proposal.
func (a *App) storeProposal(tx Tx, plan *spendPlan, lock uint32, memo string) (*ProposeResult, error) {
	req := psbt.BuildRequest{LockTime: lock}
	srcDesc, err := vault.ParseDescriptor(plan.source.Descriptor)
	if err != nil {
		return nil, err
	}
	res := &ProposeResult{FeeRate: plan.rate, Inputs: len(plan.coins), Payments: paymentsSum(plan.payments), Algorithm: plan.algo, Left: plan.left,
		Vault: plan.vault.Name, Source: plan.source.Number, Threshold: plan.source.Threshold, Holders: len(plan.source.Holders)}
	if req.Inputs, res.InputSum, err = a.inputSpecs(srcDesc, plan.coins); err != nil {
		return nil, err
	}
	var outs []ProposalOutput
	descs := []*vault.Descriptor{srcDesc}
	ours, err := a.ownScriptRefs(tx)
	if err != nil {
		return nil, err
	}
	for _, p := range plan.payments {
		s, err := a.payScript(p.Address)
		if err != nil {
			return nil, err
		}
		spec := psbt.OutputSpec{Value: p.Amount, PkScript: s}
		out := ProposalOutput{Index: len(outs), Value: p.Amount, Address: p.Address}
		if ref, ok := ours[string(s)]; ok {
			// An --internal payment: give signers the derivations to prove
			// it stays in the vault family.
			d, err := a.internalOutput(tx, ref)
			if err != nil {
				return nil, err
			}
			spec.Derived, out.GenerationID = d.derived, ref.GenerationID
			descs = append(descs, d.desc)
		}
		req.Outputs = append(req.Outputs, spec)
		outs = append(outs, out)
	}
	for _, c := range plan.change {
		// An earlier proposal in the same transaction (a sweep in several)
		// may have handed out the index the plan saw.
		g, err := tx.Generation(c.gen.ID)
		if err != nil {
			return nil, err
		}
		c.gen.NextReceive, c.gen.NextChange = g.NextReceive, g.NextChange
		idx, fresh, err := a.internalIndex(tx, c.gen, c.chain)
		if err != nil {
			return nil, err
		}
		dv, err := c.desc.Derive(a.Net, c.chain, idx)
		if err != nil {
			return nil, err
		}
		req.Outputs = append(req.Outputs, psbt.OutputSpec{Value: c.value, PkScript: dv.PkScript, Derived: dv})
		outs = append(outs, ProposalOutput{Index: len(outs), Value: c.value, Address: dv.Address, GenerationID: c.gen.ID})
		if fresh {
			if err := a.handOut(tx, c.gen, c.chain, dv.Index); err != nil {
				return nil, err
			}
		}
		descs = append(descs, c.desc)
	}
	req.GlobalXPubs = globalXPubs(descs)
	p, id, err := buildUnique(tx, req)
	if err != nil {
		return nil, err
	}
	prop := Proposal{ID: id, VaultID: plan.vault.ID, GenerationID: plan.source.ID, Kind: plan.kind, State: Collecting,
		Memo: memo, Fee: plan.fee, VSize: plan.vsize, Outputs: outs, CreatedAt: a.now(), UpdatedAt: a.now()}
	if plan.target != nil {
		prop.TargetGenID = plan.target.ID
	}
	ops := make([]wire.OutPoint, len(plan.coins))
	for i, u := range plan.coins {
		ops[i] = u.OutPoint
	}
	if err := tx.Reserve(ops, id); err != nil {
		return nil, err
	}
	// The PSBT carries the proposal's own audit entry as its anchor.
	if err := a.insertProposal(tx, p, &prop, plan.vault.Name, "proposal.create", proposalPayload(plan, &prop), "propose"); err != nil {
		return nil, err
	}
	res.Proposal, res.PSBT = prop, p
	return res, nil
}

// inputSpecs describes coins of the generation desc derives as PSBT
// inputs (each with its full previous transaction and derivation), and
// sums them.
func (a *App) inputSpecs(desc *vault.Descriptor, coins []UTXO) ([]psbt.InputSpec, btcutil.Amount, error) {
	var specs []psbt.InputSpec
	var sum btcutil.Amount
	for _, u := range coins {
		prev, err := decodeTx(u.PrevTx)
		if err != nil {
			return nil, 0, err
		}
		dv, err := desc.Derive(a.Net, u.Chain, u.Index)
		if err != nil {
			return nil, 0, err
		}
		specs = append(specs, psbt.InputSpec{OutPoint: u.OutPoint, PrevTx: prev, Derived: dv})
		sum += u.Value
	}
	return specs, sum, nil
}

func proposalPayload(plan *spendPlan, p *Proposal) map[string]any {
	pays := []map[string]any{}
	for _, o := range plan.payments {
		pays = append(pays, map[string]any{"address": o.Address, "sat": int64(o.Amount)})
	}
	internal := []map[string]any{}
	for _, c := range plan.change {
		internal = append(internal, map[string]any{"generation": c.gen.Number, "chain": c.chain, "sat": int64(c.value)})
	}
	out := map[string]any{"proposal": p.ID, "vault": plan.vault.Name, "kind": p.Kind, "generation": plan.source.Number,
		"inputs": len(plan.coins), "payments": pays, "internal": internal, "fee_sat": int64(p.Fee), "vsize": p.VSize,
		"fee_rate": json.Number(plan.rate.Decimal()), "memo": p.Memo}
	for k, l := range map[string]LeftOutputs{"left_waiting_sat": plan.left.Waiting, "left_uneconomic_sat": plan.left.Uneconomic, "left_overflow_sat": plan.left.Overflow} {
		if l.Outputs > 0 {
			out[k] = int64(l.Value)
		}
	}
	return out
}

// lockTimeSpread is how far below the tip buildUnique may set a locktime:
// Bitcoin Core's anti-fee-sniping sets it up to 99 blocks back.
const lockTimeSpread = 99

// buildUnique builds the PSBT of req. A proposal's id is its unsigned
// txid, and a proposal made again after a cancel (the same inputs,
// payments and, reused, the same remainder address) would have the
// cancelled one's: then the locktime steps back a block at a time, as
// Core's anti-fee-sniping may, until the transaction is a new one.
func buildUnique(tx Tx, req psbt.BuildRequest) (*btcpsbt.Packet, string, error) {
	top := req.LockTime
	for {
		p, err := psbt.Build(req)
		if err != nil {
			return nil, "", err
		}
		id := psbt.UnsignedTxID(p).String()
		_, err = tx.Proposal(id)
		switch {
		case errors.Is(err, ErrNotFound):
			return p, id, nil
		case err != nil:
			return nil, "", err
		case req.LockTime == 0 || top-req.LockTime >= lockTimeSpread:
			return nil, "", errorf(ErrDuplicate, "this transaction is the same as proposal %s; change an amount or the fee rate", shortID(id))
		}
		req.LockTime--
	}
}

type internalOut struct {
	desc    *vault.Descriptor
	derived *vault.Derived
}

// internalOutput derives the script of one of our watched scripts.
func (a *App) internalOutput(tx Tx, ref Script) (internalOut, error) {
	g, err := tx.Generation(ref.GenerationID)
	if err != nil {
		return internalOut{}, err
	}
	d, err := vault.ParseDescriptor(g.Descriptor)
	if err != nil {
		return internalOut{}, err
	}
	dv, err := d.Derive(a.Net, ref.Chain, ref.Index)
	return internalOut{desc: d, derived: dv}, err
}

// ownScriptRefs maps every watched script to where it was derived.
func (a *App) ownScriptRefs(tx Tx) (map[string]Script, error) {
	return scriptRefs(tx, 0)
}

// scriptRefs maps the watched scripts of generation genID (0: of every
// generation) to where they were derived.
func scriptRefs(tx Tx, genID int64) (map[string]Script, error) {
	ss, err := tx.Scripts(genID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Script, len(ss))
	for _, s := range ss {
		out[string(s.PkScript)] = s
	}
	return out, nil
}

// handOut records that an internal output took index idx of a chain, and
// keeps the watch set the vault's gap beyond it.
func (a *App) handOut(tx Tx, g Generation, chain, idx uint32) error {
	if err := tx.SetNextIndex(g.ID, chain, idx+1); err != nil {
		return err
	}
	gap, err := gapFor(tx, g.VaultID)
	if err != nil {
		return err
	}
	return a.extendWatch(tx, &g, idx+1+gap)
}

func globalXPubs(ds []*vault.Descriptor) []vault.Key {
	seen := map[string]bool{}
	var out []vault.Key
	for _, d := range ds {
		for _, k := range d.Keys {
			if s := k.XPub.String(); !seen[s] {
				seen[s] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// findProposal resolves a full or short (prefix) proposal id.
func findProposal(tx Tx, id string) (*Proposal, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if len(id) < 4 {
		return nil, errorf(ErrInvalid, "proposal id %q is too short; give at least 4 characters", id)
	}
	ps, err := tx.ProposalsByPrefix(id)
	if err != nil {
		return nil, err
	}
	switch len(ps) {
	case 0:
		return nil, errorf(ErrUnknownProposal, "no proposal %s", id)
	case 1:
		return &ps[0], nil
	}
	return nil, errorf(ErrInvalid, "proposal id %s is ambiguous; give more characters", id)
}

// ProposalDetail is a proposal with who signed what.
type ProposalDetail struct {
	Proposal Proposal
	Vault    Vault
	Source   Generation
	Target   *Generation
	Quorum   Quorum
	PSBT     *btcpsbt.Packet
	// Replaces is the proposal this one is a fee bump of ("" if none);
	// ReplacedBy the fee bumps of this one.
	Replaces   string
	ReplacedBy []string
	// TxLabel and OutputLabels are BIP-329 labels imported or set for the
	// transaction and for its outputs (by output index; an output's own
	// label, else its address's).
	TxLabel      string
	OutputLabels map[int]string
}

// ListProposals lists proposals (all vaults when vaultName is empty).
func (a *App) ListProposals(ctx context.Context, vaultName string) ([]ProposalDetail, error) {
	var out []ProposalDetail
	err := a.Store.View(ctx, func(tx Tx) error {
		var vid int64
		if vaultName != "" {
			v, err := loadVault(tx, vaultName)
			if err != nil {
				return err
			}
			vid = v.ID
		}
		ps, err := tx.Proposals(vid)
		if err != nil {
			return err
		}
		for i := range ps {
			d, err := a.detail(tx, &ps[i])
			if err != nil {
				return err
			}
			out = append(out, *d)
		}
		return nil
	})
	return out, err
}

// ShowProposal returns one proposal with its signing status.
func (a *App) ShowProposal(ctx context.Context, id string) (*ProposalDetail, error) {
	var out *ProposalDetail
	err := a.Store.View(ctx, func(tx Tx) error {
		p, err := findProposal(tx, id)
		if err != nil {
			return err
		}
		out, err = a.detail(tx, p)
		return err
	})
	return out, err
}

func (a *App) detail(tx Tx, p *Proposal) (*ProposalDetail, error) {
	v, err := tx.VaultByID(p.VaultID)
	if err != nil {
		return nil, err
	}
	src, err := tx.Generation(p.GenerationID)
	if err != nil {
		return nil, err
	}
	d := &ProposalDetail{Proposal: *p, Vault: *v, Source: *src}
	if p.TargetGenID != 0 {
		if d.Target, err = tx.Generation(p.TargetGenID); err != nil {
			return nil, err
		}
	}
	if d.PSBT, err = psbt.Decode(p.PSBT); err != nil {
		return nil, err
	}
	sigs, err := tx.Signatures(p.ID)
	if err != nil {
		return nil, err
	}
	d.Quorum = quorumOf(*src, len(d.PSBT.Inputs), sigs)
	if d.Replaces, err = tx.Replaces(p.ID); err != nil {
		return nil, err
	}
	if d.ReplacedBy, err = tx.ReplacedBy(p.ID); err != nil {
		return nil, err
	}
	return d, addLabels(tx, d)
}

// addLabels fills in the labels imported for a proposal's transaction and
// outputs.
func addLabels(tx Tx, d *ProposalDetail) error {
	idx, err := loadLabels(tx)
	if err != nil || len(idx) == 0 {
		return err
	}
	txid := d.Proposal.TxID
	if txid == "" {
		txid = d.Proposal.ID
	}
	d.TxLabel = idx.text("tx", txid)
	d.OutputLabels = map[int]string{}
	for _, o := range d.Proposal.Outputs {
		l := idx.text("output", fmt.Sprintf("%s:%d", txid, o.Index))
		if l == "" {
			l = idx.text("addr", o.Address)
		}
		if l != "" {
			d.OutputLabels[o.Index] = l
		}
	}
	return nil
}
