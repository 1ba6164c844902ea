package app_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/btcutil/v2/gcs/builder"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/fakenode"
)

// filterNode serves BIP-158 basic filters for the fake node's blocks up to
// height upTo, and none beyond, as Bitcoin Core does while its filter index
// is still being built.
type filterNode struct {
	app.Chain
	upTo int32
}

func (n filterNode) BlockFilters(ctx context.Context, from, to int32) ([]app.FilteredBlock, error) {
	if to > n.upTo {
		return nil, fmt.Errorf("%w: none for block %d", app.ErrNoFilters, max(from, n.upTo+1))
	}
	all, err := n.Blocks(ctx, 0, to)
	if err != nil {
		return nil, err
	}
	scripts := map[wire.OutPoint][]byte{}
	var out []app.FilteredBlock
	for _, b := range all {
		var prev [][]byte
		for i, tx := range b.Msg.Transactions {
			if i > 0 {
				for _, in := range tx.TxIn {
					prev = append(prev, scripts[in.PreviousOutPoint])
				}
			}
			for k, o := range tx.TxOut {
				scripts[wire.OutPoint{Hash: tx.TxHash(), Index: uint32(k)}] = o.PkScript
			}
		}
		if b.Height < from {
			continue
		}
		f, err := builder.BuildBasicFilter(b.Msg, prev)
		if err != nil {
			return nil, err
		}
		nb, _ := f.NBytes()
		out = append(out, app.FilteredBlock{Height: b.Height, Hash: b.Hash, Header: b.Msg.Header, Filter: nb})
	}
	return out, nil
}

// TestFilterSyncWhenTheIndexStopsShort: a node whose filter index has not
// reached the tip (Bitcoin Core building it after a restart) is scanned by
// filters as far as they go and block by block after, saying so once; the
// books equal a full scan's.
func TestFilterSyncWhenTheIndexStopsShort(t *testing.T) {
	f := newFakeFixture(t, fakenode.Btcd)
	f.createVaultAt("ops", 2, f.keys(0, "alice", "bob", "carol"), 0)
	var paid []int32
	for i := range 6 {
		f.fake.Mine(9)
		f.deposit("ops", btcutil.Amount(100_000*(1+i)))
		f.fake.Mine(1)
		paid = append(paid, f.fake.Height())
	}
	f.fake.Mine(5)
	upTo := paid[2] + 3
	dial := f.fake.Dialer()
	f.app.Chain = func(ctx context.Context) (app.Chain, error) {
		c, err := dial(ctx)
		return filterNode{Chain: c, upTo: upTo}, err
	}
	ev := &notices{}
	f.app.Events = ev
	// Batches of 9 hold at most one paying block (one in 10 pays), so a
	// filter false positive (each block has about one chance in 400 of
	// matching one of the window's 2,002 scripts by chance) cannot make a
	// batch look busy, which would fetch the next batch whole: with
	// batches of 7, one run in twenty-five did.
	res, err := f.app.Sync(f.ctx, app.SyncRequest{BatchSize: 9})
	if err != nil {
		t.Fatal(err)
	}
	if res.Found != 6 || f.balance("ops", 0) != 2_100_000 {
		t.Fatalf("found %d, balance %d; want 6 outputs, 2100000", res.Found, f.balance("ops", 0))
	}
	if n := countOf(ev.kinds, "no-filters"); n != 1 {
		t.Fatalf("%d no-filters notices (%v); want one", n, ev.kinds)
	}
	// Filters up to upTo: only the 3 paying blocks there are fetched (and
	// a false positive, or the rest of the batch the index stops in);
	// every block after is.
	after := int(f.fake.Height() - upTo)
	if !res.Filters || res.BlocksFetched < after || res.BlocksFetched > after+3+9+1 {
		t.Fatalf("fetched %d of %d blocks (filters %v); want about %d", res.BlocksFetched, res.BlocksScanned, res.Filters, after+3)
	}
}

func countOf(xs []string, x string) int {
	n := 0
	for i := slices.Index(xs, x); i >= 0; i = slices.Index(xs, x) {
		n++
		xs = xs[i+1:]
	}
	return n
}

// TestFilterSyncResumesABusyBatchWithoutReplaying: a batch whose filters
// show a busy vault, in which a deposit moves the gap onto a block whose
// filter did not match (so the batch stops there, to fetch it whole), then
// a quiet stretch. The filters kept for the stopped batch must not be
// replayed once the quiet stretch is scanned by filters again: that
// replayed blocks already recorded, which sync took for a reorganization
// and started over (three times at most, then failed).
func TestFilterSyncResumesABusyBatchWithoutReplaying(t *testing.T) {
	f := newFakeFixture(t, fakenode.Btcd)
	f.createVaultAt("ops", 2, f.keys(0, "alice", "bob", "carol"), 0)
	const w = 1000 // vault.MaxAddressIndex: the last index watched from the start
	f.fake.Mine(8)
	start := f.fake.Height() + 1
	// Batch of 8 from start: deposits to the window's last index in its
	// first three blocks (busy: 3 of 8 filters match), and in its sixth a
	// deposit to w+10, watched only once the first deposit moved the gap.
	for i := range 8 {
		switch {
		case i < 3:
			f.fakePay(f.addressAt("ops", false, w), btcutil.Amount(100_000+i))
		case i == 5:
			f.fakePay(f.addressAt("ops", false, w+10), 200_000)
		}
		f.fake.Mine(1)
	}
	f.fake.Mine(40) // quiet
	if got := f.fake.Height(); got < start+40 {
		t.Fatalf("height %d", got)
	}
	dial := f.fake.Dialer()
	f.app.Chain = func(ctx context.Context) (app.Chain, error) {
		c, err := dial(ctx)
		return filterNode{Chain: c, upTo: 1 << 30}, err
	}
	tips := f.fake.Calls("Tip")
	res, err := f.app.Sync(f.ctx, app.SyncRequest{BatchSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	if res.Found != 4 || f.balance("ops", 0) != 100_000+100_001+100_002+200_000 {
		t.Fatalf("found %d, balance %d", res.Found, f.balance("ops", 0))
	}
	if n := f.fake.Calls("Tip") - tips; n != 1 {
		t.Fatalf("sync started over %d times: a batch's kept filters were replayed", n-1)
	}
}
