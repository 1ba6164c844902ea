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
	// Fee and TxVSize are the transaction's own, as the node counts them
	// (Core: its modified fee, which prioritisetransaction changes, and
	// its virtual size); BIP-125 asks a replacement for a higher rate.
	Fee     btcutil.Amount
	TxVSize int64
	// MaxDescendantRate is the highest fee rate (satoshis per 1000 vB)
	// among the descendants, where the node reports each of them (btcd,
	// which refuses a replacement paying a lower rate than any transaction
	// it evicts); 0 where the node reports only the sums (Bitcoin Core,
	// which compares the rate with the replaced transaction's alone).
	MaxDescendantRate btcutil.Amount
	// Replaceable: the node says it would let a replacement evict the
	// transaction (Core: it or an unconfirmed ancestor signals BIP-125,
	// bip125-replaceable, or the node replaces any, fullrbf). False where
	// the node cannot say (btcd, which replaces only what signals).
	Replaceable bool
}

// Family returns the mempool family of txid; ok is false when the node's
// mempool does not hold txid. Bitcoin Core's getmempoolentry gives the sums
// (descendantcount, descendantsize and fees.descendant, in BTC); btcd has
// no getmempoolentry, and its verbose getrawmempool gives each
// transaction's fee, size and parents in the mempool, from which the
// descendants are found.
func (c *Client) Family(ctx context.Context, txid chainhash.Hash) (Family, bool, error) {
	var entry struct {
		BIP125 bool   `json:"bip125-replaceable"`
		VSize  *int64 `json:"vsize"`
		Count  *int   `json:"descendantcount"`
		Size   *int64 `json:"descendantsize"`
		Fees   struct {
			Modified   *json.Number `json:"modified"`
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
	if entry.VSize == nil || entry.Count == nil || entry.Size == nil || entry.Fees.Modified == nil || entry.Fees.Descendant == nil {
		return Family{}, false, fmt.Errorf("getmempoolentry: node at %s reports no size, fee or descendant figures for %s", c.rpc.host, txid)
	}
	fees, err1 := btcToSat(*entry.Fees.Descendant)
	fee, err2 := btcToSat(*entry.Fees.Modified)
	if err1 != nil || err2 != nil || fees < 0 || fee < 0 || *entry.Count < 1 || *entry.Size < 1 || *entry.VSize < 1 {
		return Family{}, false, fmt.Errorf("getmempoolentry: node at %s reports a malformed size, fee or descendant figure for %s", c.rpc.host, txid)
	}
	f := Family{Count: *entry.Count, Fees: fees, VSize: *entry.Size, Fee: fee, TxVSize: *entry.VSize, Replaceable: entry.BIP125}
	if !f.Replaceable {
		var info struct {
			FullRBF bool `json:"fullrbf"`
		}
		// A node that does not say (before Core 24) replaces only
		// what signals.
		if err := c.rpc.call(ctx, "getmempoolinfo", &info); err == nil {
			f.Replaceable = info.FullRBF
		}
	}
	return f, true, nil
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
		} else {
			f.Fee, f.TxVSize = fee, e.VSize
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
