package chain_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/rpcclient"

	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/internal/regtest"
	"github.com/treasury-dev/treasury/internal/scan"
)

// Shape of the benchmark chain.
const (
	benchTxBlocks    = 1900 // blocks carrying funding transactions, after 101 to mature coins
	benchTxsPerBlock = 3
	benchWatched     = 2000 // scripts in the watch set
	benchFetchRange  = 500  // blocks per Blocks call, as sync asks for them
)

func p2wpkh(tag string, i int) []byte {
	h := sha256.Sum256(fmt.Appendf(nil, "%s %d", tag, i))
	return append([]byte{0x00, 0x14}, h[:20]...)
}

// buildBenchChain mines 2,001 blocks on a fresh node; 1,900 of them carry
// three funding transactions each, and every transaction pays one of the
// watched scripts and two others.
func buildBenchChain(b *testing.B, n *regtest.Node) (tip int32) {
	ctx := context.Background()
	start := time.Now()
	if _, err := n.Mine(ctx, 101); err != nil {
		b.Fatal(err)
	}
	k := 0
	for range benchTxBlocks {
		for range benchTxsPerBlock {
			outs := []regtest.Output{
				{PkScript: p2wpkh("watched", k%benchWatched), Amount: 10_000},
				{PkScript: p2wpkh("other", k), Amount: 20_000},
				{PkScript: p2wpkh("other", k+1), Amount: 30_000},
			}
			if _, err := n.FundMany(ctx, outs); err != nil {
				b.Fatal(err)
			}
			k++
		}
		if _, err := n.Mine(ctx, 1); err != nil {
			b.Fatal(err)
		}
	}
	tip, _, err := n.Chain().Tip(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d blocks with %d funding transactions in %v", tip, k, time.Since(start).Round(time.Millisecond))
	return tip
}

// BenchmarkSync measures reading a regtest chain of 2,001 blocks carrying
// 5,700 transactions: raw fetch over RPC, and fetch plus matching against
// 2,000 watched scripts, for the first 1,000 and for all 2,000 blocks.
func BenchmarkSync(b *testing.B) {
	integration(b)
	n, err := regtest.Start(context.Background(), regtest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = n.Stop() })
	tip := buildBenchChain(b, n)
	c, err := chain.Dial(context.Background(), n.RPC(), regtest.Params)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)

	watch := scan.NewWatch()
	for i := range benchWatched {
		watch.AddScript(p2wpkh("watched", i), scan.Ref{Index: uint32(i)})
	}

	// Fetch alone and fetch plus scan alternate inside one loop, so load
	// from other processes on the machine hits both alike.
	for _, blocks := range []int32{1000, 2000} {
		if blocks > tip {
			b.Fatalf("chain has %d blocks, want %d", tip, blocks)
		}
		b.Run(fmt.Sprintf("blocks=%d", blocks), func(b *testing.B) {
			var fetchOnly, fetchScan, scanOnly time.Duration
			var found int
			for b.Loop() {
				t0 := time.Now()
				fetch(b, c, blocks, nil, nil)
				t1 := time.Now()
				found = fetch(b, c, blocks, watch, &scanOnly)
				fetchScan += time.Since(t1)
				fetchOnly += t1.Sub(t0)
			}
			per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) / float64(blocks) }
			b.ReportMetric(per(fetchOnly), "fetch-ns/block")
			b.ReportMetric(per(fetchScan), "fetch+scan-ns/block")
			b.ReportMetric(per(scanOnly), "scan-ns/block")
			b.ReportMetric(100*float64(scanOnly)/float64(fetchOnly), "scan-%-of-fetch")
			b.ReportMetric(float64(found), "found/op")
		})
	}
	for _, f := range []struct{ batch, workers int }{{1, 1}, {50, 1}, {200, 1}, {50, 2}, {200, 2}} {
		b.Run(fmt.Sprintf("tuning/batch=%d/workers=%d", f.batch, f.workers), func(b *testing.B) {
			chain.SetFetch(c, f.batch, f.workers)
			defer chain.SetFetch(c, 50, 2)
			for b.Loop() {
				fetch(b, c, 2000, nil, nil)
			}
			perBlock(b, 2000)
		})
	}
	b.Run("rpcclient-batch/blocks=2000", func(b *testing.B) {
		cfg := n.RPC()
		rc, err := rpcclient.NewBatch(&rpcclient.ConnConfig{Host: cfg.Host, User: cfg.User, Pass: cfg.Pass, HTTPPostMode: true, DisableTLS: true})
		if err != nil {
			b.Fatal(err)
		}
		defer rc.Shutdown()
		for b.Loop() {
			rpcclientFetch(b, rc, 2000)
		}
		perBlock(b, 2000)
	})
}

// fetch reads blocks 1..upto in ranges, scanning them against watch when it
// is not nil (adding the time spent scanning to scanTime), and returns the
// number of outputs found.
func fetch(b *testing.B, c *chain.Client, upto int32, watch *scan.Watch, scanTime *time.Duration) int {
	found := 0
	for from := int32(1); from <= upto; from += benchFetchRange {
		blocks, err := c.Blocks(context.Background(), from, min(upto, from+benchFetchRange-1))
		if err != nil {
			b.Fatal(err)
		}
		if watch == nil {
			continue
		}
		t0 := time.Now()
		for _, blk := range blocks {
			r := scan.Block(blk.Msg, watch)
			watch.Apply(r)
			found += len(r.Found)
		}
		*scanTime += time.Since(t0)
	}
	return found
}

// rpcclientFetch does what fetch does without scanning, through btcd's
// rpcclient in batch mode, 50 blocks per batch.
func rpcclientFetch(b *testing.B, rc *rpcclient.Client, upto int32) {
	for from := int32(1); from <= upto; from += 50 {
		to := min(upto, from+49)
		var hashFut []rpcclient.FutureGetBlockHashResult
		for h := from; h <= to; h++ {
			hashFut = append(hashFut, rc.GetBlockHashAsync(int64(h)))
		}
		if err := rc.Send(); err != nil {
			b.Fatal(err)
		}
		var blockFut []rpcclient.FutureGetBlockResult
		for _, f := range hashFut {
			h, err := f.Receive()
			if err != nil {
				b.Fatal(err)
			}
			blockFut = append(blockFut, rc.GetBlockAsync(h))
		}
		if err := rc.Send(); err != nil {
			b.Fatal(err)
		}
		var prev chainhash.Hash
		for _, f := range blockFut {
			blk, err := f.Receive()
			if err != nil {
				b.Fatal(err)
			}
			prev = blk.Header.PrevBlock
		}
		_ = prev
	}
}

func perBlock(b *testing.B, blocks int32) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(blocks), "ns/block")
}
