package keys

import (
	"errors"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"

	"github.com/treasury-dev/treasury/vault"
)

// The registration rule: which descriptors a signer may trust, and as what.
//
// A descriptor holding a key this seed really derives (checked by deriving
// it, not by its fingerprint) is a signing wallet: its inputs are signed and
// outputs to it are the holder's own. A descriptor holding none of this
// seed's keys can only be a destination: the next generation of a vault the
// holder is leaving, which a rotation funds. A destination is trusted only
// when the holder explicitly accepts it, since whoever wrote the export
// chose its keys; and never alone, without a signing wallet of the holder's.

// Role is what a registered descriptor is to this signer.
type Role string

const (
	// RoleSigning: the descriptor holds a key of this seed.
	RoleSigning Role = "signing"
	// RoleDestination: the descriptor holds none of this seed's keys; the
	// holder accepted it as a place their vault's funds may move to.
	RoleDestination Role = "destination"
)

var (
	// ErrDestinationNotAccepted is returned by ApplyRegistration, in a
	// *RefusalError, when a new descriptor holds none of this seed's keys
	// and the holder did not accept destinations.
	ErrDestinationNotAccepted = errors.New("not accepted as a destination")
	// ErrNoOwnWallet is returned by PlanRegistration when every descriptor
	// offered is a destination and none of the key file's is a signing
	// wallet: a destination belongs to a vault the holder signs for.
	ErrNoOwnWallet = errors.New("no wallet of this key is registered")
)

// Registration describes one registered descriptor.
type Registration struct {
	// Descriptor is the canonical text (as in File.Registered).
	Descriptor string
	Role       Role
	// Vault is the vault's name as the export gave it, or "".
	Vault string
	// Generation is the vault generation as the export gave it, or else
	// the BIP-48 account all its keys share; -1 when neither is known.
	Generation   int
	Threshold, N int
	Fingerprints []vault.Fingerprint
}

// Candidate is a descriptor offered for registration, with what its
// export said about it (Generation -1 when it said nothing).
type Candidate struct {
	Descriptor *vault.Descriptor
	Vault      string
	Generation int
}

// Decision is what registering a Candidate would do.
type Decision struct {
	Registration
	// New is false when the descriptor is registered already.
	New  bool
	desc *vault.Descriptor
}

// label is what the key file remembers of a registration beyond its text.
type label struct {
	Vault      string `json:"vault,omitempty"`
	Generation int    `json:"generation"`
}

// PlanRegistration applies the registration rule to each candidate
// without changing the file. It fails, naming the descriptor, for a
// descriptor of another network or one whose key falsely claims this
// seed's fingerprint; and with ErrNoOwnWallet when every candidate is a
// destination and the file has no signing wallet yet.
func (f *File) PlanRegistration(cands []Candidate) ([]Decision, error) {
	if f.zeroed {
		return nil, ErrZeroed
	}
	var out []Decision
	signing := f.hasSigningWallet()
	for _, c := range cands {
		d, err := vault.Wallet(c.Descriptor)
		if err != nil {
			return nil, err
		}
		role, err := f.roleOf(d)
		if err != nil {
			return nil, fmt.Errorf("unable to register %s: %w", d, err)
		}
		signing = signing || role == RoleSigning
		dup := false
		for _, o := range out {
			dup = dup || o.desc.Equal(d)
		}
		if dup {
			continue
		}
		r := describe(d, role, c.Vault, c.Generation)
		out = append(out, Decision{Registration: r, New: !f.isRegistered(d), desc: d})
	}
	if !signing && len(out) > 0 {
		return nil, fmt.Errorf("%w: none of the descriptors holds a key of %s (%s); register your own vault first", ErrNoOwnWallet, f.Name, f.Fingerprint)
	}
	return out, nil
}

// ApplyRegistration registers the new descriptors of plan and returns
// them, with the number of descriptors registered before that the plan
// gave a vault name or generation they lacked. Destinations are registered
// only when acceptDestinations is true; otherwise the first new one fails
// the whole plan and nothing changes. The caller saves the file afterwards
// if anything changed.
func (f *File) ApplyRegistration(plan []Decision, acceptDestinations bool) (added []Registration, labelled int, err error) {
	if f.zeroed {
		return nil, 0, ErrZeroed
	}
	for _, d := range plan {
		if d.New && d.Role == RoleDestination && !acceptDestinations {
			return nil, 0, &RefusalError{Kind: ErrDestinationNotAccepted, Input: -1, Output: -1,
				Reason: fmt.Sprintf("refusing to register %s with keys %s: it holds no key of %s (%s), so it can only be a destination, and it was not accepted as one",
					regName(d.Registration), joinFingerprints(d.Fingerprints), f.Name, f.Fingerprint)}
		}
	}
	for _, d := range plan {
		if have, ok := f.registeredAs(d.desc); ok {
			if f.labels[have].Vault == "" && d.Vault != "" && f.setLabel(have, d) {
				labelled++
			}
			continue
		}
		f.Registered = append(f.Registered, d.Descriptor)
		f.setLabel(d.Descriptor, d)
		added = append(added, d.Registration)
	}
	return added, labelled, nil
}

// setLabel remembers what the export said of a registered descriptor.
func (f *File) setLabel(canonical string, d Decision) bool {
	if d.Vault == "" && d.Generation < 0 {
		return false
	}
	if f.labels == nil {
		f.labels = make(map[string]label)
	}
	f.labels[canonical] = label{Vault: d.Vault, Generation: d.Generation}
	return true
}

// Registrations describes every registered descriptor, in order. The role
// is recomputed from the descriptor's keys, never read from the file.
func (f *File) Registrations() ([]Registration, error) {
	descs, err := f.registered()
	if err != nil {
		return nil, err
	}
	out := make([]Registration, len(descs))
	for i, d := range descs {
		l, ok := f.labels[f.Registered[i]]
		if !ok {
			l.Generation = -1
		}
		out[i] = describe(d, f.quickRole(d), l.Vault, l.Generation)
		out[i].Descriptor = f.Registered[i]
	}
	return out, nil
}

// roleOf decides d's role, verifying every key that claims this seed.
func (f *File) roleOf(d *vault.Descriptor) (Role, error) {
	if d.IsMainnet() != f.net.IsMainnet() {
		return "", fmt.Errorf("%w: the descriptor's keys are for %s, the key file for %s",
			ErrNetworkMismatch, networkClass(d.IsMainnet()), f.Network)
	}
	switch err := f.checkOwnKeys(d); {
	case err == nil:
		return RoleSigning, nil
	case errors.Is(err, ErrForeignDescriptor):
		return RoleDestination, nil
	default:
		return "", err
	}
}

// quickRole is the role of an already registered (so already verified)
// descriptor: signing when a key carries this seed's fingerprint.
func (f *File) quickRole(d *vault.Descriptor) Role {
	for _, k := range d.Keys {
		if k.Origin != nil && k.Origin.Fingerprint == f.Fingerprint {
			return RoleSigning
		}
	}
	return RoleDestination
}

func (f *File) hasSigningWallet() bool {
	descs, err := f.registered()
	if err != nil {
		return false
	}
	for _, d := range descs {
		if f.quickRole(d) == RoleSigning {
			return true
		}
	}
	return false
}

func (f *File) isRegistered(d *vault.Descriptor) bool {
	_, ok := f.registeredAs(d)
	return ok
}

// registeredAs returns the text d is registered under.
func (f *File) registeredAs(d *vault.Descriptor) (string, bool) {
	canonical := d.String()
	for _, s := range f.Registered {
		if s == canonical {
			return s, true
		}
		if o, err := vault.ParseDescriptor(s); err == nil && d.Equal(o) {
			return s, true
		}
	}
	return "", false
}

func describe(d *vault.Descriptor, role Role, vaultName string, generation int) Registration {
	if generation < 0 {
		generation = bip48Account(d)
	}
	return Registration{
		Descriptor: d.String(), Role: role, Vault: vaultName, Generation: generation,
		Threshold: d.Threshold, N: d.N(), Fingerprints: d.Fingerprints(),
	}
}

// bip48Account is the BIP-48 account (m/48'/coin'/account'/script') all of
// d's keys share, which is how this program numbers generations; -1 when
// they do not share one.
func bip48Account(d *vault.Descriptor) int {
	acct := -1
	for _, k := range d.Keys {
		if k.Origin == nil || len(k.Origin.Path) != 4 || k.Origin.Path[0] != hdkeychain.HardenedKeyStart+48 ||
			k.Origin.Path[2] < hdkeychain.HardenedKeyStart {
			return -1
		}
		a := int(k.Origin.Path[2] - hdkeychain.HardenedKeyStart)
		if acct >= 0 && a != acct {
			return -1
		}
		acct = a
	}
	return acct
}

func joinFingerprints(fps []vault.Fingerprint) string {
	s := make([]string, len(fps))
	for i, fp := range fps {
		s[i] = fp.String()
	}
	return strings.Join(s, ", ")
}
