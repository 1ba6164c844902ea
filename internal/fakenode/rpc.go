package fakenode

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/money"
)

// Serve answers JSON-RPC over HTTP on a loopback port, as Bitcoin Core
// without -txindex or -blockfilterindex (Core mode) or btcd with --txindex
// and --nocfilters (Btcd mode) answer the calls treasury's chain adapter
// makes, error codes included. The caller closes the server.
func (n *Node) Serve(user, pass string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var body bytes.Buffer
		if _, err := body.ReadFrom(r.Body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		raw := bytes.TrimSpace(body.Bytes())
		if len(raw) > 0 && raw[0] == '[' {
			var reqs []rpcRequest
			if err := json.Unmarshal(raw, &reqs); err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			out := make([]rpcResponse, len(reqs))
			for i, q := range reqs {
				out[i] = n.answer(r.Context(), q)
			}
			json.NewEncoder(w).Encode(out)
			return
		}
		var q rpcRequest
		if err := json.Unmarshal(raw, &q); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(n.answer(r.Context(), q))
	}))
}

type rpcRequest struct {
	ID     json.RawMessage   `json:"id"`
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type rpcResponse struct {
	Result any             `json:"result"`
	Error  *rpcError       `json:"error"`
	ID     json.RawMessage `json:"id"`
}

// Bitcoin Core's RPC error codes.
const (
	codeMisc           = -1
	codeMethodNotFound = -32601
	codeNotFound       = -5  // RPC_INVALID_ADDRESS_OR_KEY
	codeBadParameter   = -8  // RPC_INVALID_PARAMETER
	codeVerify         = -25 // RPC_VERIFY_ERROR
	codeRejected       = -26 // RPC_VERIFY_REJECTED
	codeInChain        = -27 // RPC_VERIFY_ALREADY_IN_CHAIN
)

func rpcErr(code int, format string, args ...any) *rpcError {
	return &rpcError{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (n *Node) answer(ctx context.Context, q rpcRequest) rpcResponse {
	res, e := n.dispatch(ctx, q)
	if e != nil {
		return rpcResponse{Error: e, ID: q.ID}
	}
	return rpcResponse{Result: res, ID: q.ID}
}

func (n *Node) dispatch(ctx context.Context, q rpcRequest) (any, *rpcError) {
	if err := n.count("rpc " + q.Method); err != nil {
		return nil, rpcErr(codeMisc, "%v", err)
	}
	switch q.Method {
	case "getblockchaininfo", "getblockcount", "getblockhash", "getblock", "getblockheader":
		return n.chainCall(q)
	case "getrawmempool":
		if len(q.Params) > 0 && string(q.Params[0]) == "true" {
			return n.verboseMempool()
		}
		return n.rawMempool(), nil
	case "getrawtransaction":
		return n.rawTransaction(q)
	case "getmempoolentry":
		return n.mempoolEntry(q)
	case "gettxout":
		return n.txOut(ctx, q)
	case "gettxspendingprevout":
		return n.spendingPrevout(ctx, q)
	case "sendrawtransaction":
		return n.sendRaw(ctx, q)
	case "testmempoolaccept":
		return n.testAccept(ctx, q)
	case "estimatesmartfee", "estimatefee":
		return n.estimate(q.Method)
	case "getmempoolinfo":
		r := 0.00001
		return map[string]any{"size": len(n.MempoolTxs()), "mempoolminfee": r, "minrelaytxfee": r, "incrementalrelayfee": r, "fullrbf": true}, nil
	case "getblockfilter", "getcfilter":
		if n.mode == Core && q.Method == "getblockfilter" {
			return nil, rpcErr(codeMisc, "Index is not enabled for filtertype basic")
		}
	}
	return nil, rpcErr(codeMethodNotFound, "Method not found")
}

func param[T any](q rpcRequest, i int) (T, *rpcError) {
	var v T
	if i >= len(q.Params) {
		return v, rpcErr(codeBadParameter, "missing parameter %d", i)
	}
	if err := json.Unmarshal(q.Params[i], &v); err != nil {
		return v, rpcErr(codeBadParameter, "parameter %d: %v", i, err)
	}
	return v, nil
}

func (n *Node) chainCall(q rpcRequest) (any, *rpcError) {
	n.mu.Lock()
	defer n.mu.Unlock()
	tip := n.visibleTip()
	switch q.Method {
	case "getblockchaininfo":
		return map[string]any{"chain": "regtest", "blocks": tip, "bestblockhash": n.hashes[tip].String()}, nil
	case "getblockcount":
		return tip, nil
	case "getblockhash":
		h, e := param[int32](q, 0)
		if e != nil || h < 0 || h > tip {
			return nil, rpcErr(codeBadParameter, "Block height out of range")
		}
		return n.hashes[h].String(), nil
	}
	s, e := param[string](q, 0)
	if e != nil {
		return nil, e
	}
	for h := int32(0); h <= tip; h++ {
		if n.hashes[h].String() != s {
			continue
		}
		var buf bytes.Buffer
		if q.Method == "getblockheader" {
			n.blocks[h].Header.Serialize(&buf)
		} else {
			n.blocks[h].Serialize(&buf)
		}
		return hex.EncodeToString(buf.Bytes()), nil
	}
	return nil, rpcErr(codeNotFound, "Block not found")
}

func (n *Node) rawMempool() []string {
	out := []string{}
	for _, t := range n.MempoolTxs() {
		out = append(out, t.TxHash().String())
	}
	return out
}

// rawTransaction answers getrawtransaction: in Core mode (no -txindex)
// only mempool transactions are found.
func (n *Node) rawTransaction(q rpcRequest) (any, *rpcError) {
	s, e := param[string](q, 0)
	if e != nil {
		return nil, e
	}
	verbose := len(q.Params) > 1 && string(q.Params[1]) != "0" && string(q.Params[1]) != "false"
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		return nil, rpcErr(codeBadParameter, "txid must be hexadecimal")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	var found *wire.MsgTx
	confs, blockHash := 0, ""
	for _, t := range n.pool {
		if t.TxHash() == *h {
			found = t
		}
	}
	if at := n.confirmedAt(*h); found == nil && at >= 0 && at <= n.visibleTip() && n.mode == Btcd {
		for _, t := range n.blocks[at].Transactions {
			if t.TxHash() == *h {
				found = t
			}
		}
		confs, blockHash = int(n.visibleTip()-at+1), n.hashes[at].String()
	}
	if found == nil {
		if n.mode == Core {
			return nil, rpcErr(codeNotFound, "No such mempool transaction. Use -txindex or provide a block hash to enable blockchain transaction queries. Use gettransaction for wallet transactions.")
		}
		return nil, rpcErr(codeNotFound, "No information available about transaction")
	}
	var buf bytes.Buffer
	found.Serialize(&buf)
	if !verbose {
		return hex.EncodeToString(buf.Bytes()), nil
	}
	out := map[string]any{"hex": hex.EncodeToString(buf.Bytes()), "txid": s}
	if blockHash != "" {
		out["confirmations"], out["blockhash"] = confs, blockHash
	}
	return out, nil
}

func (n *Node) mempoolEntry(q rpcRequest) (any, *rpcError) {
	if n.mode == Btcd {
		return nil, rpcErr(codeMisc, "Command unimplemented")
	}
	s, e := param[string](q, 0)
	if e != nil {
		return nil, e
	}
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		return nil, rpcErr(codeBadParameter, "txid must be hexadecimal")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	f, ok, err := n.family(*h)
	if err != nil {
		return nil, rpcErr(codeMisc, "%v", err)
	}
	if !ok {
		return nil, rpcErr(codeNotFound, "Transaction not in mempool")
	}
	for _, t := range n.pool {
		if t.TxHash() == *h {
			c, err := n.cost(t, n.pool)
			if err != nil {
				return nil, rpcErr(codeMisc, "%v", err)
			}
			return map[string]any{"vsize": c.vsize, "descendantcount": f.Count, "descendantsize": f.VSize, "bip125-replaceable": n.signals(*h),
				"fees": map[string]any{"base": btcJSON(c.fee), "modified": btcJSON(c.fee), "descendant": btcJSON(f.Fees)}}, nil
		}
	}
	return nil, rpcErr(codeNotFound, "Transaction not in mempool")
}

// verboseMempool answers getrawmempool true as btcd does: each
// transaction's fee (BTC), size and parents in the mempool.
func (n *Node) verboseMempool() (any, *rpcError) {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := map[string]any{}
	inPool := map[chainhash.Hash]bool{}
	for _, t := range n.pool {
		inPool[t.TxHash()] = true
	}
	for _, t := range n.pool {
		c, err := n.cost(t, n.pool)
		if err != nil {
			return nil, rpcErr(codeMisc, "%v", err)
		}
		depends := []string{}
		for _, in := range t.TxIn {
			if p := in.PreviousOutPoint.Hash; inPool[p] && !slices.Contains(depends, p.String()) {
				depends = append(depends, p.String())
			}
		}
		out[t.TxHash().String()] = map[string]any{"size": t.SerializeSize(), "vsize": c.vsize, "fee": btcJSON(c.fee), "depends": depends}
	}
	return out, nil
}

// txOut answers gettxout with the mempool: Core hides an output a mempool
// transaction spends; btcd does not.
func (n *Node) txOut(ctx context.Context, q rpcRequest) (any, *rpcError) {
	s, e := param[string](q, 0)
	if e != nil {
		return nil, e
	}
	vout, e := param[uint32](q, 1)
	if e != nil {
		return nil, e
	}
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		return nil, rpcErr(codeBadParameter, "txid must be hexadecimal")
	}
	op := wire.OutPoint{Hash: *h, Index: vout}
	n.mu.Lock()
	defer n.mu.Unlock()
	st := n.state(n.pool)
	c, ok := st.coins[op]
	if _, spent := st.spentBy[op]; spent && n.mode == Btcd {
		c, ok = n.utxos[op]
	}
	if !ok {
		return nil, nil
	}
	confs := 0
	if c.height > 0 {
		confs = int(int32(len(n.blocks)-1) - c.height + 1)
	}
	return map[string]any{"confirmations": confs, "value": btcutil.Amount(c.out.Value).ToBTC(), "coinbase": c.coinbase}, nil
}

func (n *Node) spendingPrevout(ctx context.Context, q rpcRequest) (any, *rpcError) {
	type prevout struct {
		TxID string `json:"txid"`
		Vout uint32 `json:"vout"`
	}
	ins, e := param[[]prevout](q, 0)
	if e != nil {
		return nil, e
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	st := n.state(n.pool)
	out := []map[string]any{}
	for _, in := range ins {
		h, err := chainhash.NewHashFromStr(in.TxID)
		if err != nil {
			return nil, rpcErr(codeBadParameter, "txid must be hexadecimal")
		}
		r := map[string]any{"txid": in.TxID, "vout": in.Vout}
		if by, ok := st.spentBy[wire.OutPoint{Hash: *h, Index: in.Vout}]; ok {
			r["spendingtxid"] = by.String()
		}
		out = append(out, r)
	}
	return out, nil
}

func decodeTx(s string) (*wire.MsgTx, *rpcError) {
	raw, err := hex.DecodeString(s)
	if err != nil {
		return nil, rpcErr(-22, "TX decode failed")
	}
	t := new(wire.MsgTx)
	if err := t.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, rpcErr(-22, "TX decode failed")
	}
	return t, nil
}

func (n *Node) sendRaw(ctx context.Context, q rpcRequest) (any, *rpcError) {
	s, e := param[string](q, 0)
	if e != nil {
		return nil, e
	}
	t, e := decodeTx(s)
	if e != nil {
		return nil, e
	}
	n.mu.Lock()
	inChain := n.confirmedAt(t.TxHash()) >= 0
	n.mu.Unlock()
	if inChain {
		return nil, rpcErr(codeInChain, "Transaction already in block chain")
	}
	if _, err := n.Broadcast(ctx, t); err != nil {
		return nil, rejection(err)
	}
	return t.TxHash().String(), nil
}

func rejection(err error) *rpcError {
	switch {
	case errors.Is(err, ErrMissingInputs):
		return rpcErr(codeVerify, "bad-txns-inputs-missingorspent")
	case errors.Is(err, ErrConflict):
		return rpcErr(codeRejected, "txn-mempool-conflict")
	}
	return rpcErr(codeRejected, "%v", err)
}

func (n *Node) testAccept(ctx context.Context, q rpcRequest) (any, *rpcError) {
	txs, e := param[[]string](q, 0)
	if e != nil {
		return nil, e
	}
	out := []map[string]any{}
	for _, s := range txs {
		t, e := decodeTx(s)
		if e != nil {
			return nil, e
		}
		r := map[string]any{"txid": t.TxHash().String(), "allowed": true}
		n.mu.Lock()
		_, err := n.admit(t)
		n.mu.Unlock()
		if err != nil {
			r["allowed"], r["reject-reason"] = false, rejection(err).Message
			if errors.Is(err, ErrAlreadyKnown) {
				r["reject-reason"] = "txn-already-in-mempool"
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func (n *Node) estimate(method string) (any, *rpcError) {
	n.mu.Lock()
	fee := n.fee
	n.mu.Unlock()
	if n.mode == Btcd && method == "estimatesmartfee" {
		return nil, rpcErr(codeMethodNotFound, "Method not found")
	}
	if method == "estimatefee" {
		if fee <= 0 {
			return nil, rpcErr(codeMisc, "no estimate")
		}
		return fee.ToBTC(), nil
	}
	if fee <= 0 {
		return map[string]any{"errors": []string{"Insufficient data or no feerate found"}, "blocks": 2}, nil
	}
	return map[string]any{"feerate": fee.ToBTC(), "blocks": 2}, nil
}

// btcJSON renders satoshis as an exact decimal BTC JSON number, as nodes
// print amounts.
func btcJSON(a btcutil.Amount) json.Number { return json.Number(money.Decimal(a)) }
