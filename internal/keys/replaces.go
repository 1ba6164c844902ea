package keys

import (
	"errors"
	"slices"

	"github.com/btcsuite/btcd/chainhash/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"

	"github.com/treasury-dev/treasury/psbt"
)

// ErrBadReplacement means a PSBT says it replaces a transaction (a fee
// bump) but does not keep that transaction's payments, or does not
// conflict with it.
var ErrBadReplacement = errors.New("fee bump does not keep the payments of the transaction it replaces")

// Replacement is what review established about a fee bump: the proposal
// (unsigned txid) it replaces, whose payments it keeps to the satoshi.
type Replacement struct {
	Replaces chainhash.Hash
}

// reviewReplaces checks a fee bump's claim against the replaced unsigned
// transaction the PSBT carries: every payment (an output leaving the vault
// family) is paid again, same script, same value, and nothing else leaves
// the family; the two spend a common input. A PSBT without the claim is
// reviewed as any other.
func (r *Review) reviewReplaces(p *btcpsbt.Packet) error {
	old, err := psbt.Replaces(p)
	if err != nil {
		return refuse(ErrBadReplacement, "%v", err)
	}
	if old == nil {
		return nil
	}
	internal := map[string]bool{}
	for _, o := range r.Outputs {
		if o.Internal {
			internal[string(p.UnsignedTx.TxOut[o.Index].PkScript)] = true
		}
	}
	if err := psbt.SamePayments(old, p.UnsignedTx, func(s []byte) bool { return internal[string(s)] }); err != nil {
		return refuse(ErrBadReplacement, "it says it replaces proposal %s, but %v", old.TxHash(), err)
	}
	r.Replaces = &Replacement{Replaces: old.TxHash()}
	return nil
}

// historyFor is the spend log as the daily cap sees it for r: a fee bump
// pays exactly what the transaction it replaces pays, and the two conflict
// so at most one confirms; the replaced one's entry does not count again.
func (r *Review) historyFor(signed []Spend) []Spend {
	if r.Replaces == nil {
		return signed
	}
	old := r.Replaces.Replaces.String()
	return slices.DeleteFunc(slices.Clone(signed), func(s Spend) bool { return s.TxID == old })
}
