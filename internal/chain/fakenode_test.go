package chain_test

import (
	"errors"
	"testing"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/internal/fakenode"
	"github.com/treasury-dev/treasury/internal/regtest"
)

// The adapter answers the same through Bitcoin Core's replies (no
// -txindex: getmempoolentry, a gettxout that hides mempool spends) as
// through btcd's (no getmempoolentry, a gettxout that does not).
func TestMempoolAndOutputViewOnCoreAndBtcdReplies(t *testing.T) {
	for _, mode := range []fakenode.Mode{fakenode.Core, fakenode.Btcd} {
		t.Run(mode.String(), func(t *testing.T) {
			ctx := t.Context()
			n := fakenode.New(mode)
			srv := n.Serve("u", "p")
			defer srv.Close()
			cl, err := chain.Dial(ctx, chain.Config{Host: srv.URL, User: "u", Pass: "p"}, regtest.Params)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			c := chain.AppChain{Client: cl}
			pay := n.Pay(wire.NewTxOut(50_000, []byte{0x51}))
			op := wire.OutPoint{Hash: pay.TxHash()}
			if in, err := c.InMempool(ctx, pay.TxHash()); err != nil || !in {
				t.Fatalf("InMempool of a mempool tx: %v, %v", in, err)
			}
			n.Mine(2)
			if in, err := c.InMempool(ctx, pay.TxHash()); err != nil || in {
				t.Fatalf("InMempool of a mined tx: %v, %v", in, err)
			}
			_, _, err = c.TxConfirmations(ctx, pay.TxHash())
			if mode == fakenode.Core && !errors.Is(err, app.ErrNotFound) || mode == fakenode.Btcd && err != nil {
				t.Fatalf("getrawtransaction of a confirmed tx: %v", err)
			}
			if o, err := c.Output(ctx, op); err != nil || !o.Unspent || o.Confirmations != 2 {
				t.Fatalf("confirmed output: %+v, %v", o, err)
			}
			spend := wire.NewMsgTx(2)
			spend.AddTxIn(wire.NewTxIn(&op, nil, nil))
			spend.AddTxOut(wire.NewTxOut(49_000, []byte{0x51}))
			if err := c.TestAccept(ctx, spend); err != nil {
				t.Fatalf("testmempoolaccept: %v", err)
			}
			if _, err := c.Broadcast(ctx, spend); err != nil {
				t.Fatalf("sendrawtransaction: %v", err)
			}
			if _, err := c.Broadcast(ctx, spend); err != nil {
				t.Fatalf("sending a known tx again: %v", err)
			}
			if o, err := c.Output(ctx, op); err != nil || o.Unspent || o.SpentBy != spend.TxHash() {
				t.Fatalf("output spent in the mempool: %+v, %v", o, err)
			}
			if o, err := c.Output(ctx, wire.OutPoint{Hash: chainhash.Hash{7}}); err != nil || o.Unspent {
				t.Fatalf("unknown output: %+v, %v", o, err)
			}
			if bs, err := c.Blocks(ctx, 1, 2); err != nil || len(bs) != 2 || bs[1].Hash != n.HashAt(2) {
				t.Fatalf("blocks: %v", err)
			}
			if _, err := c.EstimateFee(ctx, 6); err == nil {
				t.Fatal("a fresh node gave a fee estimate")
			}
		})
	}
}
