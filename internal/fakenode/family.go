package fakenode

import (
	"context"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/psbt"
)

// ErrInsufficientFee: a replacement does not pay what BIP-125 asks of it,
// worded as Bitcoin Core words it.
var ErrInsufficientFee = errors.New("insufficient fee")

// txCost is a mempool transaction's fee and virtual size.
type txCost struct {
	fee   btcutil.Amount
	vsize int64
}

func (c txCost) rate() psbt.FeeRate { return psbt.FeeRate(int64(c.fee) * 1000 / c.vsize) }

func vsizeOf(tx *wire.MsgTx) int64 {
	return (int64(tx.SerializeSizeStripped())*3 + int64(tx.SerializeSize()) + 3) / 4
}

// cost returns tx's fee and size, its inputs valued from the confirmed
// set, the faucet and the outputs of pool. Caller holds mu.
func (n *Node) cost(tx *wire.MsgTx, pool []*wire.MsgTx) (txCost, error) {
	outs := map[wire.OutPoint]int64{}
	for _, t := range pool {
		h := t.TxHash()
		for j, o := range t.TxOut {
			outs[wire.OutPoint{Hash: h, Index: uint32(j)}] = o.Value
		}
	}
	var in, out int64
	for _, txin := range tx.TxIn {
		op := txin.PreviousOutPoint
		switch v, ok := n.faucet[op]; {
		case ok:
			in += v
		default:
			if c, ok := n.utxos[op]; ok {
				in += c.out.Value
			} else if v, ok := outs[op]; ok {
				in += v
			} else {
				return txCost{}, fmt.Errorf("input %s: %w", op, ErrMissingInputs)
			}
		}
	}
	for _, o := range tx.TxOut {
		out += o.Value
	}
	return txCost{fee: btcutil.Amount(in - out), vsize: vsizeOf(tx)}, nil
}

// descendants returns the transactions of pool that are roots or spend
// from them, directly or not, in pool order. Caller holds mu.
func descendants(pool []*wire.MsgTx, roots map[chainhash.Hash]bool) []*wire.MsgTx {
	in := map[chainhash.Hash]bool{}
	var out []*wire.MsgTx
	for _, t := range pool { // arrival order: a child comes after its parents
		h := t.TxHash()
		take := roots[h]
		for _, txin := range t.TxIn {
			take = take || in[txin.PreviousOutPoint.Hash]
		}
		if take {
			in[h] = true
			out = append(out, t)
		}
	}
	return out
}

// family is txid's mempool family; ok false when the pool does not hold
// it. Caller holds mu.
func (n *Node) family(txid chainhash.Hash) (app.MempoolFamily, bool, error) {
	if !n.inPool(txid) {
		return app.MempoolFamily{}, false, nil
	}
	var f app.MempoolFamily
	for _, t := range descendants(n.pool, map[chainhash.Hash]bool{txid: true}) {
		c, err := n.cost(t, n.pool)
		if err != nil {
			return app.MempoolFamily{}, false, err
		}
		f.Count++
		f.Fees += c.fee
		f.VSize += c.vsize
		switch {
		case t.TxHash() == txid:
			f.Rate = c.rate()
			// Core (28 and later) replaces any transaction; btcd
			// replaces only what signals, and cannot say which.
			f.Replaceable = n.mode == Core
		case n.mode == Btcd:
			f.MaxDescendantRate = max(f.MaxDescendantRate, c.rate())
		}
	}
	return f, true, nil
}

// Family implements app.Chain: getmempoolentry's descendant figures on
// Bitcoin Core, and the same found from the verbose mempool on btcd, which
// also refuses a replacement paying a lower rate than any transaction it
// evicts (MaxDescendantRate).
func (n *Node) Family(ctx context.Context, txid chainhash.Hash) (app.MempoolFamily, bool, error) {
	if err := n.count("Family"); err != nil {
		return app.MempoolFamily{}, false, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.family(txid)
}

// maxEvicted is how many transactions one replacement may evict, Core's
// MAX_REPLACEMENT_CANDIDATES and btcd's MaxReplacementEvictions (BIP-125
// rule 5).
const maxEvicted = 100

// replaces applies BIP-125 to tx replacing the mempool transactions
// direct: it may evict at most maxEvicted transactions (rule 5), may add
// no unconfirmed input that none of them spends (rule 2), and must pay for
// what it evicts (rules 3, 4 and 6; paysForReplacement). Caller holds mu.
func (n *Node) replaces(tx *wire.MsgTx, direct map[chainhash.Hash]bool) error {
	evicted := descendants(n.pool, direct)
	if len(evicted) > maxEvicted {
		return fmt.Errorf("%w: rejecting replacement %s; too many potential replacements (%d > %d)", ErrInsufficientFee, tx.TxHash(), len(evicted), maxEvicted)
	}
	if n.mode == Btcd {
		for h := range direct {
			if !n.signals(h) {
				return fmt.Errorf("output already spent in mempool by %s, which does not signal replaceability: %w", h, ErrConflict)
			}
		}
	}
	spentBefore := map[wire.OutPoint]bool{}
	for _, t := range n.pool {
		if direct[t.TxHash()] {
			for _, in := range t.TxIn {
				spentBefore[in.PreviousOutPoint] = true
			}
		}
	}
	for _, in := range tx.TxIn {
		if n.inPool(in.PreviousOutPoint.Hash) && !spentBefore[in.PreviousOutPoint] {
			return fmt.Errorf("replacement-adds-unconfirmed: replacement %s adds unconfirmed input %s: %w", tx.TxHash(), in.PreviousOutPoint, ErrInvalid)
		}
	}
	return n.paysForReplacement(tx, direct)
}

// signals reports whether the mempool transaction txid, or one of its
// unconfirmed ancestors, signals replaceability (BIP-125: an input with
// nSequence below 0xfffffffe). Caller holds mu.
func (n *Node) signals(txid chainhash.Hash) bool {
	for _, t := range n.pool {
		if t.TxHash() != txid {
			continue
		}
		for _, in := range t.TxIn {
			if in.Sequence < wire.MaxTxInSequenceNum-1 || n.inPool(in.PreviousOutPoint.Hash) && n.signals(in.PreviousOutPoint.Hash) {
				return true
			}
		}
	}
	return false
}

// paysForReplacement applies BIP-125's fee rules to tx replacing the
// mempool transactions direct (and, with them, evicting their
// descendants), as the node's mode does: a higher rate than each directly
// replaced transaction (btcd: than each evicted one), at least their fees
// together, and on top the incremental relay fee for tx's own size.
// Caller holds mu.
func (n *Node) paysForReplacement(tx *wire.MsgTx, direct map[chainhash.Hash]bool) error {
	c, err := n.cost(tx, n.pool)
	if err != nil {
		return err
	}
	txid := tx.TxHash()
	var evictedFees btcutil.Amount
	for _, t := range descendants(n.pool, direct) {
		old, err := n.cost(t, n.pool)
		if err != nil {
			return err
		}
		evictedFees += old.fee
		if (direct[t.TxHash()] || n.mode == Btcd) && c.rate() <= old.rate() {
			return fmt.Errorf("%w, rejecting replacement %s; new feerate %s <= old feerate %s", ErrInsufficientFee, txid, c.rate(), old.rate())
		}
	}
	if c.fee < evictedFees {
		return fmt.Errorf("%w, rejecting replacement %s, less fees than conflicting txs; %d < %d", ErrInsufficientFee, txid, c.fee, evictedFees)
	}
	incr := app.DefaultRelayFees.Incremental
	if n.relay != nil {
		incr = n.relay.Incremental
	}
	if need := psbt.Fee(c.vsize, incr); c.fee-evictedFees < need {
		return fmt.Errorf("%w, rejecting replacement %s, not enough additional fees to relay; %d < %d", ErrInsufficientFee, txid, c.fee-evictedFees, need)
	}
	return nil
}
