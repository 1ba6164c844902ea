package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// Fee guards: MinFeeRate is the relay floor assumed without a node (with
// one, the node's own floor applies: see relayFees); above MaxFeeRate, or
// a fee above MaxFeePercent of what it pays, is almost certainly a typo and
// needs AllowHighFee.
var (
	MinFeeRate    = psbt.SatPerVByte(1)
	MaxFeeRate    = psbt.SatPerVByte(1000)
	MaxFeePercent = int64(5)
)

// Proposal kinds.
const (
	KindTransfer = "transfer" // a cold spend: payments, the remainder rotates to the standby
	KindHot      = "hot"      // a spend from the hot tier, change back to it
	KindRotation = "rotation" // a sweep of the cold generation with no payment: it rotates
	KindSweep    = "sweep"    // a sweep of a hot or retired generation into the cold one
)

// Payment is one output leaving the vault family.
type Payment struct {
	Address string
	Amount  btcutil.Amount
}

// Tier says which generations pay.
type Tier string

// Tiers.
const (
	TierAuto Tier = ""     // by the vault's cold-above policy
	TierCold Tier = "cold" // the cold generation (and so rotate)
	TierHot  Tier = "hot"  // a hot generation's float
)

// ProposeRequest asks for a new transfer.
type ProposeRequest struct {
	Vault        string
	Payments     []Payment
	From         Tier
	FeeRate      psbt.FeeRate // 0: the node's estimate, else the fallback
	ConfTarget   int          // for the node's estimate; 0: 6 blocks
	Memo         string
	AllowHighFee bool
	Internal     bool // allow paying to an address of one of our vaults
	// UnprovenStandby lets a cold spend pay into a standby that fewer than
	// M holders have proven (audited).
	UnprovenStandby bool
	// DryRun plans, checks and builds the proposal exactly as it would be
	// stored, then stores nothing: a preview.
	DryRun bool
}

// ProposeResult is the stored proposal and its PSBT.
type ProposeResult struct {
	Proposal  Proposal
	PSBT      *btcpsbt.Packet
	FeeRate   psbt.FeeRate
	Inputs    int
	InputSum  btcutil.Amount
	Payments  btcutil.Amount
	Algorithm string
	// Left says what of the spent generation this transaction leaves
	// there. After a cold spend it stays in the now-hot generation and is
	// flagged as a late deposit, to be swept with treasury rotate VAULT
	// --generation G.
	Left Left
	// Vault and Source name the vault and the number of the generation
	// spent.
	Vault  string
	Source int
	// Threshold and Holders are the spent generation's M and N: a new
	// proposal has 0 of Threshold signatures.
	Threshold, Holders int
	// More are the further proposals of a sweep too large for one
	// standard transaction; each is signed and broadcast on its own.
	More []ProposeResult
}

// Left is what a sweep leaves in the generation it spends, and why.
type Left struct {
	Waiting    LeftOutputs // unconfirmed, or immature coinbase: swept once spendable
	Uneconomic LeftOutputs // worth less than the fee to spend them at the rate
	Overflow   LeftOutputs // did not fit one standard transaction (the largest went first)
}

// LeftOutputs counts and sums outputs left behind.
type LeftOutputs struct {
	Outputs int
	Value   btcutil.Amount
}

// Any reports whether anything is left.
func (l Left) Any() bool { return l.Waiting.Outputs+l.Uneconomic.Outputs+l.Overflow.Outputs > 0 }

// spendPlan is what a proposal will do, before it is built.
type spendPlan struct {
	kind     string
	vault    Vault
	source   Generation
	target   *Generation // receives the remainder (nil: change to source)
	coins    []UTXO
	payments []Payment
	change   []changeOut
	fee      btcutil.Amount
	vsize    int64
	rate     psbt.FeeRate
	algo     string
	left     Left
}

// changeOut is an output back to one of the vault's generations. desc is
// gen's descriptor, parsed once by newChangeOut for every derivation the
// plan makes while it sizes the transaction.
type changeOut struct {
	gen   Generation
	desc  *vault.Descriptor
	chain uint32
	value btcutil.Amount
}

func newChangeOut(gen Generation, chain uint32) (changeOut, error) {
	d, err := vault.ParseDescriptor(gen.Descriptor)
	if err != nil {
		return changeOut{}, err
	}
	return changeOut{gen: gen, desc: d, chain: chain}, nil
}

// Propose checks policy, selects inputs, builds the PSBT, reserves the
// inputs and stores the proposal, all in one transaction.
func (a *App) Propose(ctx context.Context, req ProposeRequest) (*ProposeResult, error) {
	if len(req.Payments) == 0 {
		return nil, errorf(ErrInvalid, "give at least one payment (--to ADDR --amount AMT)")
	}
	return a.proposeWith(ctx, proposeOpts{req.FeeRate, req.ConfTarget, req.Memo, req.AllowHighFee, req.DryRun},
		func(tx Tx, rate psbt.FeeRate) ([]*spendPlan, error) {
			p, err := a.planTransfer(tx, req, rate)
			return a.provenGate(tx, req.UnprovenStandby)([]*spendPlan{p}, err)
		})
}

// proposeWith resolves the fee rate and the locktime, then in one
// transaction plans the spend, applies the fee guards and stores the
// proposal (or, for a sweep that needs several transactions, every one:
// the first is returned, the others in its More).
func (a *App) proposeWith(ctx context.Context, o proposeOpts, plan func(Tx, psbt.FeeRate) ([]*spendPlan, error)) (*ProposeResult, error) {
	relay, err := a.relayFees(ctx)
	if err != nil {
		return nil, err
	}
	rate, err := a.feeRate(ctx, o.userRate, o.confTarget, relay.Floor())
	if err != nil {
		return nil, err
	}
	if err := checkRelayFloor(rate, relay); err != nil {
		return nil, err
	}
	lock, err := a.lockTime(ctx)
	if err != nil {
		return nil, err
	}
	var res *ProposeResult
	err = a.Store.Update(ctx, func(tx Tx) error {
		ps, err := plan(tx, rate)
		if err != nil {
			return err
		}
		for i, p := range ps {
			if err := checkFee(p, o.allowHighFee); err != nil {
				return err
			}
			if err := a.checkSignerPolicy(tx, p); err != nil {
				return err
			}
			r, err := a.storeProposal(tx, p, lock, o.memo)
			if err != nil {
				return err
			}
			if i == 0 {
				res = r
			} else {
				res.More = append(res.More, *r)
			}
		}
		if o.dryRun {
			return errDryRun // roll back: a preview stores nothing
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return res, err
}

// proposeOpts are the settings every kind of proposal shares.
type proposeOpts struct {
	userRate     psbt.FeeRate
	confTarget   int
	memo         string
	allowHighFee bool
	dryRun       bool
}

// errDryRun rolls back a preview's transaction.
var errDryRun = errors.New("dry run")

// feeRate resolves the rate: the user's, else the node's estimate (at
// least floor), else the configured fallback; never silently zero.
func (a *App) feeRate(ctx context.Context, user psbt.FeeRate, target int, floor psbt.FeeRate) (psbt.FeeRate, error) {
	if user > 0 {
		return user, nil
	}
	if target <= 0 {
		target = 6
	}
	if a.Chain != nil {
		c, err := a.chain(ctx)
		if err != nil {
			return 0, err
		}
		if est, err := c.EstimateFee(ctx, target); err == nil && est > 0 {
			return max(psbt.FeeRate(est), floor), nil
		}
	}
	if a.FallbackFeeRate > 0 {
		return max(a.FallbackFeeRate, floor), nil
	}
	return 0, errorf(ErrInvalid, "the node has no fee estimate and no fallback rate is configured; give --fee-rate")
}

// lockTime is the tip height (anti-fee-sniping), or the last synced height
// without a node.
func (a *App) lockTime(ctx context.Context) (uint32, error) {
	if a.Chain != nil {
		c, err := a.chain(ctx)
		if err != nil {
			return 0, err
		}
		tip, _, err := c.Tip(ctx)
		return uint32(max(tip, 0)), err
	}
	var h int32
	err := a.Store.View(ctx, func(tx Tx) error {
		var err error
		h, _, err = tx.Cursor()
		return err
	})
	return uint32(max(h, 0)), err
}

func checkFee(p *spendPlan, allowHigh bool) error {
	if allowHigh {
		return nil
	}
	if p.rate > MaxFeeRate {
		return errorf(ErrHighFee, "fee rate %s is above %s", p.rate, MaxFeeRate)
	}
	base := paymentsSum(p.payments)
	if base == 0 {
		for _, c := range p.change {
			base += c.value
		}
	}
	if int64(p.fee)*100 > int64(base)*MaxFeePercent {
		return errorf(ErrHighFee, "the fee %s is more than %d%% of the %s it moves", formatBTC(p.fee), MaxFeePercent, formatBTC(base))
	}
	return nil
}

func paymentsSum(ps []Payment) btcutil.Amount {
	var s btcutil.Amount
	for _, p := range ps {
		s += p.Amount
	}
	return s
}

// checkPayments validates every destination: the network, dust, and that
// it is not one of our own scripts unless internal payments are allowed.
func (a *App) checkPayments(tx Tx, ps []Payment, internal bool) ([][]byte, error) {
	ours, err := a.ownScriptRefs(tx)
	if err != nil {
		return nil, err
	}
	scripts := make([][]byte, len(ps))
	for i, p := range ps {
		s, err := a.payScript(p.Address)
		if err != nil {
			return nil, err
		}
		if p.Amount <= 0 {
			return nil, errorf(ErrInvalid, "payment %d: the amount must be above zero", i+1)
		}
		if d := psbt.DustThreshold(s); p.Amount < d {
			return nil, errorf(ErrInvalid, "payment %d: %s is below the dust limit of %s for that address", i+1, formatBTC(p.Amount), formatBTC(d))
		}
		if _, own := ours[string(s)]; own && !internal {
			return nil, errorf(ErrRefused, "payment %d: %s belongs to one of our vaults; add --internal to move funds between our own vaults", i+1, p.Address)
		}
		scripts[i] = s
	}
	return scripts, nil
}

// payScript decodes an address for this treasury's network.
func (a *App) payScript(addr string) ([]byte, error) {
	ad, err := vault.DecodeAddress(addr, a.Net)
	if err != nil {
		return nil, errorf(ErrInvalid, "%w", err)
	}
	s, err := txscript.PayToAddrScript(ad)
	if err != nil {
		return nil, errorf(ErrInvalid, "cannot pay to %s: %v", addr, err)
	}
	return s, nil
}

// spendable filters coins that can be spent now: confirmed, mature,
// unspent, unreserved.
func spendable(us []UTXO, tip int32) (ok []UTXO, held []UTXO) {
	for _, u := range us {
		switch {
		case u.SpentBy != "":
		case u.ReservedBy != "":
			held = append(held, u)
		case !matured(u, tip):
		default:
			ok = append(ok, u)
		}
	}
	return ok, held
}

// matured reports whether u is confirmed and, if a coinbase output, mature
// at tip.
func matured(u UTXO, tip int32) bool {
	return u.Height > 0 && !(u.Coinbase && tip-u.Height+1 < CoinbaseMaturity)
}

func shapeOf(g Generation) (psbt.InputShape, error) {
	d, err := vault.ParseDescriptor(g.Descriptor)
	if err != nil {
		return psbt.InputShape{}, err
	}
	return psbt.InputShape{Type: d.Type, M: d.Threshold, N: d.N()}, nil
}

func newRand() *rand.Rand { return rand.New(rand.NewSource(time.Now().UnixNano())) }

func decodeTx(raw []byte) (*wire.MsgTx, error) {
	var tx wire.MsgTx
	if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("stored transaction does not parse: %w", err)
	}
	return &tx, nil
}
