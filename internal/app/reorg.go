package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// DefaultMaxReorgDepth is how many of our synced blocks a reorganization
// may undo before sync refuses: deeper, the node was more likely reset or
// swapped for another than the chain reorganized.
const DefaultMaxReorgDepth = 100

// ErrForeignChain means the node's chain does not contain our synced
// blocks as far back as a reorganization may reach: a reset node, a node
// of another chain, or one still syncing a fork.
var ErrForeignChain = errors.New("the node's chain does not contain the blocks treasury synced")

// This file tells the three ways a node's chain can disagree with our
// cursor apart: the node is behind (its tip is one of our blocks), the
// chain reorganized (a fork within the bound: undo our blocks above it),
// or the node is not the chain we synced (refuse, change nothing).

// nodeBehind reports whether the node's tip is a block of ours below our
// cursor: a node that lags. Sync then changes nothing and waits. A tip
// below the first block we recorded (a vault's birthday) cannot be
// compared; it is treated as behind too, since waiting changes nothing and
// once the node passes our cursor the fork search judges its chain.
func (a *App) nodeBehind(ctx context.Context, st *syncState, tip int32, tipHash chainhash.Hash) (bool, error) {
	if tip >= st.cursor {
		return false, nil
	}
	var stored string
	err := a.Store.View(ctx, func(tx Tx) error {
		var err error
		stored, err = tx.BlockHashAt(tip)
		return err
	})
	switch {
	case isNotFound(err):
	case err != nil:
		return false, err
	case stored != tipHash.String():
		return false, nil
	}
	st.res.Behind = true
	st.res.From, st.res.To = st.cursor+1, st.cursor
	return true, nil
}

// undoReorg finds the last stored block the node still has and rolls back
// everything above it. A fork deeper than the bound is refused unless the
// request allows it: nothing is changed then.
func (a *App) undoReorg(ctx context.Context, c Chain, st *syncState, tip int32, req SyncRequest) error {
	fork, err := a.findFork(ctx, c, st, tip, req)
	if err != nil || fork == st.cursor {
		return err
	}
	err = a.Store.Update(ctx, func(tx Tx) error {
		if err := tx.RollbackAbove(fork); err != nil {
			return err
		}
		return a.audit(tx, "sync.reorg", map[string]any{"fork_height": fork, "old_cursor": st.cursor, "node_tip": tip, "deep_allowed": req.AllowDeepReorg})
	})
	if err != nil {
		return err
	}
	a.events().Notice("reorg", fmt.Sprintf("the chain reorganized below height %d; undid blocks %d..%d and rescanning", st.cursor, fork+1, st.cursor))
	st.res.ReorgFrom = fork
	fresh, err := a.loadSyncState(ctx, st.res)
	if err != nil {
		return err
	}
	*st = *fresh
	return nil
}

// findFork returns the highest height at which our stored block is the
// node's. It looks no deeper than the bound unless deep reorganizations
// are allowed; when none of the blocks we recorded is the node's, it
// refuses too (a reset node mines its own blocks from genesis), and only
// with deep reorganizations allowed returns -1: rescan from the birthdays.
func (a *App) findFork(ctx context.Context, c Chain, st *syncState, tip int32, req SyncRequest) (int32, error) {
	bound := req.MaxReorgDepth
	if bound <= 0 {
		bound = DefaultMaxReorgDepth
	}
	for fork := min(st.cursor, tip); fork >= 0; fork-- {
		if !req.AllowDeepReorg && st.cursor-fork > bound {
			return 0, a.foreignChain(st.cursor, tip, bound)
		}
		var stored string
		err := a.Store.View(ctx, func(tx Tx) error {
			var err error
			stored, err = tx.BlockHashAt(fork)
			return err
		})
		if isNotFound(err) {
			// None of the blocks we recorded (fork+1 up to the cursor) is
			// the node's: a fresh or other chain, not a reorganization we
			// can measure. Rescan from the birthdays only when told to.
			if !req.AllowDeepReorg && fork < min(st.cursor, tip) {
				return 0, a.noCommonBlock(st.cursor, tip, fork+1)
			}
			return -1, nil
		}
		if err != nil {
			return 0, err
		}
		h, err := c.BlockHash(ctx, fork)
		if err != nil {
			return 0, err
		}
		if h.String() == stored {
			return fork, nil
		}
	}
	return -1, nil
}

func (a *App) noCommonBlock(cursor, tip, lowest int32) error {
	return &Error{Kind: ErrForeignChain, Err: fmt.Errorf(
		"the node's chain (tip %d) contains none of the blocks treasury synced (heights %d to %d): the node was reset or is another node; nothing was changed",
		tip, lowest, cursor)}
}

func (a *App) foreignChain(cursor, tip int32, bound int32) error {
	return &Error{Kind: ErrForeignChain, Err: fmt.Errorf(
		"the node's chain (tip %d) does not contain the block treasury synced at height %d, nor any of the %d blocks below it: the node was reset or is another node; nothing was changed",
		tip, cursor, bound)}
}

// rewind undoes what blocks from height from on recorded, so the scan
// that follows records them again with the current watch set (a rescan).
// Outputs recorded before are remembered so that finding them again is
// neither counted nor flagged as a late deposit.
func (a *App) rewind(ctx context.Context, st *syncState, from int32) error {
	if from < 0 {
		from = st.earliestBirthday()
	}
	if st.cursor < 0 || from > st.cursor {
		if st.cursor >= 0 {
			return errorf(ErrInvalid, "height %d is above the last synced block %d: there is nothing to rescan", from, st.cursor)
		}
		return nil // never synced: the scan starts at the birthdays anyway
	}
	known := map[wire.OutPoint]bool{}
	err := a.Store.Update(ctx, func(tx Tx) error {
		us, err := tx.UTXOs(UTXOFilter{})
		if err != nil {
			return err
		}
		for _, u := range us {
			known[u.OutPoint] = true
		}
		if err := tx.RollbackAbove(from - 1); err != nil {
			return err
		}
		// A generation read from the UTXO set has its whole history
		// scanned by a rescan from its birthday.
		for _, g := range st.gens {
			if g.gen.UTXOSetAt > 0 && from <= g.gen.Birthday {
				if err := tx.SetUTXOSetAt(g.gen.ID, 0); err != nil {
					return err
				}
			}
		}
		return a.audit(tx, "sync.rescan", map[string]any{"from_height": from, "old_cursor": st.cursor})
	})
	if err != nil {
		return err
	}
	st.res.RescanFrom = from
	fresh, err := a.loadSyncState(ctx, st.res)
	if err != nil {
		return err
	}
	*st = *fresh
	st.known = known
	return nil
}
