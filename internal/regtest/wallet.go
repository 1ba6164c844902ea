package regtest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/internal/scan"
)

// FeeRate is what the harness wallet pays, in satoshis per virtual byte.
const FeeRate btcutil.Amount = 2

const (
	// changeDust is the smallest change output kept; less goes to fees.
	changeDust = 1000
	// Sizes for fee estimation of a P2WPKH input: outpoint, empty
	// scriptSig, sequence; and witness item count, a 73-byte signature
	// (btcec does not grind low R) and a compressed key.
	p2wpkhInputBase    = 36 + 1 + 4
	p2wpkhInputWitness = 1 + 1 + 73 + 1 + 33
	// fundAttempts bounds how often Fund mines to mature more coinbases.
	fundAttempts = 4
	// syncChunk is how many blocks the wallet fetches per Blocks call.
	syncChunk = 500
)

// harnessKeySeed derives the harness wallet's key. The key is public
// knowledge and guards regtest coins only.
const harnessKeySeed = "treasury regtest harness wallet v1"

// Output is one payment made by FundMany.
type Output struct {
	PkScript []byte
	Amount   btcutil.Amount
}

// ErrInsufficientFunds means the harness wallet could not gather enough
// mature coins even after mining more blocks.
var ErrInsufficientFunds = errors.New("harness wallet has insufficient funds")

type coin struct {
	value    int64
	height   int32 // -1 while unconfirmed
	coinbase bool
}

// wallet tracks the coins paying to the harness key, learned by scanning the
// chain and by remembering the transactions it sent.
type wallet struct {
	key    *btcec.PrivateKey
	script []byte
	addr   string

	watch   *scan.Watch
	coins   map[wire.OutPoint]coin     // unspent, as far as the wallet knows
	pending map[wire.OutPoint]struct{} // spent by a transaction not yet mined
	height  int32                      // last block scanned; -1 before the first
	hash    chainhash.Hash
}

func newWallet() (*wallet, error) {
	seed := sha256.Sum256([]byte(harnessKeySeed))
	key, pub := btcec.PrivKeyFromBytes(seed[:])
	addr, err := address.NewAddressWitnessPubKeyHash(address.Hash160(pub.SerializeCompressed()), Params)
	if err != nil {
		return nil, fmt.Errorf("unable to derive the harness address: %w", err)
	}
	script, err := txscript.PayToAddrScript(addr)
	if err != nil {
		return nil, fmt.Errorf("unable to derive the harness script: %w", err)
	}
	w := &wallet{key: key, script: script, addr: addr.EncodeAddress()}
	w.reset()
	return w, nil
}

// reset forgets everything; the next sync rescans from genesis.
func (w *wallet) reset() {
	w.watch = scan.NewWatch()
	w.watch.AddScript(w.script, scan.Ref{})
	w.coins = make(map[wire.OutPoint]coin)
	w.pending = make(map[wire.OutPoint]struct{})
	w.height, w.hash = -1, chainhash.Hash{}
}

// sync scans the blocks mined since the last sync, starting over if the
// chain was reorganised under the wallet.
func (w *wallet) sync(ctx context.Context, c *chain.Client) error {
	tip, tipHash, err := c.Tip(ctx)
	if err != nil {
		return err
	}
	if tip == w.height && tipHash == w.hash {
		return nil
	}
	if w.height >= 0 {
		h, err := c.BlockHash(ctx, w.height)
		if err != nil && !errors.Is(err, chain.ErrNotFound) {
			return err
		}
		if err != nil || h != w.hash {
			w.reset()
		}
	}
	for from := w.height + 1; from <= tip; from = w.height + 1 {
		blocks, err := c.Blocks(ctx, from, min(tip, from+syncChunk-1))
		if err != nil {
			return err
		}
		if w.height >= 0 && blocks[0].Msg.Header.PrevBlock != w.hash {
			w.reset()
			continue
		}
		for _, b := range blocks {
			w.apply(scan.Block(b.Msg, w.watch), b.Height)
			w.height, w.hash = b.Height, b.Hash
		}
	}
	return nil
}

func (w *wallet) apply(r scan.Result, height int32) {
	for _, f := range r.Found {
		w.watch.AddOutPoint(f.OutPoint)
		if _, spent := w.pending[f.OutPoint]; !spent {
			w.coins[f.OutPoint] = coin{value: f.Value, height: height, coinbase: f.Coinbase}
		}
	}
	for _, s := range r.Spent {
		w.watch.RemoveOutPoint(s.OutPoint)
		delete(w.coins, s.OutPoint)
		delete(w.pending, s.OutPoint)
	}
}

type candidate struct {
	op wire.OutPoint
	coin
}

// spendable lists the coins usable in a transaction for the block after
// tip: confirmed coins first, largest first, then unconfirmed change.
func (w *wallet) spendable(tip int32) []candidate {
	var cs []candidate
	for op, c := range w.coins {
		if c.coinbase && tip+1-c.height < int32(Params.CoinbaseMaturity) {
			continue
		}
		cs = append(cs, candidate{op, c})
	}
	slices.SortFunc(cs, func(a, b candidate) int {
		if ua, ub := a.height < 0, b.height < 0; ua != ub {
			if ua {
				return 1
			}
			return -1
		}
		if c := cmp.Compare(b.value, a.value); c != 0 {
			return c
		}
		if c := bytes.Compare(a.op.Hash[:], b.op.Hash[:]); c != 0 {
			return c
		}
		return cmp.Compare(a.op.Index, b.op.Index)
	})
	return cs
}

// blocksToMature returns how many blocks must be mined before immature
// coinbases cover need on top of have.
func (w *wallet) blocksToMature(tip int32, have, need int64) int32 {
	var immature []coin
	for _, c := range w.coins {
		if c.coinbase && tip+1-c.height < int32(Params.CoinbaseMaturity) {
			immature = append(immature, c)
		}
	}
	slices.SortFunc(immature, func(a, b coin) int { return cmp.Compare(a.height, b.height) })
	for _, c := range immature {
		if have += c.value; have >= need {
			return c.height + int32(Params.CoinbaseMaturity) - 1 - tip
		}
	}
	return int32(Params.CoinbaseMaturity) + 1
}

// insufficientError reports what the wallet had against what it needed.
type insufficientError struct{ have, need int64 }

func (e *insufficientError) Error() string {
	return fmt.Sprintf("harness wallet has %v spendable, needs %v", btcutil.Amount(e.have), btcutil.Amount(e.need))
}

func (e *insufficientError) Unwrap() error { return ErrInsufficientFunds }

// build selects coins for outs and returns the unsigned transaction, the
// previous outputs of its inputs, and the change output index (-1 if none).
func (w *wallet) build(outs []Output, tip int32) (*wire.MsgTx, map[wire.OutPoint]*wire.TxOut, error) {
	tx := wire.NewMsgTx(2)
	var target int64
	for _, o := range outs {
		tx.AddTxOut(wire.NewTxOut(int64(o.Amount), o.PkScript))
		target += int64(o.Amount)
	}
	prev := make(map[wire.OutPoint]*wire.TxOut)
	var total, fee int64
	for _, c := range w.spendable(tip) {
		op := c.op
		tx.AddTxIn(wire.NewTxIn(&op, nil, nil))
		prev[op] = wire.NewTxOut(c.value, w.script)
		total += c.value
		fee = int64(FeeRate) * vsize(tx, len(w.script))
		if total >= target+fee {
			break
		}
	}
	if total < target+fee || len(tx.TxIn) == 0 {
		return nil, nil, &insufficientError{have: total, need: target + max(fee, int64(FeeRate)*vsize(tx, len(w.script)))}
	}
	if change := total - target - fee; change >= changeDust {
		tx.AddTxOut(wire.NewTxOut(change, w.script))
	}
	return tx, prev, nil
}

// vsize is the virtual size tx will have once its P2WPKH inputs are signed,
// counting one more output of changeScriptLen bytes.
func vsize(tx *wire.MsgTx, changeScriptLen int) int64 {
	nIn, nOut := len(tx.TxIn), len(tx.TxOut)+1
	stripped := 4 + wire.VarIntSerializeSize(uint64(nIn)) + nIn*p2wpkhInputBase +
		wire.VarIntSerializeSize(uint64(nOut)) + 4
	for _, o := range tx.TxOut {
		stripped += 8 + wire.VarIntSerializeSize(uint64(len(o.PkScript))) + len(o.PkScript)
	}
	stripped += 8 + wire.VarIntSerializeSize(uint64(changeScriptLen)) + changeScriptLen
	full := stripped + 2 + nIn*p2wpkhInputWitness
	return int64((stripped*3 + full + 3) / 4)
}

// sign adds a P2WPKH witness to every input.
func (w *wallet) sign(tx *wire.MsgTx, prev map[wire.OutPoint]*wire.TxOut) error {
	hashes := txscript.NewTxSigHashes(tx, txscript.NewMultiPrevOutFetcher(prev))
	for i, in := range tx.TxIn {
		wit, err := txscript.WitnessSignature(tx, hashes, i, prev[in.PreviousOutPoint].Value,
			w.script, txscript.SigHashAll, w.key, true)
		if err != nil {
			return fmt.Errorf("unable to sign input %d: %w", i, err)
		}
		in.Witness = wit
	}
	return nil
}

// sent records a transaction the node accepted: its inputs are spent and
// its outputs to the harness script are unconfirmed coins.
func (w *wallet) sent(tx *wire.MsgTx) {
	for _, in := range tx.TxIn {
		delete(w.coins, in.PreviousOutPoint)
		w.pending[in.PreviousOutPoint] = struct{}{}
	}
	txid := tx.TxHash()
	for i, o := range tx.TxOut {
		if bytes.Equal(o.PkScript, w.script) {
			op := wire.OutPoint{Hash: txid, Index: uint32(i)}
			w.coins[op] = coin{value: o.Value, height: -1}
			w.watch.AddOutPoint(op)
		}
	}
}
