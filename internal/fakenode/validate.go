package fakenode

import (
	"errors"
	"fmt"
	"maps"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Errors the node's refusals wrap, worded as Bitcoin Core words them.
var (
	// ErrAlreadyKnown: the transaction is in the mempool or the chain.
	ErrAlreadyKnown = errors.New("txn-already-known")
	// ErrMissingInputs: an input is unknown or spent in the chain.
	ErrMissingInputs = errors.New("bad-txns-inputs-missingorspent")
	// ErrConflict: an input is spent by a mempool transaction.
	ErrConflict = errors.New("txn-mempool-conflict")
	// ErrInvalid: the transaction breaks a consensus rule the node checks.
	ErrInvalid = errors.New("bad-txns")
)

// mempoolState is the UTXO set with the mempool applied, and which mempool
// transaction spends each output it spends.
type mempoolState struct {
	coins   map[wire.OutPoint]coin
	spentBy map[wire.OutPoint]chainhash.Hash
}

// state builds the mempool state from the confirmed set and pool. Caller
// holds mu.
func (n *Node) state(pool []*wire.MsgTx) mempoolState {
	s := mempoolState{coins: maps.Clone(n.utxos), spentBy: map[wire.OutPoint]chainhash.Hash{}}
	for _, t := range pool {
		s.add(t)
	}
	return s
}

func (s mempoolState) add(t *wire.MsgTx) {
	h := t.TxHash()
	for _, in := range t.TxIn {
		delete(s.coins, in.PreviousOutPoint)
		s.spentBy[in.PreviousOutPoint] = h
	}
	for j, out := range t.TxOut {
		s.coins[wire.OutPoint{Hash: h, Index: uint32(j)}] = coin{out: *out}
	}
}

// poolView is the UTXO set as gettxout with include_mempool sees it.
// Caller holds mu.
func (n *Node) poolView() map[wire.OutPoint]coin { return n.state(n.pool).coins }

// confirmedAt returns the height of the block holding txid, or -1. Caller
// holds mu.
func (n *Node) confirmedAt(txid chainhash.Hash) int32 {
	for h := len(n.blocks) - 1; h > 0; h-- {
		for _, t := range n.blocks[h].Transactions {
			if t.TxHash() == txid {
				return int32(h)
			}
		}
	}
	return -1
}

func (n *Node) inPool(txid chainhash.Hash) bool {
	for _, t := range n.pool {
		if t.TxHash() == txid {
			return true
		}
	}
	return false
}

// check says whether tx could join pool as it stands. Caller holds mu.
func (n *Node) check(tx *wire.MsgTx, pool []*wire.MsgTx) error {
	txid := tx.TxHash()
	if n.inPool(txid) || n.confirmedAt(txid) >= 0 {
		return fmt.Errorf("transaction %s: %w", txid, ErrAlreadyKnown)
	}
	if len(tx.TxIn) == 0 || len(tx.TxOut) == 0 {
		return fmt.Errorf("transaction %s has no inputs or no outputs: %w", txid, ErrInvalid)
	}
	s := n.state(pool)
	var in, out int64
	seen := map[wire.OutPoint]bool{}
	for _, txin := range tx.TxIn {
		op := txin.PreviousOutPoint
		if seen[op] {
			return fmt.Errorf("transaction %s spends %s twice: %w", txid, op, ErrInvalid)
		}
		seen[op] = true
		v, err := n.inputValue(s, op)
		if err != nil {
			return fmt.Errorf("transaction %s input %s: %w", txid, op, err)
		}
		in += v
	}
	for _, o := range tx.TxOut {
		if o.Value < 0 {
			return fmt.Errorf("transaction %s has a negative output: %w", txid, ErrInvalid)
		}
		out += o.Value
	}
	if out > in {
		return fmt.Errorf("transaction %s pays %d sat out of %d sat in: %w", txid, out, in, ErrInvalid)
	}
	return nil
}

// inputValue finds the value of the output op spends. Caller holds mu.
func (n *Node) inputValue(s mempoolState, op wire.OutPoint) (int64, error) {
	if by, spent := s.spentBy[op]; spent {
		return 0, fmt.Errorf("spent by mempool transaction %s: %w", by, ErrConflict)
	}
	if v, ok := n.faucet[op]; ok && !n.faucetUsed[op] {
		return v, nil
	}
	c, ok := s.coins[op]
	if !ok {
		return 0, ErrMissingInputs
	}
	tip := int32(len(n.blocks) - 1)
	if c.coinbase && tip+1-c.height < CoinbaseMaturity {
		return 0, fmt.Errorf("immature coinbase (%d confirmations): %w", tip+1-c.height, ErrInvalid)
	}
	return c.out.Value, nil
}

// accept checks tx and adds it to the mempool, replacing the mempool
// transactions that spend its inputs (and evicting their descendants) when
// it pays for them as BIP-125 asks. Caller holds mu.
func (n *Node) accept(tx *wire.MsgTx) error {
	pool, err := n.admit(tx)
	if err != nil {
		return err
	}
	n.pool = append(pool, tx)
	return nil
}

// admit checks tx against the mempool as sendrawtransaction and
// testmempoolaccept do and returns the mempool it would join: without the
// transactions it replaces and their descendants. It changes nothing.
// Caller holds mu.
func (n *Node) admit(tx *wire.MsgTx) ([]*wire.MsgTx, error) {
	if txid := tx.TxHash(); n.inPool(txid) || n.confirmedAt(txid) >= 0 {
		return nil, fmt.Errorf("transaction %s: %w", txid, ErrAlreadyKnown)
	}
	s := n.state(n.pool)
	direct := map[chainhash.Hash]bool{}
	for _, in := range tx.TxIn {
		if by, ok := s.spentBy[in.PreviousOutPoint]; ok {
			direct[by] = true
		}
	}
	pool := n.pool
	if len(direct) > 0 {
		if err := n.replaces(tx, direct); err != nil {
			return nil, err
		}
		for by := range direct {
			pool = removeTx(pool, by)
		}
		pool = n.settle(pool)
	}
	if err := n.check(tx, pool); err != nil {
		return nil, err
	}
	return pool, nil
}

// evictInvalid drops mempool transactions that no longer fit: their inputs
// were spent in a block, or their parents left. Caller holds mu.
func (n *Node) evictInvalid() { n.pool = n.settle(n.pool) }

// settle keeps the transactions of pool, in order, that fit on the chain
// and the ones kept before them. Caller holds mu.
func (n *Node) settle(pool []*wire.MsgTx) []*wire.MsgTx {
	saved := n.pool
	n.pool = nil // check's already-known test looks at n.pool
	var kept []*wire.MsgTx
	for _, t := range pool {
		if n.check(t, kept) == nil {
			kept = append(kept, t)
		}
	}
	n.pool = saved
	return kept
}

// removeTx drops txid from pool (its descendants fall to evictInvalid).
func removeTx(pool []*wire.MsgTx, txid chainhash.Hash) []*wire.MsgTx {
	out := pool[:0:0]
	for _, t := range pool {
		if t.TxHash() != txid {
			out = append(out, t)
		}
	}
	return out
}
