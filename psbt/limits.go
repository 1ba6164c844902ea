package psbt

import (
	"fmt"
	"io"
	"io/fs"
)

// MaxEncodedSize bounds what ReadAll reads: the base64 form of a
// MaxPSBTSize PSBT with room for line breaks. Decode refuses larger input
// too, so no reader of outside data needs more.
const MaxEncodedSize = MaxPSBTSize * 2

// MaxUnknownFields bounds the total size (keys and values) of the fields
// Decode does not interpret and would carry through unchanged: proprietary
// fields (type 0xFC) and types BIP-174 does not define. A signer copies
// them into the file it writes; a few megabytes of them can only be there
// to hide something or to exhaust whoever reads the file next.
const MaxUnknownFields = 1 << 20

// ReadAll reads a PSBT's encoding from r, refusing (ErrInvalidPSBT) as soon
// as it passes MaxEncodedSize bytes, without reading the rest: /dev/zero
// or a huge file is refused in bounded memory.
func ReadAll(r io.Reader) ([]byte, error) {
	if tooLarge(r, MaxEncodedSize) {
		return nil, fmt.Errorf("%w: it is larger than the %d-byte limit", ErrInvalidPSBT, MaxEncodedSize)
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxEncodedSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxEncodedSize {
		return nil, fmt.Errorf("%w: it is larger than the %d-byte limit", ErrInvalidPSBT, MaxEncodedSize)
	}
	return b, nil
}

// Field types BIP-174 (with BIP-370, BIP-371 and BIP-373) defines per map.
var (
	knownGlobal = typeSet(0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0xfb)
	knownInput  = typeSet(0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
		0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x1a, 0x1b, 0x1c)
	knownOutput = typeSet(0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08)
)

func typeSet(ts ...uint64) map[uint64]bool {
	m := make(map[uint64]bool, len(ts))
	for _, t := range ts {
		m[t] = true
	}
	return m
}

// checkUnknownFields refuses a PSBT whose proprietary and undefined fields
// add up to more than MaxUnknownFields bytes.
func (p *rawPSBT) checkUnknownFields() error {
	total := unknownBytes(p.global, knownGlobal)
	for _, m := range p.inputs {
		total += unknownBytes(m, knownInput)
	}
	for _, m := range p.outputs {
		total += unknownBytes(m, knownOutput)
	}
	if total > MaxUnknownFields {
		return fmt.Errorf("its proprietary and unknown fields hold %d bytes, more than the %d this program carries through", total, MaxUnknownFields)
	}
	return nil
}

func unknownBytes(m kvMap, known map[uint64]bool) int {
	n := 0
	for _, f := range m {
		if !known[f.keyType] {
			n += len(f.key) + len(f.value)
		}
	}
	return n
}

// tooLarge reports whether r is a regular file larger than limit, which is
// refused without reading it. Devices and pipes have no size; they are
// read through the limit.
func tooLarge(r io.Reader, limit int64) bool {
	f, ok := r.(interface{ Stat() (fs.FileInfo, error) })
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular() && fi.Size() > limit
}
