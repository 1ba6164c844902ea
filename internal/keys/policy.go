package keys

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/money"
)

// DefaultAllowAfter is how long a new allowlist entry waits before it may
// be paid: time for the other holders to notice an address they did not
// agree to.
const DefaultAllowAfter = 24 * time.Hour

// dayWindow is the rolling window of the daily cap.
const dayWindow = 24 * time.Hour

// ErrPolicy is matched (errors.Is) by every refusal of a spending policy.
var ErrPolicy = errors.New("refused by the spending policy")

// Policy is the spending rules a signer (inside its key file) or the
// coordinator (per vault) enforces on every output that leaves the vault
// family. Outputs that stay in the family are exempt. A zero cap is no cap;
// an empty allowlist allows every destination.
type Policy struct {
	Allow     []AllowEntry   `json:"allow,omitempty"`
	MaxPerTx  btcutil.Amount `json:"max_per_tx_sat,omitempty"`
	MaxPerDay btcutil.Amount `json:"max_per_day_sat,omitempty"`
}

// AllowEntry is one allowed destination; it may be paid from ValidFrom on.
type AllowEntry struct {
	Address   string    `json:"address"`
	AddedAt   time.Time `json:"added_at"`
	ValidFrom time.Time `json:"valid_from"`
}

// Spend is one signing in the log the daily cap counts: the transaction
// and what it sent out of the vault family.
type Spend struct {
	TxID   string         `json:"txid"`
	At     time.Time      `json:"at"`
	Amount btcutil.Amount `json:"sat"`
}

// Leaving is one output that leaves the vault family.
type Leaving struct {
	Index   int
	Address string // "" for a script without an address
	Value   btcutil.Amount
}

// Empty reports whether the policy has no rule.
func (p Policy) Empty() bool { return len(p.Allow) == 0 && p.MaxPerTx == 0 && p.MaxPerDay == 0 }

// PolicyChange is one edit of a policy; nil fields are unchanged.
type PolicyChange struct {
	Allow      []string
	AllowAfter time.Duration
	Remove     []string
	MaxPerTx   *btcutil.Amount
	MaxPerDay  *btcutil.Amount
}

// Apply returns p changed by c at time now. Adding an address already on
// the list keeps its original times (re-adding cannot shorten a delay);
// removing one that is not there is an error.
func (p Policy) Apply(c PolicyChange, now time.Time) (Policy, error) {
	out := Policy{Allow: slices.Clone(p.Allow), MaxPerTx: p.MaxPerTx, MaxPerDay: p.MaxPerDay}
	if c.AllowAfter < 0 {
		return p, errors.New("the allowlist delay cannot be negative")
	}
	for _, a := range c.Remove {
		i := slices.IndexFunc(out.Allow, func(e AllowEntry) bool { return e.Address == a })
		if i < 0 {
			return p, fmt.Errorf("%s is not on the allowlist", a)
		}
		out.Allow = slices.Delete(out.Allow, i, i+1)
	}
	for _, a := range c.Allow {
		if slices.ContainsFunc(out.Allow, func(e AllowEntry) bool { return e.Address == a }) {
			continue
		}
		out.Allow = append(out.Allow, AllowEntry{Address: a, AddedAt: now.UTC(), ValidFrom: now.UTC().Add(c.AllowAfter)})
	}
	for _, v := range []*btcutil.Amount{c.MaxPerTx, c.MaxPerDay} {
		if v != nil && (*v < 0 || *v > btcutil.MaxSatoshi) {
			return p, fmt.Errorf("a cap must be between 0 and 21 million BTC")
		}
	}
	if c.MaxPerTx != nil {
		out.MaxPerTx = *c.MaxPerTx
	}
	if c.MaxPerDay != nil {
		out.MaxPerDay = *c.MaxPerDay
	}
	return out, nil
}

// Check refuses, naming the rule and the output, the first output of outs
// that the policy does not allow at time now, given the spends already
// made (history; a spend of txid itself is not counted twice).
func (p Policy) Check(now time.Time, txid string, outs []Leaving, history []Spend) error {
	if err := p.checkAllow(now, outs); err != nil {
		return err
	}
	var tx, day btcutil.Amount
	for _, s := range history {
		if s.TxID != txid && now.Sub(s.At) < dayWindow && !s.At.After(now) {
			day += s.Amount
		}
	}
	for _, o := range outs {
		tx += o.Value
		if p.MaxPerTx > 0 && tx > p.MaxPerTx {
			return policyRefusal(o, "the transaction would send %s out of the vault family, above the per-transaction cap of %s (rule max-per-tx)", btc(tx), btc(p.MaxPerTx))
		}
		if p.MaxPerDay > 0 && day+tx > p.MaxPerDay {
			return policyRefusal(o, "%s would leave the vault family within 24 hours (%s already signed), above the daily cap of %s (rule max-per-day)", btc(day+tx), btc(day), btc(p.MaxPerDay))
		}
	}
	return nil
}

func (p Policy) checkAllow(now time.Time, outs []Leaving) error {
	if len(p.Allow) == 0 {
		return nil
	}
	for _, o := range outs {
		i := slices.IndexFunc(p.Allow, func(e AllowEntry) bool { return o.Address != "" && e.Address == o.Address })
		if i < 0 {
			return policyRefusal(o, "its destination is not on the allowlist (rule allow)")
		}
		if e := p.Allow[i]; now.Before(e.ValidFrom) {
			return policyRefusal(o, "its destination was added to the allowlist at %s and may be paid only from %s (rule allow-after)",
				e.AddedAt.UTC().Format(time.RFC3339), e.ValidFrom.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

func policyRefusal(o Leaving, format string, args ...any) error {
	dest := o.Address
	if dest == "" {
		dest = "a script with no address"
	}
	return &RefusalError{Kind: ErrPolicy, Input: -1, Output: o.Index,
		Reason: fmt.Sprintf("refusing output %d (%s to %s): ", o.Index, btc(o.Value), dest) + fmt.Sprintf(format, args...)}
}

func btc(a btcutil.Amount) string { return money.FormatBTC(a) }

// LeavingOutputs lists the outputs of r that leave the vault family, as
// this key's policy counts it: payments, and outputs to a destination-only
// registration, which this key holds no key of. Only wallets this key
// signs for are exempt: accepting a destination (seconds before, with no
// allow-after delay) must not lift the caps and the allowlist.
func LeavingOutputs(r *Review) []Leaving {
	var out []Leaving
	for _, o := range r.Outputs {
		if !o.Internal || o.Role == RoleDestination {
			out = append(out, Leaving{Index: o.Index, Address: o.Address, Value: o.Value})
		}
	}
	return out
}
