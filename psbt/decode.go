package psbt

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"github.com/btcsuite/btcd/chainhash/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// MaxPSBTSize is the largest serialized PSBT Decode reads (16 MiB): room
// for hundreds of inputs with their full previous transactions. Hardware
// signers accept far less.
const MaxPSBTSize = 16 << 20

var psbtMagic = []byte{0x70, 0x73, 0x62, 0x74, 0xff} // "psbt" 0xff

// Key types this package reads itself; btcd reads every other field.
const (
	globalUnsignedTx     = 0x00
	globalTxVersion      = 0x02
	globalFallbackLock   = 0x03
	globalInputCount     = 0x04
	globalOutputCount    = 0x05
	globalTxModifiable   = 0x06
	globalVersion        = 0xfb
	inNonWitnessUtxo     = 0x00
	inWitnessUtxo        = 0x01
	inPreviousTxid       = 0x0e
	inOutputIndex        = 0x0f
	inSequence           = 0x10
	inRequiredTimeLock   = 0x11
	inRequiredHeightLock = 0x12
	outAmount            = 0x03
	outScript            = 0x04
)

// Decode reads a PSBT given as binary, base64 or hex (surrounding and
// embedded whitespace is ignored in the text forms). It accepts version 0
// (BIP-174) and version 2 (BIP-370); a version 2 PSBT is converted to
// version 0, keeping every field that is not specific to version 2. Every
// failure wraps ErrInvalidPSBT.
func Decode(data []byte) (*btcpsbt.Packet, error) {
	raw, err := rawBytes(data)
	if err != nil {
		return nil, err
	}
	parsed, err := parseRaw(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPSBT, err)
	}
	if err := parsed.checkUnknownFields(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPSBT, err)
	}
	v0, err := parsed.toV0()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPSBT, err)
	}
	p, err := btcpsbt.NewFromRawBytes(bytes.NewReader(v0.serialize()), false)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPSBT, err)
	}
	return p, nil
}

// EncodeBinary serializes p as a binary BIP-174 version 0 PSBT.
func EncodeBinary(p *btcpsbt.Packet) ([]byte, error) {
	var b bytes.Buffer
	if err := p.Serialize(&b); err != nil {
		return nil, fmt.Errorf("unable to serialize psbt: %w", err)
	}
	return b.Bytes(), nil
}

// EncodeBase64 serializes p as base64 of the binary form.
func EncodeBase64(p *btcpsbt.Packet) (string, error) {
	b, err := EncodeBinary(p)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// UnsignedTxID is the txid of p's unsigned transaction: the identity of a
// proposal. Signatures and finalization do not change it.
func UnsignedTxID(p *btcpsbt.Packet) chainhash.Hash {
	return p.UnsignedTx.TxHash()
}

// rawBytes recognizes the binary, hex and base64 forms.
func rawBytes(data []byte) ([]byte, error) {
	if len(data) > MaxPSBTSize*2 {
		return nil, fmt.Errorf("%w: %d bytes is larger than the %d-byte limit", ErrInvalidPSBT, len(data), MaxPSBTSize)
	}
	if bytes.HasPrefix(data, psbtMagic) {
		return data, nil
	}
	text := stripSpace(data)
	if len(text) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrInvalidPSBT)
	}
	if b, err := hex.DecodeString(string(text)); err == nil && bytes.HasPrefix(b, psbtMagic) {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(string(text)); err == nil && bytes.HasPrefix(b, psbtMagic) {
		return b, nil
	}
	return nil, fmt.Errorf("%w: not a binary, base64 or hex psbt (no \"psbt\\xff\" magic)", ErrInvalidPSBT)
}

// stripSpace removes ASCII whitespace anywhere in data.
func stripSpace(data []byte) []byte {
	out := make([]byte, 0, len(data))
	for _, c := range data {
		switch c {
		case ' ', '\t', '\n', '\r', '\v', '\f':
		default:
			out = append(out, c)
		}
	}
	return out
}

// field is one key-value pair of a PSBT map.
type field struct {
	keyType uint64
	key     []byte // the whole key: type and key data
	keyData []byte
	value   []byte
}

// kvMap is one map of a PSBT in the order read.
type kvMap []field

// find returns the field of a type that has no key data.
func (m kvMap) find(t uint64) (field, bool) {
	for _, f := range m {
		if f.keyType == t {
			return f, true
		}
	}
	return field{}, false
}

// without returns the fields whose type is not in drop.
func (m kvMap) without(drop ...uint64) kvMap {
	out := make(kvMap, 0, len(m))
next:
	for _, f := range m {
		for _, d := range drop {
			if f.keyType == d {
				continue next
			}
		}
		out = append(out, f)
	}
	return out
}

// rawPSBT is a PSBT split into maps but not interpreted.
type rawPSBT struct {
	version uint32
	global  kvMap
	inputs  []kvMap
	outputs []kvMap
	tx      *wire.MsgTx // v0's unsigned transaction, or the one built from v2 fields
}

// reader walks a byte slice with Bitcoin's compact sizes.
type reader struct {
	b   []byte
	off int
}

func (r *reader) remaining() int { return len(r.b) - r.off }

// compactSize reads a canonically encoded compact size.
func (r *reader) compactSize() (uint64, error) {
	if r.remaining() < 1 {
		return 0, fmt.Errorf("unexpected end of data at byte %d", r.off)
	}
	first := r.b[r.off]
	r.off++
	var n int
	var min uint64
	switch first {
	case 0xfd:
		n, min = 2, 0xfd
	case 0xfe:
		n, min = 4, 0x10000
	case 0xff:
		n, min = 8, 0x100000000
	default:
		return uint64(first), nil
	}
	if r.remaining() < n {
		return 0, fmt.Errorf("truncated compact size at byte %d", r.off)
	}
	var buf [8]byte
	copy(buf[:], r.b[r.off:r.off+n])
	r.off += n
	v := binary.LittleEndian.Uint64(buf[:])
	if v < min {
		return 0, fmt.Errorf("non-canonical compact size at byte %d", r.off)
	}
	return v, nil
}

// bytes returns the next n bytes.
func (r *reader) bytes(n uint64) ([]byte, error) {
	if n > uint64(r.remaining()) {
		return nil, fmt.Errorf("length %d at byte %d runs past the end of the data", n, r.off)
	}
	b := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return b, nil
}

// parseMap reads key-value pairs up to a separator, refusing duplicates.
func (r *reader) parseMap(what string) (kvMap, error) {
	var m kvMap
	seen := make(map[string]bool)
	for {
		keyLen, err := r.compactSize()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", what, err)
		}
		if keyLen == 0 {
			return m, nil
		}
		key, err := r.bytes(keyLen)
		if err != nil {
			return nil, fmt.Errorf("%s: key: %v", what, err)
		}
		kr := reader{b: key}
		keyType, err := kr.compactSize()
		if err != nil {
			return nil, fmt.Errorf("%s: key type: %v", what, err)
		}
		valLen, err := r.compactSize()
		if err != nil {
			return nil, fmt.Errorf("%s: value: %v", what, err)
		}
		value, err := r.bytes(valLen)
		if err != nil {
			return nil, fmt.Errorf("%s: value: %v", what, err)
		}
		if seen[string(key)] {
			return nil, fmt.Errorf("%s: duplicate key %x", what, key)
		}
		seen[string(key)] = true
		m = append(m, field{keyType: keyType, key: key, keyData: key[kr.off:], value: value})
	}
}

// parseRaw splits raw into its maps; the number of input and output maps
// comes from the unsigned transaction (v0) or the counts (v2).
func parseRaw(raw []byte) (*rawPSBT, error) {
	if len(raw) > MaxPSBTSize {
		return nil, fmt.Errorf("%d bytes is larger than the %d-byte limit", len(raw), MaxPSBTSize)
	}
	if !bytes.HasPrefix(raw, psbtMagic) {
		return nil, fmt.Errorf("missing magic bytes")
	}
	r := &reader{b: raw, off: len(psbtMagic)}
	global, err := r.parseMap("global map")
	if err != nil {
		return nil, err
	}
	p := &rawPSBT{global: global}
	if f, ok := global.find(globalVersion); ok {
		if len(f.keyData) != 0 || len(f.value) != 4 {
			return nil, fmt.Errorf("malformed PSBT_GLOBAL_VERSION")
		}
		p.version = binary.LittleEndian.Uint32(f.value)
	}
	var nIn, nOut uint64
	switch p.version {
	case 0:
		if p.tx, err = v0UnsignedTx(global); err != nil {
			return nil, err
		}
		nIn, nOut = uint64(len(p.tx.TxIn)), uint64(len(p.tx.TxOut))
	case 2:
		if nIn, nOut, err = v2Counts(global); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unsupported psbt version %d", p.version)
	}
	// Each map takes at least its separator byte.
	if nIn+nOut > uint64(r.remaining()) {
		return nil, fmt.Errorf("%d inputs and %d outputs cannot fit in %d bytes", nIn, nOut, r.remaining())
	}
	for i := uint64(0); i < nIn; i++ {
		m, err := r.parseMap(fmt.Sprintf("input %d", i))
		if err != nil {
			return nil, err
		}
		p.inputs = append(p.inputs, m)
	}
	for i := uint64(0); i < nOut; i++ {
		m, err := r.parseMap(fmt.Sprintf("output %d", i))
		if err != nil {
			return nil, err
		}
		p.outputs = append(p.outputs, m)
	}
	if r.remaining() != 0 {
		return nil, fmt.Errorf("%d unexpected bytes after the last output map", r.remaining())
	}
	return p, nil
}

// v0UnsignedTx reads and checks PSBT_GLOBAL_UNSIGNED_TX.
func v0UnsignedTx(global kvMap) (*wire.MsgTx, error) {
	f, ok := global.find(globalUnsignedTx)
	if !ok {
		return nil, fmt.Errorf("version 0 psbt has no unsigned transaction")
	}
	if len(f.keyData) != 0 {
		return nil, fmt.Errorf("unsigned transaction key has key data")
	}
	tx := wire.NewMsgTx(2)
	rd := bytes.NewReader(f.value)
	if err := tx.DeserializeNoWitness(rd); err != nil {
		return nil, fmt.Errorf("unsigned transaction: %v", err)
	}
	if rd.Len() != 0 {
		return nil, fmt.Errorf("unsigned transaction has %d trailing bytes (witness serialization?)", rd.Len())
	}
	for i, in := range tx.TxIn {
		if len(in.SignatureScript) != 0 {
			return nil, fmt.Errorf("unsigned transaction input %d has a scriptSig", i)
		}
	}
	return tx, nil
}

// toV0 checks the fields this package interprets and returns the PSBT as
// version 0 maps, with the unsigned transaction first.
func (p *rawPSBT) toV0() (*rawPSBT, error) {
	if p.version == 2 {
		return p.v2ToV0()
	}
	for _, t := range []uint64{globalTxVersion, globalFallbackLock, globalInputCount, globalOutputCount, globalTxModifiable} {
		if _, ok := p.global.find(t); ok {
			return nil, fmt.Errorf("version 0 psbt has version 2 global field %#02x", t)
		}
	}
	for i, m := range p.inputs {
		for _, t := range []uint64{inPreviousTxid, inOutputIndex, inSequence, inRequiredTimeLock, inRequiredHeightLock} {
			if _, ok := m.find(t); ok {
				return nil, fmt.Errorf("input %d: version 0 psbt has version 2 field %#02x", i, t)
			}
		}
	}
	for i, m := range p.outputs {
		for _, t := range []uint64{outAmount, outScript} {
			if _, ok := m.find(t); ok {
				return nil, fmt.Errorf("output %d: version 0 psbt has version 2 field %#02x", i, t)
			}
		}
	}
	if err := checkUtxoFields(p.inputs); err != nil {
		return nil, err
	}
	return &rawPSBT{
		global:  p.global.without(globalUnsignedTx),
		inputs:  p.inputs,
		outputs: p.outputs,
		tx:      p.tx,
	}, nil
}

// checkUtxoFields reads the UTXO fields more strictly than btcd: the whole
// value must be one transaction or one output, with no trailing bytes.
func checkUtxoFields(inputs []kvMap) error {
	for i, m := range inputs {
		if f, ok := m.find(inNonWitnessUtxo); ok {
			tx := wire.NewMsgTx(2)
			rd := bytes.NewReader(f.value)
			if len(f.keyData) != 0 || tx.Deserialize(rd) != nil || rd.Len() != 0 {
				return fmt.Errorf("input %d: malformed non-witness utxo", i)
			}
		}
		if f, ok := m.find(inWitnessUtxo); ok {
			r := reader{b: f.value}
			_, errV := r.bytes(8)
			n, errN := r.compactSize()
			_, errS := r.bytes(n)
			if len(f.keyData) != 0 || errV != nil || errN != nil || errS != nil || r.remaining() != 0 {
				return fmt.Errorf("input %d: malformed witness utxo", i)
			}
		}
	}
	return nil
}

// serialize writes p as a version 0 PSBT: magic, the unsigned transaction,
// then every other field in the order read.
func (p *rawPSBT) serialize() []byte {
	var b bytes.Buffer
	b.Write(psbtMagic)
	var tx bytes.Buffer
	_ = p.tx.SerializeNoWitness(&tx) // writing to a bytes.Buffer cannot fail
	writeField(&b, []byte{globalUnsignedTx}, tx.Bytes())
	writeMap(&b, p.global)
	for _, m := range p.inputs {
		writeMap(&b, m)
	}
	for _, m := range p.outputs {
		writeMap(&b, m)
	}
	return b.Bytes()
}

func writeMap(b *bytes.Buffer, m kvMap) {
	for _, f := range m {
		writeField(b, f.key, f.value)
	}
	b.WriteByte(0)
}

func writeField(b *bytes.Buffer, key, value []byte) {
	_ = wire.WriteVarBytes(b, 0, key)
	_ = wire.WriteVarBytes(b, 0, value)
}
