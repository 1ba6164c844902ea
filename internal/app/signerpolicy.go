package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/keys"
)

// SignerPolicyRequest changes the signer policy the coordinator holds for a
// vault: the same rules as a key file's (`treasury key policy`), so that
// propose refuses what the holders would refuse and nothing is signed in
// vain. Addresses must be in their canonical form.
type SignerPolicyRequest struct {
	Vault  string
	Change keys.PolicyChange
}

// SetSignerPolicy applies a change to a vault's signer policy (by the
// coordinator's clock) and appends it to the audit log.
func (a *App) SetSignerPolicy(ctx context.Context, req SignerPolicyRequest) (*keys.Policy, error) {
	var out keys.Policy
	err := a.Store.Update(ctx, func(tx Tx) error {
		v, err := loadVault(tx, req.Vault)
		if err != nil {
			return err
		}
		for _, addr := range append(append([]string{}, req.Change.Allow...), req.Change.Remove...) {
			if _, err := a.payScript(addr); err != nil {
				return err
			}
		}
		cur, err := a.signerPolicy(tx, v.ID)
		if err != nil {
			return err
		}
		if out, err = cur.Apply(req.Change, a.now()); err != nil {
			return errorf(ErrInvalid, "%w", err)
		}
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		if err := tx.SetSignerPolicy(v.ID, b); err != nil {
			return err
		}
		return a.audit(tx, "vault.signer_policy", map[string]any{"vault": v.Name, "policy": out,
			"allowed": req.Change.Allow, "removed": req.Change.Remove})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// SignerPolicy returns the signer policy the coordinator holds for a vault.
func (a *App) SignerPolicy(ctx context.Context, vaultName string) (*keys.Policy, error) {
	var out keys.Policy
	err := a.Store.View(ctx, func(tx Tx) error {
		v, err := loadVault(tx, vaultName)
		if err != nil {
			return err
		}
		out, err = a.signerPolicy(tx, v.ID)
		return err
	})
	return &out, err
}

func (a *App) signerPolicy(tx Tx, vaultID int64) (keys.Policy, error) {
	var p keys.Policy
	b, err := tx.SignerPolicy(vaultID)
	if err != nil || len(b) == 0 {
		return p, err
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("the stored signer policy does not parse: %w", err)
	}
	return p, nil
}

// checkSignerPolicy refuses a plan that the vault's signer policy would
// refuse at the signers: every payment leaving the vault family must be
// to an allowlisted address past its delay, and within the caps, counting
// for the daily cap what the vault's proposals of the last 24 hours send
// out (cancelled or failed ones only if someone signed them).
func (a *App) checkSignerPolicy(tx Tx, p *spendPlan) error {
	pol, err := a.signerPolicy(tx, p.vault.ID)
	if err != nil || pol.Empty() {
		return err
	}
	family, err := a.familyGenerations(tx, p.vault.ID)
	if err != nil {
		return err
	}
	ours, err := a.ownScriptRefs(tx)
	if err != nil {
		return err
	}
	var outs []keys.Leaving
	for i, pay := range p.payments {
		s, err := a.payScript(pay.Address)
		if err != nil {
			return err
		}
		if ref, ok := ours[string(s)]; ok && family[ref.GenerationID] {
			continue
		}
		outs = append(outs, keys.Leaving{Index: i, Address: pay.Address, Value: pay.Amount})
	}
	history, err := a.recentSpends(tx, p.vault.ID, family)
	if err != nil {
		return err
	}
	if err := pol.Check(a.now(), "", outs, history); err != nil {
		return errorf(ErrRefused, "vault %s's signer policy would refuse this, so no holder would sign it: %w", p.vault.Name, err)
	}
	return nil
}

func (a *App) familyGenerations(tx Tx, vaultID int64) (map[int64]bool, error) {
	gens, err := tx.Generations(vaultID)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(gens))
	for _, g := range gens {
		out[g.ID] = true
	}
	return out, nil
}

// recentSpends is what the vault's proposals of the last 24 hours send out
// of the vault family, as the daily cap counts it; a proposal a fee bump
// replaced counts through its replacement.
func (a *App) recentSpends(tx Tx, vaultID int64, family map[int64]bool) ([]keys.Spend, error) {
	props, err := tx.Proposals(vaultID)
	if err != nil {
		return nil, err
	}
	// A fee bump pays the same payments as the proposal it replaces, and
	// only one of the two can confirm: the pair counts once, as it does at
	// the signers.
	replaced := map[string]bool{}
	for _, pr := range props {
		old, err := tx.Replaces(pr.ID)
		if err != nil {
			return nil, err
		}
		replaced[old] = old != ""
	}
	var out []keys.Spend
	for _, pr := range props {
		if a.now().Sub(pr.CreatedAt) >= 24*time.Hour || replaced[pr.ID] {
			continue
		}
		if pr.State == Cancelled || pr.State == Failed {
			sigs, err := tx.Signatures(pr.ID)
			if err != nil {
				return nil, err
			}
			if len(sigs) == 0 {
				continue
			}
		}
		var sum btcutil.Amount
		for _, o := range pr.Outputs {
			if !family[o.GenerationID] {
				sum += o.Value
			}
		}
		out = append(out, keys.Spend{TxID: pr.ID, At: pr.CreatedAt, Amount: sum})
	}
	return out, nil
}
