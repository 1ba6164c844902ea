package fakenode_test

import (
	"errors"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/fakenode"
)

var script = []byte{0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}

func spend(op wire.OutPoint, value int64) *wire.MsgTx {
	t := wire.NewMsgTx(2)
	t.AddTxIn(wire.NewTxIn(&op, nil, nil))
	t.AddTxOut(wire.NewTxOut(value, []byte{0x51}))
	return t
}

func TestTransactionLookupsByMode(t *testing.T) {
	for _, mode := range []fakenode.Mode{fakenode.Btcd, fakenode.Core} {
		t.Run(mode.String(), func(t *testing.T) {
			ctx := t.Context()
			n := fakenode.New(mode)
			pay := n.Pay(wire.NewTxOut(5000, script))
			if confs, pool, err := n.TxConfirmations(ctx, pay.TxHash()); err != nil || !pool || confs != 0 {
				t.Fatalf("mempool tx: %d, %v, %v", confs, pool, err)
			}
			n.Mine(3)
			confs, pool, err := n.TxConfirmations(ctx, pay.TxHash())
			switch mode {
			case fakenode.Core:
				if !errors.Is(err, app.ErrNotFound) {
					t.Fatalf("Core without -txindex found a confirmed tx: %d, %v, %v", confs, pool, err)
				}
			default:
				if err != nil || confs != 3 || pool {
					t.Fatalf("btcd: %d, %v, %v; want 3 confirmations", confs, pool, err)
				}
			}
			if in, err := n.InMempool(ctx, pay.TxHash()); err != nil || in {
				t.Fatalf("InMempool of a mined tx: %v, %v", in, err)
			}
			op := wire.OutPoint{Hash: pay.TxHash()}
			if o, err := n.Output(ctx, op); err != nil || !o.Unspent || o.Confirmations != 3 {
				t.Fatalf("Output: %+v, %v", o, err)
			}
		})
	}
}

func TestMempoolConflictsReplacementAndDrop(t *testing.T) {
	ctx := t.Context()
	n := fakenode.New(fakenode.Core)
	pay := n.Pay(wire.NewTxOut(5000, script))
	n.Mine(1)
	op := wire.OutPoint{Hash: pay.TxHash()}
	a, b := spend(op, 4000), spend(op, 3000)
	if err := n.Submit(a); err != nil {
		t.Fatal(err)
	}
	if err := n.Submit(b); !errors.Is(err, fakenode.ErrConflict) {
		t.Fatalf("double spend: %v", err)
	}
	if o, _ := n.Output(ctx, op); o.Unspent || o.SpentBy != a.TxHash() {
		t.Fatalf("Output after a mempool spend: %+v", o)
	}
	child := spend(wire.OutPoint{Hash: a.TxHash()}, 3500)
	if err := n.Submit(child); err != nil {
		t.Fatal(err)
	}
	if err := n.Replace(b); err != nil {
		t.Fatal(err)
	}
	if got := n.MempoolTxs(); len(got) != 1 || got[0].TxHash() != b.TxHash() {
		t.Fatalf("after replacement the mempool holds %d txs", len(got))
	}
	if !n.Drop(b.TxHash()) || len(n.MempoolTxs()) != 0 {
		t.Fatal("drop")
	}
	if err := n.Submit(spend(op, 6000)); !errors.Is(err, fakenode.ErrInvalid) {
		t.Fatalf("paying out more than in: %v", err)
	}
	if err := n.Submit(spend(wire.OutPoint{Hash: chainhash.Hash{9}}, 1)); !errors.Is(err, fakenode.ErrMissingInputs) {
		t.Fatalf("unknown input: %v", err)
	}
}

func TestReorgResetAndBehind(t *testing.T) {
	ctx := t.Context()
	n := fakenode.New(fakenode.Btcd)
	n.Mine(5)
	pay := n.Pay(wire.NewTxOut(5000, script))
	n.Mine(1)
	old := n.HashAt(6)
	n.Disconnect(2)
	if n.Height() != 4 || len(n.MempoolTxs()) != 1 {
		t.Fatalf("after disconnecting 2: height %d, mempool %d", n.Height(), len(n.MempoolTxs()))
	}
	n.Mine(3)
	if n.HashAt(6) == old {
		t.Fatal("the new branch reuses the old block hash")
	}
	bs, err := n.Blocks(ctx, 5, 7)
	if err != nil || len(bs) != 3 || bs[0].Msg.Header.PrevBlock != n.HashAt(4) || len(bs[0].Msg.Transactions) != 2 {
		t.Fatalf("blocks of the new branch: %v", err)
	}
	if bs[0].Msg.Transactions[1].TxHash() != pay.TxHash() {
		t.Fatal("the disconnected tx was not mined again")
	}
	n.SetBehind(3)
	if h, hash, err := n.Tip(ctx); err != nil || h != 3 || hash != n.HashAt(3) {
		t.Fatalf("behind: tip %d, %v", h, err)
	}
	if _, err := n.BlockHash(ctx, 4); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("block above a lagging tip: %v", err)
	}
	n.SetBehind(-1)
	n.Reset()
	if h, hash, _ := n.Tip(ctx); h != 0 || hash != *chaincfg.RegressionNetParams.GenesisHash {
		t.Fatalf("after reset: tip %d %s", h, hash)
	}
}

func TestImmatureCoinbaseAndMineTxs(t *testing.T) {
	n := fakenode.New(fakenode.Btcd)
	n.Mine(1)
	bs, _ := n.Blocks(t.Context(), 1, 1)
	cb := wire.OutPoint{Hash: bs[0].Msg.Transactions[0].TxHash()}
	if err := n.Submit(spend(cb, 1000)); !errors.Is(err, fakenode.ErrInvalid) {
		t.Fatalf("spending an immature coinbase: %v", err)
	}
	n.Mine(99)
	tx := spend(cb, 1000)
	if _, err := n.MineTxs(tx); err != nil {
		t.Fatalf("mature coinbase: %v", err)
	}
	if o, _ := n.Output(t.Context(), wire.OutPoint{Hash: tx.TxHash()}); !o.Unspent || o.Confirmations != 1 {
		t.Fatalf("output of the mined tx: %+v", o)
	}
}

// TestReplacementRules: Broadcast and TestAccept replace mempool
// transactions as the mode's node does under BIP-125: a replacement must
// pay more than everything it evicts (the replaced transaction and its
// descendants), by the incremental relay fee on its own size, at a higher
// rate than the replaced transaction's (btcd: than each evicted one's),
// may add no unconfirmed input, and may evict at most 100 transactions.
// TestAccept says what Broadcast would do and changes nothing.
func TestReplacementRules(t *testing.T) {
	for _, mode := range []fakenode.Mode{fakenode.Btcd, fakenode.Core} {
		t.Run(mode.String(), func(t *testing.T) {
			ctx := t.Context()
			n := fakenode.New(mode)
			pay := n.Pay(wire.NewTxOut(100_000, script), wire.NewTxOut(50_000, script))
			n.Mine(1)
			op := wire.OutPoint{Hash: pay.TxHash()}
			stuck := spend(op, 99_000) // 1,000 sat; signals BIP-125
			stuck.TxIn[0].Sequence = 0xfffffffd
			child := spend(wire.OutPoint{Hash: stuck.TxHash()}, 94_000) // 5,000 sat, a far higher rate
			for _, tx := range []*wire.MsgTx{stuck, child} {
				if _, err := n.Broadcast(ctx, tx); err != nil {
					t.Fatal(err)
				}
			}
			refused := func(name string, tx *wire.MsgTx, want error) {
				t.Helper()
				before := len(n.MempoolTxs())
				if err := n.TestAccept(ctx, tx); !errors.Is(err, want) {
					t.Fatalf("%s: TestAccept %v, want %v", name, err, want)
				}
				if _, err := n.Broadcast(ctx, tx); !errors.Is(err, want) {
					t.Fatalf("%s: Broadcast %v, want %v", name, err, want)
				}
				if len(n.MempoolTxs()) != before {
					t.Fatalf("%s changed the mempool", name)
				}
			}
			refused("less than the stuck one and its child", spend(op, 95_000), fakenode.ErrInsufficientFee)
			refused("not the incremental fee more", spend(op, 100_000-6_010), fakenode.ErrInsufficientFee)
			addsUnconfirmed := spend(op, 90_000)
			other := n.Pay(wire.NewTxOut(10_000, script))
			addsUnconfirmed.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: other.TxHash()}, nil, nil))
			refused("adding an unconfirmed input", addsUnconfirmed, fakenode.ErrInvalid)
			// Large, so that it pays more than both but at a lower rate
			// than the child: Core compares with the stuck one alone.
			large := spend(op, 92_000)
			for range 12 {
				large.AddTxOut(wire.NewTxOut(0, script))
			}
			if mode == fakenode.Btcd {
				refused("a lower rate than an evicted child", large, fakenode.ErrInsufficientFee)
				large = spend(op, 93_000)
			}
			if err := n.TestAccept(ctx, large); err != nil {
				t.Fatalf("TestAccept of a good replacement: %v", err)
			}
			if len(n.MempoolTxs()) != 3 { // stuck, child, other
				t.Fatal("TestAccept changed the mempool")
			}
			if _, err := n.Broadcast(ctx, large); err != nil {
				t.Fatalf("Broadcast of a good replacement: %v", err)
			}
			if got := n.MempoolTxs(); len(got) != 2 {
				t.Fatalf("after the replacement the mempool holds %d txs, want it and other", len(got))
			}
			// A hundred descendants: a replacement would evict 101.
			parent := large
			for i := range 100 {
				next := spend(wire.OutPoint{Hash: parent.TxHash()}, parent.TxOut[0].Value-100)
				if _, err := n.Broadcast(ctx, next); err != nil {
					t.Fatalf("descendant %d: %v", i, err)
				}
				parent = next
			}
			refused("evicting 101", spend(op, 10_000), fakenode.ErrInsufficientFee)

			// A transaction that does not signal: btcd replaces it at
			// no price; Core (28 and later) replaces any.
			op2 := wire.OutPoint{Hash: pay.TxHash(), Index: 1}
			quiet := spend(op2, 49_000)
			if _, err := n.Broadcast(ctx, quiet); err != nil {
				t.Fatal(err)
			}
			if mode == fakenode.Btcd {
				refused("replacing one that does not signal", spend(op2, 30_000), fakenode.ErrConflict)
			} else if _, err := n.Broadcast(ctx, spend(op2, 30_000)); err != nil {
				t.Fatalf("Core replacing one that does not signal: %v", err)
			}
		})
	}
}
