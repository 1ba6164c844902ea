package app

import (
	"context"
	"fmt"

	"github.com/treasury-dev/treasury/internal/scan"
)

// MaxMempoolScan is the largest mempool sync reads: a test network's or a
// quiet node's. A mainnet mempool is larger; deposits then show once they
// confirm.
const MaxMempoolScan = 5000

// scanMempool records deposits still waiting in the node's mempool as
// unconfirmed outputs, and forgets unconfirmed deposits that left it
// without confirming (dropped or replaced). Our own broadcast
// transactions' outputs are kept: they are tracked through their proposal.
func (a *App) scanMempool(ctx context.Context, c Chain, st *syncState) error {
	txs, count, ok, err := c.Mempool(ctx, MaxMempoolScan)
	if err != nil {
		return err
	}
	if !ok {
		a.events().Notice("mempool", fmt.Sprintf("the node's mempool holds %d transactions, more than the %d sync reads; deposits will show once they confirm", count, MaxMempoolScan))
		return nil
	}
	inPool := make(map[string]bool, len(txs))
	for _, t := range txs {
		inPool[t.TxHash().String()] = true
	}
	return a.Store.Update(ctx, func(tx Tx) error {
		res := scan.Transactions(txs, st.watch)
		for grew := true; grew; {
			var err error
			if grew, err = a.extendForFound(tx, st, res.Found); err != nil {
				return err
			}
			if grew {
				res = scan.Transactions(txs, st.watch)
			}
		}
		added := 0
		for _, f := range res.Found {
			u, err := utxoOf(f, 0, "")
			if err != nil {
				return err
			}
			ok, err := tx.PutUnconfirmed(u)
			if err != nil {
				return err
			}
			if ok {
				added++
				if err := a.noteUsed(tx, st, f, u); err != nil {
					return err
				}
			}
		}
		gone, err := a.forgetGone(tx, inPool)
		if err != nil || added == 0 && gone == 0 {
			return err
		}
		return a.audit(tx, "sync.mempool", map[string]any{"unconfirmed_found": added, "unconfirmed_gone": gone})
	})
}

// forgetGone deletes unconfirmed outputs that are neither in the mempool
// nor created by one of our own proposals.
func (a *App) forgetGone(tx Tx, inPool map[string]bool) (int, error) {
	ours, err := a.ourTxIDs(tx)
	if err != nil {
		return 0, err
	}
	all, err := tx.UTXOs(UTXOFilter{Unspent: true})
	if err != nil {
		return 0, err
	}
	gone := 0
	for _, u := range all {
		id := u.OutPoint.Hash.String()
		if u.Height != 0 || u.ReservedBy != "" || inPool[id] || ours[id] {
			continue
		}
		if err := tx.DeleteUTXO(u.OutPoint); err != nil {
			return 0, err
		}
		gone++
	}
	return gone, nil
}
