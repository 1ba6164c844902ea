package psbt

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"unicode/utf8"

	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
)

// BIP-174 proprietary global field that carries the coordinator's audit head
// (an anchor): key 0xFC <compact size len>"treasury" <subtype 0x00>, no key
// data; value the entry's sequence number (8 bytes, little-endian) followed
// by its 32-byte hash. Other software keeps proprietary fields it does not
// know, so the anchor travels with the PSBT to every signer.
//
// A second field, subtype 0x01, carries the vault's name (UTF-8) as a label
// for the signer's records; it proves nothing.
const (
	proprietaryType   = 0xfc
	anchorSubtype     = 0x00
	vaultSubtype      = 0x01
	anchorValueLength = 8 + 32
	maxVaultLabelLen  = 200
	proprietaryIdent  = "treasury"
)

// ErrBadAnchor means the PSBT carries a malformed audit anchor field.
var ErrBadAnchor = errors.New("malformed treasury audit anchor in the psbt")

// Anchor is an audit log head: an entry's sequence number and hash.
type Anchor struct {
	Seq   int64
	Hash  string // 64 lowercase hex characters
	Vault string // the vault's name as the coordinator gave it ("" if none)
}

func propKey(subtype byte) []byte {
	k := []byte{proprietaryType, byte(len(proprietaryIdent))}
	k = append(k, proprietaryIdent...)
	return append(k, subtype)
}

func anchorKey() []byte { return propKey(anchorSubtype) }

// setUnknown replaces or appends the global field with key.
func setUnknown(p *btcpsbt.Packet, key, value []byte) {
	for _, u := range p.Unknowns {
		if bytes.Equal(u.Key, key) {
			u.Value = value
			return
		}
	}
	p.Unknowns = append(p.Unknowns, &btcpsbt.Unknown{Key: key, Value: value})
}

// SetAnchor writes a into p's global proprietary field, replacing any
// anchor already there. The unsigned transaction, and so the txid, does not
// change.
func SetAnchor(p *btcpsbt.Packet, a Anchor) error {
	h, err := hex.DecodeString(a.Hash)
	if err != nil || len(h) != 32 || a.Seq < 1 || len(a.Vault) > maxVaultLabelLen {
		return fmt.Errorf("%w: sequence %d, hash %q", ErrBadAnchor, a.Seq, a.Hash)
	}
	v := binary.LittleEndian.AppendUint64(nil, uint64(a.Seq))
	setUnknown(p, anchorKey(), append(v, h...))
	if a.Vault != "" {
		setUnknown(p, propKey(vaultSubtype), []byte(a.Vault))
	}
	return nil
}

// AnchorOf returns the anchor p carries; ok is false when it has none. A
// field with our key but the wrong length is ErrBadAnchor.
func AnchorOf(p *btcpsbt.Packet) (a Anchor, ok bool, err error) {
	key := anchorKey()
	for _, u := range p.Unknowns {
		if !bytes.Equal(u.Key, key) {
			continue
		}
		if len(u.Value) != anchorValueLength {
			return Anchor{}, false, fmt.Errorf("%w: its value is %d bytes, not %d", ErrBadAnchor, len(u.Value), anchorValueLength)
		}
		seq := binary.LittleEndian.Uint64(u.Value[:8])
		if seq < 1 || seq > 1<<62 {
			return Anchor{}, false, fmt.Errorf("%w: sequence number %d", ErrBadAnchor, seq)
		}
		a := Anchor{Seq: int64(seq), Hash: hex.EncodeToString(u.Value[8:])}
		vk := propKey(vaultSubtype)
		for _, w := range p.Unknowns {
			if bytes.Equal(w.Key, vk) && len(w.Value) <= maxVaultLabelLen && utf8.Valid(w.Value) {
				a.Vault = string(w.Value)
			}
		}
		return a, true, nil
	}
	return Anchor{}, false, nil
}
