package keys

import (
	"bytes"
	"sync"

	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"

	"github.com/treasury-dev/treasury/vault"
)

// matcher recomputes scripts from the registered descriptors at the chain
// and index a PSBT's BIP-32 derivations hint at. The hints choose where to
// look; only an equal recomputed script proves anything.
type matcher struct {
	net   vault.Network
	descs []*vault.Descriptor
	names []string                     // canonical strings, for display
	regs  []Registration               // role, vault and generation of each
	fps   []map[vault.Fingerprint]bool // fingerprints of each descriptor
	// family is every fingerprint of every registered descriptor.
	family map[vault.Fingerprint]bool
	mu     sync.Mutex // guards cache: inputs are reviewed concurrently
	cache  map[matchKey]*vault.Derived
}

type matchKey struct {
	desc         int
	chain, index uint32
}

// match is a descriptor and the derived script it produced.
type match struct {
	desc    int
	derived *vault.Derived
}

func newMatcher(net vault.Network, descs []*vault.Descriptor, regs []Registration) *matcher {
	m := &matcher{
		net:    net,
		descs:  descs,
		regs:   regs,
		family: make(map[vault.Fingerprint]bool),
		cache:  make(map[matchKey]*vault.Derived),
	}
	for _, d := range descs {
		m.names = append(m.names, d.String())
		set := make(map[vault.Fingerprint]bool)
		for _, fp := range d.Fingerprints() {
			set[fp] = true
			m.family[fp] = true
		}
		m.fps = append(m.fps, set)
	}
	return m
}

// find returns the registered descriptor whose derivation, at a
// (chain, index) taken from the last two steps of one of hints, produces
// pkScript; ok is false when none does.
func (m *matcher) find(pkScript []byte, hints []*btcpsbt.Bip32Derivation) (match, bool) {
	for _, h := range hints {
		n := len(h.Bip32Path)
		if n < 2 {
			continue
		}
		chain, index := h.Bip32Path[n-2], h.Bip32Path[n-1]
		if chain >= hdkeychain.HardenedKeyStart || index >= hdkeychain.HardenedKeyStart {
			continue
		}
		fp := vault.FingerprintFromPSBT(h.MasterKeyFingerprint)
		for di := range m.descs {
			if !m.fps[di][fp] {
				continue
			}
			d := m.derive(di, chain, index)
			if d != nil && bytes.Equal(d.PkScript, pkScript) {
				return match{desc: di, derived: d}, true
			}
		}
	}
	return match{}, false
}

// derive returns (and caches) descriptor di at chain/index, or nil when the
// descriptor has no such chain.
func (m *matcher) derive(di int, chain, index uint32) *vault.Derived {
	key := matchKey{di, chain, index}
	m.mu.Lock()
	d, ok := m.cache[key]
	m.mu.Unlock()
	if ok {
		return d
	}
	d, err := m.descs[di].Derive(m.net, chain, index)
	if err != nil {
		d = nil
	}
	m.mu.Lock()
	m.cache[key] = d
	m.mu.Unlock()
	return d
}

// claimsFamily reports whether hints name a key of a registered vault
// (by fingerprint), returning the first such fingerprint.
func (m *matcher) claimsFamily(hints []*btcpsbt.Bip32Derivation) (vault.Fingerprint, bool) {
	for _, h := range hints {
		fp := vault.FingerprintFromPSBT(h.MasterKeyFingerprint)
		if m.family[fp] {
			return fp, true
		}
	}
	return vault.Fingerprint{}, false
}
