package scan_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/scan"
)

// p2wpkh returns a distinct P2WPKH-shaped script for n.
func p2wpkh(n byte) []byte {
	s := make([]byte, 22)
	s[0], s[1] = 0x00, 0x14
	for i := 2; i < 22; i++ {
		s[i] = n
	}
	return s
}

func coinbase(outs ...*wire.TxOut) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: wire.MaxPrevOutIndex}, []byte{0x51, 0x51}, nil))
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	return tx
}

func spend(ins []wire.OutPoint, outs ...*wire.TxOut) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	for i := range ins {
		tx.AddTxIn(wire.NewTxIn(&ins[i], nil, nil))
	}
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	return tx
}

func block(txs ...*wire.MsgTx) *wire.MsgBlock {
	b := wire.NewMsgBlock(wire.NewBlockHeader(1, &chainhash.Hash{}, &chainhash.Hash{}, 0x207fffff, 0))
	for _, tx := range txs {
		b.AddTransaction(tx)
	}
	return b
}

func TestBlock(t *testing.T) {
	mine, change, other := p2wpkh(1), p2wpkh(2), p2wpkh(3)
	refMine := scan.Ref{Generation: 0, Chain: 0, Index: 7}
	refChange := scan.Ref{Generation: 1, Chain: 1, Index: 3}
	held := wire.OutPoint{Hash: chainhash.Hash{0xaa}, Index: 1}
	unheld := wire.OutPoint{Hash: chainhash.Hash{0xbb}, Index: 0}

	cb := coinbase(wire.NewTxOut(50e8, mine))
	pay := spend([]wire.OutPoint{held}, wire.NewTxOut(1000, other), wire.NewTxOut(2000, change))
	payOut := wire.OutPoint{Hash: pay.TxHash(), Index: 1}
	respend := spend([]wire.OutPoint{unheld, payOut}, wire.NewTxOut(500, other))
	unrelated := spend([]wire.OutPoint{unheld}, wire.NewTxOut(1, other))
	cbOther := coinbase(wire.NewTxOut(50e8, other))

	type spent struct {
		op    wire.OutPoint
		by    chainhash.Hash
		input int
	}
	type found struct {
		op       wire.OutPoint
		value    int64
		ref      scan.Ref
		coinbase bool
	}
	tests := []struct {
		name  string
		b     *wire.MsgBlock
		found []found
		spent []spent
	}{
		{
			name: "nothing watched",
			b:    block(cbOther, unrelated),
		},
		{
			name:  "coinbase to a watched script",
			b:     block(cb, unrelated),
			found: []found{{wire.OutPoint{Hash: cb.TxHash()}, 50e8, refMine, true}},
		},
		{
			name:  "held outpoint spent with change back",
			b:     block(cbOther, pay),
			found: []found{{payOut, 2000, refChange, false}},
			spent: []spent{{held, pay.TxHash(), 0}},
		},
		{
			name:  "output created and spent in the same block",
			b:     block(cbOther, pay, respend),
			found: []found{{payOut, 2000, refChange, false}},
			spent: []spent{{held, pay.TxHash(), 0}, {payOut, respend.TxHash(), 1}},
		},
		{
			name: "spend before creation is not a match",
			b:    block(cbOther, respend, pay),
			// respend precedes pay, so its input cannot refer to pay's
			// output within this block's order.
			found: []found{{payOut, 2000, refChange, false}},
			spent: []spent{{held, pay.TxHash(), 0}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := scan.NewWatch()
			w.AddScript(mine, refMine)
			w.AddScript(change, refChange)
			w.AddOutPoint(held)
			r := scan.Block(tc.b, w)
			if len(r.Found) != len(tc.found) || len(r.Spent) != len(tc.spent) {
				t.Fatalf("got %d found, %d spent; want %d, %d", len(r.Found), len(r.Spent), len(tc.found), len(tc.spent))
			}
			for i, f := range tc.found {
				g := r.Found[i]
				if g.OutPoint != f.op || g.Value != f.value || g.Ref != f.ref || g.Coinbase != f.coinbase {
					t.Errorf("found[%d] = %v %d %+v cb=%v; want %v %d %+v cb=%v", i, g.OutPoint, g.Value, g.Ref, g.Coinbase, f.op, f.value, f.ref, f.coinbase)
				}
				if g.Tx.TxHash() != f.op.Hash || !bytes.Equal(g.PkScript, g.Tx.TxOut[f.op.Index].PkScript) {
					t.Errorf("found[%d] carries the wrong tx or script", i)
				}
			}
			for i, s := range tc.spent {
				g := r.Spent[i]
				if g.OutPoint != s.op || g.SpendingTx != s.by || g.InputIndex != s.input {
					t.Errorf("spent[%d] = %v by %v:%d; want %v by %v:%d", i, g.OutPoint, g.SpendingTx, g.InputIndex, s.op, s.by, s.input)
				}
			}
			if r.Empty() != (len(tc.found) == 0 && len(tc.spent) == 0) {
				t.Errorf("Empty() = %v", r.Empty())
			}
		})
	}
}

func TestWatchApply(t *testing.T) {
	w := scan.NewWatch()
	script := p2wpkh(9)
	w.AddScript(script, scan.Ref{Index: 1})
	held := wire.OutPoint{Hash: chainhash.Hash{1}}
	w.AddOutPoint(held)

	cb := coinbase(wire.NewTxOut(10, script))
	spendCB := spend([]wire.OutPoint{{Hash: cb.TxHash()}}, wire.NewTxOut(5, script))
	spendHeld := spend([]wire.OutPoint{held}, wire.NewTxOut(5, p2wpkh(8)))

	r := scan.Block(block(cb, spendCB, spendHeld), w)
	if w.HasOutPoint((wire.OutPoint{Hash: cb.TxHash()})) {
		t.Fatal("Block changed the watch set")
	}
	w.Apply(r)
	tests := []struct {
		op   wire.OutPoint
		want bool
	}{
		{held, false}, // spent
		{wire.OutPoint{Hash: cb.TxHash()}, false},     // found and spent in the block
		{wire.OutPoint{Hash: spendCB.TxHash()}, true}, // found, unspent
	}
	for _, tc := range tests {
		t.Run(tc.op.String(), func(t *testing.T) {
			if got := w.HasOutPoint(tc.op); got != tc.want {
				t.Errorf("HasOutPoint = %v, want %v", got, tc.want)
			}
		})
	}
	if s, o := w.Len(); s != 1 || o != 1 {
		t.Errorf("Len() = %d, %d; want 1, 1", s, o)
	}
	w.RemoveOutPoint(wire.OutPoint{Hash: spendCB.TxHash()})
	if _, o := w.Len(); o != 0 {
		t.Errorf("RemoveOutPoint left %d outpoints", o)
	}
	if ref, ok := w.Script(script); !ok || ref.Index != 1 {
		t.Errorf("Script() = %+v, %v", ref, ok)
	}
}

// benchBlock builds a block of n transactions with two inputs and two outputs
// each; every 100th transaction pays a watched script.
func benchBlock(n int, w *scan.Watch) *wire.MsgBlock {
	b := block(coinbase(wire.NewTxOut(50e8, p2wpkh(200))))
	for i := 0; i < n; i++ {
		ins := []wire.OutPoint{{Hash: chainhash.Hash{byte(i), byte(i >> 8), 1}}, {Hash: chainhash.Hash{byte(i), byte(i >> 8), 2}}}
		s := make([]byte, 22)
		s[1] = 0x14
		copy(s[2:], fmt.Sprintf("%020d", i))
		if i%100 == 0 {
			w.AddScript(s, scan.Ref{Index: uint32(i)})
		}
		o := p2wpkh(byte(i))
		o[2] = 'x' // never equal to a watched script
		b.AddTransaction(spend(ins, wire.NewTxOut(1000, s), wire.NewTxOut(2000, o)))
	}
	return b
}

func BenchmarkBlock(b *testing.B) {
	w := scan.NewWatch()
	for i := 0; i < 2000; i++ {
		s := p2wpkh(0)
		copy(s[2:], fmt.Sprintf("w%019d", i))
		w.AddScript(s, scan.Ref{Index: uint32(i)})
		w.AddOutPoint(wire.OutPoint{Hash: chainhash.Hash{0xff, byte(i), byte(i >> 8)}})
	}
	blk := benchBlock(2000, w)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := scan.Block(blk, w)
		if len(r.Found) != 20 {
			b.Fatalf("found %d", len(r.Found))
		}
	}
}

func TestTransactionsHasNoCoinbase(t *testing.T) {
	w := scan.NewWatch()
	script := []byte{0x00, 0x14, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}
	w.AddScript(script, scan.Ref{Generation: 1})
	held := wire.OutPoint{Index: 3}
	w.AddOutPoint(held)
	first := wire.NewMsgTx(2)
	first.AddTxIn(wire.NewTxIn(&held, nil, nil))
	first.AddTxOut(wire.NewTxOut(1000, script))
	res := scan.Transactions([]*wire.MsgTx{first}, w)
	if len(res.Found) != 1 || res.Found[0].Coinbase {
		t.Fatalf("found %+v; want one non-coinbase output", res.Found)
	}
	if len(res.Spent) != 1 || res.Spent[0].OutPoint != held {
		t.Fatalf("spent %+v; the first transaction's inputs must be checked too", res.Spent)
	}
}
