package chain_test

import (
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/internal/regtest"
	"github.com/treasury-dev/treasury/internal/scan"
)

// TestBlockFilters: btcd's getcfilter serves BIP-158 filters; BlockFilters
// returns each block's header and filter, linked and checked, and the
// filter of a block matches a script exactly when the block pays it.
func TestBlockFilters(t *testing.T) {
	integration(t)
	ctx := t.Context()
	n := regtest.StartT(t)
	c := dial(t, n)
	k := newTestKey(t)
	if _, err := n.Mine(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Fund(ctx, k.script, btcutil.Amount(100_000)); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Mine(ctx, 2); err != nil {
		t.Fatal(err)
	}
	tip, _, err := c.Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := c.BlockFilters(ctx, 1, tip)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != int(tip) {
		t.Fatalf("%d filters for blocks 1..%d", len(fs), tip)
	}
	blocks, err := c.Blocks(ctx, 1, tip)
	if err != nil {
		t.Fatal(err)
	}
	w := scan.NewWatch()
	w.AddScript(k.script, scan.Ref{})
	matched := 0
	for i, f := range fs {
		b := blocks[i]
		if f.Height != b.Height || f.Hash != b.Hash || f.Header != b.Msg.Header {
			t.Fatalf("filter %d: height/hash/header differ from the block's", i)
		}
		match, err := scan.MatchFilter(f.Hash, f.Filter, w, nil)
		if err != nil {
			t.Fatal(err)
		}
		if exact := !scan.Block(b.Msg, w).Empty(); match != exact {
			t.Errorf("block %d: filter says %v, the block says %v", f.Height, match, exact)
		}
		if match {
			matched++
		}
	}
	if matched != 1 {
		t.Fatalf("%d blocks matched; want the one that pays the script", matched)
	}
}

// TestNoBlockFilters: a node started without filters (btcd --nocfilters,
// like Bitcoin Core without -blockfilterindex) gives ErrNoFilters.
func TestNoBlockFilters(t *testing.T) {
	integration(t)
	n := regtest.StartTWith(t, regtest.Options{ExtraArgs: []string{"--nocfilters"}})
	c := dial(t, n)
	if _, err := n.Mine(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.BlockFilters(t.Context(), 0, 1); !errors.Is(err, chain.ErrNoFilters) {
		t.Fatalf("BlockFilters: %v; want ErrNoFilters", err)
	}
}
