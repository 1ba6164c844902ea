package regtest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/rpcclient"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/internal/regtest"
)

// rpcClient is btcd's own RPC client, an independent view of the node
// beside our chain adapter; test code only, so the shipped binary (which
// links this package for the sandbox) does not link rpcclient.
func rpcClient(t *testing.T, n *regtest.Node) *rpcclient.Client {
	t.Helper()
	cfg := n.RPC()
	c, err := rpcclient.New(&rpcclient.ConnConfig{
		Host: cfg.Host, User: cfg.User, Pass: cfg.Pass, HTTPPostMode: true, DisableTLS: true,
	}, nil)
	if err != nil {
		t.Fatalf("unable to create rpc client: %v", err)
	}
	t.Cleanup(c.Shutdown)
	return c
}

func integration(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a btcd node")
	}
}

// someScript is a P2WPKH script that is not the harness's.
func someScript(t *testing.T, b byte) []byte {
	t.Helper()
	h := make([]byte, 20)
	h[0] = b
	a, err := address.NewAddressWitnessPubKeyHash(h, regtest.Params)
	if err != nil {
		t.Fatal(err)
	}
	s, err := txscript.PayToAddrScript(a)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFundAndConfirm(t *testing.T) {
	integration(t)
	ctx := t.Context()
	n := regtest.StartT(t)
	c := rpcClient(t, n)

	hashes, err := n.Mine(ctx, 3)
	if err != nil || len(hashes) != 3 {
		t.Fatalf("Mine(3) = %d hashes, %v", len(hashes), err)
	}
	best, err := c.GetBestBlockHash()
	if err != nil || *best != hashes[2] {
		t.Fatalf("best block %v, %v; want %v", best, err, hashes[2])
	}

	// The wallet mines to maturity by itself when it has no mature coins.
	tests := []struct {
		name   string
		fund   func() (txid chainhash.Hash, err error)
		amount btcutil.Amount
	}{
		{"script", func() (chainhash.Hash, error) {
			tx, err := n.Fund(ctx, someScript(t, 1), 150_000_000)
			if err != nil {
				return chainhash.Hash{}, err
			}
			return tx.TxHash(), nil
		}, 150_000_000},
		{"address", func() (chainhash.Hash, error) {
			tx, err := n.FundAddress(ctx, "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", 12_345)
			if err != nil {
				return chainhash.Hash{}, err
			}
			return tx.TxHash(), nil
		}, 12_345},
		{"many", func() (chainhash.Hash, error) {
			outs := make([]regtest.Output, 50)
			for i := range outs {
				outs[i] = regtest.Output{PkScript: someScript(t, byte(i)), Amount: 10_000}
			}
			tx, err := n.FundMany(ctx, outs)
			if err != nil {
				return chainhash.Hash{}, err
			}
			return tx.TxHash(), nil
		}, 10_000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			txid, err := tc.fund()
			if err != nil {
				t.Fatal(err)
			}
			if confs := confirmations(t, c, txid); confs != 0 {
				t.Fatalf("fresh funding has %d confirmations, want 0 (mempool)", confs)
			}
			pool, err := c.GetRawMempool()
			if err != nil || !contains(pool, txid) {
				t.Fatalf("funding %v not in mempool (%v)", txid, err)
			}
			tx, err := c.GetRawTransaction(&txid)
			if err != nil {
				t.Fatal(err)
			}
			if got := btcutil.Amount(tx.MsgTx().TxOut[0].Value); got != tc.amount {
				t.Errorf("output 0 pays %v, want %v", got, tc.amount)
			}
			checkFeeRate(t, c, tx.MsgTx())
			if _, err := n.Mine(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if confs := confirmations(t, c, txid); confs != 1 {
				t.Fatalf("after one block: %d confirmations, want 1", confs)
			}
		})
	}
}

// TestFundChainsUnconfirmed spends unconfirmed change repeatedly, as the
// benchmark does, and checks every transaction confirms.
func TestFundChainsUnconfirmed(t *testing.T) {
	integration(t)
	ctx := t.Context()
	n := regtest.StartT(t)
	if _, err := n.Mine(ctx, 101); err != nil {
		t.Fatal(err)
	}
	var txids []chainhash.Hash
	for i := range 5 {
		// Two coinbases are mature; from the third round on the wallet
		// spends change that is still in the mempool.
		tx, err := n.Fund(ctx, someScript(t, byte(i)), 10*btcutil.SatoshiPerBitcoin)
		if err != nil {
			t.Fatalf("fund %d: %v", i, err)
		}
		txids = append(txids, tx.TxHash())
		if prev := tx.TxIn[0].PreviousOutPoint.Hash; i >= 2 && !slices.Contains(txids[:i], prev) {
			t.Errorf("fund %d spends %v, want the unconfirmed change of an earlier round", i, prev)
		}
	}
	if _, err := n.Mine(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for _, id := range txids {
		if confs := confirmations(t, rpcClient(t, n), id); confs != 1 {
			t.Errorf("%v has %d confirmations, want 1", id, confs)
		}
	}
}

func TestRestart(t *testing.T) {
	integration(t)
	ctx := t.Context()
	n := regtest.StartT(t)
	hashes, err := n.Mine(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	rpcBefore := n.RPC()
	if err := n.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if n.RPC() != rpcBefore {
		t.Fatalf("restart changed the rpc endpoint: %+v → %+v", rpcBefore, n.RPC())
	}
	height, hash, err := n.Chain().Tip(ctx)
	if err != nil || height != 5 || hash != hashes[4] {
		t.Fatalf("after restart tip = %d %v, %v; want 5 %v", height, hash, err, hashes[4])
	}
	// The wallet rescans after a restart and can still pay.
	if _, err := n.Fund(ctx, someScript(t, 7), 1000_000); err != nil {
		t.Fatal(err)
	}
}

func TestStopLeavesNothing(t *testing.T) {
	integration(t)
	n, err := regtest.Start(t.Context(), regtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir, cfg := n.Dir(), n.RPC()
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := n.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp dir %s survived Stop: %v", dir, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := chain.Dial(ctx, cfg, regtest.Params); !errors.Is(err, chain.ErrUnreachable) {
		t.Errorf("node still answers after Stop: %v", err)
	}
	if _, err := n.Mine(ctx, 1); err == nil {
		t.Error("Mine after Stop succeeded")
	}
	// No btcd started from this node's directory is left.
	if out, _ := exec.Command("pgrep", "-f", dir).Output(); len(out) > 0 {
		t.Errorf("btcd still running: pid %s", out)
	}
}

func TestPersistentDir(t *testing.T) {
	integration(t)
	dir := t.TempDir()
	n, err := regtest.Start(t.Context(), regtest.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Mine(t.Context(), 2); err != nil {
		n.Stop()
		t.Fatal(err)
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	n, err = regtest.Start(t.Context(), regtest.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	if h, _, err := n.Chain().Tip(t.Context()); err != nil || h != 2 {
		t.Fatalf("reopened node at height %d, %v; want 2", h, err)
	}
}

func TestStartBadArg(t *testing.T) {
	integration(t)
	_, err := regtest.Start(t.Context(), regtest.Options{ExtraArgs: []string{"--no-such-flag"}})
	if err == nil {
		t.Fatal("Start with a bogus flag succeeded")
	}
	for _, want := range []string{"exited during startup", "no-such-flag"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func confirmations(t *testing.T, c *rpcclient.Client, txid chainhash.Hash) uint64 {
	t.Helper()
	res, err := c.GetRawTransactionVerbose(&txid)
	if err != nil {
		t.Fatalf("getrawtransaction %v: %v", txid, err)
	}
	return res.Confirmations
}

func contains(hs []*chainhash.Hash, h chainhash.Hash) bool {
	for _, x := range hs {
		if *x == h {
			return true
		}
	}
	return false
}

// checkFeeRate recomputes the fee from the previous outputs and the virtual
// size from the signed transaction: at least FeeRate, and no more than the
// slack of the 73-byte signature estimate.
func checkFeeRate(t *testing.T, c *rpcclient.Client, tx *wire.MsgTx) {
	t.Helper()
	var in, out int64
	for _, txIn := range tx.TxIn {
		prev, err := c.GetRawTransaction(&txIn.PreviousOutPoint.Hash)
		if err != nil {
			t.Fatal(err)
		}
		in += prev.MsgTx().TxOut[txIn.PreviousOutPoint.Index].Value
	}
	for _, o := range tx.TxOut {
		out += o.Value
	}
	weight := tx.SerializeSizeStripped()*3 + tx.SerializeSize()
	vsize := int64((weight + 3) / 4)
	fee := in - out
	lo := vsize * int64(regtest.FeeRate)
	hi := lo + int64(len(tx.TxIn))*2*int64(regtest.FeeRate) // ≤ 2 vbytes of signature slack per input
	if fee < lo || fee > hi {
		t.Errorf("fee %d sat for %d vB; want %d..%d", fee, vsize, lo, hi)
	}
}
