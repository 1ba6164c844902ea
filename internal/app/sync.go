package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/scan"
	"github.com/treasury-dev/treasury/vault"
)

// DefaultSyncBatch is how many blocks sync fetches per request batch and
// records per database transaction.
const DefaultSyncBatch = 200

// SyncRequest asks to bring the database up to the node's tip.
type SyncRequest struct {
	BatchSize int // 0: DefaultSyncBatch
	// NoFilters scans every block whole even when the node serves
	// compact block filters.
	NoFilters bool
	// MaxReorgDepth bounds how many of our blocks a reorganization may
	// undo (0: DefaultMaxReorgDepth); deeper, sync refuses.
	MaxReorgDepth int32
	// AllowDeepReorg undoes a reorganization of any depth.
	AllowDeepReorg bool
	// Rescan scans again, with every vault's current gap, from RescanFrom
	// (below 0: the earliest birthday), finding deposits to addresses the
	// watch set did not hold when those blocks were first scanned.
	Rescan     bool
	RescanFrom int32
}

// SyncResult says what a sync did.
type SyncResult struct {
	From, To  int32 // blocks scanned (From > To when already up to date)
	Tip       int32
	Found     int   // outputs paying to us
	Spent     int   // our outputs spent
	ReorgFrom int32 // the fork height when a reorg was undone; -1 otherwise
	Late      []UTXO
	Confirmed []string // proposals whose transaction confirmed
	Dropped   []string // broadcast proposals the node no longer has

	// BlocksScanned counts the blocks brought under the cursor;
	// BlocksFetched those fetched whole (all of them without filters);
	// FiltersChecked the basic filters tested (0 without filters).
	BlocksScanned, BlocksFetched, FiltersChecked int
	Filters                                      bool // scanned by filters
	Elapsed                                      time.Duration
	// Conflicted: live proposals with an input spent by someone else's
	// mempool transaction.
	Conflicted []string
	// Behind: the node's tip is one of our blocks below our cursor (it
	// lags, say after a restart without peers). Nothing was changed.
	Behind bool
	Cursor int32 // our last synced height
	// RescanFrom is where a rescan began (-1: none).
	RescanFrom int32
}

func (a *App) chain(ctx context.Context) (Chain, error) {
	if a.Chain == nil {
		return nil, errorf(ErrNoNode, "no node is configured for this data directory")
	}
	return a.Chain(ctx)
}

// syncState is what sync keeps in memory while it scans.
type syncState struct {
	watch   *scan.Watch
	gens    map[int64]*genWatch
	cursor  int32
	hash    string
	res     *SyncResult
	started time.Time
	filter  *filterScan            // set while scanning by filters
	touched int                    // blocks of the last batch that touched the watch set
	fates   map[string]fate        // what the node said of our pending transactions, by proposal
	known   map[wire.OutPoint]bool // outputs recorded before a rescan
}

// genWatch tracks how far each chain of a generation is derived.
type genWatch struct {
	gen     Generation
	gap     uint32 // its vault's address gap
	desc    *vault.Descriptor
	watched [2]uint32 // indexes below this are in the watch set
	// ahead holds scripts derived past watched[chain] but not watched yet
	// (ahead[chain][0] is at index watched[chain]), pending the next
	// chunk being derived on another goroutine, and chunk that chunk's
	// size. The gap grows one deposit at a time; a chain that keeps growing
	// gets its scripts derived ahead, in chunks that double up to
	// maxDeriveChunk, while sync records blocks (and each chunk is cheaper
	// per script, see vault.DeriveRange). Only the gap decides what is
	// watched.
	ahead   [2][]*vault.Derived
	pending [2]chan derivedChunk
	chunk   [2]int
}

type derivedChunk struct {
	dvs []*vault.Derived
	err error
}

// maxDeriveChunk bounds the scripts sync derives ahead of the gap at once.
const maxDeriveChunk = 256

// watchTo moves the watched end of chain to want and returns the scripts
// that come into the watch set, taking them from those derived ahead, and
// deriving what is missing now.
func (gw *genWatch) watchTo(net vault.Network, chain, want uint32) ([]*vault.Derived, error) {
	need := int(want - gw.watched[chain])
	if len(gw.ahead[chain]) < need && gw.pending[chain] != nil {
		r := <-gw.pending[chain]
		gw.pending[chain] = nil
		if r.err == nil { // else deriving again below reports it
			gw.ahead[chain] = append(gw.ahead[chain], r.dvs...)
		}
	}
	if have := len(gw.ahead[chain]); have < need {
		more, err := deriveFrom(gw.desc, net, chain, gw.watched[chain]+uint32(have), need-have)
		if err != nil {
			return nil, err
		}
		gw.ahead[chain] = append(gw.ahead[chain], more...)
	}
	if len(gw.ahead[chain]) < need {
		return nil, fmt.Errorf("generation %d: chain %d cannot grow past index %d", gw.gen.Number, chain, hdkeychain.HardenedKeyStart-1)
	}
	out := gw.ahead[chain][:need:need]
	gw.ahead[chain] = gw.ahead[chain][need:]
	gw.watched[chain] = want
	gw.deriveAhead(net, chain)
	return out, nil
}

// deriveAhead starts deriving the next chunk of chain on another
// goroutine when fewer than half a chunk are left: the first a gap's
// worth, each next one twice the last.
func (gw *genWatch) deriveAhead(net vault.Network, chain uint32) {
	if gw.chunk[chain] == 0 {
		gw.chunk[chain] = int(min(gw.gap, maxDeriveChunk))
	}
	if gw.pending[chain] != nil || len(gw.ahead[chain]) >= gw.chunk[chain]/2 {
		return
	}
	from, count := gw.watched[chain]+uint32(len(gw.ahead[chain])), gw.chunk[chain]
	gw.chunk[chain] = min(2*count, maxDeriveChunk)
	done := make(chan derivedChunk, 1)
	gw.pending[chain] = done
	go func() {
		dvs, err := deriveFrom(gw.desc, net, chain, from, count)
		done <- derivedChunk{dvs, err}
	}()
}

// deriveFrom derives count scripts of chain from index from, fewer where
// the range would reach the hardened indexes.
func deriveFrom(d *vault.Descriptor, net vault.Network, chain, from uint32, count int) ([]*vault.Derived, error) {
	n := min(uint64(count), uint64(hdkeychain.HardenedKeyStart)-min(uint64(from), uint64(hdkeychain.HardenedKeyStart)))
	return d.DeriveRange(net, chain, from, uint32(n))
}

// Sync scans blocks from the cursor (or the earliest birthday) to the node's
// tip, recording outputs paying to any generation's scripts and spends of
// our outputs. It undoes orphaned blocks first when the node's chain no
// longer contains the cursor. Each batch of blocks commits in one
// transaction with the cursor, so a killed sync resumes where it stopped.
func (a *App) Sync(ctx context.Context, req SyncRequest) (*SyncResult, error) {
	if req.BatchSize <= 0 {
		req.BatchSize = DefaultSyncBatch
	}
	c, err := a.chain(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.ensureWindow(ctx); err != nil {
		return nil, err
	}
	res := &SyncResult{ReorgFrom: -1, RescanFrom: -1}
	began := time.Now()
	for attempt := 0; ; attempt++ {
		err := a.syncOnce(ctx, c, &req, res)
		if errors.Is(err, ErrReorg) && attempt < 3 {
			continue
		}
		res.BlocksScanned = max(0, int(res.To-res.From+1))
		res.Elapsed = time.Since(began)
		return res, err
	}
}

func (a *App) syncOnce(ctx context.Context, c Chain, req *SyncRequest, res *SyncResult) error {
	tip, tipHash, err := c.Tip(ctx)
	if err != nil {
		return err
	}
	res.Tip = tip
	st, err := a.loadSyncState(ctx, res)
	if err != nil {
		return err
	}
	res.Cursor = st.cursor
	if st.cursor >= 0 {
		behind, err := a.nodeBehind(ctx, st, tip, tipHash)
		if err != nil || behind {
			return err
		}
		if err := a.undoReorg(ctx, c, st, tip, *req); err != nil {
			return err
		}
	}
	if req.Rescan {
		if err := a.rewind(ctx, st, req.RescanFrom); err != nil {
			return err
		}
		req.Rescan = false // once, even if a reorg makes sync start over
	}
	start := st.cursor + 1
	if st.cursor < 0 {
		start = st.scanStart()
	}
	if res.From == 0 || start < res.From {
		res.From = start
	}
	res.To = start - 1
	st.started = time.Now()
	if err := a.scanBlocks(ctx, c, *req, st, start, tip); err != nil {
		return err
	}
	res.Cursor = st.cursor
	if err := a.scanMempool(ctx, c, st); err != nil {
		return err
	}
	if err := a.retireEmpty(ctx); err != nil {
		return err
	}
	return a.checkPending(ctx, c, st)
}

// scanBlocks brings the cursor from start to tip: by compact block filters
// when the node serves them (and the caller did not ask otherwise), else
// by fetching every block.
func (a *App) scanBlocks(ctx context.Context, c Chain, req SyncRequest, st *syncState, start, tip int32) error {
	if fc, ok := a.useFilters(ctx, c, req, start, tip); ok {
		st.res.Filters = true
		return a.scanFiltered(ctx, c, fc, st, start, tip, int32(req.BatchSize))
	}
	fetchCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	for b := range fetchBatches(fetchCtx, c, start, tip, int32(req.BatchSize)) {
		if b.err != nil {
			return b.err
		}
		if err := a.recordBatch(ctx, st, b.blocks); err != nil {
			return err
		}
		st.res.BlocksFetched += len(b.blocks)
		st.res.To = b.to
		a.progress(st, start, b.to, tip)
	}
	return nil
}

type fetched struct {
	blocks []Block
	to     int32
	err    error
}

// fetchBatches fetches the blocks from..tip in batches on its own
// goroutine, one batch ahead of the caller, so that the node's I/O overlaps
// with matching and recording. The channel closes after the last batch or
// the first error; cancelling ctx stops it.
func fetchBatches(ctx context.Context, c Chain, from, tip, size int32) <-chan fetched {
	out := make(chan fetched, 1)
	go func() {
		defer close(out)
		for ; from <= tip; from += size {
			to := min(from+size-1, tip)
			blocks, err := c.Blocks(ctx, from, to)
			select {
			case out <- fetched{blocks: blocks, to: to, err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return out
}

func (a *App) progress(st *syncState, start, at, tip int32) {
	done, total := at-start+1, tip-start+1
	p := SyncProgress{Height: at, Tip: tip, Done: done, Total: total}
	if secs := time.Since(st.started).Seconds(); secs > 0 {
		p.BlocksPerSec = float64(done) / secs
		if p.BlocksPerSec > 0 {
			p.ETASeconds = int64(float64(total-done) / p.BlocksPerSec)
		}
	}
	a.events().SyncProgress(p)
}

// loadSyncState reads the cursor, the generations and the watch set.
func (a *App) loadSyncState(ctx context.Context, res *SyncResult) (*syncState, error) {
	st := &syncState{watch: scan.NewWatch(), gens: map[int64]*genWatch{}, res: res}
	err := a.Store.View(ctx, func(tx Tx) error {
		var err error
		if st.cursor, st.hash, err = tx.Cursor(); err != nil {
			return err
		}
		gens, err := tx.AllGenerations()
		if err != nil {
			return err
		}
		vs, err := tx.Vaults()
		if err != nil {
			return err
		}
		gaps := map[int64]uint32{}
		for _, v := range vs {
			gaps[v.ID] = v.GapOf()
		}
		for _, g := range gens {
			d, err := vault.ParseDescriptor(g.Descriptor)
			if err != nil {
				return fmt.Errorf("generation %d: %w", g.Number, err)
			}
			st.gens[g.ID] = &genWatch{gen: g, desc: d, gap: max(gaps[g.VaultID], 1)}
		}
		scripts, err := tx.Scripts(0)
		if err != nil {
			return err
		}
		for _, s := range scripts {
			st.watch.AddScript(s.PkScript, scan.Ref{Generation: s.GenerationID, Chain: s.Chain, Index: s.Index})
			if gw := st.gens[s.GenerationID]; gw != nil && s.Index+1 > gw.watched[s.Chain] {
				gw.watched[s.Chain] = s.Index + 1
			}
		}
		utxos, err := tx.UTXOs(UTXOFilter{Live: true})
		if err != nil {
			return err
		}
		for _, u := range utxos {
			st.watch.AddOutPoint(u.OutPoint)
		}
		return nil
	})
	return st, err
}

// scanStart is where a first sync starts: the earliest birthday, except
// that a generation whose outputs were read from the node's UTXO set needs
// no block at or below that snapshot.
func (st *syncState) scanStart() int32 {
	start := int32(-1)
	for _, g := range st.gens {
		from := g.gen.Birthday
		if g.gen.UTXOSetAt > 0 {
			from = max(from, g.gen.UTXOSetAt+1)
		}
		if start < 0 || from < start {
			start = from
		}
	}
	return max(start, 0)
}

func (st *syncState) earliestBirthday() int32 {
	start := int32(-1)
	for _, g := range st.gens {
		if start < 0 || g.gen.Birthday < start {
			start = g.gen.Birthday
		}
	}
	return max(start, 0)
}

// recordBatch matches and records one batch of blocks in one transaction.
func (a *App) recordBatch(ctx context.Context, st *syncState, blocks []Block) error {
	return a.Store.Update(ctx, func(tx Tx) error {
		found, spent := st.res.Found, st.res.Spent
		for _, b := range blocks {
			if st.hash != "" && b.Msg.Header.PrevBlock.String() != st.hash {
				return ErrReorg
			}
			if refetch, err := st.mustRefetch(b); err != nil {
				return err
			} else if refetch {
				break // commit what came before; sync fetches b whole
			}
			if err := a.recordBlock(tx, st, b); err != nil {
				return err
			}
			if err := tx.PutBlock(b.Height, b.Hash.String()); err != nil {
				return err
			}
			st.cursor, st.hash = b.Height, b.Hash.String()
		}
		if st.res.Found == found && st.res.Spent == spent || len(blocks) == 0 {
			return nil
		}
		return a.audit(tx, "sync", map[string]any{"from_height": blocks[0].Height, "to_height": st.cursor,
			"outputs_found": st.res.Found - found, "outputs_spent": st.res.Spent - spent})
	})
}

func (a *App) recordBlock(tx Tx, st *syncState, b Block) error {
	res := scan.Block(b.Msg, st.watch)
	if !res.Empty() {
		st.touched++
	}
	// A deposit near the end of the watched range extends it; outputs of
	// this same block to the new scripts must then be found too.
	for grew := true; grew; {
		var err error
		if grew, err = a.extendForFound(tx, st, res.Found); err != nil {
			return err
		}
		if grew {
			res = scan.Block(b.Msg, st.watch)
		}
	}
	for _, f := range res.Found {
		if err := a.recordFound(tx, st, b, f); err != nil {
			return err
		}
	}
	confirmed := map[string]bool{}
	spenders := spendersOf(b.Msg, res.Spent)
	for _, s := range res.Spent {
		txid := s.SpendingTx.String()
		if err := a.adoptSentElsewhere(tx, spenders[s.SpendingTx], txid); err != nil {
			return err
		}
		if err := a.checkReplaced(tx, s.OutPoint, txid); err != nil {
			return err
		}
		if err := tx.SpendUTXO(s.OutPoint, txid, b.Height); err != nil {
			return err
		}
		st.res.Spent++
		if confirmed[txid] {
			continue
		}
		confirmed[txid] = true
		id, err := tx.ConfirmTx(txid, b.Height, a.now())
		if err != nil {
			return err
		}
		if id != "" {
			if err := a.audit(tx, "proposal.confirmed", map[string]any{"proposal": id, "txid": txid, "height": b.Height}); err != nil {
				return err
			}
			if err := a.settleReplacements(tx, id); err != nil {
				return err
			}
			st.res.Confirmed = append(st.res.Confirmed, id)
		}
	}
	st.watch.Apply(res)
	return nil
}

// extendForFound keeps the vault's gap of unused scripts past every used
// one.
func (a *App) extendForFound(tx Tx, st *syncState, found []scan.Found) (bool, error) {
	grew := false
	for _, f := range found {
		gw := st.gens[f.Ref.Generation]
		if gw == nil {
			continue
		}
		want := f.Ref.Index + 1 + gw.gap
		if want <= gw.watched[f.Ref.Chain] {
			continue
		}
		dvs, err := gw.watchTo(a.Net, f.Ref.Chain, want)
		if err != nil {
			return false, err
		}
		ss := make([]Script, len(dvs))
		for i, dv := range dvs {
			ref := scan.Ref{Generation: gw.gen.ID, Chain: f.Ref.Chain, Index: dv.Index}
			st.watch.AddScript(dv.PkScript, ref)
			ss[i] = Script{PkScript: dv.PkScript, GenerationID: gw.gen.ID, Chain: f.Ref.Chain, Index: dv.Index}
		}
		if err := tx.InsertScripts(ss); err != nil {
			return false, err
		}
		grew = true
	}
	return grew, nil
}

func (a *App) recordFound(tx Tx, st *syncState, b Block, f scan.Found) error {
	u, err := utxoOf(f, b.Height, b.Hash.String())
	if err != nil {
		return err
	}
	if err := tx.PutUTXO(u); err != nil {
		return err
	}
	return a.noteUsed(tx, st, f, u)
}

// utxoOf is the record of a found output at height (0: unconfirmed).
func utxoOf(f scan.Found, height int32, blockHash string) (*UTXO, error) {
	var raw bytes.Buffer
	if err := f.Tx.Serialize(&raw); err != nil {
		return nil, err
	}
	return &UTXO{OutPoint: f.OutPoint, Value: amount(f.Value), PkScript: append([]byte(nil), f.PkScript...),
		GenerationID: f.Ref.Generation, Chain: f.Ref.Chain, Index: f.Ref.Index, Height: height,
		BlockHash: blockHash, Coinbase: f.Coinbase, PrevTx: raw.Bytes()}, nil
}

// noteUsed marks a found output's script used, moves the next fresh index
// past it, and flags a deposit into a generation that has already signed.
func (a *App) noteUsed(tx Tx, st *syncState, f scan.Found, u *UTXO) error {
	if err := tx.MarkScriptUsed(f.PkScript); err != nil {
		return err
	}
	if err := tx.SetNextIndex(f.Ref.Generation, f.Ref.Chain, f.Ref.Index+1); err != nil {
		return err
	}
	if st.known[f.OutPoint] {
		return nil // a rescan found it again
	}
	st.res.Found++
	if gw := st.gens[f.Ref.Generation]; gw != nil && (gw.gen.State == Hot || gw.gen.State == Retired) && !st.isOurChange(f) {
		st.res.Late = append(st.res.Late, *u)
		a.events().Notice("late-deposit", fmt.Sprintf("%s arrived at %s generation %d (%s); sweep it with treasury rotate", formatBTC(u.Value), gw.gen.State, gw.gen.Number, f.OutPoint))
	}
	return nil
}

// isOurChange reports whether f was created by a transaction spending our
// own outputs: change or a hot float, not a deposit from outside.
func (st *syncState) isOurChange(f scan.Found) bool {
	for _, in := range f.Tx.TxIn {
		if st.watch.HasOutPoint(in.PreviousOutPoint) {
			return true
		}
	}
	return false
}
