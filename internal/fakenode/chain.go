package fakenode

import (
	"bytes"
	"context"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
)

var _ app.Chain = (*Node)(nil)

// visibleTip is the highest block the node shows. Caller holds mu.
func (n *Node) visibleTip() int32 {
	tip := int32(len(n.blocks) - 1)
	if n.behind >= 0 && n.behind < tip {
		return n.behind
	}
	return tip
}

// Tip implements app.Chain.
func (n *Node) Tip(ctx context.Context) (int32, chainhash.Hash, error) {
	if err := n.count("Tip"); err != nil {
		return 0, chainhash.Hash{}, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	t := n.visibleTip()
	return t, n.hashes[t], nil
}

// BlockHash implements app.Chain; above the tip it is app.ErrNotFound.
func (n *Node) BlockHash(ctx context.Context, height int32) (chainhash.Hash, error) {
	if err := n.count("BlockHash"); err != nil {
		return chainhash.Hash{}, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if height < 0 || height > n.visibleTip() {
		return chainhash.Hash{}, fmt.Errorf("%w: no block at height %d (fakenode)", app.ErrNotFound, height)
	}
	return n.hashes[height], nil
}

// Blocks implements app.Chain.
func (n *Node) Blocks(ctx context.Context, from, to int32) ([]app.Block, error) {
	if err := n.count("Blocks"); err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if from < 0 || to > n.visibleTip() {
		return nil, fmt.Errorf("%w: blocks %d..%d: the chain ends at %d (fakenode)", app.ErrNotFound, from, to, n.visibleTip())
	}
	var out []app.Block
	for h := from; h <= to; h++ {
		out = append(out, app.Block{Height: h, Hash: n.hashes[h], Msg: n.blocks[h].Copy()})
	}
	return out, nil
}

// TestAccept implements app.Chain; a transaction the node has passes, and
// a replacement passes when BIP-125 allows it.
func (n *Node) TestAccept(ctx context.Context, tx *wire.MsgTx) error {
	if err := n.count("TestAccept"); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	txid := tx.TxHash()
	if n.inPool(txid) || n.confirmedAt(txid) >= 0 {
		return nil
	}
	_, err := n.admit(tx)
	return err
}

// Broadcast implements app.Chain: the OnBroadcast hook runs first; a
// transaction the node has already is not an error; one spending what
// mempool transactions spend replaces them when BIP-125 allows.
func (n *Node) Broadcast(ctx context.Context, tx *wire.MsgTx) (chainhash.Hash, error) {
	if err := n.count("Broadcast"); err != nil {
		return chainhash.Hash{}, err
	}
	n.mu.Lock()
	hook := n.onSend
	n.mu.Unlock()
	if hook != nil {
		if err := hook(ctx, tx); err != nil {
			return chainhash.Hash{}, err
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	txid := tx.TxHash()
	if n.inPool(txid) || n.confirmedAt(txid) >= 0 {
		return txid, nil
	}
	if err := n.accept(tx.Copy()); err != nil {
		return chainhash.Hash{}, fmt.Errorf("fakenode rejected transaction %s: %w", txid, err)
	}
	if n.lostAck {
		return chainhash.Hash{}, fmt.Errorf("fakenode: the reply to sendrawtransaction %s was lost", txid)
	}
	return txid, nil
}

// TxConfirmations implements app.Chain as getrawtransaction answers: in
// Core mode (no -txindex) a confirmed transaction is app.ErrNotFound.
func (n *Node) TxConfirmations(ctx context.Context, txid chainhash.Hash) (int64, bool, error) {
	if err := n.count("TxConfirmations"); err != nil {
		return 0, false, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.inPool(txid) {
		return 0, true, nil
	}
	if h := n.confirmedAt(txid); h >= 0 && h <= n.visibleTip() && n.mode == Btcd {
		return int64(n.visibleTip() - h + 1), false, nil
	}
	return 0, false, fmt.Errorf("%w: no such mempool transaction %s; use -txindex or provide a block hash (fakenode, %s)", app.ErrNotFound, txid, n.mode)
}

// EstimateFee implements app.Chain with the rate SetFeeEstimate set.
func (n *Node) EstimateFee(ctx context.Context, target int) (btcutil.Amount, error) {
	if err := n.count("EstimateFee"); err != nil {
		return 0, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fee <= 0 {
		return 0, fmt.Errorf("fakenode has no fee estimate yet (insufficient data)")
	}
	return n.fee, nil
}

// Mempool implements app.Chain.
func (n *Node) Mempool(ctx context.Context, limit int) ([]*wire.MsgTx, int, bool, error) {
	if err := n.count("Mempool"); err != nil {
		return nil, 0, false, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.pool) > limit {
		return nil, len(n.pool), false, nil
	}
	out := make([]*wire.MsgTx, len(n.pool))
	for i, t := range n.pool {
		out[i] = t.Copy()
	}
	return out, len(out), true, nil
}

// InMempool implements app.Chain (getmempoolentry).
func (n *Node) InMempool(ctx context.Context, txid chainhash.Hash) (bool, error) {
	if err := n.count("InMempool"); err != nil {
		return false, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.inPool(txid), nil
}

// Output implements app.Chain (gettxout with the mempool, and
// gettxspendingprevout).
func (n *Node) Output(ctx context.Context, op wire.OutPoint) (app.OutputInfo, error) {
	if err := n.count("Output"); err != nil {
		return app.OutputInfo{}, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.state(n.pool)
	if by, ok := s.spentBy[op]; ok {
		return app.OutputInfo{SpentBy: by}, nil
	}
	c, ok := s.coins[op]
	if !ok {
		return app.OutputInfo{}, nil
	}
	info := app.OutputInfo{Unspent: true, Value: btcutil.Amount(c.out.Value), PkScript: bytes.Clone(c.out.PkScript)}
	if c.height > 0 {
		info.Confirmations = int64(int32(len(n.blocks)-1) - c.height + 1)
	}
	return info, nil
}

// RelayFees implements app.Chain with what SetRelayFees set, by default
// app.DefaultRelayFees (getmempoolinfo's floors).
func (n *Node) RelayFees(ctx context.Context) (app.RelayFees, error) {
	if err := n.count("RelayFees"); err != nil {
		return app.RelayFees{}, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.relay == nil {
		r := app.DefaultRelayFees
		r.Source = "fakenode"
		return r, nil
	}
	return *n.relay, nil
}

// SetRelayFees sets what RelayFees answers.
func (n *Node) SetRelayFees(r app.RelayFees) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.relay = &r
}
