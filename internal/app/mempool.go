package app

import (
	"context"
	"fmt"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/scan"
)

// MaxMempoolScan is the largest mempool sync reads: a test network's or a
// quiet node's. A mainnet mempool is larger; deposits then show once they
// confirm.
const MaxMempoolScan = 5000

// scanMempool records deposits still waiting in the node's mempool as
// unconfirmed outputs, and forgets unconfirmed outputs that left it
// without confirming (dropped or replaced). Outputs of our own broadcast
// transactions are kept while the node has the transaction (or its send is
// in flight). Our outputs spent by someone else's mempool transaction stop
// counting at once, and a live proposal holding one is reported conflicted.
func (a *App) scanMempool(ctx context.Context, c Chain, st *syncState) error {
	txs, count, ok, err := c.Mempool(ctx, MaxMempoolScan)
	if err != nil {
		return err
	}
	var inPool map[string]bool
	var byID map[chainhash.Hash]*wire.MsgTx
	if ok {
		inPool = make(map[string]bool, len(txs))
		byID = make(map[chainhash.Hash]*wire.MsgTx, len(txs))
		for _, t := range txs {
			h := t.TxHash()
			inPool[h.String()], byID[h] = true, t
		}
	} else {
		a.events().Notice("mempool", fmt.Sprintf("the node's mempool holds %d transactions, more than the %d sync reads; deposits will show once they confirm", count, MaxMempoolScan))
		if inPool, err = a.askMembership(ctx, c); err != nil {
			return err
		}
	}
	if st.fates, err = a.pendingFates(ctx, c, inPool); err != nil {
		return err
	}
	return a.Store.Update(ctx, func(tx Tx) error {
		added, err := a.recordMempoolFound(tx, st, txs)
		if err != nil {
			return err
		}
		undone, err := a.settleFates(tx, st, inPool)
		if err != nil {
			return err
		}
		spent := 0
		if ok { // without the listing, no spend can be judged gone
			res := scan.Transactions(txs, st.watch)
			if spent, err = a.recordMempoolSpends(tx, st, res.Spent, byID); err != nil {
				return err
			}
		}
		gone, err := a.forgetGone(tx, inPool)
		if err != nil {
			return err
		}
		failed, err := a.failOrphans(tx)
		if err != nil || added == 0 && gone == 0 && spent == 0 && undone == 0 && failed == 0 {
			return err
		}
		return a.audit(tx, "sync.mempool", map[string]any{"unconfirmed_found": added, "unconfirmed_gone": gone, "spent_in_mempool": spent, "own_undone": undone, "proposals_failed": failed})
	})
}

// recordMempoolFound records outputs paying us in the mempool's
// transactions as unconfirmed, growing the watch set as a block does.
func (a *App) recordMempoolFound(tx Tx, st *syncState, txs []*wire.MsgTx) (int, error) {
	res := scan.Transactions(txs, st.watch)
	for grew := true; grew; {
		var err error
		if grew, err = a.extendForFound(tx, st, res.Found); err != nil {
			return 0, err
		}
		if grew {
			res = scan.Transactions(txs, st.watch)
		}
	}
	added := 0
	for _, f := range res.Found {
		u, err := utxoOf(f, 0, "")
		if err != nil {
			return 0, err
		}
		ok, err := tx.PutUnconfirmed(u)
		if err != nil {
			return 0, err
		}
		if ok {
			added++
			if err := a.noteUsed(tx, st, f, u); err != nil {
				return 0, err
			}
		}
	}
	return added, nil
}

// askMembership asks the node, one getmempoolentry each, whether it holds
// the transactions sync must judge when it cannot read the whole mempool:
// those that created our unconfirmed outputs, and our broadcast ones.
func (a *App) askMembership(ctx context.Context, c Chain) (map[string]bool, error) {
	want := map[string]bool{}
	err := a.Store.View(ctx, func(tx Tx) error {
		us, err := tx.UTXOs(UTXOFilter{})
		if err != nil {
			return err
		}
		for _, u := range us {
			if u.Height == 0 {
				want[u.OutPoint.Hash.String()] = true
			}
		}
		ps, err := tx.Proposals(0)
		for _, p := range ps {
			if p.State == Broadcast && p.TxID != "" {
				want[p.TxID] = true
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	in := make(map[string]bool, len(want))
	for id := range want {
		h, err := chainhash.NewHashFromStr(id)
		if err != nil {
			return nil, err
		}
		if in[id], err = c.InMempool(ctx, *h); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// recordMempoolSpends marks our outputs spent by mempool transactions as
// spent (so they stop counting at once), undoes such spends whose
// transaction left the mempool, and reports live proposals holding an
// output a foreign transaction spends as conflicted.
func (a *App) recordMempoolSpends(tx Tx, st *syncState, spends []scan.Spent, byID map[chainhash.Hash]*wire.MsgTx) (int, error) {
	ours, err := a.ourTxIDs(tx)
	if err != nil {
		return 0, err
	}
	var all []UTXO
	if len(spends) > 0 {
		if all, err = tx.UTXOs(UTXOFilter{}); err != nil {
			return 0, err
		}
	}
	spentBy := make(map[wire.OutPoint]string, len(all))
	for _, u := range all {
		spentBy[u.OutPoint] = u.SpentBy
	}
	n := 0
	for _, s := range spends {
		spender := s.SpendingTx.String()
		// One of our proposals, finalized and sent by someone else (a
		// holder with the signed files, after a cancel here): it is
		// broadcast now, and its generations rotate at once, as when a
		// block holds it. Otherwise the spent generation stays cold and
		// hands out addresses until the transaction confirms.
		if err := a.adoptSentElsewhere(tx, byID[s.SpendingTx], spender); err != nil {
			return 0, err
		}
		if by, known := spentBy[s.OutPoint]; known && by != spender {
			if err := tx.SpendUTXO(s.OutPoint, spender, 0); err != nil {
				return 0, err
			}
			n++
		}
		if err := a.reportConflict(tx, st, s.OutPoint, byID[s.SpendingTx]); err != nil {
			return 0, err
		}
	}
	undone, err := a.undoForeignSpends(tx, byID, ours)
	return n + undone, err
}

// reportConflict notes a live proposal whose input op a mempool
// transaction other than its own spends (someone else's, or another
// proposal's signed earlier and sent by someone else). It stays as it is:
// if that transaction confirms, sync marks the proposal failed (or
// replaced); if it leaves the mempool, the input is free again.
func (a *App) reportConflict(tx Tx, st *syncState, op wire.OutPoint, spenderTx *wire.MsgTx) error {
	id, err := tx.Reservation(op)
	if err != nil || id == "" || spenderTx == nil {
		return err
	}
	p, err := tx.Proposal(id)
	spender := spenderTx.TxHash().String()
	if err != nil || !p.State.Live() || p.TxID == spender || unsignedID(spenderTx) == p.ID {
		return err
	}
	if n, err := supersededBy(tx, p.ID); err != nil || n != nil && n.TxID == spender {
		return err // a fee bump of it: its replacement, not a conflict
	}
	st.res.Conflicted = appendOnce(st.res.Conflicted, p.ID)
	a.events().Notice("conflicted", fmt.Sprintf("input %s of proposal %s is spent by mempool transaction %s, which is not this proposal's; if it confirms the proposal fails", op, shortID(p.ID), spender))
	return nil
}

// undoForeignSpends makes our outputs unspent again when the foreign
// mempool transaction that spent them is no longer in the mempool.
func (a *App) undoForeignSpends(tx Tx, inPool map[chainhash.Hash]*wire.MsgTx, ours map[string]bool) (int, error) {
	all, err := tx.UTXOs(UTXOFilter{SpendPending: true})
	if err != nil {
		return 0, err
	}
	undone := map[string]bool{}
	for _, u := range all {
		if ours[u.SpentBy] || undone[u.SpentBy] {
			continue
		}
		h, err := chainhash.NewHashFromStr(u.SpentBy)
		if err != nil {
			return 0, err
		}
		if inPool[*h] != nil {
			continue
		}
		if err := tx.UndoTx(u.SpentBy); err != nil {
			return 0, err
		}
		undone[u.SpentBy] = true
	}
	return len(undone), nil
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// forgetGone deletes unconfirmed outputs that are neither in the mempool
// nor created by one of our own pending transactions (those are settled by
// their fate). A reserved one was a deposit a reorganization took away, or
// one that left the mempool: failOrphans then fails its proposal.
func (a *App) forgetGone(tx Tx, inPool map[string]bool) (int, error) {
	ours, err := a.ourTxIDs(tx)
	if err != nil {
		return 0, err
	}
	all, err := tx.UTXOs(UTXOFilter{Unspent: true, Unconfirmed: true})
	if err != nil {
		return 0, err
	}
	gone := 0
	for _, u := range all {
		id := u.OutPoint.Hash.String()
		if inPool[id] || ours[id] {
			continue
		}
		if err := tx.DeleteUTXO(u.OutPoint); err != nil {
			return 0, err
		}
		gone++
	}
	return gone, nil
}
