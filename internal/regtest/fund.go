package regtest

import (
	"context"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// mineChunk bounds the blocks asked for in one generate call, so a large
// Mine does not run into the RPC timeout.
const mineChunk = 500

// Address is the harness wallet's address, which receives every coinbase.
func (n *Node) Address() string { return n.wallet.addr }

// Mine mines count blocks (btcd's generate) paying the harness wallet and
// returns their hashes in order.
func (n *Node) Mine(ctx context.Context, count int) ([]chainhash.Hash, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.mine(ctx, count)
}

func (n *Node) mine(ctx context.Context, count int) ([]chainhash.Hash, error) {
	if n.stopped {
		return nil, errors.New("node is stopped")
	}
	hashes := make([]chainhash.Hash, 0, count)
	for left := count; left > 0; {
		k := min(left, mineChunk)
		var strs []string
		if err := n.chain.Call(ctx, "generate", &strs, k); err != nil {
			return hashes, fmt.Errorf("unable to mine %d blocks: %w", k, err)
		}
		for _, s := range strs {
			h, err := chainhash.NewHashFromStr(s)
			if err != nil {
				return hashes, fmt.Errorf("generate returned a malformed hash %q: %w", s, err)
			}
			hashes = append(hashes, *h)
		}
		left -= len(strs)
	}
	return hashes, nil
}

// Fund sends amount to pkScript from the harness wallet and returns the
// transaction, which waits in the mempool: mine to confirm it. When the
// wallet lacks mature coins it first mines enough blocks to mature some.
func (n *Node) Fund(ctx context.Context, pkScript []byte, amount btcutil.Amount) (*wire.MsgTx, error) {
	return n.FundMany(ctx, []Output{{PkScript: pkScript, Amount: amount}})
}

// FundAddress is Fund to a regtest address.
func (n *Node) FundAddress(ctx context.Context, addr string, amount btcutil.Amount) (*wire.MsgTx, error) {
	a, err := address.DecodeAddress(addr, Params)
	if err != nil {
		return nil, fmt.Errorf("invalid address %q: %w", addr, err)
	}
	if !a.IsForNet(Params) {
		return nil, fmt.Errorf("address %q is not a regtest address", addr)
	}
	script, err := txscript.PayToAddrScript(a)
	if err != nil {
		return nil, fmt.Errorf("unable to pay to %q: %w", addr, err)
	}
	return n.Fund(ctx, script, amount)
}

// FundMany pays every output in one transaction from the harness wallet,
// paying FeeRate, with change back to the wallet. The transaction is in the
// mempool when FundMany returns; further calls may spend its change before
// it is mined.
func (n *Node) FundMany(ctx context.Context, outs []Output) (*wire.MsgTx, error) {
	if len(outs) == 0 {
		return nil, errors.New("no outputs to fund")
	}
	for i, o := range outs {
		if o.Amount <= 0 || len(o.PkScript) == 0 {
			return nil, fmt.Errorf("output %d: want a script and a positive amount", i)
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return nil, errors.New("node is stopped")
	}
	tx, prev, err := n.selectCoins(ctx, outs)
	if err != nil {
		return nil, err
	}
	return tx, n.signAndSend(ctx, tx, prev)
}

// signAndSend signs the wallet's inputs of tx, whose previous outputs are
// prev, broadcasts it and records it in the wallet. Caller holds mu.
func (n *Node) signAndSend(ctx context.Context, tx *wire.MsgTx, prev map[wire.OutPoint]*wire.TxOut) error {
	if err := n.wallet.sign(tx, prev); err != nil {
		return err
	}
	if _, err := n.chain.Broadcast(ctx, tx); err != nil {
		return fmt.Errorf("harness transaction refused: %w", err)
	}
	n.wallet.sent(tx)
	return nil
}

// SpendOutput spends op, an output of value paying the harness wallet
// (confirmed or still in the mempool), whole back to the wallet less fee:
// a recipient spending what it was paid before it confirms. The
// transaction is in the mempool when SpendOutput returns.
func (n *Node) SpendOutput(ctx context.Context, op wire.OutPoint, value, fee btcutil.Amount) (*wire.MsgTx, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return nil, errors.New("node is stopped")
	}
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&op, nil, nil))
	tx.AddTxOut(wire.NewTxOut(int64(value-fee), n.wallet.script))
	prev := map[wire.OutPoint]*wire.TxOut{op: wire.NewTxOut(int64(value), n.wallet.script)}
	return tx, n.signAndSend(ctx, tx, prev)
}

// selectCoins builds the unsigned transaction, mining blocks to mature
// coinbases when the wallet is short.
func (n *Node) selectCoins(ctx context.Context, outs []Output) (*wire.MsgTx, map[wire.OutPoint]*wire.TxOut, error) {
	for attempt := 1; ; attempt++ {
		if err := n.wallet.sync(ctx, n.chain); err != nil {
			return nil, nil, fmt.Errorf("unable to scan the chain for harness coins: %w", err)
		}
		tx, prev, err := n.wallet.build(outs, n.wallet.height)
		var short *insufficientError
		if !errors.As(err, &short) || attempt == fundAttempts {
			return tx, prev, err
		}
		k := n.wallet.blocksToMature(n.wallet.height, short.have, short.need)
		if _, err := n.mine(ctx, int(max(k, 1))); err != nil {
			return nil, nil, err
		}
	}
}
