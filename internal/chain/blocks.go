package chain

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Fetch tuning: at most this many blocks per batched HTTP request, about
// fetchBytes of raw block per request once block sizes are known (a batch
// travels as hex inside JSON, so a request holds about three times that in
// memory), and this many requests in flight. BenchmarkSync measured 200
// blocks × 2 workers fastest against btcd; fetchBytes keeps mainnet-sized
// blocks from turning a batch into hundreds of megabytes.
const (
	defaultFetchBatch   = 200
	defaultFetchWorkers = 2
	fetchBytes          = 8 << 20
	firstFetchBatch     = 4 // until a block size has been seen
)

// Blocks returns the main-chain blocks at heights from through to, in order.
// Hashes and raw blocks (getblock verbosity 0) are requested in batches and
// parsed with wire. Every block is checked to be the one asked for and to
// extend the one before it; a reorganisation during the fetch gives
// ErrReorg, and the caller starts again from its last known block.
func (c *Client) Blocks(ctx context.Context, from, to int32) ([]Block, error) {
	if from < 0 || to < from {
		return nil, fmt.Errorf("invalid block range %d..%d", from, to)
	}
	out := make([]Block, int(to-from)+1)
	batch, workers := c.fetchBatch, c.fetchWorkers
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = from
		avgSize  int // raw bytes per block in the last batch; 0 before
	)
	take := func() (int32, int32, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next > to || firstErr != nil {
			return 0, 0, false
		}
		size := min(batch, firstFetchBatch)
		if avgSize > 0 {
			size = max(1, min(batch, fetchBytes/avgSize))
		}
		lo := next
		hi := min(to, lo+int32(size)-1)
		next = hi + 1
		return lo, hi, true
	}
	for range workers {
		wg.Go(func() {
			for {
				lo, hi, ok := take()
				if !ok {
					return
				}
				n, err := c.fetchRange(ctx, lo, out[lo-from:hi-from+1])
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				avgSize = max(1, n/int(hi-lo+1))
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	for i := 1; i < len(out); i++ {
		if out[i].Msg.Header.PrevBlock != out[i-1].Hash {
			return nil, c.reorg(out[i].Height)
		}
	}
	return out, nil
}

// fetchRange fills dst with the blocks from height lo on: one batch of
// getblockhash, then one batch of getblock. It returns the raw bytes read.
func (c *Client) fetchRange(ctx context.Context, lo int32, dst []Block) (int, error) {
	reqs := make([]request, len(dst))
	for i := range dst {
		reqs[i] = c.rpc.newRequest("getblockhash", lo+int32(i))
	}
	resps, err := c.rpc.batch(ctx, reqs)
	if err != nil {
		return 0, err
	}
	for i, resp := range resps {
		var s string
		if err := decodeResult("getblockhash", resp, &s); err != nil {
			return 0, c.notFound(err, fmt.Sprintf("no block at height %d", lo+int32(i)))
		}
		if dst[i].Hash, err = parseHash("getblockhash", s); err != nil {
			return 0, err
		}
		dst[i].Height = lo + int32(i)
		reqs[i] = c.rpc.newRequest("getblock", s, 0)
	}
	if resps, err = c.rpc.batch(ctx, reqs); err != nil {
		return 0, err
	}
	total := 0
	for i, resp := range resps {
		raw, err := hexResult("getblock", resp)
		if err != nil {
			// The hash was in the main chain a moment ago.
			return 0, c.notFound(err, "block "+dst[i].Hash.String()+" vanished")
		}
		if dst[i].Msg, err = parseBlock(raw, dst[i].Hash); err != nil {
			return 0, err
		}
		total += len(raw)
	}
	return total, nil
}

func parseBlock(raw []byte, want chainhash.Hash) (*wire.MsgBlock, error) {
	msg := new(wire.MsgBlock)
	if err := msg.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("getblock %s: malformed block: %w", want, err)
	}
	if got := msg.Header.BlockHash(); got != want {
		return nil, fmt.Errorf("getblock %s: node returned block %s", want, got)
	}
	return msg, nil
}

func (c *Client) reorg(height int32) error {
	return &Error{Kind: ErrReorg, Msg: fmt.Sprintf(
		"the chain of node at %s changed at height %d while blocks were fetched", c.rpc.host, height)}
}
