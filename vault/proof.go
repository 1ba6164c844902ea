package vault

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chainhash/v2"
)

// A standby proof is a holder's BIP-340 Schnorr signature, made with their
// key in a generation, over a tagged hash (BIP-340's tagged hash, tag
// StandbyProofTag) binding:
//
//   - the network name ("regtest", "mainnet", …);
//   - the generation's canonical descriptor (keys sorted, ' markers,
//     "/<0;1>/*"), with its BIP-380 checksum;
//   - the key's master fingerprint and origin path;
//   - the date, as RFC 3339 UTC to the second.
//
// The signing key is the holder's first receive key, the child /0/0 of the
// account xpub in the descriptor ([fp/origin]xpub/<0;1>/*): the key that
// signs for the generation's first address. Only a seed that derives the
// account key at the origin can make it. A verifier needs nothing from the
// proof file but the date: it derives the public key from the xpub it
// stored and recomputes the message.
const (
	// StandbyProofTag is the BIP-340 tag of the signed message.
	StandbyProofTag = "treasury/standby-proof/v1"
	// StandbyProofVersion is the proof file version this package writes and reads.
	StandbyProofVersion = 1
	// StandbyProofType names the file's kind in its "type" field.
	StandbyProofType = "treasury-standby-proof"
	// MaxStandbyProofSize bounds a proof file; a real one is under 2 KiB
	// for 15 keys.
	MaxStandbyProofSize = 64 << 10
)

// ProofChild is the derivation below a key's xpub at which the proving key
// sits: receive chain, index 0.
var ProofChild = []uint32{0, 0}

// Errors a standby proof can fail with; each is wrapped with one sentence.
var (
	// ErrProofFormat: the file is not a standby proof this version reads.
	ErrProofFormat = errors.New("not a valid standby proof")
	// ErrProofMismatch: the proof is for another network, descriptor or key.
	ErrProofMismatch = errors.New("standby proof does not match")
	// ErrProofSignature: the signature does not verify against the key the
	// descriptor holds at the proof's fingerprint and origin.
	ErrProofSignature = errors.New("standby proof signature does not verify")
)

// StandbyProof is the proof file (versioned JSON). Every field but PubKey
// and Signature is part of the signed message; PubKey is a convenience the
// verifier checks against its own derivation.
type StandbyProof struct {
	Version     int    `json:"version"`
	Type        string `json:"type"`
	Network     string `json:"network"`
	Descriptor  string `json:"descriptor"` // as registered, with checksum
	Checksum    string `json:"checksum"`   // the descriptor's checksum
	Fingerprint string `json:"fingerprint"`
	Origin      string `json:"origin"` // m/48'/1'/1'/2'
	Date        string `json:"date"`   // RFC 3339 UTC, seconds
	PubKey      string `json:"pubkey"` // hex, 33 bytes, the key at origin/0/0
	Signature   string `json:"signature"`
}

// Canonical returns the descriptor with its keys sorted and every hardened
// step marked with ', with its checksum: the same text for every
// descriptor Equal to d.
func (d *Descriptor) Canonical() string {
	keys := slices.Clone(d.Keys)
	for i, k := range keys {
		if k.Origin != nil {
			o := *k.Origin
			o.Marker, o.markers = '\'', nil
			keys[i].Origin = &o
		}
	}
	slices.SortFunc(keys, func(a, b Key) int {
		switch sa, sb := a.String(), b.String(); {
		case sa < sb:
			return -1
		case sa > sb:
			return 1
		}
		return 0
	})
	c := &Descriptor{Type: d.Type, Threshold: d.Threshold, Keys: keys}
	return c.String()
}

// StandbyProofHash is the message a standby proof signs.
func StandbyProofHash(net Network, d *Descriptor, fp Fingerprint, origin []uint32, date time.Time) [32]byte {
	var b bytes.Buffer
	for _, field := range [][]byte{
		[]byte(net.Name), []byte(d.Canonical()), fp[:], []byte(FormatPath(origin)), []byte(ProofDate(date)),
	} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(field)))
		b.Write(n[:])
		b.Write(field)
	}
	return *chainhash.TaggedHash([]byte(StandbyProofTag), b.Bytes())
}

// ProofDate is the date as a proof writes and signs it.
func ProofDate(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// ProofKey returns the public key a proof for k is signed with: k's xpub
// derived at ProofChild.
func ProofKey(k Key) (*btcec.PublicKey, error) {
	if k.XPub == nil {
		return nil, fmt.Errorf("%w: no xpub", ErrNotExtendedKey)
	}
	x := k.XPub
	for _, step := range ProofChild {
		var err error
		if x, err = x.Derive(step); err != nil {
			return nil, fmt.Errorf("unable to derive the proving key: %w", err)
		}
	}
	return x.ECPubKey()
}

// NewStandbyProof assembles a proof for key k of d, signed by sign over
// StandbyProofHash. keys (the offline signer) calls it with the private key
// it derived; the result is verified before it is returned.
func NewStandbyProof(net Network, d *Descriptor, k Key, date time.Time, sign func(hash []byte) (*schnorr.Signature, error)) (*StandbyProof, error) {
	if k.Origin == nil {
		return nil, fmt.Errorf("%w: the key has no origin", ErrProofFormat)
	}
	pub, err := ProofKey(k)
	if err != nil {
		return nil, err
	}
	h := StandbyProofHash(net, d, k.Origin.Fingerprint, k.Origin.Path, date)
	sig, err := sign(h[:])
	if err != nil {
		return nil, err
	}
	text := d.String()
	p := &StandbyProof{
		Version: StandbyProofVersion, Type: StandbyProofType, Network: net.Name,
		Descriptor: text, Checksum: checksumOf(text),
		Fingerprint: k.Origin.Fingerprint.String(), Origin: FormatPath(k.Origin.Path), Date: ProofDate(date),
		PubKey: hex.EncodeToString(pub.SerializeCompressed()), Signature: hex.EncodeToString(sig.Serialize()),
	}
	if _, _, err := p.Verify(net, d); err != nil {
		return nil, fmt.Errorf("the new proof does not verify: %w", err)
	}
	return p, nil
}

// ParseStandbyProof reads a proof file: JSON of this version, no unknown
// fields, at most MaxStandbyProofSize bytes. It does not verify it.
func ParseStandbyProof(b []byte) (*StandbyProof, error) {
	if len(b) > MaxStandbyProofSize {
		return nil, fmt.Errorf("%w: the file is larger than %d bytes", ErrProofFormat, MaxStandbyProofSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p StandbyProof
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrProofFormat, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: text follows the proof", ErrProofFormat)
	}
	if p.Type != StandbyProofType {
		return nil, fmt.Errorf("%w: its type is %q, not %q", ErrProofFormat, p.Type, StandbyProofType)
	}
	if p.Version != StandbyProofVersion {
		return nil, fmt.Errorf("%w: it is version %d and this treasury reads version %d", ErrProofFormat, p.Version, StandbyProofVersion)
	}
	return &p, nil
}

// Encode writes the proof as indented JSON with a final newline.
func (p *StandbyProof) Encode() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep "<0;1>" readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Verify checks p against d, a generation's descriptor as the verifier
// stored it, on net: the proof names the same network and policy, its
// fingerprint is a key of d with the same origin, and its signature
// verifies against that key's child at ProofChild over the recomputed
// message. It returns the proven key and the proof's date.
func (p *StandbyProof) Verify(net Network, d *Descriptor) (Key, time.Time, error) {
	if p.Network != net.Name {
		return Key{}, time.Time{}, fmt.Errorf("%w: the proof is for %s, not %s", ErrProofMismatch, p.Network, net.Name)
	}
	pd, err := ParseDescriptor(p.Descriptor)
	if err != nil {
		return Key{}, time.Time{}, fmt.Errorf("%w: its descriptor does not parse: %v", ErrProofFormat, err)
	}
	if !pd.Equal(d) {
		return Key{}, time.Time{}, fmt.Errorf("%w: the proof is for descriptor #%s, not #%s", ErrProofMismatch, checksumOf(pd.String()), checksumOf(d.String()))
	}
	if p.Checksum != checksumOf(pd.String()) {
		return Key{}, time.Time{}, fmt.Errorf("%w: its checksum field %q is not its descriptor's (#%s)", ErrProofFormat, p.Checksum, checksumOf(pd.String()))
	}
	k, err := p.key(d)
	if err != nil {
		return Key{}, time.Time{}, err
	}
	date, err := time.Parse(time.RFC3339, p.Date)
	if err != nil || ProofDate(date) != p.Date {
		return Key{}, time.Time{}, fmt.Errorf("%w: its date %q is not an RFC 3339 UTC time such as 2026-01-02T15:04:05Z", ErrProofFormat, p.Date)
	}
	if err := p.checkSignature(net, d, k, date); err != nil {
		return Key{}, time.Time{}, err
	}
	return k, date, nil
}

// key finds the key of d the proof names, by fingerprint and origin.
func (p *StandbyProof) key(d *Descriptor) (Key, error) {
	fp, err := ParseFingerprint(p.Fingerprint)
	if err != nil {
		return Key{}, fmt.Errorf("%w: %v", ErrProofFormat, err)
	}
	for _, k := range d.Keys {
		if k.Origin == nil || k.Origin.Fingerprint != fp {
			continue
		}
		if origin := FormatPath(k.Origin.Path); origin != p.Origin {
			return Key{}, fmt.Errorf("%w: key %s is at origin %s in the descriptor, not %s", ErrProofMismatch, fp, origin, p.Origin)
		}
		return k, nil
	}
	return Key{}, fmt.Errorf("%w: the descriptor has no key with fingerprint %s", ErrProofMismatch, fp)
}

func (p *StandbyProof) checkSignature(net Network, d *Descriptor, k Key, date time.Time) error {
	pub, err := ProofKey(k)
	if err != nil {
		return err
	}
	if p.PubKey != hex.EncodeToString(pub.SerializeCompressed()) {
		return fmt.Errorf("%w: its public key is not the one key %s derives at %s/0/0", ErrProofSignature, k.Origin.Fingerprint, p.Origin)
	}
	raw, err := hex.DecodeString(p.Signature)
	if err != nil {
		return fmt.Errorf("%w: its signature is not hex", ErrProofFormat)
	}
	sig, err := schnorr.ParseSignature(raw)
	if err != nil {
		return fmt.Errorf("%w: its signature is malformed: %v", ErrProofFormat, err)
	}
	h := StandbyProofHash(net, d, k.Origin.Fingerprint, k.Origin.Path, date)
	if !sig.Verify(h[:], pub) {
		return fmt.Errorf("%w: the signature of key %s does not match the proof's descriptor, key and date", ErrProofSignature, k.Origin.Fingerprint)
	}
	return nil
}

func checksumOf(desc string) string {
	if len(desc) < 8 {
		return desc
	}
	return desc[len(desc)-8:]
}
