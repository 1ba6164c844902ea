package chain_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/internal/regtest"
)

func integration(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a btcd node")
	}
}

func dial(t *testing.T, n *regtest.Node) *chain.Client {
	t.Helper()
	c, err := chain.Dial(t.Context(), n.RPC(), regtest.Params)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// testKey owns outputs the tests spend with transactions of their own.
type testKey struct {
	priv   *btcec.PrivateKey
	script []byte
}

func newTestKey(t *testing.T) testKey {
	seed := sha256.Sum256([]byte("internal/chain test key"))
	priv, pub := btcec.PrivKeyFromBytes(seed[:])
	a, err := address.NewAddressWitnessPubKeyHash(address.Hash160(pub.SerializeCompressed()), regtest.Params)
	if err != nil {
		t.Fatal(err)
	}
	s, err := txscript.PayToAddrScript(a)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{priv, s}
}

// spend signs a transaction moving prev (paying k) to k, less fee.
func (k testKey) spend(t *testing.T, prev wire.OutPoint, value, fee int64) *wire.MsgTx {
	t.Helper()
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&prev, nil, nil))
	tx.AddTxOut(wire.NewTxOut(value-fee, k.script))
	fetch := txscript.NewCannedPrevOutputFetcher(k.script, value)
	wit, err := txscript.WitnessSignature(tx, txscript.NewTxSigHashes(tx, fetch), 0, value, k.script, txscript.SigHashAll, k.priv, true)
	if err != nil {
		t.Fatal(err)
	}
	tx.TxIn[0].Witness = wit
	return tx
}

func TestReads(t *testing.T) {
	integration(t)
	ctx := t.Context()
	n := regtest.StartT(t)
	c := dial(t, n)
	hashes, err := n.Mine(ctx, 30)
	if err != nil {
		t.Fatal(err)
	}

	if err := c.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	height, tip, err := c.Tip(ctx)
	if err != nil || height != 30 || tip != hashes[29] {
		t.Fatalf("Tip = %d %v, %v; want 30 %v", height, tip, err, hashes[29])
	}
	t.Run("BlockHash", func(t *testing.T) {
		for _, h := range []int32{1, 17, 30} {
			got, err := c.BlockHash(ctx, h)
			if err != nil || got != hashes[h-1] {
				t.Errorf("BlockHash(%d) = %v, %v; want %v", h, got, err, hashes[h-1])
			}
		}
		if _, err := c.BlockHash(ctx, 31); !errors.Is(err, chain.ErrNotFound) {
			t.Errorf("BlockHash above tip: %v, want ErrNotFound", err)
		}
	})
	t.Run("Blocks", func(t *testing.T) {
		for _, fetch := range []struct{ batch, workers int }{{50, 2}, {1, 1}, {7, 3}} {
			chain.SetFetch(c, fetch.batch, fetch.workers)
			blocks, err := c.Blocks(ctx, 0, 30)
			if err != nil || len(blocks) != 31 {
				t.Fatalf("Blocks(0, 30) batch %d: %d blocks, %v", fetch.batch, len(blocks), err)
			}
			if blocks[0].Hash != *regtest.Params.GenesisHash {
				t.Errorf("block 0 is %v, not genesis", blocks[0].Hash)
			}
			for i, b := range blocks[1:] {
				if b.Height != int32(i+1) || b.Hash != hashes[i] || b.Msg.BlockHash() != hashes[i] {
					t.Errorf("block %d: height %d hash %v msg %v; want %v", i+1, b.Height, b.Hash, b.Msg.BlockHash(), hashes[i])
				}
			}
		}
		chain.SetFetch(c, 50, 2)
		if _, err := c.Blocks(ctx, 25, 40); !errors.Is(err, chain.ErrNotFound) {
			t.Errorf("Blocks past tip: %v, want ErrNotFound", err)
		}
		if _, err := c.Blocks(ctx, 5, 4); err == nil {
			t.Error("Blocks(5, 4) succeeded")
		}
	})
	t.Run("EstimateFee", func(t *testing.T) {
		_, src, err := c.EstimateFee(ctx, 6)
		if !errors.Is(err, chain.ErrNoEstimate) || src != "estimatefee" {
			t.Errorf("EstimateFee on a fresh btcd chain = %q, %v; want estimatefee, ErrNoEstimate", src, err)
		}
	})
}

func TestTransactions(t *testing.T) {
	integration(t)
	ctx := t.Context()
	n := regtest.StartT(t)
	c := dial(t, n)
	key := newTestKey(t)

	const value = 1_000_000
	fund, err := n.Fund(ctx, key.script, value)
	if err != nil {
		t.Fatal(err)
	}
	fundID := fund.TxHash()
	got, err := c.Transaction(ctx, fundID)
	if err != nil || got.TxHash() != fundID {
		t.Fatalf("Transaction(mempool) = %v, %v", got, err)
	}
	if confs, pool, err := c.TxConfirmations(ctx, fundID); err != nil || confs != 0 || !pool {
		t.Fatalf("TxConfirmations(mempool) = %d %v %v; want 0 true", confs, pool, err)
	}
	if _, err := n.Mine(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if confs, pool, err := c.TxConfirmations(ctx, fundID); err != nil || confs != 2 || pool {
		t.Fatalf("TxConfirmations(mined) = %d %v %v; want 2 false", confs, pool, err)
	}
	if got, err := c.Transaction(ctx, fundID); err != nil || got.TxHash() != fundID {
		t.Fatalf("Transaction(mined, txindex) = %v, %v", got, err)
	}
	unknown := chainhash.Hash{1, 2, 3}
	if _, err := c.Transaction(ctx, unknown); !errors.Is(err, chain.ErrNotFound) {
		t.Errorf("Transaction(unknown) = %v, want ErrNotFound", err)
	}
	if _, _, err := c.TxConfirmations(ctx, unknown); !errors.Is(err, chain.ErrNotFound) {
		t.Errorf("TxConfirmations(unknown) = %v, want ErrNotFound", err)
	}

	prev := wire.OutPoint{Hash: fundID, Index: 0}
	spend := key.spend(t, prev, value, 500)
	double := key.spend(t, prev, value, 700)
	orphan := key.spend(t, wire.OutPoint{Hash: unknown}, value, 500)
	spendID := spend.TxHash()

	steps := []struct {
		name string
		do   func() error
		want error // nil, or a sentinel
		text string
	}{
		{"test-accept valid", func() error { return c.TestAccept(ctx, spend, 0) }, nil, ""},
		{"test-accept over max fee rate", func() error { return c.TestAccept(ctx, spend, 1000) }, chain.ErrRejected, "max-fee"},
		{"test-accept missing inputs", func() error { return c.TestAccept(ctx, orphan, 0) }, chain.ErrRejected, "missing-inputs"},
		{"broadcast", func() error { return broadcast(ctx, c, spend) }, nil, ""},
		{"broadcast again", func() error { return broadcast(ctx, c, spend) }, chain.ErrAlreadyKnown, spendID.String()},
		{"test-accept sent", func() error { return c.TestAccept(ctx, spend, 0) }, chain.ErrAlreadyKnown, ""},
		{"double spend", func() error { return broadcast(ctx, c, double) }, chain.ErrRejected, "rejected"},
		{"mine", func() error { _, err := n.Mine(ctx, 1); return err }, nil, ""},
		{"broadcast confirmed", func() error { return broadcast(ctx, c, spend) }, chain.ErrAlreadyKnown, ""},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := st.do()
			switch {
			case st.want == nil && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case st.want != nil && !errors.Is(err, st.want):
				t.Fatalf("error %v, want %v", err, st.want)
			case err != nil && !strings.Contains(err.Error(), st.text):
				t.Fatalf("error %q does not mention %q", err, st.text)
			}
		})
	}
}

func broadcast(ctx context.Context, c *chain.Client, tx *wire.MsgTx) error {
	id, err := c.Broadcast(ctx, tx)
	if id != tx.TxHash() {
		return errors.New("Broadcast returned the wrong txid")
	}
	return err
}

func TestDialErrors(t *testing.T) {
	integration(t)
	n := regtest.StartT(t)
	good := n.RPC()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()

	tests := []struct {
		name  string
		cfg   chain.Config
		net   *chaincfg.Params
		want  error
		texts []string
	}{
		{"ok", good, regtest.Params, nil, nil},
		{"ok as URL", chain.Config{Host: "http://" + good.Host, User: good.User, Pass: good.Pass}, regtest.Params, nil, nil},
		{"closed port", chain.Config{Host: closed, User: "u", Pass: "p"}, regtest.Params, chain.ErrUnreachable,
			[]string{"node at " + closed + " is unreachable", "refused"}},
		{"wrong password", chain.Config{Host: good.Host, User: good.User, Pass: "wrong"}, regtest.Params, chain.ErrAuth,
			[]string{"refused the rpc user or password"}},
		{"wrong network", good, &chaincfg.TestNet3Params, chain.ErrWrongNetwork,
			[]string{"is on regtest, not testnet3"}},
		{"missing cookie", chain.Config{Host: good.Host, CookieFile: t.TempDir() + "/.cookie"}, regtest.Params, chain.ErrAuth,
			[]string{"cookie"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A refusal comes back at once, not after retrying until the
			// deadline; the bound is loose because CI machines are loaded.
			const deadline = 60 * time.Second
			ctx, cancel := context.WithTimeout(t.Context(), deadline)
			defer cancel()
			start := time.Now()
			c, err := chain.Dial(ctx, tc.cfg, tc.net)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				c.Close()
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Dial: %v, want %v", err, tc.want)
			}
			for _, s := range tc.texts {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if d := time.Since(start); d > deadline/2 {
				t.Errorf("failing took %v; errors must come back promptly", d)
			}
		})
	}
}

// TestNodeDownAndBack stops answering mid-use and comes back: calls fail
// with ErrUnreachable while the node is down, and the same client works
// again once it is back, with the chain intact.
func TestNodeDownAndBack(t *testing.T) {
	integration(t)
	ctx := t.Context()
	n := regtest.StartT(t)
	c := dial(t, n)
	if _, err := n.Mine(ctx, 12); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Blocks(ctx, 0, 12); err != nil {
		t.Fatal(err)
	}
	// The client now holds kept-alive connections to the old process.
	if err := n.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	blocks, err := c.Blocks(ctx, 0, 12)
	if err != nil || len(blocks) != 13 {
		t.Fatalf("Blocks after restart: %d, %v", len(blocks), err)
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"Tip":    func() error { _, _, err := c.Tip(ctx); return err },
		"Blocks": func() error { _, err := c.Blocks(ctx, 0, 12); return err },
		"Ping":   func() error { return c.Ping(ctx) },
	} {
		t.Run(name, func(t *testing.T) {
			if err := call(); !errors.Is(err, chain.ErrUnreachable) {
				t.Errorf("%s on a stopped node: %v, want ErrUnreachable", name, err)
			}
		})
	}
}
