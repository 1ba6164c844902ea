package chain

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
)

var _ app.UTXOScanner = AppChain{}

// ScanDescriptors implements app.UTXOScanner with Bitcoin Core's
// scantxoutset, which reads the UTXO set for the descriptors' scripts. btcd
// has no such call: it is app.ErrUnsupported there.
func (a AppChain) ScanDescriptors(ctx context.Context, descs []app.DescriptorRange) ([]app.ScannedOutput, error) {
	type scanObject struct {
		Desc  string `json:"desc"`
		Range uint32 `json:"range"`
	}
	objs := make([]scanObject, len(descs))
	for i, d := range descs {
		objs[i] = scanObject{d.Descriptor, d.Range}
	}
	var res struct {
		Success  bool `json:"success"`
		Unspents []struct {
			TxID         string      `json:"txid"`
			Vout         uint32      `json:"vout"`
			ScriptPubKey string      `json:"scriptPubKey"`
			Amount       json.Number `json:"amount"`
			Height       int32       `json:"height"`
			Coinbase     bool        `json:"coinbase"`
		} `json:"unspents"`
	}
	if _, ok := ctx.Deadline(); !ok {
		// Bitcoin Core reads its whole UTXO set: minutes on mainnet.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Minute)
		defer cancel()
	}
	if err := a.rpc.call(ctx, "scantxoutset", &res, "start", objs); err != nil {
		if code, msg, ok := rpcCode(err); ok && unimplemented(code, msg) {
			return nil, fmt.Errorf("%w: scantxoutset", app.ErrUnsupported)
		}
		return nil, err
	}
	if !res.Success {
		return nil, fmt.Errorf("scantxoutset did not complete")
	}
	out := make([]app.ScannedOutput, 0, len(res.Unspents))
	for _, u := range res.Unspents {
		h, err := chainhash.NewHashFromStr(u.TxID)
		if err != nil {
			return nil, fmt.Errorf("scantxoutset: txid %q: %w", u.TxID, err)
		}
		v, err := btcToSat(u.Amount)
		if err != nil {
			return nil, fmt.Errorf("scantxoutset: %w", err)
		}
		script, err := hex.DecodeString(u.ScriptPubKey)
		if err != nil {
			return nil, fmt.Errorf("scantxoutset: script %q: %w", u.ScriptPubKey, err)
		}
		out = append(out, app.ScannedOutput{OutPoint: wire.OutPoint{Hash: *h, Index: u.Vout}, Value: v, PkScript: script, Height: u.Height, Coinbase: u.Coinbase})
	}
	return out, nil
}
