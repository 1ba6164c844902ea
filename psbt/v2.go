package psbt

import (
	"encoding/binary"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// lockTimeThreshold separates block heights from Unix times in nLockTime.
const lockTimeThreshold = 500000000

// v2Counts checks the version 2 global fields and returns the input and
// output counts.
func v2Counts(global kvMap) (nIn, nOut uint64, err error) {
	if _, ok := global.find(globalUnsignedTx); ok {
		return 0, 0, fmt.Errorf("version 2 psbt must not have PSBT_GLOBAL_UNSIGNED_TX")
	}
	for _, f := range global {
		switch f.keyType {
		case globalTxVersion, globalFallbackLock, globalInputCount, globalOutputCount, globalTxModifiable:
			if len(f.keyData) != 0 {
				return 0, 0, fmt.Errorf("global field %#02x has key data", f.keyType)
			}
		}
	}
	if err := requireLen(global, globalTxVersion, 4, true); err != nil {
		return 0, 0, err
	}
	if err := requireLen(global, globalFallbackLock, 4, false); err != nil {
		return 0, 0, err
	}
	if err := requireLen(global, globalTxModifiable, 1, false); err != nil {
		return 0, 0, err
	}
	if nIn, err = countField(global, globalInputCount, "PSBT_GLOBAL_INPUT_COUNT"); err != nil {
		return 0, 0, err
	}
	if nOut, err = countField(global, globalOutputCount, "PSBT_GLOBAL_OUTPUT_COUNT"); err != nil {
		return 0, 0, err
	}
	return nIn, nOut, nil
}

// countField reads a compact-size count that must fill its value.
func countField(m kvMap, t uint64, name string) (uint64, error) {
	f, ok := m.find(t)
	if !ok {
		return 0, fmt.Errorf("version 2 psbt has no %s", name)
	}
	r := reader{b: f.value}
	n, err := r.compactSize()
	if err != nil || r.remaining() != 0 {
		return 0, fmt.Errorf("malformed %s", name)
	}
	return n, nil
}

// requireLen checks that field t, if present (or required), has a value of
// exactly n bytes.
func requireLen(m kvMap, t uint64, n int, required bool) error {
	f, ok := m.find(t)
	switch {
	case !ok && required:
		return fmt.Errorf("missing required field %#02x", t)
	case ok && len(f.value) != n:
		return fmt.Errorf("field %#02x has %d bytes, want %d", t, len(f.value), n)
	}
	return nil
}

// v2Input is what a version 2 input map says about the transaction.
type v2Input struct {
	outPoint       wire.OutPoint
	sequence       uint32
	time, height   uint32
	hasTime, hasHt bool
}

// readV2Input checks and reads the version 2 fields of one input map.
func readV2Input(i int, m kvMap) (v2Input, error) {
	in := v2Input{sequence: wire.MaxTxInSequenceNum}
	for _, f := range m {
		switch f.keyType {
		case inPreviousTxid, inOutputIndex, inSequence, inRequiredTimeLock, inRequiredHeightLock:
			if len(f.keyData) != 0 {
				return in, fmt.Errorf("input %d: field %#02x has key data", i, f.keyType)
			}
		}
	}
	for _, c := range []struct {
		t   uint64
		n   int
		req bool
	}{{inPreviousTxid, 32, true}, {inOutputIndex, 4, true}, {inSequence, 4, false},
		{inRequiredTimeLock, 4, false}, {inRequiredHeightLock, 4, false}} {
		if err := requireLen(m, c.t, c.n, c.req); err != nil {
			return in, fmt.Errorf("input %d: %v", i, err)
		}
	}
	txid, _ := m.find(inPreviousTxid)
	copy(in.outPoint.Hash[:], txid.value)
	idx, _ := m.find(inOutputIndex)
	in.outPoint.Index = binary.LittleEndian.Uint32(idx.value)
	if f, ok := m.find(inSequence); ok {
		in.sequence = binary.LittleEndian.Uint32(f.value)
	}
	if f, ok := m.find(inRequiredTimeLock); ok {
		in.time, in.hasTime = binary.LittleEndian.Uint32(f.value), true
		if in.time < lockTimeThreshold {
			return in, fmt.Errorf("input %d: required time locktime %d is below %d", i, in.time, lockTimeThreshold)
		}
	}
	if f, ok := m.find(inRequiredHeightLock); ok {
		in.height, in.hasHt = binary.LittleEndian.Uint32(f.value), true
		if in.height == 0 || in.height >= lockTimeThreshold {
			return in, fmt.Errorf("input %d: required height locktime %d is not in [1, %d)", i, in.height, lockTimeThreshold)
		}
	}
	return in, nil
}

// readV2Output checks and reads the amount and script of one output map.
func readV2Output(i int, m kvMap) (*wire.TxOut, error) {
	for _, f := range m {
		if (f.keyType == outAmount || f.keyType == outScript) && len(f.keyData) != 0 {
			return nil, fmt.Errorf("output %d: field %#02x has key data", i, f.keyType)
		}
	}
	if err := requireLen(m, outAmount, 8, true); err != nil {
		return nil, fmt.Errorf("output %d: PSBT_OUT_AMOUNT: %v", i, err)
	}
	script, ok := m.find(outScript)
	if !ok {
		return nil, fmt.Errorf("output %d: missing PSBT_OUT_SCRIPT", i)
	}
	amount, _ := m.find(outAmount)
	v := int64(binary.LittleEndian.Uint64(amount.value))
	if v < 0 || v > btcutil.MaxSatoshi {
		return nil, fmt.Errorf("output %d: amount %d is out of range", i, v)
	}
	return wire.NewTxOut(v, script.value), nil
}

// lockTime applies BIP-370's rules: with no input requiring a locktime the
// fallback (default 0) is used; otherwise the type every locking input
// supports, preferring height when both are, at its maximum value.
func lockTime(fallback uint32, inputs []v2Input) (uint32, error) {
	var any bool
	heightOK, timeOK := true, true
	var maxHeight, maxTime uint32
	for _, in := range inputs {
		if !in.hasTime && !in.hasHt {
			continue
		}
		any = true
		heightOK = heightOK && in.hasHt
		timeOK = timeOK && in.hasTime
		maxHeight = max(maxHeight, in.height)
		maxTime = max(maxTime, in.time)
	}
	switch {
	case !any:
		return fallback, nil
	case heightOK:
		return maxHeight, nil
	case timeOK:
		return maxTime, nil
	}
	return 0, fmt.Errorf("inputs require both a height-based and a time-based locktime")
}

// v2ToV0 builds the unsigned transaction from the version 2 fields and
// returns the maps without them.
func (p *rawPSBT) v2ToV0() (*rawPSBT, error) {
	ver, _ := p.global.find(globalTxVersion)
	tx := wire.NewMsgTx(int32(binary.LittleEndian.Uint32(ver.value)))
	var fallback uint32
	if f, ok := p.global.find(globalFallbackLock); ok {
		fallback = binary.LittleEndian.Uint32(f.value)
	}
	ins := make([]v2Input, len(p.inputs))
	seen := make(map[wire.OutPoint]bool, len(p.inputs))
	for i, m := range p.inputs {
		in, err := readV2Input(i, m)
		if err != nil {
			return nil, err
		}
		if seen[in.outPoint] {
			return nil, fmt.Errorf("input %d spends %s twice", i, in.outPoint)
		}
		seen[in.outPoint] = true
		ins[i] = in
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: in.outPoint, Sequence: in.sequence})
	}
	for i, m := range p.outputs {
		out, err := readV2Output(i, m)
		if err != nil {
			return nil, err
		}
		tx.AddTxOut(out)
	}
	lt, err := lockTime(fallback, ins)
	if err != nil {
		return nil, err
	}
	tx.LockTime = lt
	v0 := &rawPSBT{
		global: p.global.without(globalTxVersion, globalFallbackLock, globalInputCount,
			globalOutputCount, globalTxModifiable, globalVersion),
		tx: tx,
	}
	for _, m := range p.inputs {
		v0.inputs = append(v0.inputs, m.without(inPreviousTxid, inOutputIndex, inSequence,
			inRequiredTimeLock, inRequiredHeightLock))
	}
	for _, m := range p.outputs {
		v0.outputs = append(v0.outputs, m.without(outAmount, outScript))
	}
	if err := checkUtxoFields(v0.inputs); err != nil {
		return nil, err
	}
	return v0, nil
}
