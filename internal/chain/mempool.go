package chain

import (
	"bytes"
	"context"
	"fmt"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// mempoolBatch is how many transactions one batched request fetches.
const mempoolBatch = 500

// Mempool returns the transactions in the node's mempool, unless it holds
// more than limit of them: then it returns only their count, and ok is
// false (a mainnet mempool is too large to read on every sync). A
// transaction that leaves the mempool between the listing and the fetch is
// skipped.
func (c *Client) Mempool(ctx context.Context, limit int) (txs []*wire.MsgTx, count int, ok bool, err error) {
	var ids []string
	if err := c.rpc.call(ctx, "getrawmempool", &ids, false); err != nil {
		return nil, 0, false, err
	}
	if len(ids) > limit {
		return nil, len(ids), false, nil
	}
	for lo := 0; lo < len(ids); lo += mempoolBatch {
		hi := min(lo+mempoolBatch, len(ids))
		reqs := make([]request, 0, hi-lo)
		for _, id := range ids[lo:hi] {
			reqs = append(reqs, c.rpc.newRequest("getrawtransaction", id, 0))
		}
		resps, err := c.rpc.batch(ctx, reqs)
		if err != nil {
			return nil, 0, false, err
		}
		for i, resp := range resps {
			tx, err := decodeMempoolTx(ids[lo+i], resp)
			if err != nil {
				return nil, 0, false, err
			}
			if tx != nil {
				txs = append(txs, tx)
			}
		}
	}
	return txs, len(ids), true, nil
}

// decodeMempoolTx parses one getrawtransaction reply; nil when the node no
// longer has the transaction.
func decodeMempoolTx(id string, resp response) (*wire.MsgTx, error) {
	if resp.Error != nil {
		return nil, nil
	}
	raw, err := hexResult("getrawtransaction", resp)
	if err != nil {
		return nil, err
	}
	tx := new(wire.MsgTx)
	if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("getrawtransaction %s: malformed transaction: %w", id, err)
	}
	want, err := chainhash.NewHashFromStr(id)
	if err != nil || tx.TxHash() != *want {
		return nil, fmt.Errorf("getrawtransaction %s: the node returned another transaction", id)
	}
	return tx, nil
}
