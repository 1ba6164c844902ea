package chain

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
)

// Family is a mempool transaction together with every mempool transaction
// that spends from it, directly or not: what a replacement of it evicts
// and must pay for (BIP-125 rule 3).
type Family struct {
	Count int            // the transaction and its descendants
	Fees  btcutil.Amount // their fees together
	VSize int64          // their virtual sizes together
	// MaxDescendantRate is the highest fee rate (satoshis per 1000 vB)
	// among the descendants, where the node reports each of them (btcd,
	// which refuses a replacement paying a lower rate than any transaction
	// it evicts); 0 where the node reports only the sums (Bitcoin Core,
	// which compares the rate with the replaced transaction's alone).
	MaxDescendantRate btcutil.Amount
}

// Family returns the mempool family of txid; ok is false when the node's
// mempool does not hold txid. Bitcoin Core's getmempoolentry gives the sums
// (descendantcount, descendantsize and fees.descendant, in BTC); btcd has
// no getmempoolentry, and its verbose getrawmempool gives each
// transaction's fee, size and parents in the mempool, from which the
// descendants are found.
func (c *Client) Family(ctx context.Context, txid chainhash.Hash) (Family, bool, error) {
	var entry struct {
		Count *int   `json:"descendantcount"`
		Size  *int64 `json:"descendantsize"`
		Fees  struct {
			Descendant *json.Number `json:"descendant"`
		} `json:"fees"`
	}
	err := c.rpc.call(ctx, "getmempoolentry", &entry, txid.String())
	if code, msg, ok := rpcCode(err); ok {
		switch {
		case code == codeInvalidAddrOrKey: // "Transaction not in mempool"
			return Family{}, false, nil
		case unimplemented(code, msg):
			return c.familyFromListing(ctx, txid)
		}
	}
	if err != nil {
		return Family{}, false, err
	}
	if entry.Count == nil || entry.Size == nil || entry.Fees.Descendant == nil {
		return Family{}, false, fmt.Errorf("getmempoolentry: node at %s reports no descendant count, size or fees for %s", c.rpc.host, txid)
	}
	fees, err := btcToSat(*entry.Fees.Descendant)
	if err != nil || fees < 0 || *entry.Count < 1 || *entry.Size < 1 {
		return Family{}, false, fmt.Errorf("getmempoolentry: node at %s reports a malformed descendant count, size or fee for %s", c.rpc.host, txid)
	}
	return Family{Count: *entry.Count, Fees: fees, VSize: *entry.Size}, true, nil
}

// familyFromListing finds txid's descendants in the verbose mempool
// listing (btcd's getrawmempool true: fee in BTC, vsize, depends).
func (c *Client) familyFromListing(ctx context.Context, txid chainhash.Hash) (Family, bool, error) {
	var listing map[string]struct {
		Fee     json.Number `json:"fee"`
		VSize   int64       `json:"vsize"`
		Depends []string    `json:"depends"`
	}
	if err := c.rpc.call(ctx, "getrawmempool", &listing, true); err != nil {
		return Family{}, false, err
	}
	root := txid.String()
	if _, ok := listing[root]; !ok {
		return Family{}, false, nil
	}
	children := map[string][]string{}
	for id, e := range listing {
		for _, parent := range e.Depends {
			children[parent] = append(children[parent], id)
		}
	}
	var f Family
	seen := map[string]bool{root: true}
	for queue := []string{root}; len(queue) > 0; queue = queue[1:] {
		id := queue[0]
		e := listing[id]
		fee, err := btcToSat(e.Fee)
		if err != nil || fee < 0 || e.VSize < 1 {
			return Family{}, false, fmt.Errorf("getrawmempool: node at %s reports a malformed fee or size for %s", c.rpc.host, id)
		}
		f.Count++
		f.Fees += fee
		f.VSize += e.VSize
		if id != root {
			f.MaxDescendantRate = max(f.MaxDescendantRate, fee*1000/btcutil.Amount(e.VSize))
		}
		for _, child := range children[id] {
			if !seen[child] {
				seen[child] = true
				queue = append(queue, child)
			}
		}
	}
	return f, true, nil
}
