package chain

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/v2"
)

// RelayFees are the node's mempool fee floors, in satoshis per 1000
// virtual bytes.
type RelayFees struct {
	// MinRelay is the rate below which the node relays nothing
	// (minrelaytxfee).
	MinRelay btcutil.Amount
	// MempoolMin is the rate a full mempool currently demands
	// (mempoolminfee); zero when the node does not say.
	MempoolMin btcutil.Amount
	// Incremental is the rate a replacement must add on top of what it
	// replaces, times its own size (BIP-125 rule 4): incrementalrelayfee,
	// or MinRelay where the node does not report it (btcd uses its
	// minimum relay fee for that rule).
	Incremental btcutil.Amount
	// Source names the RPC the figures came from.
	Source string
}

// RelayFees asks the node for its relay floor. Bitcoin Core answers
// getmempoolinfo with mempoolminfee, minrelaytxfee and (since v25)
// incrementalrelayfee; btcd answers getmempoolinfo with only the mempool's
// size, and reports its minimum relay fee as getinfo's relayfee. All are
// decimal BTC per 1000 vB, converted exactly.
func (c *Client) RelayFees(ctx context.Context) (RelayFees, error) {
	var info struct {
		MempoolMin  *json.Number `json:"mempoolminfee"`
		MinRelay    *json.Number `json:"minrelaytxfee"`
		Incremental *json.Number `json:"incrementalrelayfee"`
	}
	if err := c.rpc.call(ctx, "getmempoolinfo", &info); err != nil {
		return RelayFees{}, err
	}
	if info.MinRelay == nil && info.MempoolMin == nil {
		return c.relayFeeFromInfo(ctx)
	}
	var r RelayFees
	r.Source = "getmempoolinfo"
	for _, f := range []struct {
		n   *json.Number
		dst *btcutil.Amount
	}{{info.MinRelay, &r.MinRelay}, {info.MempoolMin, &r.MempoolMin}, {info.Incremental, &r.Incremental}} {
		if f.n == nil {
			continue
		}
		v, err := btcToSat(*f.n)
		if err != nil || v < 0 {
			return RelayFees{}, fmt.Errorf("getmempoolinfo: node at %s reports a malformed fee rate %q", c.rpc.host, f.n.String())
		}
		*f.dst = v
	}
	if info.Incremental == nil {
		r.Incremental = r.MinRelay
	}
	return r, nil
}

// relayFeeFromInfo reads btcd's minimum relay fee from getinfo.
func (c *Client) relayFeeFromInfo(ctx context.Context) (RelayFees, error) {
	var info struct {
		RelayFee *json.Number `json:"relayfee"`
	}
	if err := c.rpc.call(ctx, "getinfo", &info); err != nil {
		return RelayFees{}, fmt.Errorf("node at %s reports no relay fee in getmempoolinfo, and getinfo failed: %w", c.rpc.host, err)
	}
	if info.RelayFee == nil {
		return RelayFees{}, fmt.Errorf("node at %s reports its relay fee neither in getmempoolinfo nor in getinfo", c.rpc.host)
	}
	v, err := btcToSat(*info.RelayFee)
	if err != nil || v < 0 {
		return RelayFees{}, fmt.Errorf("getinfo: node at %s reports a malformed relay fee %q", c.rpc.host, info.RelayFee.String())
	}
	return RelayFees{MinRelay: v, Incremental: v, Source: "getinfo"}, nil
}
