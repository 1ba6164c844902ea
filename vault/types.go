// Package vault describes M-of-N multisig wallets as output descriptors
// (BIP-380/381/383/389): it parses and prints them with their checksums,
// validates their keys and derives the scripts and addresses of a generation.
//
// The package is pure: it imports btcd and the standard library only.
package vault

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg/v2"
)

// Network is one of the bitcoin networks a vault can live on.
type Network struct {
	// Name is "mainnet", "testnet", "testnet4", "signet" or "regtest".
	Name   string
	Params *chaincfg.Params
}

// IsMainnet reports whether extended keys on this network are xpubs (as
// opposed to the tpubs every test network shares).
func (n Network) IsMainnet() bool { return n.Name == "mainnet" }

// CoinType is the BIP-44/48 coin type: 0' on mainnet, 1' on every test network.
func (n Network) CoinType() uint32 {
	if n.IsMainnet() {
		return 0
	}
	return 1
}

// Fingerprint is a BIP-32 key fingerprint: the first four bytes of
// HASH160 of a public key, in the order they are written in hex
// ("d34db33f" is {0xd3, 0x4d, 0xb3, 0x3f}).
type Fingerprint [4]byte

// String returns the lowercase hex form used in key origins.
func (f Fingerprint) String() string { return hex.EncodeToString(f[:]) }

// PSBT returns the fingerprint as btcd's psbt package stores it
// (Bip32Derivation.MasterKeyFingerprint): the four bytes read little-endian.
func (f Fingerprint) PSBT() uint32 { return binary.LittleEndian.Uint32(f[:]) }

// FingerprintFromPSBT is the inverse of Fingerprint.PSBT.
func FingerprintFromPSBT(v uint32) Fingerprint {
	var f Fingerprint
	binary.LittleEndian.PutUint32(f[:], v)
	return f
}

// ParseFingerprint reads eight hex digits.
func ParseFingerprint(s string) (Fingerprint, error) {
	var f Fingerprint
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 4 {
		return f, fmt.Errorf("fingerprint %q is not 8 hex digits", s)
	}
	copy(f[:], b)
	return f, nil
}

// ScriptType is the output script a descriptor describes.
type ScriptType int

const (
	// P2WSH is wsh(sortedmulti(...)).
	P2WSH ScriptType = iota + 1
	// P2SHP2WSH is sh(wsh(sortedmulti(...))).
	P2SHP2WSH
)

// KeyOrigin is the "[fingerprint/path]" prefix of a key expression: the
// master key's fingerprint and the derivation path from it to the xpub.
type KeyOrigin struct {
	Fingerprint Fingerprint
	Path        []uint32 // hardened steps carry hdkeychain.HardenedKeyStart
	// Marker is the hardened marker the origin is written with, '\'' or
	// 'h'; zero means '\''. It changes no key, only the text, so that a
	// parsed descriptor prints back exactly as it was given.
	Marker byte
	// markers keeps one marker per step when a parsed origin mixed them
	// ("0'/0h"); it is ignored unless it is as long as Path.
	markers []byte
}

// Key is one key expression of a multisig descriptor: an extended public
// key with its origin and what is derived below it.
type Key struct {
	Origin *KeyOrigin // nil when the expression has no origin
	// XPub is the extended public key (neutered), as written.
	XPub *hdkeychain.ExtendedKey
	// Multipath is true for "/<0;1>/*": chain 0 receives, chain 1 is change.
	// When false, the key is "/Chain/*" for a single chain.
	Multipath bool
	Chain     uint32
	// SLIP132 is the SLIP-132 multisig prefix the key was written with
	// ("Zpub", "Ypub", "Vpub", "Upub"), which names a script type; "" for
	// an xpub or tpub. XPub itself is always the BIP-32 version.
	SLIP132 string
}

// Derived is the concrete wallet script at one chain and index of a
// descriptor.
type Derived struct {
	Chain, Index  uint32
	WitnessScript []byte // the sorted multisig script
	RedeemScript  []byte // P2SH-P2WSH only: the P2WSH program; nil for P2WSH
	PkScript      []byte // the output script
	Address       string // encoded for the network passed to Derive
	// Keys in script order (sorted by compressed public key), each with
	// its full derivation from its master key.
	Keys []DerivedKey
}

// DerivedKey is one public key of a derived script with the BIP-32 origin a
// signer needs to find its private key.
type DerivedKey struct {
	PubKey      []byte // 33-byte compressed
	Fingerprint Fingerprint
	Path        []uint32 // origin path + chain + index
}
