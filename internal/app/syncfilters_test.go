package app_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/internal/regtest"
	"github.com/treasury-dev/treasury/vault"
)

// twinSync keeps two databases of the same vault on one node: a syncs by
// compact block filters (btcd serves BIP-158 filters), b scans full blocks.
type twinSync struct {
	t     *testing.T
	a, b  *fixture
	batch int // blocks per batch (0: the default)
}

func newTwinSync(t *testing.T) *twinSync {
	a := newFixture(t)
	b := newFixtureOn(t, a.node)
	b.holders = a.holders
	cold, standby := a.keys(0, "alice", "bob", "carol"), a.keys(1, "alice", "bob", "carol")
	a.createVault("ops", 2, cold, standby)
	b.createVault("ops", 2, cold, standby)
	return &twinSync{t: t, a: a, b: b}
}

// sync brings both up to the node's tip and checks the books agree.
func (w *twinSync) sync() (fa, fb *app.SyncResult) {
	w.t.Helper()
	fa, err := w.a.app.Sync(w.a.ctx, app.SyncRequest{BatchSize: w.batch})
	if err != nil {
		w.t.Fatalf("filter sync: %v", err)
	}
	fb, err = w.b.app.Sync(w.b.ctx, app.SyncRequest{NoFilters: true, BatchSize: w.batch})
	if err != nil {
		w.t.Fatalf("full sync: %v", err)
	}
	if fa.BlocksScanned > 0 && !fa.Filters || fb.Filters {
		w.t.Fatalf("filters used: %v and %v; want true and false", fa.Filters, fb.Filters)
	}
	if fa.BlocksScanned != fb.BlocksScanned || fa.Found != fb.Found || fa.Spent != fb.Spent {
		w.t.Fatalf("filter sync scanned %d, found %d, spent %d; full sync %d, %d, %d",
			fa.BlocksScanned, fa.Found, fa.Spent, fb.BlocksScanned, fb.Found, fb.Spent)
	}
	if ga, gb := w.books(w.a), w.books(w.b); ga != gb {
		w.t.Fatalf("books differ:\nfilters:\n%s\nfull blocks:\n%s", ga, gb)
	}
	return fa, fb
}

// books lists every output (spent or not) and every generation's balance.
func (w *twinSync) books(f *fixture) string {
	w.t.Helper()
	rows, err := f.app.ListUTXOs(f.ctx, app.UTXOsRequest{Vault: "ops", All: true})
	if err != nil {
		w.t.Fatal(err)
	}
	var lines []string
	for _, r := range rows {
		lines = append(lines, fmt.Sprintf("%s %d h=%d chain=%d idx=%d spent=%s@%d",
			r.OutPoint, r.Value, r.Height, r.Chain, r.Index, r.SpentBy, r.SpentHeight))
	}
	slices.Sort(lines)
	bal, err := f.app.Balance(f.ctx, app.BalanceRequest{Vault: "ops"})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, g := range bal.Generations {
		lines = append(lines, fmt.Sprintf("gen %d: confirmed %d unconfirmed %d immature %d late %d",
			g.Generation, g.Confirmed, g.Unconfirmed, g.Immature, g.Late))
	}
	return strings.Join(lines, "\n")
}

// TestFilterSyncMatchesFullScan: syncing by filters gives the same books
// as scanning every block, over deposits on both chains across the gap
// (a deposit to a script watched only after an earlier block of the same
// batch moved the gap), a spend, a reorg across a matched block and a
// deposit in the mempool; and it fetches only the blocks that matter.
func TestFilterSyncMatchesFullScan(t *testing.T) {
	w := newTwinSync(t)
	f := w.a
	f.mine(30) // blocks that touch nothing
	// As TestSyncAcrossTheGapBothChains: the window is watched whole, the
	// gap counts past its end, win+61 is beyond every gap. The change
	// chain keeps room in the window for the spend below.
	const win = vault.MaxAddressIndex
	pays := []struct {
		change bool
		idx    uint32
		amt    btcutil.Amount
	}{
		{false, 0, 1_000_000}, {false, win, 2_000_000}, {false, win + 16, 3_000_000}, {false, win + 20, 4_000_000},
		{false, win + 26, 5_000_000}, {true, 0, 6_000_000}, {true, win - 10, 7_000_000}, {false, win + 61, 8_000_000},
	}
	for _, p := range pays {
		if _, err := f.node.FundAddress(f.ctx, f.addressAt("ops", p.change, p.idx), p.amt); err != nil {
			t.Fatal(err)
		}
		f.mine(1)
		f.mine(5) // and some empty blocks between
	}
	fa, fb := w.sync()
	if fa.Found != 7 || f.balance("ops", 0) != 28_000_000 {
		t.Fatalf("found %d, balance %d; want 7 outputs, 28000000", fa.Found, f.balance("ops", 0))
	}
	// The deposits' blocks are the ones a filter lets through, and a few
	// false positives: each watched script (about 4,000 here: the whole
	// window of two generations) matches a filter it is not in with
	// probability 1/784,931, so a block is fetched in vain about once in
	// 200; allowing 4 keeps a spurious failure below one run in 500.
	if most := len(pays) + 4; fa.BlocksFetched > most || fb.BlocksFetched != fb.BlocksScanned {
		t.Fatalf("fetched %d of %d blocks by filters (want at most %d), %d of %d in full",
			fa.BlocksFetched, fa.BlocksScanned, most, fb.BlocksFetched, fb.BlocksScanned)
	}
	if fa.FiltersChecked < fa.BlocksScanned {
		t.Fatalf("checked %d filters for %d blocks", fa.FiltersChecked, fa.BlocksScanned)
	}

	// A spend of ours, seen by the twin that did not make it.
	res, err := f.app.Propose(f.ctx, f.payRequest(1_500_000))
	if err != nil {
		t.Fatal(err)
	}
	f.registerAll("ops")
	f.send(res.Proposal.ID, f.sign(f.psbtOf(res), "alice", "bob"))
	f.mine(1)
	f.mine(10)
	fa, _ = w.sync()
	if fa.BlocksFetched < 1 || fa.BlocksFetched > 3 {
		t.Fatalf("fetched %d of 11 blocks for the spend; want its block (and at most a false positive or two)", fa.BlocksFetched)
	}

	// A reorg across a matched block.
	tx := f.deposit("ops", 9_000_000)
	hashes, err := f.node.Mine(f.ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	f.mine(2)
	w.sync()
	if err := f.node.Chain().Call(f.ctx, "invalidateblock", nil, hashes[0].String()); err != nil {
		t.Fatal(err)
	}
	mineWithout(t, f, tx.TxHash(), 4)
	fa, fb = w.sync()
	if fa.ReorgFrom < 0 || fb.ReorgFrom < 0 {
		t.Fatalf("reorg not undone: %d, %d", fa.ReorgFrom, fb.ReorgFrom)
	}
	if _, err := f.node.Chain().Broadcast(f.ctx, tx); err != nil && !errors.Is(err, chain.ErrAlreadyKnown) {
		t.Fatal(err)
	}
	// Now in the mempool: both see it as unconfirmed.
	w.sync()
	f.mine(1)
	w.sync()
	for _, x := range []*fixture{w.a, w.b} {
		if _, err := x.app.AuditVerify(x.ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// notices records the notices of a sync.
type notices struct {
	app.NopEvents
	kinds []string
}

func (n *notices) Notice(kind, _ string) { n.kinds = append(n.kinds, kind) }

// TestSyncWithoutFiltersSaysSoOnce: a node without filters (btcd
// --nocfilters, as Bitcoin Core without -blockfilterindex) is scanned block
// by block, with one notice per sync however many batches it takes, and
// the deposit is found all the same.
func TestSyncWithoutFiltersSaysSoOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("regtest")
	}
	f := newFixtureOn(t, regtest.StartTWith(t, regtest.Options{ExtraArgs: []string{"--nocfilters"}}))
	f.createVault("ops", 2, f.keys(0, "alice", "bob", "carol"), nil)
	f.mine(5)
	f.deposit("ops", 1_000_000)
	f.mine(5)
	ev := &notices{}
	f.app.Events = ev
	res, err := f.app.Sync(f.ctx, app.SyncRequest{BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Filters || res.BlocksFetched != res.BlocksScanned || res.Found != 1 {
		t.Fatalf("filters %v, fetched %d of %d, found %d", res.Filters, res.BlocksFetched, res.BlocksScanned, res.Found)
	}
	if n := slices.Index(ev.kinds, "no-filters"); n < 0 || slices.Contains(ev.kinds[n+1:], "no-filters") {
		t.Fatalf("notices %v; want exactly one no-filters", ev.kinds)
	}
}

// TestFilterSyncBusyStretch: where the vault receives in block after block,
// sync fetches whole batches (testing filters would only add work), and
// goes back to filters once the chain is quiet again; the books still
// equal a full scan's, across small batches whose deposits move the gap.
func TestFilterSyncBusyStretch(t *testing.T) {
	w := newTwinSync(t)
	w.batch = 5
	f := w.a
	f.mine(3)
	for i := range uint32(15) {
		if _, err := f.node.FundAddress(f.ctx, f.addressAt("ops", false, i*2), btcutil.Amount(100_000+int(i))); err != nil {
			t.Fatal(err)
		}
		f.mine(1)
	}
	f.mine(40)
	if _, err := f.node.FundAddress(f.ctx, f.addressAt("ops", true, 3), 777_777); err != nil {
		t.Fatal(err)
	}
	f.mine(1)
	f.mine(9)
	fa, _ := w.sync()
	if fa.Found != 16 {
		t.Fatalf("found %d outputs; want 16", fa.Found)
	}
	// Busy: at least the 15 paying blocks fetched; quiet: most of the 50
	// blocks after them not.
	if fa.BlocksFetched < 15 || fa.BlocksFetched > fa.BlocksScanned-35 {
		t.Fatalf("fetched %d of %d blocks", fa.BlocksFetched, fa.BlocksScanned)
	}
}

// filtersUpTo is a node whose filter index reaches only height upTo, as
// Bitcoin Core's does while -blockfilterindex is still being built.
type filtersUpTo struct {
	app.Chain
	upTo int32
}

func (c filtersUpTo) BlockFilters(ctx context.Context, from, to int32) ([]app.FilteredBlock, error) {
	if to > c.upTo {
		return nil, fmt.Errorf("%w: filter of block %d not found, the index is still being built", app.ErrNoFilters, c.upTo+1)
	}
	return c.Chain.(app.FilterChain).BlockFilters(ctx, from, to)
}

// TestFilterSyncIndexStillBuilding: a node whose filter index stops short
// of the tip is scanned by filters as far as they go and by full blocks
// after, saying so once; the deposits on both sides are found, as a full
// scan finds them, instead of the sync failing.
func TestFilterSyncIndexStillBuilding(t *testing.T) {
	w := newTwinSync(t)
	w.batch = 10
	f := w.a
	f.mine(20)
	f.deposit("ops", 1_000_000)
	f.mine(1)
	tip, _, err := f.node.Chain().Tip(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	dial := f.app.Chain
	f.app.Chain = func(ctx context.Context) (app.Chain, error) {
		c, err := dial(ctx)
		return filtersUpTo{Chain: c, upTo: tip + 3}, err
	}
	f.mine(10)
	f.deposit("ops", 2_000_000)
	f.mine(10)
	ev := &notices{}
	f.app.Events = ev
	fa, fb := w.sync()
	if fa.Found != 2 || fb.Found != 2 {
		t.Fatalf("found %d by filters, %d in full; want both deposits", fa.Found, fb.Found)
	}
	if fa.FiltersChecked == 0 || fa.BlocksFetched >= fb.BlocksFetched {
		t.Fatalf("checked %d filters and fetched %d of %d blocks; want filters up to the index, full blocks after",
			fa.FiltersChecked, fa.BlocksFetched, fb.BlocksFetched)
	}
	if n := slices.Index(ev.kinds, "no-filters"); n < 0 || slices.Contains(ev.kinds[n+1:], "no-filters") {
		t.Fatalf("notices %v; want exactly one no-filters", ev.kinds)
	}
}
