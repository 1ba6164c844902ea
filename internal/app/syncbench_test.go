package app_test

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/internal/regtest"
	"github.com/treasury-dev/treasury/vault"
)

// BenchmarkAppSync measures a whole `treasury sync` from an empty database
// over a regtest chain of about 2,000 blocks carrying 5,700 transactions,
// 1,900 of which pay a vault: fetch, match, and record UTXOs and the
// cursor in SQLite. Each block pays two vaults once each:
//
//   - sync, sync-filters: vault "fresh", at a fresh index every block
//     (0..1,899, the chain of the issue-3 benchmark), so 900 deposits land
//     past the 0..1,000 window the coordinator hands out and each moves
//     the gap, deriving scripts during the sync;
//   - sync-window: vault "window", at the addresses the coordinator hands
//     out (0..1,000, then the same ones again), as a vault receiving in
//     most blocks does.
//
// BenchmarkAppSync/fetch is the raw cost of fetching the same blocks over
// RPC; every sync sub-benchmark also fetches the blocks raw right before
// each sync (untimed) and reports the ratio of the two as ×fetch, so
// that the ratio is not skewed by a machine whose speed drifts between
// sub-benchmarks.
func BenchmarkAppSync(b *testing.B) {
	node, specs, desc, setup := syncBenchVault(b)
	windowSpecs := setup.keys(1, "alice", "bob", "carol")
	setup.createVault("window", 2, windowSpecs, nil)
	d, _ := setup.app.ShowVault(setup.ctx, "window")
	windowDesc, _ := vault.ParseDescriptor(d.Generations[0].Descriptor)
	buildSyncChain(b, node, desc, windowDesc, setup.net)
	c, err := chain.Dial(context.Background(), node.RPC(), regtest.Params)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	tip, _, _ := c.Tip(context.Background())

	b.Run("fetch", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			fetchAll(b, c, tip)
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(tip+1), "µs/block")
	})
	b.Run("sync", func(b *testing.B) { benchSync(b, c, node, specs, true) })
	b.Run("sync-window", func(b *testing.B) { benchSync(b, c, node, windowSpecs, true) })
	b.Run("sync-filters", func(b *testing.B) { benchSync(b, c, node, specs, false) })
}

// fetchAll fetches blocks 0..tip as sync does, a batch at a time, and
// returns how long that took.
func fetchAll(b *testing.B, c *chain.Client, tip int32) time.Duration {
	start := time.Now()
	for from := int32(0); from <= tip; from += app.DefaultSyncBatch {
		if _, err := c.Blocks(context.Background(), from, min(from+app.DefaultSyncBatch-1, tip)); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}

// syncBenchVault starts a regtest node for a sync benchmark (skipped under
// -short) and creates vault ops on it: it returns the node, the vault's
// keys, its cold generation's descriptor and the fixture.
func syncBenchVault(b *testing.B) (*regtest.Node, []app.KeySpec, *vault.Descriptor, *fixture) {
	if testing.Short() {
		b.Skip("regtest")
	}
	node, err := regtest.Start(context.Background(), regtest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { node.Stop() })
	setup := newFixtureOn(b, node)
	specs := setup.keys(0, "alice", "bob", "carol")
	setup.createVault("ops", 2, specs, nil)
	d, _ := setup.app.ShowVault(setup.ctx, "ops")
	desc, _ := vault.ParseDescriptor(d.Generations[0].Descriptor)
	return node, specs, desc, setup
}

// benchSync times whole syncs from an empty database of a vault with the
// keys specs, with or without compact block filters, each beside a raw
// fetch of the same blocks.
func benchSync(b *testing.B, c *chain.Client, node *regtest.Node, specs []app.KeySpec, noFilters bool) {
	var tip int32
	var syncing, fetching time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f := newFixtureOn(b, node)
		f.createVaultAt("ops", 2, specs, 0)
		if i == 0 {
			tip, _, _ = c.Tip(context.Background())
		}
		fetching += fetchAll(b, c, tip)
		b.StartTimer()
		start := time.Now()
		res, err := f.app.Sync(f.ctx, app.SyncRequest{NoFilters: noFilters})
		syncing += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if res.Found < 1900 {
			b.Fatalf("found %d outputs", res.Found)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(tip+1), "µs/block")
	b.ReportMetric(float64(syncing)/float64(fetching), "×fetch")
}

// buildSyncChain mines 101 blocks, then 1,900 blocks of three funding
// transactions each: the first pays the vault of fresh's next receive
// address, the second the vault of window's receive address at the
// block's number modulo 1,001, the third elsewhere.
func buildSyncChain(b *testing.B, node *regtest.Node, fresh, window *vault.Descriptor, net vault.Network) {
	ctx := context.Background()
	start := time.Now()
	if _, err := node.Mine(ctx, 101); err != nil {
		b.Fatal(err)
	}
	other := []byte{0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	for blk := 0; blk < 1900; blk++ {
		for t := 0; t < 3; t++ {
			script := other
			var dv *vault.Derived
			var err error
			switch t {
			case 0:
				dv, err = fresh.Derive(net, 0, uint32(blk))
			case 1:
				dv, err = window.Derive(net, 0, uint32(blk)%(vault.MaxAddressIndex+1))
			}
			if err != nil {
				b.Fatal(err)
			}
			if dv != nil {
				script = dv.PkScript
			}
			if _, err := node.FundMany(ctx, []regtest.Output{{PkScript: script, Amount: 10_000}, {PkScript: other, Amount: 20_000}}); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := node.Mine(ctx, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("built 2,001 blocks with %d transactions in %v", 1900*3, time.Since(start).Round(time.Second))
}

// Shape of the filter benchmark's chain: blocks of about 70 kB (one
// transaction of 2,200 P2WPKH outputs each), the vault paid in three.
const (
	filterBenchBlocks  = 300
	filterBenchOutputs = 2200
)

// BenchmarkFilterSync measures a whole sync of 300 blocks of about 70 kB
// where the vault receives in 3 of them: by compact block filters against
// the full scan of the same chain, and the raw costs (fetching filters,
// fetching blocks) that project it to mainnet. Run with -benchtime 3x.
func BenchmarkFilterSync(b *testing.B) {
	node, specs, desc, setup := syncBenchVault(b)
	from, to := buildFilterChain(b, node, desc, setup.net)
	blocks := float64(to - from + 1)

	for _, mode := range []struct {
		name      string
		noFilters bool
	}{{"full", true}, {"filters", false}} {
		b.Run(mode.name, func(b *testing.B) {
			var fetched int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				f := newFixtureOn(b, node)
				f.createVaultAt("ops", 2, specs, from)
				b.StartTimer()
				res, err := f.app.Sync(f.ctx, app.SyncRequest{NoFilters: mode.noFilters})
				if err != nil {
					b.Fatal(err)
				}
				if res.Found != 3 {
					b.Fatalf("found %d outputs; want 3", res.Found)
				}
				fetched = res.BlocksFetched
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/blocks, "µs/block")
			b.ReportMetric(float64(fetched), "fetched")
		})
	}
	c, err := chain.Dial(context.Background(), node.RPC(), regtest.Params)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.Run("raw-blocks", func(b *testing.B) {
		var size int
		for i := 0; i < b.N; i++ {
			bs, err := c.Blocks(context.Background(), from, to)
			if err != nil {
				b.Fatal(err)
			}
			size = 0
			for _, x := range bs {
				size += x.Msg.SerializeSize()
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/blocks, "µs/block")
		b.ReportMetric(float64(size)/blocks, "B/block")
	})
	b.Run("raw-filters", func(b *testing.B) {
		var size int
		for i := 0; i < b.N; i++ {
			fs, err := c.BlockFilters(context.Background(), from, to)
			if err != nil {
				b.Fatal(err)
			}
			size = 0
			for _, x := range fs {
				size += len(x.Filter)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/blocks, "µs/block")
		b.ReportMetric(float64(size)/blocks, "B/filter")
	})
}

// buildFilterChain mines coins to spend, then 300 blocks each carrying one
// transaction of 2,200 outputs; in three of them one output pays the
// vault. It returns the first and last height of those 300 blocks.
func buildFilterChain(b *testing.B, node *regtest.Node, desc *vault.Descriptor, net vault.Network) (from, to int32) {
	ctx := context.Background()
	start := time.Now()
	if _, err := node.Mine(ctx, 101+filterBenchBlocks); err != nil {
		b.Fatal(err)
	}
	tip, _, err := node.Chain().Tip(ctx)
	if err != nil {
		b.Fatal(err)
	}
	from = tip + 1
	for blk := range filterBenchBlocks {
		outs := make([]regtest.Output, filterBenchOutputs)
		for i := range outs {
			var h [20]byte
			binary.BigEndian.PutUint32(h[:], uint32(blk))
			binary.BigEndian.PutUint32(h[4:], uint32(i))
			outs[i] = regtest.Output{PkScript: append([]byte{0x00, 0x14}, h[:]...), Amount: 1_000}
		}
		if blk%100 == 50 {
			dv, err := desc.Derive(net, 0, uint32(blk/100))
			if err != nil {
				b.Fatal(err)
			}
			outs[0] = regtest.Output{PkScript: dv.PkScript, Amount: 50_000}
		}
		if _, err := node.FundMany(ctx, outs); err != nil {
			b.Fatal(err)
		}
		if _, err := node.Mine(ctx, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("built %d blocks of %d outputs in %v", filterBenchBlocks, filterBenchOutputs, time.Since(start).Round(time.Second))
	return from, from + filterBenchBlocks - 1
}
