package scan

import (
	"fmt"

	"github.com/btcsuite/btcd/btcutil/v2/gcs"
	"github.com/btcsuite/btcd/btcutil/v2/gcs/builder"
	"github.com/btcsuite/btcd/chainhash/v2"
)

// A BIP-158 basic filter holds, for one block, every output script the
// block creates (but OP_RETURN ones) and the script of every output its
// transactions spend. Testing the watched scripts against it says whether
// the block may pay us (a watched script among its outputs) or spend from
// us (our outputs pay to watched scripts, so their spends put those same
// scripts in the filter). A "no" is certain; a "yes" is wrong with
// probability about 1/784,931 per script, and the caller then fetches the
// block and matches it with Block, which is exact.

// Scripts returns every watched script, for testing filters. The slice and
// its elements are shared with the watch: callers must not modify them, and
// must not keep them across AddScript.
func (w *Watch) Scripts() [][]byte {
	return w.list
}

// MatchFilter reports whether the basic filter of the block with hash
// blockHash (BIP-158 serialization: N, then the Golomb-coded set) may
// contain any of the watched scripts or of extra. A filter that does not
// parse is an error, never a "no": a node that sends garbage must not make
// a deposit disappear.
func MatchFilter(blockHash chainhash.Hash, filter []byte, w *Watch, extra [][]byte) (bool, error) {
	f, err := gcs.FromNBytes(builder.DefaultP, builder.DefaultM, filter)
	if err != nil {
		return false, fmt.Errorf("block %s: malformed basic filter: %w", blockHash, err)
	}
	if f.N() == 0 {
		// An empty set matches nothing. (A block's coinbase always has an
		// output, so a real basic filter is never empty.)
		return false, nil
	}
	scripts := w.list
	if len(extra) > 0 {
		scripts = append(append(make([][]byte, 0, len(scripts)+len(extra)), scripts...), extra...)
	}
	if len(scripts) == 0 {
		return false, nil
	}
	key := builder.DeriveKey(&blockHash)
	ok, err := f.MatchAny(key, scripts)
	if err != nil {
		return false, fmt.Errorf("block %s: unable to test the basic filter: %w", blockHash, err)
	}
	return ok, nil
}
