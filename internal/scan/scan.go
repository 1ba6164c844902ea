// Package scan matches the transactions of a block against a watch set: the
// output scripts a wallet owns and the outpoints it holds.
//
// It is the hot path of sync, so it is pure and allocation-light: a lookup is
// a map access keyed by the script bytes, transaction ids are computed at most
// once per transaction and only for transactions that match, and a block that
// touches nothing watched allocates nothing.
//
// Block never changes the Watch. The caller records a Result first and then
// calls Apply, so a failure while recording leaves the watch set describing
// what was recorded.
package scan

import (
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Ref is the caller's handle for a watched script: which generation of which
// vault derived it, on which chain (0 receive, 1 change) and at which index.
// scan does not interpret it.
type Ref struct {
	Generation int64
	Chain      uint32
	Index      uint32
}

// Watch is the set of scripts and outpoints a wallet cares about. The zero
// value is not usable; call NewWatch. A Watch is not safe for concurrent
// mutation; concurrent calls to Block on an unchanging Watch are safe.
type Watch struct {
	scripts   map[string]Ref
	list      [][]byte // the keys of scripts, in the order first added
	outpoints map[wire.OutPoint]struct{}
}

// NewWatch returns an empty watch set.
func NewWatch() *Watch {
	return &Watch{
		scripts:   make(map[string]Ref),
		outpoints: make(map[wire.OutPoint]struct{}),
	}
}

// AddScript watches outputs paying to pkScript. Adding a script again replaces
// its Ref. The script bytes are copied.
func (w *Watch) AddScript(pkScript []byte, ref Ref) {
	k := string(pkScript)
	if _, ok := w.scripts[k]; !ok {
		w.list = append(w.list, []byte(k))
	}
	w.scripts[k] = ref
}

// Script reports the Ref of a watched script.
func (w *Watch) Script(pkScript []byte) (Ref, bool) {
	ref, ok := w.scripts[string(pkScript)]
	return ref, ok
}

// AddOutPoint watches op for being spent.
func (w *Watch) AddOutPoint(op wire.OutPoint) {
	w.outpoints[op] = struct{}{}
}

// RemoveOutPoint stops watching op. Removing an unwatched outpoint is a no-op.
func (w *Watch) RemoveOutPoint(op wire.OutPoint) {
	delete(w.outpoints, op)
}

// HasOutPoint reports whether op is watched.
func (w *Watch) HasOutPoint(op wire.OutPoint) bool {
	_, ok := w.outpoints[op]
	return ok
}

// Len returns the number of watched scripts and outpoints.
func (w *Watch) Len() (scripts, outpoints int) {
	return len(w.scripts), len(w.outpoints)
}

// Apply updates the watch set after r has been recorded: every found output
// becomes a watched outpoint and every spent outpoint stops being watched. An
// output found and spent in the same block ends up unwatched.
func (w *Watch) Apply(r Result) {
	for i := range r.Found {
		w.outpoints[r.Found[i].OutPoint] = struct{}{}
	}
	for i := range r.Spent {
		delete(w.outpoints, r.Spent[i].OutPoint)
	}
}

// Found is an output paying to a watched script. PkScript and Tx alias the
// scanned block: copy them if the block is reused.
type Found struct {
	OutPoint wire.OutPoint
	Value    int64
	PkScript []byte
	Ref      Ref
	Coinbase bool
	Tx       *wire.MsgTx
}

// Spent is an input spending a watched outpoint, or an output found earlier
// in the same block.
type Spent struct {
	OutPoint   wire.OutPoint
	SpendingTx chainhash.Hash
	InputIndex int
}

// Result lists what a block did to the watch set, in block order.
type Result struct {
	Found []Found
	Spent []Spent
}

// Empty reports whether the block touched nothing watched.
func (r Result) Empty() bool {
	return len(r.Found) == 0 && len(r.Spent) == 0
}

// Block matches every transaction of b against w. Inputs are checked against
// the watched outpoints and against outputs found earlier in b, so an output
// created and spent in the same block appears in both Found and Spent.
func Block(b *wire.MsgBlock, w *Watch) Result {
	return match(b.Transactions, true, w)
}

// Transactions matches unconfirmed transactions (a mempool) against w, as
// Block does; none of them is a coinbase. Outputs found earlier in txs
// count as watched for the inputs of later ones.
func Transactions(txs []*wire.MsgTx, w *Watch) Result {
	return match(txs, false, w)
}

func match(txs []*wire.MsgTx, coinbaseFirst bool, w *Watch) Result {
	var (
		res     Result
		inBlock map[wire.OutPoint]struct{} // found in txs; allocated on first find
	)
	for i, tx := range txs {
		coinbase := coinbaseFirst && i == 0
		var (
			txid    chainhash.Hash
			hasTxid bool
		)
		id := func() chainhash.Hash {
			if !hasTxid {
				txid, hasTxid = tx.TxHash(), true
			}
			return txid
		}
		if !coinbase && (len(w.outpoints) > 0 || len(inBlock) > 0) {
			for j, in := range tx.TxIn {
				if !watched(w, inBlock, in.PreviousOutPoint) {
					continue
				}
				res.Spent = append(res.Spent, Spent{
					OutPoint:   in.PreviousOutPoint,
					SpendingTx: id(),
					InputIndex: j,
				})
			}
		}
		for k, out := range tx.TxOut {
			ref, ok := w.scripts[string(out.PkScript)]
			if !ok {
				continue
			}
			op := wire.OutPoint{Hash: id(), Index: uint32(k)}
			res.Found = append(res.Found, Found{
				OutPoint: op,
				Value:    out.Value,
				PkScript: out.PkScript,
				Ref:      ref,
				Coinbase: coinbase,
				Tx:       tx,
			})
			if inBlock == nil {
				inBlock = make(map[wire.OutPoint]struct{})
			}
			inBlock[op] = struct{}{}
		}
	}
	return res
}

func watched(w *Watch, inBlock map[wire.OutPoint]struct{}, op wire.OutPoint) bool {
	if _, ok := w.outpoints[op]; ok {
		return true
	}
	_, ok := inBlock[op]
	return ok
}
