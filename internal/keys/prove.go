package keys

import (
	"errors"
	"fmt"
	"time"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/treasury-dev/treasury/vault"
)

// ErrNotRegistered is returned by ProveStandby for a descriptor the key
// file does not trust as one of its own wallets.
var ErrNotRegistered = errors.New("descriptor is not registered in the key file")

// ProveStandby signs a standby proof (vault.StandbyProof) for d, dated at:
// this seed's key in d, derived at its origin path and then at
// vault.ProofChild, signs the message that binds the network, d, the key's
// fingerprint and origin, and the date. It refuses a descriptor for another
// network, one with no key of this seed, one whose key claims this seed's
// fingerprint but does not derive from it (a mistyped origin: funds sent
// there could never be signed for by this holder), and one not registered
// in this file as a signing wallet.
func (f *File) ProveStandby(d *vault.Descriptor, at time.Time) (*vault.StandbyProof, error) {
	if f.zeroed {
		return nil, ErrZeroed
	}
	if d.IsMainnet() != f.net.IsMainnet() {
		return nil, refuseProof(ErrNetworkMismatch, "its keys are for %s, the key file for %s", networkClass(d.IsMainnet()), f.Network)
	}
	if err := f.checkOwnKeys(d); err != nil {
		kind := ErrForeignDescriptor
		if errors.Is(err, ErrFalseOrigin) {
			kind = ErrFalseOrigin
		}
		return nil, refuseProof(kind, "%v", err)
	}
	if !f.registeredAsSigner(d) {
		return nil, refuseProof(ErrNotRegistered, "it is not registered in the key file as one of %s's wallets; register it first (treasury key register)", f.Name)
	}
	k, ok := f.ownKey(d)
	if !ok {
		return nil, refuseProof(ErrForeignDescriptor, "no key has fingerprint %s", f.Fingerprint)
	}
	path := append(append([]uint32{}, k.Origin.Path...), vault.ProofChild...)
	priv, err := f.derive(path)
	if err != nil {
		return nil, err
	}
	defer priv.Zero()
	return vault.NewStandbyProof(f.net, d, k, at, func(hash []byte) (*schnorr.Signature, error) {
		ec, err := priv.ECPrivKey()
		if err != nil {
			return nil, err
		}
		defer ec.Zero()
		return schnorr.Sign(ec, hash)
	})
}

// refuseProof is a RefusalError for a descriptor ProveStandby will not prove.
func refuseProof(kind error, format string, args ...any) error {
	return &RefusalError{Kind: kind, Input: -1, Output: -1, Reason: "refusing to prove the descriptor: " + fmt.Sprintf(format, args...)}
}

// registeredAsSigner reports whether d is registered and holds a key of
// this seed (a destination-only registration holds none).
func (f *File) registeredAsSigner(d *vault.Descriptor) bool {
	regs, err := f.registered()
	if err != nil {
		return false
	}
	for _, r := range regs {
		if r.Equal(d) {
			return true
		}
	}
	return false
}

// ownKey returns the first key of d with this seed's fingerprint.
func (f *File) ownKey(d *vault.Descriptor) (vault.Key, bool) {
	for _, k := range d.Keys {
		if k.Origin != nil && k.Origin.Fingerprint == f.Fingerprint {
			return k, true
		}
	}
	return vault.Key{}, false
}

// RegisteredGeneration returns the signing wallet registered from a vault
// export as generation gen of the vault named vaultName. It refuses, with
// ErrNotRegistered, when no registration carries that name and number.
func (f *File) RegisteredGeneration(vaultName string, gen int) (*vault.Descriptor, error) {
	regs, err := f.Registrations()
	if err != nil {
		return nil, err
	}
	for _, r := range regs {
		if r.Vault == vaultName && r.Generation == gen && r.Role == RoleSigning {
			return vault.ParseDescriptor(r.Descriptor)
		}
	}
	return nil, refuseProof(ErrNotRegistered, "the key file has no wallet of its own registered from an export of vault %s as generation %d; register the export first (treasury key register KEYFILE --vault-export FILE) or give --descriptor", vaultName, gen)
}
