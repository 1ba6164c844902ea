package psbt

import (
	"bytes"
	"fmt"

	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// SigsFromFinalWitness recovers the signatures of input i of p from a
// finalized copy of that input: a BIP-174 final script witness, as signers
// that finalize leave it once they hold enough signatures (Bitcoin Core's
// walletprocesspsbt, bitcoinjs-lib's finalizeAllInputs), with the partial
// signatures removed. p is the trusted packet; finalWitness comes from
// outside and is trusted for nothing: it must be the multisig stack
// [empty, signature…, witness script] for p's own witness script
// (ErrFinalWitness), and every signature must verify, as VerifyPartialSig
// checks, against a distinct key of that script. The signatures come back as
// partial signatures, each with the key it verified against. hashes must
// come from SigHashes(p).
func SigsFromFinalWitness(p *btcpsbt.Packet, hashes *txscript.TxSigHashes, input int, finalWitness []byte) ([]*btcpsbt.PartialSig, error) {
	info, err := inspectInput(p, input)
	if err != nil {
		return nil, err
	}
	stack, err := parseWitness(finalWitness)
	if err != nil {
		return nil, fmt.Errorf("input %d: %w: %v", input, ErrFinalWitness, err)
	}
	if len(stack) < 3 || len(stack[0]) != 0 || !bytes.Equal(stack[len(stack)-1], info.witnessScript) {
		return nil, fmt.Errorf("input %d: %w", input, ErrFinalWitness)
	}
	sigs := stack[1 : len(stack)-1]
	if len(sigs) > len(info.ms.keys) {
		return nil, fmt.Errorf("input %d: %w: %d signatures for %d keys", input, ErrFinalWitness, len(sigs), len(info.ms.keys))
	}
	used := make([]bool, len(info.ms.keys))
	out := make([]*btcpsbt.PartialSig, 0, len(sigs))
	for n, sig := range sigs {
		var found *btcpsbt.PartialSig
		var lastErr error
		for k, key := range info.ms.keys {
			if used[k] {
				continue
			}
			ps := &btcpsbt.PartialSig{PubKey: cloneBytes(key), Signature: cloneBytes(sig)}
			if lastErr = verifySig(p, hashes, input, info, ps); lastErr == nil {
				used[k], found = true, ps
				break
			}
		}
		if found == nil {
			return nil, fmt.Errorf("input %d: final witness signature %d verifies against no unused key of the script: %w", input, n+1, lastErr)
		}
		out = append(out, found)
	}
	return out, nil
}

// parseWitness reads a serialized witness stack (a count, then each item
// with its length), refusing trailing bytes.
func parseWitness(b []byte) ([][]byte, error) {
	r := bytes.NewReader(b)
	n, err := wire.ReadVarInt(r, 0)
	if err != nil {
		return nil, err
	}
	if n > uint64(len(b)) {
		return nil, fmt.Errorf("witness claims %d items in %d bytes", n, len(b))
	}
	stack := make([][]byte, 0, n)
	for i := uint64(0); i < n; i++ {
		item, err := wire.ReadVarBytes(r, 0, uint32(len(b)), "witness item")
		if err != nil {
			return nil, err
		}
		stack = append(stack, item)
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("%d bytes after the witness", r.Len())
	}
	return stack, nil
}
