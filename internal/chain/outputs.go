package chain

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// These calls answer whether a transaction is in the mempool and whether an
// output is unspent without a transaction index, so they work the same on
// Bitcoin Core with its defaults as on btcd --txindex.

// InMempool reports whether the node's mempool holds txid: getmempoolentry
// on Bitcoin Core, getrawmempool on btcd (which lacks getmempoolentry).
func (c *Client) InMempool(ctx context.Context, txid chainhash.Hash) (bool, error) {
	var entry json.RawMessage
	err := c.rpc.call(ctx, "getmempoolentry", &entry, txid.String())
	if err == nil {
		return true, nil
	}
	code, msg, ok := rpcCode(err)
	switch {
	case ok && code == codeInvalidAddrOrKey: // "Transaction not in mempool"
		return false, nil
	case ok && unimplemented(code, msg):
		return c.inRawMempool(ctx, txid)
	}
	return false, err
}

func (c *Client) inRawMempool(ctx context.Context, txid chainhash.Hash) (bool, error) {
	var ids []string
	if err := c.rpc.call(ctx, "getrawmempool", &ids, false); err != nil {
		return false, err
	}
	want := txid.String()
	for _, id := range ids {
		if id == want {
			return true, nil
		}
	}
	return false, nil
}

// unimplemented recognises a node without the method: JSON-RPC's "method
// not found", or btcd's "Command unimplemented".
func unimplemented(code int, msg string) bool {
	return code == codeMethodNotFound || code == codeMisc && strings.Contains(strings.ToLower(msg), "unimplemented")
}

// OutputState is the node's view of one output.
type OutputState struct {
	// Unspent: in the UTXO set, or created by a mempool transaction, and
	// spent by no mempool transaction.
	Unspent bool
	// Confirmations of its transaction (0 in the mempool) when Unspent.
	Confirmations int64
	// SpentBy is the mempool transaction spending it (zero when none).
	SpentBy chainhash.Hash
	// Value and PkScript are the output's, as the node holds it, when
	// Unspent.
	Value    btcutil.Amount
	PkScript []byte
}

// Output asks gettxout (mempool included) and gettxspendingprevout about
// op. Bitcoin Core's gettxout already hides an output a mempool transaction
// spends; btcd's does not, and gettxspendingprevout names the spender on
// both. A node without gettxspendingprevout (Core before 24) relies on
// gettxout alone.
func (c *Client) Output(ctx context.Context, op wire.OutPoint) (OutputState, error) {
	var out *struct {
		Confirmations int64       `json:"confirmations"`
		Value         json.Number `json:"value"`
		ScriptPubKey  struct {
			Hex string `json:"hex"`
		} `json:"scriptPubKey"`
	}
	if err := c.rpc.call(ctx, "gettxout", &out, op.Hash.String(), op.Index, true); err != nil {
		return OutputState{}, err
	}
	var st OutputState
	if out != nil {
		v, err := btcToSat(out.Value)
		if err != nil {
			return OutputState{}, fmt.Errorf("gettxout %s: %w", op, err)
		}
		script, err := hex.DecodeString(out.ScriptPubKey.Hex)
		if err != nil {
			return OutputState{}, fmt.Errorf("gettxout %s: the script is not hex: %w", op, err)
		}
		st = OutputState{Unspent: true, Confirmations: out.Confirmations, Value: v, PkScript: script}
	}
	by, err := c.mempoolSpender(ctx, op)
	if err != nil {
		return OutputState{}, err
	}
	if by != nil {
		st = OutputState{SpentBy: *by}
	}
	return st, nil
}

// mempoolSpender returns the mempool transaction spending op, or nil.
func (c *Client) mempoolSpender(ctx context.Context, op wire.OutPoint) (*chainhash.Hash, error) {
	type prevout struct {
		TxID string `json:"txid"`
		Vout uint32 `json:"vout"`
	}
	var res []struct {
		SpendingTxID string `json:"spendingtxid"`
	}
	err := c.rpc.call(ctx, "gettxspendingprevout", &res, []prevout{{op.Hash.String(), op.Index}})
	if code, msg, ok := rpcCode(err); ok && unimplemented(code, msg) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(res) != 1 || res[0].SpendingTxID == "" {
		return nil, nil
	}
	h, err := parseHash("gettxspendingprevout", res[0].SpendingTxID)
	return &h, err
}
