package chain

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/money"
)

// Block is one block of the main chain.
type Block struct {
	Height int32
	Hash   chainhash.Hash
	Msg    *wire.MsgBlock
}

// Tip returns the height and hash of the node's best block.
func (c *Client) Tip(ctx context.Context) (height int32, hash chainhash.Hash, err error) {
	var info struct {
		Blocks        int32  `json:"blocks"`
		BestBlockHash string `json:"bestblockhash"`
	}
	if err := c.rpc.call(ctx, "getblockchaininfo", &info); err != nil {
		return 0, chainhash.Hash{}, err
	}
	h, err := chainhash.NewHashFromStr(info.BestBlockHash)
	if err != nil {
		return 0, chainhash.Hash{}, fmt.Errorf("getblockchaininfo: malformed best block hash: %w", err)
	}
	return info.Blocks, *h, nil
}

// BlockHash returns the hash of the main-chain block at height, or
// ErrNotFound above the tip.
func (c *Client) BlockHash(ctx context.Context, height int32) (chainhash.Hash, error) {
	var s string
	err := c.rpc.call(ctx, "getblockhash", &s, height)
	if err != nil {
		return chainhash.Hash{}, c.notFound(err, fmt.Sprintf("no block at height %d", height))
	}
	return parseHash("getblockhash", s)
}

// Transaction returns a transaction from the node's mempool or, with a
// transaction index (btcd --txindex, Core -txindex), from its chain.
func (c *Client) Transaction(ctx context.Context, txid chainhash.Hash) (*wire.MsgTx, error) {
	resp, err := c.rpc.roundTrip(ctx, c.rpc.newRequest("getrawtransaction", txid.String(), 0))
	if err != nil {
		return nil, err
	}
	raw, err := hexResult("getrawtransaction", resp)
	if err != nil {
		return nil, c.notFound(err, "transaction "+txid.String()+" not found")
	}
	tx := new(wire.MsgTx)
	if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("getrawtransaction %s: malformed transaction: %w", txid, err)
	}
	if got := tx.TxHash(); got != txid {
		return nil, fmt.Errorf("getrawtransaction %s: node returned transaction %s", txid, got)
	}
	return tx, nil
}

// TxConfirmations reports how deep a transaction is buried (0 when it is
// unconfirmed) and whether it waits in the mempool. A transaction the node
// does not know gives ErrNotFound; without a transaction index a confirmed
// transaction is unknown too, and sync's own scan is the authority.
func (c *Client) TxConfirmations(ctx context.Context, txid chainhash.Hash) (confs int64, inMempool bool, err error) {
	var res struct {
		Confirmations int64  `json:"confirmations"`
		BlockHash     string `json:"blockhash"`
	}
	if err := c.rpc.call(ctx, "getrawtransaction", &res, txid.String(), 1); err != nil {
		return 0, false, c.notFound(err, "transaction "+txid.String()+" not found")
	}
	if res.Confirmations > 0 {
		return res.Confirmations, false, nil
	}
	return 0, res.BlockHash == "", nil
}

// Broadcast sends tx to the node. It returns the txid in every case; when the
// node already has the transaction in its mempool or chain the error is
// ErrAlreadyKnown, which the caller may treat as sent. Any other refusal is
// ErrRejected carrying the node's reason.
func (c *Client) Broadcast(ctx context.Context, tx *wire.MsgTx) (chainhash.Hash, error) {
	txid := tx.TxHash()
	raw, err := serializeTx(tx)
	if err != nil {
		return txid, err
	}
	var s string
	err = c.rpc.call(ctx, "sendrawtransaction", &s, raw)
	if err == nil {
		return txid, nil
	}
	code, msg, ok := rpcCode(err)
	switch {
	case !ok:
		return txid, err
	case code == codeAlreadyInChain || alreadyKnown(msg):
		return txid, &Error{Kind: ErrAlreadyKnown, Msg: fmt.Sprintf("transaction %s is already known to node at %s", txid, c.rpc.host), Err: err}
	default:
		return txid, &Error{Kind: ErrRejected, Msg: fmt.Sprintf("node at %s rejected transaction %s", c.rpc.host, txid), Err: err}
	}
}

// DefaultMaxFeeRate is the ceiling TestAccept applies when given zero, the
// same 0.10 BTC/kvB Bitcoin Core uses.
const DefaultMaxFeeRate btcutil.Amount = 10_000_000

// TestAccept asks the node whether it would accept tx into its mempool
// without adding it (testmempoolaccept). maxFeeRate is in satoshis per 1000
// virtual bytes; zero means DefaultMaxFeeRate. A refusal is ErrRejected
// with the node's reason, or ErrAlreadyKnown when the node has it already.
func (c *Client) TestAccept(ctx context.Context, tx *wire.MsgTx, maxFeeRate btcutil.Amount) error {
	txid := tx.TxHash()
	raw, err := serializeTx(tx)
	if err != nil {
		return err
	}
	if maxFeeRate <= 0 {
		maxFeeRate = DefaultMaxFeeRate
	}
	var res []struct {
		Allowed      bool   `json:"allowed"`
		RejectReason string `json:"reject-reason"`
	}
	err = c.rpc.call(ctx, "testmempoolaccept", &res, []string{raw}, btcNumber(maxFeeRate))
	if err != nil {
		if _, _, ok := rpcCode(err); ok {
			return &Error{Kind: ErrRejected, Msg: fmt.Sprintf("node at %s rejected transaction %s", c.rpc.host, txid), Err: err}
		}
		return err
	}
	if len(res) != 1 {
		return fmt.Errorf("testmempoolaccept: node at %s returned %d results for one transaction", c.rpc.host, len(res))
	}
	if res[0].Allowed {
		return nil
	}
	reason := res[0].RejectReason
	if reason == "" {
		reason = "no reason given"
	}
	kind := ErrRejected
	if alreadyKnown(reason) {
		kind = ErrAlreadyKnown
	}
	return &Error{Kind: kind, Msg: fmt.Sprintf("node at %s would reject transaction %s: %s", c.rpc.host, txid, reason)}
}

// EstimateFee returns the node's fee estimate for confirmation within
// confTarget blocks, in satoshis per 1000 virtual bytes, and the RPC that
// produced it: estimatesmartfee where the node has it (Bitcoin Core), else
// estimatefee (btcd). No estimate (a fresh chain) is ErrNoEstimate; the
// caller then applies its configured fallback rate.
func (c *Client) EstimateFee(ctx context.Context, confTarget int) (satPerKvB btcutil.Amount, source string, err error) {
	var smart struct {
		FeeRate *json.Number `json:"feerate"`
		Errors  []string     `json:"errors"`
	}
	err = c.rpc.call(ctx, "estimatesmartfee", &smart, confTarget)
	if code, _, ok := rpcCode(err); ok && code == codeMethodNotFound {
		return c.estimateFee(ctx, confTarget)
	}
	const src = "estimatesmartfee"
	if err != nil {
		return 0, src, err
	}
	if smart.FeeRate == nil {
		return 0, src, c.noEstimate(src, strings.Join(smart.Errors, "; "))
	}
	rate, err := btcToSat(*smart.FeeRate)
	if err != nil || rate <= 0 {
		return 0, src, c.noEstimate(src, "estimate "+smart.FeeRate.String())
	}
	return rate, src, nil
}

func (c *Client) estimateFee(ctx context.Context, confTarget int) (btcutil.Amount, string, error) {
	const src = "estimatefee"
	var n json.Number
	err := c.rpc.call(ctx, src, &n, confTarget)
	if _, msg, ok := rpcCode(err); ok {
		return 0, src, c.noEstimate(src, msg)
	}
	if err != nil {
		return 0, src, err
	}
	rate, err := btcToSat(n)
	if err != nil || rate <= 0 {
		return 0, src, c.noEstimate(src, "estimate "+n.String())
	}
	return rate, src, nil
}

func (c *Client) noEstimate(src, detail string) error {
	msg := fmt.Sprintf("node at %s has no fee estimate yet (%s)", c.rpc.host, src)
	if detail != "" {
		msg += ": " + detail
	}
	return &Error{Kind: ErrNoEstimate, Msg: msg}
}

// notFound turns the node's "no such block or transaction" replies into
// ErrNotFound and leaves other errors alone.
func (c *Client) notFound(err error, what string) error {
	code, msg, ok := rpcCode(err)
	if !ok {
		return err
	}
	switch {
	case code == codeInvalidAddrOrKey, code == codeInvalidParameter,
		code == codeMisc && strings.Contains(strings.ToLower(msg), "out of range"):
		return &Error{Kind: ErrNotFound, Msg: what + " on node at " + c.rpc.host, Err: err}
	}
	return err
}

// alreadyKnown recognises the ways btcd and Bitcoin Core say a transaction
// is already in the mempool or the chain.
func alreadyKnown(msg string) bool {
	msg = strings.ToLower(msg)
	for _, s := range []string{
		"already have transaction",   // btcd, mempool
		"transaction already exists", // btcd, chain
		"txn-already-in-mempool",     // Core
		"txn-already-known",          // Core
		"already in block chain",     // Core
		"already in utxo set",        // Core
	} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func serializeTx(tx *wire.MsgTx) (string, error) {
	var buf bytes.Buffer
	buf.Grow(tx.SerializeSize())
	if err := tx.Serialize(&buf); err != nil {
		return "", fmt.Errorf("unable to serialize transaction: %w", err)
	}
	return hex.EncodeToString(buf.Bytes()), nil
}

func parseHash(method, s string) (chainhash.Hash, error) {
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		return chainhash.Hash{}, fmt.Errorf("%s: malformed hash %q: %w", method, s, err)
	}
	return *h, nil
}

// btcToSat converts a JSON decimal BTC amount to satoshis exactly, rounding
// a sub-satoshi remainder half away from zero.
func btcToSat(n json.Number) (btcutil.Amount, error) {
	r, ok := new(big.Rat).SetString(n.String())
	if !ok {
		return 0, fmt.Errorf("malformed amount %q", n)
	}
	r.Mul(r, big.NewRat(btcutil.SatoshiPerBitcoin, 1))
	num, den := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if m.Abs(m).Mul(m, big.NewInt(2)).Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if !q.IsInt64() {
		return 0, errors.New("amount out of range")
	}
	return btcutil.Amount(q.Int64()), nil
}

// btcNumber renders satoshis as an exact decimal BTC JSON number.
func btcNumber(a btcutil.Amount) json.Number { return json.Number(money.Decimal(a)) }
