package chain

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2/gcs/builder"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// coreFilterNode answers like Bitcoin Core: getblockhash, getblockheader
// HASH false, and getblockfilter HASH "basic" ({"filter", "header"}) when
// index is true, else error -1 "Index is not enabled for filtertype basic";
// getcfilter is "Method not found". It takes single calls and batches.
func coreFilterNode(t *testing.T, blocks []*wire.MsgBlock, index bool) *Client {
	t.Helper()
	indexed := -1
	if index {
		indexed = len(blocks)
	}
	return coreFilterNodeTo(t, blocks, indexed)
}

// coreFilterNodeTo is coreFilterNode whose filter index reaches height
// indexed (-1: no index): above it, getblockfilter answers as Core does
// while the index is being built.
func coreFilterNodeTo(t *testing.T, blocks []*wire.MsgBlock, indexed int) *Client {
	t.Helper()
	return coreFilterNodeWith(t, blocks, indexed, nil)
}

// coreFilterNodeWith is coreFilterNodeTo whose handler wrap wraps (nil:
// none).
func coreFilterNodeWith(t *testing.T, blocks []*wire.MsgBlock, indexed int, wrap func(http.Handler) http.Handler) *Client {
	t.Helper()
	height := map[string]int{}
	for i, b := range blocks {
		height[b.BlockHash().String()] = i + 1
	}
	index := indexed >= 0
	byHash := map[string]*wire.MsgBlock{}
	for _, b := range blocks {
		byHash[b.BlockHash().String()] = b
	}
	type req struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params []any           `json:"params"`
	}
	answer := func(q req) map[string]any {
		fail := func(code int, msg string) map[string]any {
			return map[string]any{"id": q.ID, "result": nil, "error": map[string]any{"code": code, "message": msg}}
		}
		ok := func(v any) map[string]any { return map[string]any{"id": q.ID, "result": v, "error": nil} }
		switch q.Method {
		case "getblockhash":
			h := int(q.Params[0].(float64))
			if h == 0 {
				return ok(chaincfg.RegressionNetParams.GenesisHash.String())
			}
			if h > len(blocks) {
				return fail(-8, "Block height out of range")
			}
			return ok(blocks[h-1].BlockHash().String())
		case "getblockheader":
			b := byHash[q.Params[0].(string)]
			var buf bytes.Buffer
			_ = b.Header.Serialize(&buf)
			return ok(hex.EncodeToString(buf.Bytes()))
		case "getblockfilter":
			if !index {
				return fail(-1, "Index is not enabled for filtertype basic")
			}
			b, found := byHash[q.Params[0].(string)]
			if !found {
				return fail(-5, "Block not found")
			}
			if height[q.Params[0].(string)] > indexed {
				return fail(-1, "Filter not found. Block filters are still in the process of being indexed.")
			}
			f, err := builder.BuildBasicFilter(b, nil)
			if err != nil {
				t.Error(err)
			}
			nb, _ := f.NBytes()
			return ok(map[string]string{"filter": hex.EncodeToString(nb), "header": "00"})
		}
		return fail(-32601, "Method not found")
	}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var batch []req
		if json.Unmarshal(body, &batch) == nil {
			out := make([]map[string]any, len(batch))
			for i, q := range batch {
				out[i] = answer(q)
			}
			_ = json.NewEncoder(w).Encode(out)
			return
		}
		var one req
		_ = json.Unmarshal(body, &one)
		_ = json.NewEncoder(w).Encode(answer(one))
	})
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := Dial(t.Context(), Config{Host: srv.URL, User: "u", Pass: "p"}, &chaincfg.RegressionNetParams)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testChain(n int) []*wire.MsgBlock {
	prev := *chaincfg.RegressionNetParams.GenesisHash
	var out []*wire.MsgBlock
	for i := range n {
		b := wire.NewMsgBlock(wire.NewBlockHeader(1, &prev, &chainhash.Hash{}, 0x207fffff, uint32(i)))
		cb := wire.NewMsgTx(2)
		cb.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: wire.MaxPrevOutIndex}, []byte{byte(i + 1), 0x51}, nil))
		cb.AddTxOut(wire.NewTxOut(50e8, []byte{0x00, 0x14, byte(i), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}))
		b.AddTransaction(cb)
		out = append(out, b)
		prev = b.BlockHash()
	}
	return out
}

// TestBlockFiltersCore: Bitcoin Core's getblockfilter is used when it
// answers; its filters come back with the headers, in order.
func TestBlockFiltersCore(t *testing.T) {
	blocks := testChain(7)
	c := coreFilterNode(t, blocks, true)
	fs, err := c.BlockFilters(t.Context(), 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range fs {
		want, _ := builder.BuildBasicFilter(blocks[i], nil)
		nb, _ := want.NBytes()
		if f.Hash != blocks[i].BlockHash() || f.Header != blocks[i].Header || !bytes.Equal(f.Filter, nb) {
			t.Fatalf("block %d: wrong hash, header or filter", i+1)
		}
	}
}

// TestBlockFiltersCoreWithoutIndex: Core without -blockfilterindex (and so
// without getcfilter either) means no filters, decided once.
func TestBlockFiltersCoreWithoutIndex(t *testing.T) {
	c := coreFilterNode(t, testChain(2), false)
	for range 2 {
		if _, err := c.BlockFilters(t.Context(), 1, 2); !errors.Is(err, ErrNoFilters) {
			t.Fatalf("BlockFilters: %v; want ErrNoFilters", err)
		}
	}
}

// TestBlockFiltersCoreIndexBuilding: Core whose filter index has not
// reached the blocks asked answers "Filter not found": that is no filters
// for them (the caller scans them whole), not a failure of the sync.
func TestBlockFiltersCoreIndexBuilding(t *testing.T) {
	c := coreFilterNodeTo(t, testChain(7), 4)
	if fs, err := c.BlockFilters(t.Context(), 1, 4); err != nil || len(fs) != 4 {
		t.Fatalf("indexed blocks: %d filters, %v", len(fs), err)
	}
	_, err := c.BlockFilters(t.Context(), 3, 7)
	if !errors.Is(err, ErrNoFilters) || !strings.Contains(err.Error(), "from block 5 on yet") {
		t.Fatalf("BlockFilters past the index: %v; want ErrNoFilters from block 5", err)
	}
}

// TestBlockFiltersBoundsRequestsInFlight: a long range is fetched in
// parts, never more at once than the workers that fetch blocks (a node
// answers "503 Too busy" past its RPC client limit: btcd's rpcmaxclients,
// 10 by default), every part in order.
func TestBlockFiltersBoundsRequestsInFlight(t *testing.T) {
	blocks := testChain(3 * maxFilterBatch)
	var inFlight, most atomic.Int32
	c := coreFilterNodeWith(t, blocks, len(blocks), func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(2 * time.Millisecond)
			h.ServeHTTP(w, r)
		})
	})
	fs, err := c.BlockFilters(t.Context(), 1, int32(len(blocks)))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != len(blocks) {
		t.Fatalf("%d filters for %d blocks", len(fs), len(blocks))
	}
	for i, f := range fs {
		if f.Height != int32(i+1) || f.Hash != blocks[i].BlockHash() {
			t.Fatalf("filter %d is of block %d", i, f.Height)
		}
	}
	if m := most.Load(); m > int32(defaultFetchWorkers) || m < 2 {
		t.Fatalf("%d requests in flight at most; want %d", m, defaultFetchWorkers)
	}
}
