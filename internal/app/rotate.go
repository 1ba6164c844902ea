package app

import (
	"context"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/rotate"
)

// RotateRequest asks to sweep a generation with no payment.
type RotateRequest struct {
	Vault        string
	Generation   *int // nil: the cold generation
	FeeRate      psbt.FeeRate
	ConfTarget   int
	Memo         string
	AllowHighFee bool
	// UnprovenStandby lets the sweep pay into a standby that fewer than M
	// holders have proven (audited).
	UnprovenStandby bool
	DryRun          bool // plan and build, store nothing (a preview)
}

// Rotate proposes a sweep of a whole generation: the cold one into the
// standby (a scheduled rotation, a suspected compromise, a departing
// holder), or a hot or retired one (late deposits) into the cold one. A
// hot or retired generation with more outputs than fit one standard
// transaction is swept by several proposals, all stored at once: the
// result is the first, and More holds the others.
func (a *App) Rotate(ctx context.Context, req RotateRequest) (*ProposeResult, error) {
	return a.proposeWith(ctx, proposeOpts{req.FeeRate, req.ConfTarget, req.Memo, req.AllowHighFee, req.DryRun},
		func(tx Tx, rate psbt.FeeRate) ([]*spendPlan, error) {
			return a.provenGate(tx, req.UnprovenStandby)(a.planRotation(tx, req, rate))
		})
}

// planRotation plans the sweep of req's generation (default: the cold one).
func (a *App) planRotation(tx Tx, req RotateRequest, rate psbt.FeeRate) ([]*spendPlan, error) {
	v, err := loadVault(tx, req.Vault)
	if err != nil {
		return nil, err
	}
	gens, err := tx.Generations(v.ID)
	if err != nil {
		return nil, err
	}
	src := generationIn(gens, Cold)
	if req.Generation != nil {
		src = nil
		for i := range gens {
			if gens[i].Number == *req.Generation {
				src = &gens[i]
			}
		}
		if src == nil {
			return nil, errorf(ErrNotFound, "vault %s has no generation %d", v.Name, *req.Generation)
		}
	}
	tip, _, err := tx.Cursor()
	if err != nil {
		return nil, err
	}
	kind := KindRotation
	if src != nil && src.State != Cold {
		kind = KindSweep
	}
	return a.planSweeps(tx, *v, gens, src, nil, rate, tip, kind)
}

// StandbyRequest registers the next generation of a vault in advance.
type StandbyRequest struct {
	Vault     string
	Threshold int // 0: the cold generation's
	Keys      []KeySpec
}

// RegisterStandby stores the next generation as standby. Its holders and
// threshold may differ from the cold generation's (a departing holder, a
// larger quorum); it must not reuse a generation's exact keys.
func (a *App) RegisterStandby(ctx context.Context, req StandbyRequest) (*Generation, error) {
	var out *Generation
	err := a.Store.Update(ctx, func(tx Tx) error {
		v, err := loadVault(tx, req.Vault)
		if err != nil {
			return err
		}
		gens, err := tx.Generations(v.ID)
		if err != nil {
			return err
		}
		if sb := generationIn(gens, Standby); sb != nil {
			return errorf(ErrDuplicate, "vault %s already has a standby generation (%d); it becomes cold at the next cold spend", v.Name, sb.Number)
		}
		m := req.Threshold
		if cold := generationIn(gens, Cold); m == 0 && cold != nil {
			m = cold.Threshold
		}
		shape, err := shapeOf(gens[0])
		if err != nil {
			return err
		}
		g, err := a.buildGeneration(shape.Type, m, req.Keys)
		if err != nil {
			return err
		}
		for i := range gens {
			if err := distinctGenerations(&gens[i], g); err != nil {
				return err
			}
		}
		tip, _, err := tx.Cursor()
		if err != nil {
			return err
		}
		g.VaultID, g.Number, g.State, g.Birthday, g.CreatedAt = v.ID, gens[len(gens)-1].Number+1, Standby, max(tip, 0), a.now()
		if err := a.insertGeneration(tx, g); err != nil {
			return err
		}
		out = g
		return a.audit(tx, "vault.standby", map[string]any{"vault": v.Name, "generation": g.Number, "threshold": g.Threshold, "descriptor": g.Descriptor})
	})
	return out, err
}

// PolicyRequest changes a vault's tier policy and address gap; nil fields
// are unchanged.
type PolicyRequest struct {
	Vault     string
	HotFloat  *btcutil.Amount
	ColdAbove *btcutil.Amount
	Gap       *uint32 // unused addresses watched past the last used one
}

// MaxGap bounds the address gap: each generation watches this many
// scripts per chain past its last used one.
const MaxGap = 10000

// SetPolicy stores a vault's hot float and cold-above threshold.
func (a *App) SetPolicy(ctx context.Context, req PolicyRequest) (*Vault, error) {
	var out *Vault
	err := a.Store.Update(ctx, func(tx Tx) error {
		v, err := loadVault(tx, req.Vault)
		if err != nil {
			return err
		}
		if req.HotFloat != nil {
			v.HotFloat = *req.HotFloat
		}
		if req.ColdAbove != nil {
			v.ColdAbove = *req.ColdAbove
		}
		if v.HotFloat < 0 || v.ColdAbove < 0 {
			return errorf(ErrInvalid, "policy amounts cannot be negative")
		}
		if err := tx.SetVaultPolicy(v.ID, v.HotFloat, v.ColdAbove); err != nil {
			return err
		}
		if err := a.setGap(tx, v, req.Gap); err != nil {
			return err
		}
		out = v
		payload := map[string]any{"vault": v.Name, "hot_float_sat": int64(v.HotFloat), "cold_above_sat": int64(v.ColdAbove)}
		if req.Gap != nil {
			payload["gap"] = v.Gap
		}
		return a.audit(tx, "vault.policy", payload)
	})
	return out, err
}

// setGap stores a new address gap and widens every generation's watch set
// to it at once (a narrower gap keeps the scripts already watched). Blocks
// already synced are searched for the new scripts by sync --rescan.
func (a *App) setGap(tx Tx, v *Vault, gap *uint32) error {
	if gap == nil {
		return nil
	}
	if *gap < 1 || *gap > MaxGap {
		return errorf(ErrInvalid, "the gap must be between 1 and %d addresses, not %d", MaxGap, *gap)
	}
	v.Gap = *gap
	if err := tx.SetVaultGap(v.ID, v.Gap); err != nil {
		return err
	}
	gens, err := tx.Generations(v.ID)
	if err != nil {
		return err
	}
	for i := range gens {
		g := &gens[i]
		if err := a.extendWatch(tx, g, max(g.NextReceive, g.NextChange)+v.Gap); err != nil {
			return err
		}
	}
	return nil
}

// retireEmpty retires hot generations that hold nothing and have nothing
// pending.
func (a *App) retireEmpty(ctx context.Context) error {
	return a.Store.Update(ctx, func(tx Tx) error {
		gens, err := tx.AllGenerations()
		if err != nil {
			return err
		}
		for _, g := range gens {
			if g.State != Hot {
				continue
			}
			us, err := tx.UTXOs(UTXOFilter{GenerationID: g.ID, Unspent: true})
			if err != nil {
				return err
			}
			pending, err := tx.UTXOs(UTXOFilter{GenerationID: g.ID})
			if err != nil {
				return err
			}
			if !rotate.Retire(rotate.State(g.State), len(us), hasUnconfirmedSpend(pending)) {
				continue
			}
			if err := tx.SetGenerationState(g.ID, Retired); err != nil {
				return err
			}
			if err := a.audit(tx, "generation.retire", map[string]any{"vault_id": g.VaultID, "generation": g.Number}); err != nil {
				return err
			}
		}
		return nil
	})
}

func hasUnconfirmedSpend(us []UTXO) bool {
	for _, u := range us {
		if u.SpentBy != "" && u.SpentHeight == 0 {
			return true
		}
	}
	return false
}
