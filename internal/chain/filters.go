package chain

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// ErrNoFilters means the node serves no BIP-158 basic block filters:
// Bitcoin Core without -blockfilterindex=1, btcd with --nocfilters, or a
// node with neither call; or none yet for the blocks asked (Core's index
// still being built).
var ErrNoFilters = errors.New("node serves no compact block filters")

// Filtered is one main-chain block known by its header and its BIP-158
// basic filter (serialized: N as a CompactSize, then the Golomb-coded set),
// without its transactions.
type Filtered struct {
	Height int32
	Hash   chainhash.Hash
	Header wire.BlockHeader
	Filter []byte
}

// filterCall is how a node serves filters, found out on first use.
type filterCall int

const (
	filtersUnknown filterCall = iota
	filtersCore               // getblockfilter HASH "basic" → {"filter": hex}
	filtersBtcd               // getcfilter HASH 0 → hex
	filtersNone
)

// filterProbe remembers, per Client, which call serves filters.
type filterProbe struct {
	mu   sync.Mutex
	call filterCall
}

// maxFilterBatch bounds the blocks per batched request: a basic filter is
// a few hundred bytes to a few tens of kilobytes on mainnet, a header 80.
const maxFilterBatch = 500

// BlockFilters returns the headers and basic filters of the main-chain
// blocks at heights from through to, in order, checked as Blocks checks
// blocks: each header hashes to the hash asked for and extends the one
// before it (ErrReorg otherwise). A node without filters gives
// ErrNoFilters, decided once per Client.
func (c *Client) BlockFilters(ctx context.Context, from, to int32) ([]Filtered, error) {
	if from < 0 || to < from {
		return nil, fmt.Errorf("invalid block range %d..%d", from, to)
	}
	call, err := c.filterCall(ctx, from)
	if err != nil {
		return nil, err
	}
	// The range in parts of at most maxFilterBatch (at least two when it
	// allows), fetched by as many workers as blocks are, in order of need:
	// a node refuses more requests at once than it has RPC clients
	// (btcd's rpcmaxclients, 10 by default; Core's work queue).
	n := int(to-from) + 1
	parts := min(n, max(c.fetchWorkers, (n+maxFilterBatch-1)/maxFilterBatch))
	got := make([][]Filtered, parts)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error // the first to fail; the others fail by its cancel
	)
	next := make(chan int)
	for range min(c.fetchWorkers, parts) {
		wg.Go(func() {
			for i := range next {
				lo, hi := from+int32(n*i/parts), from+int32(n*(i+1)/parts)-1
				var err error
				if got[i], err = c.filterRange(ctx, call, lo, hi); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
						cancel()
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range parts {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	out := make([]Filtered, 0, n)
	for i := range parts {
		out = append(out, got[i]...)
	}
	for i := 1; i < len(out); i++ {
		if out[i].Header.PrevBlock != out[i-1].Hash {
			return nil, c.reorg(out[i].Height)
		}
	}
	return out, nil
}

// filterCall finds out, once, which call serves filters: Bitcoin Core's
// getblockfilter, else btcd's getcfilter. A node-side refusal of both means
// no filters; a transport failure is returned and the probe retried later.
func (c *Client) filterCall(ctx context.Context, height int32) (filterCall, error) {
	c.filters.mu.Lock()
	defer c.filters.mu.Unlock()
	switch c.filters.call {
	case filtersNone:
		return 0, ErrNoFilters
	case filtersCore, filtersBtcd:
		return c.filters.call, nil
	}
	hash, err := c.BlockHash(ctx, height)
	if err != nil {
		return 0, err
	}
	for _, call := range []filterCall{filtersCore, filtersBtcd} {
		_, err := c.fetchFilter(ctx, call, hash)
		if err == nil {
			c.filters.call = call
			return call, nil
		}
		if _, _, ok := rpcCode(err); !ok {
			return 0, err // unreachable, timed out: ask again next time
		}
	}
	c.filters.call = filtersNone
	return 0, ErrNoFilters
}

func (c *Client) filterRequest(call filterCall, hash string) request {
	if call == filtersCore {
		return c.rpc.newRequest("getblockfilter", hash, "basic")
	}
	return c.rpc.newRequest("getcfilter", hash, 0)
}

func (c *Client) fetchFilter(ctx context.Context, call filterCall, hash chainhash.Hash) ([]byte, error) {
	req := c.filterRequest(call, hash.String())
	resp, err := c.rpc.roundTrip(ctx, req)
	if err != nil {
		return nil, err
	}
	return filterResult(call, req.Method, resp)
}

func filterResult(call filterCall, method string, resp response) ([]byte, error) {
	if call == filtersBtcd {
		return hexResult(method, resp)
	}
	var res struct {
		Filter string `json:"filter"`
	}
	if err := decodeResult(method, resp, &res); err != nil {
		return nil, err
	}
	raw, err := hex.DecodeString(res.Filter)
	if err != nil {
		return nil, fmt.Errorf("%s: filter is not hex: %w", method, err)
	}
	return raw, nil
}

// filterRange fetches lo..hi: one batch of getblockhash, then one batch of
// getblockheader (raw) and the filter call for every block.
func (c *Client) filterRange(ctx context.Context, call filterCall, lo, hi int32) ([]Filtered, error) {
	n := int(hi-lo) + 1
	out := make([]Filtered, n)
	reqs := make([]request, n)
	for i := range n {
		reqs[i] = c.rpc.newRequest("getblockhash", lo+int32(i))
	}
	resps, err := c.rpc.batch(ctx, reqs)
	if err != nil {
		return nil, err
	}
	reqs = make([]request, 0, 2*n)
	for i, resp := range resps {
		var s string
		if err := decodeResult("getblockhash", resp, &s); err != nil {
			return nil, c.notFound(err, fmt.Sprintf("no block at height %d", lo+int32(i)))
		}
		if out[i].Hash, err = parseHash("getblockhash", s); err != nil {
			return nil, err
		}
		out[i].Height = lo + int32(i)
		reqs = append(reqs, c.rpc.newRequest("getblockheader", s, false), c.filterRequest(call, s))
	}
	if resps, err = c.rpc.batch(ctx, reqs); err != nil {
		return nil, err
	}
	for i := range out {
		raw, err := hexResult("getblockheader", resps[2*i])
		if err != nil {
			return nil, c.notFound(err, "block "+out[i].Hash.String()+" vanished")
		}
		if err := out[i].Header.Deserialize(bytes.NewReader(raw)); err != nil || len(raw) != wire.MaxBlockHeaderPayload {
			return nil, fmt.Errorf("getblockheader %s: malformed header", out[i].Hash)
		}
		if got := out[i].Header.BlockHash(); got != out[i].Hash {
			return nil, fmt.Errorf("getblockheader %s: node returned header of block %s", out[i].Hash, got)
		}
		if out[i].Filter, err = filterResult(call, reqs[2*i+1].Method, resps[2*i+1]); err != nil {
			if notIndexedYet(err) {
				return nil, fmt.Errorf("%w from block %d on yet: %v", ErrNoFilters, out[i].Height, err)
			}
			return nil, c.notFound(err, "the filter of block "+out[i].Hash.String())
		}
	}
	return out, nil
}

// notIndexedYet recognises Bitcoin Core's answer for a block its filter
// index has not reached: -blockfilterindex was just turned on and the
// index is still being built, or it lags the tip. Blocks up to some height
// have filters, later ones not yet.
func notIndexedYet(err error) bool {
	code, msg, ok := rpcCode(err)
	return ok && code == codeMisc && strings.HasPrefix(msg, "Filter not found")
}
