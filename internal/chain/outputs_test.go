package chain_test

import (
	"testing"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/regtest"
)

// The node's mempool and UTXO view answer without a transaction index:
// the same questions sync and cancel ask of Bitcoin Core with its defaults.
func TestMempoolAndOutputViewWithoutIndex(t *testing.T) {
	integration(t)
	ctx := t.Context()
	n := regtest.StartT(t)
	c := dial(t, n)
	k := newTestKey(t)
	fund, err := n.Fund(ctx, k.script, 100_000)
	if err != nil {
		t.Fatal(err)
	}
	op := wire.OutPoint{Hash: fund.TxHash()}
	for i, o := range fund.TxOut {
		if string(o.PkScript) == string(k.script) {
			op.Index = uint32(i)
		}
	}
	if in, err := c.InMempool(ctx, fund.TxHash()); err != nil || !in {
		t.Fatalf("funding tx in mempool = %v, %v", in, err)
	}
	if st, err := c.Output(ctx, op); err != nil || !st.Unspent || st.Confirmations != 0 {
		t.Fatalf("unconfirmed output: %+v, %v", st, err)
	}
	spend := k.spend(t, op, 100_000, 1_000)
	if _, err := c.Broadcast(ctx, spend); err != nil {
		t.Fatal(err)
	}
	if st, err := c.Output(ctx, op); err != nil || st.Unspent || st.SpentBy != spend.TxHash() {
		t.Fatalf("output spent in the mempool: %+v, %v; want spent by %s", st, err, spend.TxHash())
	}
	if _, err := n.Mine(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if in, err := c.InMempool(ctx, spend.TxHash()); err != nil || in {
		t.Fatalf("mined tx in mempool = %v, %v", in, err)
	}
	if st, err := c.Output(ctx, op); err != nil || st.Unspent || st.SpentBy != (chainhash.Hash{}) {
		t.Fatalf("output spent in a block: %+v, %v", st, err)
	}
	if st, err := c.Output(ctx, wire.OutPoint{Hash: spend.TxHash()}); err != nil || !st.Unspent || st.Confirmations != 2 {
		t.Fatalf("confirmed output: %+v, %v; want 2 confirmations", st, err)
	}
	if st, err := c.Output(ctx, wire.OutPoint{Hash: chainhash.Hash{1}}); err != nil || st.Unspent {
		t.Fatalf("unknown output: %+v, %v", st, err)
	}
}
