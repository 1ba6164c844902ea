package chain

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Fetch tuning: blocks per batched HTTP request and batches in flight.
// Measured against btcd on two cores (see the benchmark in this package).
const (
	defaultFetchBatch   = 50
	defaultFetchWorkers = 2
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
	)
	take := func() (int32, int32, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next > to || firstErr != nil {
			return 0, 0, false
		}
		lo := next
		hi := min(to, lo+int32(batch)-1)
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
				if err := c.fetchRange(ctx, lo, out[lo-from:hi-from+1]); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
						cancel()
					}
					mu.Unlock()
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
// getblockhash, then one batch of getblock.
func (c *Client) fetchRange(ctx context.Context, lo int32, dst []Block) error {
	reqs := make([]request, len(dst))
	for i := range dst {
		reqs[i] = c.rpc.newRequest("getblockhash", lo+int32(i))
	}
	resps, err := c.rpc.batch(ctx, reqs)
	if err != nil {
		return err
	}
	for i, resp := range resps {
		var s string
		if err := decodeResult("getblockhash", resp, &s); err != nil {
			return c.notFound(err, fmt.Sprintf("no block at height %d", lo+int32(i)))
		}
		if dst[i].Hash, err = parseHash("getblockhash", s); err != nil {
			return err
		}
		dst[i].Height = lo + int32(i)
		reqs[i] = c.rpc.newRequest("getblock", s, 0)
	}
	if resps, err = c.rpc.batch(ctx, reqs); err != nil {
		return err
	}
	for i, resp := range resps {
		raw, err := hexResult("getblock", resp)
		if err != nil {
			// The hash was in the main chain a moment ago.
			return c.notFound(err, "block "+dst[i].Hash.String()+" vanished")
		}
		if dst[i].Msg, err = parseBlock(raw, dst[i].Hash); err != nil {
			return err
		}
	}
	return nil
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
