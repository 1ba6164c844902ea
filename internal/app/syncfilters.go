package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/scan"
)

// ErrNoFilters means the node serves no BIP-158 basic block filters (Bitcoin
// Core without -blockfilterindex=1, btcd with --nocfilters).
var ErrNoFilters = errors.New("the node serves no compact block filters")

// FilteredBlock is a main-chain block known by its header and its BIP-158
// basic filter, without its transactions.
type FilteredBlock struct {
	Height int32
	Hash   chainhash.Hash
	Header wire.BlockHeader
	Filter []byte
}

// FilterChain is a Chain that can serve basic block filters. Sync uses it,
// when the node has filters, to fetch only the blocks that may touch the
// watch set. A Chain without it is scanned block by block.
type FilterChain interface {
	// BlockFilters returns the headers and filters of the blocks from..to
	// inclusive, in order, each header extending the one before (ErrReorg
	// otherwise); ErrNoFilters when the node has none.
	BlockFilters(ctx context.Context, from, to int32) ([]FilteredBlock, error)
}

// filterScan is what a filtered batch leaves for recordBatch: the filters
// of the blocks that were not fetched, and how many scripts the watch held
// when they were tested. A block recorded after the watch grew past that
// (a deposit moved the gap) is tested again, and sync fetches it whole if
// it now matches, so a deposit to a newly watched script in a later block
// of the same batch is never skipped.
type filterScan struct {
	unfetched map[int32]FilteredBlock
	tested    int
	extra     [][]byte // scripts of our outputs that the watch does not hold
	// resumeAt is set by recordBatch when it stopped before a block that
	// must now be fetched whole; 0 when the batch was recorded to its end.
	resumeAt int32
	// fetched keeps the whole blocks of a batch that stopped early, and
	// all its filters, so the batch that resumes it fetches neither again.
	fetched map[int32]Block
	all     map[int32]FilteredBlock
}

// useFilters reports whether this sync scans by filters, saying once when
// the node has none.
func (a *App) useFilters(ctx context.Context, c Chain, req SyncRequest, start, tip int32) (FilterChain, bool) {
	fc, ok := c.(FilterChain)
	if req.NoFilters || !ok || start > tip {
		return nil, false
	}
	if _, err := fc.BlockFilters(ctx, start, start); errors.Is(err, ErrNoFilters) {
		a.events().Notice("no-filters", "the node serves no compact block filters (Bitcoin Core: -blockfilterindex=1); scanning full blocks")
		return nil, false
	} else if err != nil {
		// Not a refusal: let the full scan meet the same error, or not.
		return nil, false
	}
	return fc, true
}

// scanFiltered brings the cursor from start to tip by filters: for each
// batch it tests every block's filter against the watch set, fetches only
// the blocks that match, and records the batch (the unfetched blocks by
// their headers, so the reorg-safe cursor and block hashes are kept as in
// a full scan). It returns when the cursor reaches tip.
//
// Where the vault is busy (more than a quarter of a batch's filters match)
// fetching the whole batch in one request is cheaper than fetching runs of
// it, and testing filters is pure overhead: such a batch is fetched whole,
// and so is the next, until a fetched batch shows that fewer than one block
// in eight touches the vault again.
func (a *App) scanFiltered(ctx context.Context, c Chain, fc FilterChain, st *syncState, start, tip, size int32) error {
	extra, err := a.unwatchedOutputScripts(ctx, st)
	if err != nil {
		return err
	}
	st.filter = &filterScan{extra: extra}
	defer func() { st.filter = nil }()
	var (
		dense bool
		whole bool            // the node has no filters for the rest: fetch it whole
		kept  []FilteredBlock // filters of a batch that stopped early, from its stop on
		ahead <-chan fetched  // the next whole batch, fetched while recording
		// aheadFrom is where the batch fetched ahead starts.
		aheadFrom int32
		// The next batch's filters, fetched while this one is tested and
		// recorded, and where they start.
		filtersAhead     <-chan filtersFetched
		filtersAheadFrom int32
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends a fetch ahead that is no longer wanted
	for from := start; from <= tip; {
		to := min(from+size-1, tip)
		// The filters kept from a batch that stopped early serve only
		// to resume it where it stopped: never for blocks recorded since.
		if len(kept) == 0 || kept[0].Height != from {
			kept = nil
		}
		var blocks []Block
		switch {
		case dense:
			if len(kept) > 0 {
				// Finish the batch that stopped early; the batch after
				// it may be on its way already.
				to = kept[len(kept)-1].Height
			}
			kept = nil
			if ahead != nil && aheadFrom == from {
				got := <-ahead
				ahead = nil
				if got.err != nil {
					return got.err
				}
				blocks, to = got.blocks, got.to
			}
			if blocks == nil {
				if blocks, err = c.Blocks(ctx, from, to); err != nil {
					return err
				}
			}
			if ahead == nil && to < tip {
				ahead, aheadFrom = fetchAhead(ctx, c, to+1, min(to+size, tip)), to+1
			}
			st.res.BlocksFetched += len(blocks)
			st.filter.unfetched = nil
		default:
			fs := kept
			if len(fs) == 0 {
				if filtersAhead != nil && filtersAheadFrom == from {
					got := <-filtersAhead
					fs, err = got.filters, got.err
				} else {
					fs, err = fc.BlockFilters(ctx, from, to)
				}
				filtersAhead = nil
				if errors.Is(err, ErrNoFilters) {
					// Bitcoin Core's filter index stops short of these
					// blocks (it is still being built): scan the rest whole.
					a.events().Notice("no-filters", fmt.Sprintf("the node has no compact block filters for blocks %d to %d yet (its filter index is still being built); scanning full blocks from block %d", from, to, from))
					dense, whole = true, true
					continue
				} else if err != nil {
					return err
				}
				st.res.FiltersChecked += len(fs)
			}
			kept = nil
			var matched int
			if blocks, matched, err = a.fetchMatched(ctx, c, st, fs); err != nil {
				return err
			}
			// The blocks not fetched in this batch keep their filters
			// (a deposit recorded before them may make them match);
			// the next batch is fetched whole.
			dense = 4*matched > len(fs)
			last := fs[len(fs)-1].Height
			switch {
			case last >= tip:
			case dense && ahead == nil:
				// The next batch is fetched whole: start now, while
				// this one is recorded.
				ahead, aheadFrom = fetchAhead(ctx, c, last+1, min(last+size, tip)), last+1
			case !dense && filtersAhead == nil:
				// Likewise the next batch's filters.
				filtersAhead, filtersAheadFrom = fetchFiltersAhead(ctx, fc, last+1, min(last+size, tip)), last+1
			}
		}
		st.filter.resumeAt, st.touched = 0, 0
		if err := a.recordBatch(ctx, st, blocks); err != nil {
			return err
		}
		if dense && !whole && 8*st.touched < len(blocks) && st.filter.resumeAt == 0 {
			dense, ahead = false, nil // the batch fetched ahead goes unused
		}
		if r := st.filter.resumeAt; r != 0 {
			kept = st.filter.remaining(r)
			from = r
		} else {
			from = blocks[len(blocks)-1].Height + 1
		}
		st.res.To = st.cursor
		a.progress(st, start, st.cursor, tip)
	}
	return nil
}

// fetchAhead fetches the blocks from..to on its own goroutine.
func fetchAhead(ctx context.Context, c Chain, from, to int32) <-chan fetched {
	out := make(chan fetched, 1)
	go func() {
		blocks, err := c.Blocks(ctx, from, to)
		out <- fetched{blocks: blocks, to: to, err: err}
	}()
	return out
}

type filtersFetched struct {
	filters []FilteredBlock
	err     error
}

// fetchFiltersAhead fetches the filters of blocks from..to on its own
// goroutine.
func fetchFiltersAhead(ctx context.Context, fc FilterChain, from, to int32) <-chan filtersFetched {
	out := make(chan filtersFetched, 1)
	go func() {
		fs, err := fc.BlockFilters(ctx, from, to)
		out <- filtersFetched{filters: fs, err: err}
	}()
	return out
}

// remaining returns the filters of the unrecorded blocks from height r on,
// in order, when every one of them is known; nil otherwise.
func (f *filterScan) remaining(r int32) []FilteredBlock {
	var out []FilteredBlock
	for h := r; ; h++ {
		fb, ok := f.all[h]
		if !ok {
			return out
		}
		out = append(out, fb)
	}
}

// fetchMatched returns the batch as blocks: whole blocks (fetched in runs
// of consecutive heights) where the filter matches, headers alone where it
// does not.
func (a *App) fetchMatched(ctx context.Context, c Chain, st *syncState, fs []FilteredBlock) ([]Block, int, error) {
	f := st.filter
	f.unfetched = make(map[int32]FilteredBlock, len(fs))
	f.all = make(map[int32]FilteredBlock, len(fs))
	for _, fb := range fs {
		f.all[fb.Height] = fb
	}
	matchedCount := 0
	f.tested = len(st.watch.Scripts())
	blocks := make([]Block, len(fs))
	matched := make([]bool, len(fs))
	for i := range fs {
		ok, err := scan.MatchFilter(fs[i].Hash, fs[i].Filter, st.watch, f.extra)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			matchedCount++
		}
		if b, kept := f.fetched[fs[i].Height]; ok && kept && b.Hash == fs[i].Hash {
			blocks[i] = b
			continue
		}
		matched[i] = ok
		if !ok {
			blocks[i] = Block{Height: fs[i].Height, Hash: fs[i].Hash, Msg: &wire.MsgBlock{Header: fs[i].Header}}
			f.unfetched[fs[i].Height] = fs[i]
		}
	}
	// Keep whole blocks fetched for this stretch until it is recorded: a
	// batch may stop early more than once (each deposit that moves the
	// gap), and each resume needs them again.
	if f.fetched == nil {
		f.fetched = make(map[int32]Block)
	}
	for h := range f.fetched {
		if len(fs) > 0 && h < fs[0].Height {
			delete(f.fetched, h)
		}
	}
	for i := 0; i < len(fs); {
		if !matched[i] {
			i++
			continue
		}
		j := i + 1
		for j < len(fs) && matched[j] {
			j++
		}
		full, err := c.Blocks(ctx, fs[i].Height, fs[j-1].Height)
		if err != nil {
			return nil, 0, err
		}
		for k, b := range full {
			if b.Hash != fs[i+k].Hash {
				return nil, 0, ErrReorg
			}
			blocks[i+k] = b
			f.fetched[b.Height] = b
		}
		st.res.BlocksFetched += len(full)
		i = j
	}
	return blocks, matchedCount, nil
}

// mustRefetch reports whether b, recorded by its header alone, must be
// fetched whole because the watch grew since its filter was tested and it
// now matches. recordBatch stops before such a block.
func (st *syncState) mustRefetch(b Block) (bool, error) {
	f := st.filter
	if f == nil {
		return false, nil
	}
	fb, ok := f.unfetched[b.Height]
	if !ok || len(st.watch.Scripts()) == f.tested {
		return false, nil
	}
	match, err := scan.MatchFilter(fb.Hash, fb.Filter, st.watch, f.extra)
	if err != nil || !match {
		return false, err
	}
	f.resumeAt = b.Height
	return true, nil
}

// unwatchedOutputScripts returns the scripts of our unspent outputs that
// the watch set does not hold. Outputs are found through watched scripts,
// so this is normally empty; testing them anyway means a spend of any
// output we hold is seen whatever put it in the books.
func (a *App) unwatchedOutputScripts(ctx context.Context, st *syncState) ([][]byte, error) {
	var extra [][]byte
	err := a.Store.View(ctx, func(tx Tx) error {
		utxos, err := tx.UTXOs(UTXOFilter{Live: true})
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, u := range utxos {
			if seen[string(u.PkScript)] {
				continue
			}
			if _, ok := st.watch.Script(u.PkScript); !ok {
				seen[string(u.PkScript)] = true
				extra = append(extra, u.PkScript)
			}
		}
		return nil
	})
	return extra, err
}
