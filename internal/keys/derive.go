package keys

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"

	"github.com/treasury-dev/treasury/vault"
)

var (
	// ErrNetworkMismatch is returned when a descriptor or PSBT is for another
	// network than the key file. It is vault's sentinel, so one errors.Is
	// check covers both packages.
	ErrNetworkMismatch = vault.ErrNetworkMismatch
	// ErrForeignDescriptor is returned by Register for a descriptor none of
	// whose keys derives from this seed.
	ErrForeignDescriptor = errors.New("descriptor has no key from this seed")
	// ErrFalseOrigin is returned by Register when a descriptor key carries
	// this seed's fingerprint but is not the key this seed derives at its
	// origin path.
	ErrFalseOrigin = errors.New("descriptor key claims this seed's fingerprint but does not derive from it")
)

// derive returns the extended private key at path from the master key. The
// caller must Zero it.
func (f *File) derive(path []uint32) (*hdkeychain.ExtendedKey, error) {
	k, err := f.master()
	if err != nil {
		return nil, err
	}
	for _, step := range path {
		child, err := k.Derive(step)
		k.Zero()
		if err != nil {
			return nil, fmt.Errorf("unable to derive %s: %w", vault.FormatPath(path), err)
		}
		k = child
	}
	return k, nil
}

// neuter returns the extended public key of priv as an independent value:
// hdkeychain's Neuter shares the chain code with priv, which Zero wipes.
func neuter(priv *hdkeychain.ExtendedKey) (*hdkeychain.ExtendedKey, error) {
	pub, err := priv.Neuter()
	if err != nil {
		return nil, err
	}
	return hdkeychain.NewKeyFromString(pub.String())
}

// xpubAt returns the extended public key this seed derives at path.
func (f *File) xpubAt(path []uint32) (*hdkeychain.ExtendedKey, error) {
	priv, err := f.derive(path)
	if err != nil {
		return nil, err
	}
	defer priv.Zero()
	return neuter(priv)
}

// AccountKey returns the holder's BIP-48 account key for a vault
// generation: [fingerprint/48'/coin'/account'/script']xpub/<0;1>/*, with a
// tpub on test networks and an xpub on mainnet.
func (f *File) AccountKey(account uint32, t vault.ScriptType) (vault.Key, error) {
	if account >= hdkeychain.HardenedKeyStart {
		return vault.Key{}, fmt.Errorf("account %d is out of range (it must be below 2^31)", account)
	}
	path := vault.BIP48Path(f.net, account, t)
	xpub, err := f.xpubAt(path)
	if err != nil {
		return vault.Key{}, fmt.Errorf("unable to derive account %d: %w", account, err)
	}
	return vault.Key{
		Origin:    &vault.KeyOrigin{Fingerprint: f.Fingerprint, Path: path},
		XPub:      xpub,
		Multipath: true,
	}, nil
}

// sameXPub compares the key material (public key and chain code) of two
// extended public keys, ignoring version, depth and parent fingerprint.
func sameXPub(a, b *hdkeychain.ExtendedKey) bool {
	pa, errA := a.ECPubKey()
	pb, errB := b.ECPubKey()
	return errA == nil && errB == nil &&
		bytes.Equal(pa.SerializeCompressed(), pb.SerializeCompressed()) &&
		bytes.Equal(a.ChainCode(), b.ChainCode())
}

// Register adds d to the descriptors this signer trusts. It derives, from
// this seed, the key at the origin path of every key carrying this seed's
// fingerprint and compares it with the descriptor's xpub; the fingerprint
// alone proves nothing. It refuses a descriptor for another network, one
// with no key of this seed and one whose key falsely claims this seed's
// fingerprint. It reports false, with no error, if d is already registered.
// The caller saves the file afterwards.
func (f *File) Register(d *vault.Descriptor) (added bool, err error) {
	return f.register(d, false)
}

// RegisterDestination trusts d as a destination of this signer's vault
// family even though it holds none of this seed's keys: the next generation
// of a vault the holder is leaving, which their last signature funds. Keys
// that claim this seed's fingerprint must still be really derived from it.
// This signer can never sign for d's inputs; Review accepts outputs to it
// as internal.
func (f *File) RegisterDestination(d *vault.Descriptor) (added bool, err error) {
	return f.register(d, true)
}

func (f *File) register(d *vault.Descriptor, destination bool) (added bool, err error) {
	if f.zeroed {
		return false, ErrZeroed
	}
	if d.IsMainnet() != f.net.IsMainnet() {
		return false, fmt.Errorf("unable to register the descriptor: %w: the descriptor's keys are for %s, the key file for %s",
			ErrNetworkMismatch, networkClass(d.IsMainnet()), f.Network)
	}
	if err := f.checkOwnKeys(d); err != nil && !(destination && errors.Is(err, ErrForeignDescriptor)) {
		return false, fmt.Errorf("unable to register the descriptor: %w", err)
	}
	if f.isRegistered(d) {
		return false, nil
	}
	f.Registered = append(f.Registered, d.String())
	return true, nil
}

// checkOwnKeys verifies that d has at least one key of this seed and that
// every key claiming this seed's fingerprint is really derived from it.
func (f *File) checkOwnKeys(d *vault.Descriptor) error {
	ours := 0
	for i, k := range d.Keys {
		if k.Origin == nil || k.Origin.Fingerprint != f.Fingerprint {
			continue
		}
		xpub, err := f.xpubAt(k.Origin.Path)
		if err != nil {
			return fmt.Errorf("key %d: %w", i+1, err)
		}
		if !sameXPub(xpub, k.XPub) {
			return fmt.Errorf("%w: key %d (%s) is not what this seed derives at %s",
				ErrFalseOrigin, i+1, k.OriginString(), vault.FormatPath(k.Origin.Path))
		}
		ours++
	}
	if ours == 0 {
		return fmt.Errorf("%w: no key has fingerprint %s", ErrForeignDescriptor, f.Fingerprint)
	}
	return nil
}

func networkClass(mainnet bool) string {
	if mainnet {
		return "mainnet"
	}
	return "a test network"
}

// registered parses the registered descriptors.
func (f *File) registered() ([]*vault.Descriptor, error) {
	out := make([]*vault.Descriptor, 0, len(f.Registered))
	for i, s := range f.Registered {
		d, err := vault.ParseDescriptor(s)
		if err != nil {
			return nil, fmt.Errorf("registered descriptor %d does not parse: %w", i+1, err)
		}
		out = append(out, d)
	}
	return out, nil
}
