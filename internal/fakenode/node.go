// Package fakenode is an in-memory bitcoin node behind app.Chain, for the
// tests where a real btcd cannot play the part.
//
// A regtest btcd always keeps a transaction index, never falls behind a
// peer, and deletes its chain every time it starts. Bitcoin Core without
// -txindex (its default), a node that restarted without peers and is behind
// our cursor, or a node that was reset or swapped for another one, cannot be
// staged with it. A Node can: it keeps a chain of blocks (the regtest genesis
// block, then blocks it mines itself), a UTXO set and a mempool, and its
// controls move them: Mine, Pay, Submit, Replace, Drop, Disconnect (a reorg's
// first half), Reset (a fresh or different node), SetBehind (a node that
// lags), SetDown (an unreachable node) and OnBroadcast (to pause or fail a
// send).
//
// In Core mode the node answers as Bitcoin Core does without -txindex:
// TxConfirmations (getrawtransaction) finds only mempool transactions and
// reports confirmed ones as not found. In Btcd mode it finds confirmed ones
// too, as btcd with --txindex does. InMempool (getmempoolentry) and Output
// (gettxout with the mempool, plus gettxspendingprevout) answer the same in
// both modes, as the chain adapter makes them answer for both nodes.
//
// A Node implements app.Chain directly, and Serve also answers JSON-RPC
// over loopback HTTP the way each real node does on the wire (its error
// codes, Core's gettxout hiding mempool spends, btcd's missing
// getmempoolentry), so the chain adapter and the CLI can be tested against
// it too; cmd/treasury's scripts drive it with the fakenode command.
//
// What it does not do: it checks that inputs exist and are unspent and that
// outputs do not exceed inputs, but runs no scripts and checks no
// proof of work, fee rates or standardness. Pay creates money from nothing
// (its inputs spend outputs no block holds), so a test can fund any script.
//
// The package is for tests only; internal/arch keeps it out of the
// dependencies of cmd/treasury.
package fakenode

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
)

// Mode is which real node a Node answers like.
type Mode int

const (
	// Btcd answers like btcd with --txindex: getrawtransaction finds
	// confirmed transactions as well as mempool ones.
	Btcd Mode = iota
	// Core answers like Bitcoin Core without -txindex: getrawtransaction
	// finds only mempool transactions.
	Core
)

func (m Mode) String() string {
	if m == Core {
		return "core"
	}
	return "btcd"
}

// CoinbaseMaturity is how deep a coinbase output must be to be spent.
const CoinbaseMaturity = 100

// coin is an entry of the UTXO set.
type coin struct {
	out      wire.TxOut
	height   int32 // 0 with mempool: created by a mempool transaction
	coinbase bool
}

// Node is an in-memory node. Its methods are safe for concurrent use.
type Node struct {
	mu         sync.Mutex
	mode       Mode
	blocks     []*wire.MsgBlock // the main chain; index = height
	hashes     []chainhash.Hash
	utxos      map[wire.OutPoint]coin  // the confirmed UTXO set
	pool       []*wire.MsgTx           // the mempool, in arrival order
	faucet     map[wire.OutPoint]int64 // outputs Pay spends, which no block holds
	faucetUsed map[wire.OutPoint]bool
	behind     int32 // >= 0: the node shows only blocks up to this height
	down       error
	fee        btcutil.Amount
	serial     uint32
	clock      time.Time
	payout     []byte
	onSend     func(ctx context.Context, tx *wire.MsgTx) error
	lostAck    bool
	calls      map[string]int
	relay      *app.RelayFees
}

// New returns a node holding only the regtest genesis block.
func New(mode Mode) *Node {
	n := &Node{mode: mode, behind: -1, payout: []byte{0x51}, calls: map[string]int{}}
	n.reset()
	return n
}

func (n *Node) reset() {
	g := chaincfg.RegressionNetParams.GenesisBlock
	n.blocks = []*wire.MsgBlock{g}
	n.hashes = []chainhash.Hash{g.BlockHash()}
	n.pool = nil
	n.faucet = map[wire.OutPoint]int64{}
	n.clock = g.Header.Timestamp
	n.rebuild()
}

// Dialer returns a function for app.App.Chain that always yields n.
func (n *Node) Dialer() func(context.Context) (app.Chain, error) {
	return func(context.Context) (app.Chain, error) { return n, nil }
}

// Mode returns which node n answers like.
func (n *Node) Mode() Mode { return n.mode }

// SetFeeEstimate sets what EstimateFee answers, in sat per 1000 vbytes; zero
// means no estimate (a fresh chain).
func (n *Node) SetFeeEstimate(satPerKvB btcutil.Amount) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.fee = satPerKvB
}

// SetBehind makes the node show only its blocks up to height, as a node
// restarted without peers does; a negative height shows them all again.
// Only the chain calls (tip, block hashes, blocks, getrawtransaction) are
// limited; the mempool and the UTXO view stay those of the whole chain.
func (n *Node) SetBehind(height int32) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.behind = height
}

// SetDown makes every call fail with err (an unreachable node); nil brings
// it back.
func (n *Node) SetDown(err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.down = err
}

// OnBroadcast installs fn, run at the start of every Broadcast outside the
// node's lock: it may block (a send in flight) or fail it (the node never
// got it). nil removes it.
func (n *Node) OnBroadcast(fn func(ctx context.Context, tx *wire.MsgTx) error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.onSend = fn
}

// LoseReplies makes Broadcast accept the transaction and then fail, as when
// the node's reply is lost on the way back.
func (n *Node) LoseReplies(lose bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.lostAck = lose
}

// Calls returns how many times an app.Chain method was called, by name
// ("TxConfirmations", "InMempool", …).
func (n *Node) Calls(method string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.calls[method]
}

// Height returns the height of the node's whole chain (ignoring SetBehind).
func (n *Node) Height() int32 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return int32(len(n.blocks) - 1)
}

// HashAt returns the hash of the main-chain block at height.
func (n *Node) HashAt(height int32) chainhash.Hash {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.hashes[height]
}

// Mine appends count blocks; the first takes every mempool transaction.
// It returns the new blocks' hashes.
func (n *Node) Mine(count int) []chainhash.Hash {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []chainhash.Hash
	for range count {
		txs := n.pool
		n.pool = nil
		out = append(out, n.connect(txs))
	}
	return out
}

// MineTxs appends one block holding exactly txs (which need not have been
// in the mempool, and are taken out of it); the rest of the mempool waits,
// less what the block makes invalid.
func (n *Node) MineTxs(txs ...*wire.MsgTx) (chainhash.Hash, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	rest := n.pool
	for _, t := range txs {
		rest = removeTx(rest, t.TxHash())
	}
	saved := n.pool
	n.pool = nil // a mempool transaction may be mined
	var block []*wire.MsgTx
	for _, t := range txs {
		if err := n.check(t, block); err != nil {
			n.pool = saved
			return chainhash.Hash{}, err
		}
		block = append(block, t)
	}
	h := n.connect(txs)
	n.pool = rest
	n.evictInvalid()
	return h, nil
}

// connect appends a block holding a coinbase and txs. Caller holds mu.
func (n *Node) connect(txs []*wire.MsgTx) chainhash.Hash {
	height := int32(len(n.blocks))
	n.serial++
	n.clock = n.clock.Add(10 * time.Minute)
	b := wire.NewMsgBlock(wire.NewBlockHeader(4, &n.hashes[height-1], &chainhash.Hash{}, 0x207fffff, n.serial))
	b.Header.Timestamp = n.clock
	b.AddTransaction(n.coinbase(height))
	for _, t := range txs {
		b.AddTransaction(t)
	}
	b.Header.MerkleRoot = merkleRoot(b.Transactions)
	n.blocks = append(n.blocks, b)
	n.hashes = append(n.hashes, b.BlockHash())
	n.apply(b, height)
	return n.hashes[height]
}

// coinbase pays the block reward to n.payout; the serial makes every
// block's coinbase, and so every branch's blocks, distinct.
func (n *Node) coinbase(height int32) *wire.MsgTx {
	sig := make([]byte, 0, 9)
	sig = append(sig, 4)
	sig = binary.LittleEndian.AppendUint32(sig, uint32(height))
	sig = binary.LittleEndian.AppendUint32(sig, n.serial)
	t := wire.NewMsgTx(2)
	t.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex}, SignatureScript: sig, Sequence: wire.MaxTxInSequenceNum})
	t.AddTxOut(wire.NewTxOut(50*btcutil.SatoshiPerBitcoin, n.payout))
	return t
}

func merkleRoot(txs []*wire.MsgTx) chainhash.Hash {
	level := make([]chainhash.Hash, len(txs))
	for i, t := range txs {
		level[i] = t.TxHash()
	}
	for len(level) > 1 {
		if len(level)%2 == 1 {
			level = append(level, level[len(level)-1])
		}
		next := make([]chainhash.Hash, len(level)/2)
		for i := range next {
			var buf [64]byte
			copy(buf[:32], level[2*i][:])
			copy(buf[32:], level[2*i+1][:])
			next[i] = chainhash.DoubleHashH(buf[:])
		}
		level = next
	}
	return level[0]
}

// apply updates the UTXO set for a connected block. Caller holds mu.
func (n *Node) apply(b *wire.MsgBlock, height int32) {
	for i, t := range b.Transactions {
		if i > 0 {
			for _, in := range t.TxIn {
				delete(n.utxos, in.PreviousOutPoint)
				if _, ok := n.faucet[in.PreviousOutPoint]; ok {
					n.faucetUsed[in.PreviousOutPoint] = true
				}
			}
		}
		h := t.TxHash()
		for j, out := range t.TxOut {
			n.utxos[wire.OutPoint{Hash: h, Index: uint32(j)}] = coin{out: *out, height: height, coinbase: i == 0}
		}
	}
}

// rebuild recomputes the UTXO set from the chain. Caller holds mu.
func (n *Node) rebuild() {
	n.utxos = map[wire.OutPoint]coin{}
	n.faucetUsed = map[wire.OutPoint]bool{}
	for h, b := range n.blocks[1:] {
		n.apply(b, int32(h+1))
	}
}

// Disconnect removes the top count blocks, as the first half of a reorg
// does; their transactions go back to the mempool where they still fit.
// Mine then builds the other branch.
func (n *Node) Disconnect(count int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	keep := max(len(n.blocks)-count, 1)
	var back []*wire.MsgTx
	for _, b := range n.blocks[keep:] {
		back = append(back, b.Transactions[1:]...)
	}
	n.blocks, n.hashes = n.blocks[:keep], n.hashes[:keep]
	n.rebuild()
	n.pool = append(back, n.pool...)
	n.evictInvalid()
}

// Reset forgets every block but the genesis block and empties the mempool:
// a fresh regtest node, or another node with another chain once it mines.
func (n *Node) Reset() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.reset()
}

// Pay puts in the mempool a transaction paying outs from nowhere (its one
// input spends an output that exists only in this node's faucet), and
// returns it. Mine confirms it.
func (n *Node) Pay(outs ...*wire.TxOut) *wire.MsgTx {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.serial++
	seed := sha256.Sum256(binary.LittleEndian.AppendUint32([]byte("fakenode faucet"), n.serial))
	op := wire.OutPoint{Hash: chainhash.Hash(seed), Index: 0}
	total := int64(0)
	for _, o := range outs {
		total += o.Value
	}
	n.faucet[op] = total
	t := wire.NewMsgTx(2)
	t.AddTxIn(&wire.TxIn{PreviousOutPoint: op, SignatureScript: []byte{0x51}, Sequence: wire.MaxTxInSequenceNum - 2})
	for _, o := range outs {
		t.AddTxOut(wire.NewTxOut(o.Value, o.PkScript))
	}
	n.pool = append(n.pool, t)
	return t
}

// Spend returns a transaction spending output vout of parent whole, less
// fee, to an anyone-can-spend script: a recipient spending what it was
// paid before it confirms. Submit puts it in the mempool.
func (n *Node) Spend(parent *wire.MsgTx, vout int, fee btcutil.Amount) *wire.MsgTx {
	t := wire.NewMsgTx(2)
	t.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: parent.TxHash(), Index: uint32(vout)}, Sequence: wire.MaxTxInSequenceNum - 2})
	t.AddTxOut(wire.NewTxOut(parent.TxOut[vout].Value-int64(fee), n.payout))
	return t
}

// Submit adds tx to the mempool, refusing a transaction that spends an
// output some other mempool transaction spends (Broadcast and Replace
// replace it instead, when BIP-125 allows).
func (n *Node) Submit(tx *wire.MsgTx) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.check(tx, n.pool); err != nil {
		return err
	}
	n.pool = append(n.pool, tx)
	return nil
}

// Replace adds tx to the mempool, evicting every mempool transaction that
// spends one of its inputs (and their descendants), as a BIP-125
// replacement does, when it pays for them (as Broadcast does).
func (n *Node) Replace(tx *wire.MsgTx) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.accept(tx)
}

// Drop evicts a transaction and its descendants from the mempool, as a
// node that expires or trims it does. It reports whether it was there.
func (n *Node) Drop(txid chainhash.Hash) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	before := len(n.pool)
	n.pool = removeTx(n.pool, txid)
	n.evictInvalid()
	return len(n.pool) < before
}

// MempoolTxs returns the mempool's transactions in arrival order.
func (n *Node) MempoolTxs() []*wire.MsgTx {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]*wire.MsgTx(nil), n.pool...)
}

// Unspent is one output of the node's UTXO set.
type Unspent struct {
	OutPoint wire.OutPoint
	Value    btcutil.Amount
	PkScript []byte
	Height   int32 // 0: created by a mempool transaction
	Coinbase bool
}

// UTXOs returns the node's own view of the unspent outputs whose script
// match accepts: with mempool, outputs of mempool transactions count and
// outputs spent by them do not (gettxout with include_mempool).
func (n *Node) UTXOs(mempool bool, match func(pkScript []byte) bool) []Unspent {
	n.mu.Lock()
	defer n.mu.Unlock()
	view := n.utxos
	if mempool {
		view = n.poolView()
	}
	var out []Unspent
	for op, c := range view {
		if match(c.out.PkScript) {
			out = append(out, Unspent{OutPoint: op, Value: btcutil.Amount(c.out.Value), PkScript: c.out.PkScript, Height: c.height, Coinbase: c.coinbase})
		}
	}
	return out
}

// Sum adds up the values of us.
func Sum(us []Unspent) btcutil.Amount {
	var s btcutil.Amount
	for _, u := range us {
		s += u.Value
	}
	return s
}

func (n *Node) count(method string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls[method]++
	if n.down != nil {
		return fmt.Errorf("fakenode: %s: %w", method, n.down)
	}
	return nil
}
