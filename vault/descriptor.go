package vault

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// MaxKeys is the most keys a vault may have. Consensus allows 20 keys in
// OP_CHECKMULTISIG and BIP-383 allows 20 inside wsh(), but 15 is the limit
// of P2SH multisig, of hardware signers (Coldcard's MAX_SIGNERS) and of the
// Coldcard and Caravan files a vault is exported to: within 15, every vault
// can be recovered with other software.
const MaxKeys = 15

// Descriptor is an M-of-N sortedmulti wallet, wsh(sortedmulti(M,KEY,…)) or
// sh(wsh(sortedmulti(M,KEY,…))), whose keys are all "/<0;1>/*" (receive
// and change) or all the same single chain ("/0/*" or "/1/*").
//
// Build one with NewDescriptor or ParseDescriptor. Its fields must not be
// changed after the first Derive, which caches per-key work.
type Descriptor struct {
	Type      ScriptType
	Threshold int
	Keys      []Key

	cache *deriveCache
}

// NewDescriptor checks a policy and returns its descriptor. It refuses an
// unknown script type, more than MaxKeys keys (ErrTooManyKeys), a threshold
// outside 1..N (ErrThreshold), private or malformed keys, keys of different
// networks (ErrMixedNetworks), keys deriving different chains
// (ErrMixedMultipath), duplicate keys or origins (ErrDuplicateKey) and keys
// whose SLIP-132 prefix or BIP-48 path names the other script type
// (ErrScriptTypeMismatch).
func NewDescriptor(t ScriptType, threshold int, keys []Key) (*Descriptor, error) {
	keys = slices.Clone(keys)
	if err := validate(t, threshold, keys); err != nil {
		return nil, err
	}
	return &Descriptor{Type: t, Threshold: threshold, Keys: keys, cache: newDeriveCache()}, nil
}

func validate(t ScriptType, threshold int, keys []Key) error {
	if t != P2WSH && t != P2SHP2WSH {
		return fmt.Errorf("%w: script type %d", ErrUnsupportedScript, t)
	}
	if len(keys) > MaxKeys {
		return fmt.Errorf("%w: %d keys, at most %d", ErrTooManyKeys, len(keys), MaxKeys)
	}
	if len(keys) == 0 {
		return fmt.Errorf("%w: a multisig needs at least one key", ErrThreshold)
	}
	if threshold < 1 || threshold > len(keys) {
		return fmt.Errorf("%w: %d of %d (want 1 to %d)", ErrThreshold, threshold, len(keys), len(keys))
	}
	for i, k := range keys {
		if err := checkKey(k); err != nil {
			return fmt.Errorf("key %d: %w", i+1, err)
		}
		if err := checkScriptType(t, i, k); err != nil {
			return err
		}
	}
	if err := checkConsistent(keys); err != nil {
		return err
	}
	return checkDuplicates(keys)
}

// checkConsistent requires one network and one chain layout for all keys.
func checkConsistent(keys []Key) error {
	first := keys[0]
	for i, k := range keys[1:] {
		if k.IsMainnet() != first.IsMainnet() {
			return fmt.Errorf("%w: key %d is %s but key 1 is %s", ErrMixedNetworks, i+2, netKind(k), netKind(first))
		}
		if k.Multipath != first.Multipath || (!k.Multipath && k.Chain != first.Chain) {
			return fmt.Errorf("%w: key %d ends in %s but key 1 in %s", ErrMixedMultipath, i+2, k.suffix(), first.suffix())
		}
	}
	return nil
}

func netKind(k Key) string {
	if k.IsMainnet() {
		return "an xpub (mainnet)"
	}
	return "a tpub (test networks)"
}

// checkDuplicates refuses the same xpub twice, and two keys claiming the
// same master and path: either makes one holder count twice.
func checkDuplicates(keys []Key) error {
	pubs := map[string]int{}
	origins := map[string]int{}
	for i, k := range keys {
		pk := string(k.PubKey())
		if j, ok := pubs[pk]; ok {
			return fmt.Errorf("%w: keys %d and %d are the same xpub", ErrDuplicateKey, j+1, i+1)
		}
		pubs[pk] = i
		if k.Origin == nil {
			continue
		}
		o := k.Origin.Fingerprint.String() + FormatPath(k.Origin.Path)
		if j, ok := origins[o]; ok {
			return fmt.Errorf("%w: keys %d and %d have the same origin [%s/%s]", ErrDuplicateKey, j+1, i+1,
				k.Origin.Fingerprint, strings.TrimPrefix(FormatPath(k.Origin.Path), "m/"))
		}
		origins[o] = i
	}
	return nil
}

// ParseDescriptor reads a descriptor. The "#checksum" is optional; when
// present it must match (ErrChecksum names the given one, never the one the text would need).
// Surrounding white space is ignored. Each key must end in "/<0;1>/*", or
// every key in the same "/0/*" or "/1/*"; hardened markers may be ' or h
// and are kept, so that String returns a canonical input unchanged.
func ParseDescriptor(s string) (*Descriptor, error) {
	body, err := splitChecksum(strings.TrimSpace(s))
	if err != nil {
		return nil, err
	}
	t, args, err := parseScript(body)
	if err != nil {
		return nil, err
	}
	threshold, keyTexts, err := splitMulti(args)
	if err != nil {
		return nil, err
	}
	keys := make([]Key, len(keyTexts))
	for i, text := range keyTexts {
		k, hasSuffix, err := parseKeyExpr(text)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		if !hasSuffix {
			return nil, fmt.Errorf("key %d: %w: no derivation after the xpub; a vault key ends in /<0;1>/*, /0/* or /1/*", i+1, ErrUnsupportedDerivation)
		}
		keys[i] = k
	}
	return NewDescriptor(t, threshold, keys)
}

// parseScript reads wsh(sortedmulti(…)) or sh(wsh(sortedmulti(…))) and
// returns the script type and sortedmulti's arguments.
func parseScript(s string) (ScriptType, string, error) {
	name, args, err := splitCall(s)
	if err != nil {
		return 0, "", err
	}
	switch name {
	case "wsh":
		inner, err := sortedMultiArgs(args)
		return P2WSH, inner, err
	case "sh":
		name2, args2, err := splitCall(args)
		if err != nil {
			return 0, "", err
		}
		if name2 != "wsh" {
			return 0, "", fmt.Errorf("%w: sh(%s(…)); only sh(wsh(sortedmulti(…))) is supported", ErrUnsupportedScript, name2)
		}
		inner, err := sortedMultiArgs(args2)
		return P2SHP2WSH, inner, err
	case "tr":
		return 0, "", fmt.Errorf("%w: taproot descriptors (tr) are not supported yet", ErrUnsupportedScript)
	}
	return 0, "", fmt.Errorf("%w: %s(…); supported are wsh(sortedmulti(…)) and sh(wsh(sortedmulti(…)))", ErrUnsupportedScript, name)
}

// sortedMultiArgs requires s to be exactly "sortedmulti(ARGS)".
func sortedMultiArgs(s string) (string, error) {
	name, args, err := splitCall(s)
	if err != nil {
		return "", err
	}
	switch name {
	case "sortedmulti":
		return args, nil
	case "multi":
		return "", fmt.Errorf("%w: multi() keeps the keys in the given order; vaults use sortedmulti() (BIP-67 order)", ErrUnsupportedScript)
	}
	return "", fmt.Errorf("%w: %s(…) inside wsh(); only sortedmulti(…) is supported", ErrUnsupportedScript, name)
}

// splitCall splits "name(args)" and refuses anything after the closing
// parenthesis.
func splitCall(s string) (name, args string, err error) {
	open := strings.IndexByte(s, '(')
	if open <= 0 {
		return "", "", fmt.Errorf("%w: expected a script function such as wsh(…), got %q", ErrSyntax, abbreviate(s))
	}
	name = s[:open]
	if strings.Trim(name, "abcdefghijklmnopqrstuvwxyz_0123456789") != "" {
		return "", "", fmt.Errorf("%w: %q is not a script function name", ErrSyntax, abbreviate(name))
	}
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				if rest := s[i+1:]; rest != "" {
					return "", "", fmt.Errorf("%w: %q after %s(…)", ErrTrailingData, abbreviate(rest), name)
				}
				return name, s[open+1 : i], nil
			}
		}
	}
	return "", "", fmt.Errorf("%w: %s( has no closing ')'", ErrSyntax, name)
}

// splitMulti splits sortedmulti's "M,KEY,KEY…".
func splitMulti(args string) (int, []string, error) {
	parts := strings.Split(args, ",")
	if len(parts) < 2 {
		return 0, nil, fmt.Errorf("%w: sortedmulti needs a threshold and at least one key", ErrSyntax)
	}
	m := parts[0]
	if m == "" || len(m) > 3 || strings.Trim(m, "0123456789") != "" {
		return 0, nil, fmt.Errorf("%w: threshold %q is not a number from 1 to %d", ErrThreshold, abbreviate(m), MaxKeys)
	}
	threshold, _ := strconv.Atoi(m)
	for i, k := range parts[1:] {
		if k == "" {
			return 0, nil, fmt.Errorf("%w: key %d is empty", ErrSyntax, i+1)
		}
	}
	return threshold, parts[1:], nil
}

// String returns the descriptor with its checksum, each key as it was given:
// "/<0;1>/*" for a receive-and-change descriptor, "/0/*" or "/1/*" for a
// single-chain one.
func (d *Descriptor) String() string {
	return d.render(func(k Key) string { return k.String() })
}

// ChainString returns the descriptor of one chain, with its checksum: every
// "/<0;1>/*" becomes "/0/*" (chain 0, receive) or "/1/*" (chain 1, change).
// A single-chain descriptor returns String for its own chain and "" for
// any other chain, which it does not describe.
func (d *Descriptor) ChainString(chain uint32) string {
	if !d.hasChain(chain) {
		return ""
	}
	suffix := "/" + strconv.FormatUint(uint64(chain), 10) + "/*"
	return d.render(func(k Key) string { return k.OriginString() + suffix })
}

// hasChain reports whether the descriptor describes chain.
func (d *Descriptor) hasChain(chain uint32) bool {
	if len(d.Keys) == 0 || chain > 1 {
		return false
	}
	return d.Keys[0].Multipath || d.Keys[0].Chain == chain
}

func (d *Descriptor) render(key func(Key) string) string {
	body := d.template(key)
	sum, err := Checksum(body)
	if err != nil {
		return body
	}
	return body + "#" + sum
}

// template writes the descriptor without checksum, each key by key().
func (d *Descriptor) template(key func(Key) string) string {
	var b strings.Builder
	b.WriteString("sortedmulti(")
	b.WriteString(strconv.Itoa(d.Threshold))
	for _, k := range d.Keys {
		b.WriteByte(',')
		b.WriteString(key(k))
	}
	b.WriteByte(')')
	if d.Type == P2SHP2WSH {
		return "sh(wsh(" + b.String() + "))"
	}
	return "wsh(" + b.String() + ")"
}

// IsMainnet reports whether the keys are xpubs (mainnet) rather than tpubs.
func (d *Descriptor) IsMainnet() bool {
	return len(d.Keys) > 0 && d.Keys[0].IsMainnet()
}

// N returns the number of keys.
func (d *Descriptor) N() int { return len(d.Keys) }

// Fingerprints returns each key's master fingerprint, in key order; a key
// without origin counts as its own master.
func (d *Descriptor) Fingerprints() []Fingerprint {
	fps := make([]Fingerprint, len(d.Keys))
	for i, k := range d.Keys {
		fps[i] = k.MasterFingerprint()
	}
	return fps
}

// Equal reports whether two descriptors are the same policy: the same script
// type and threshold, and the same keys (xpub, origin and derivation) in
// any order, since sortedmulti ignores the order. Hardened markers do not
// matter.
func (d *Descriptor) Equal(o *Descriptor) bool {
	if d == nil || o == nil {
		return d == o
	}
	if d.Type != o.Type || d.Threshold != o.Threshold || len(d.Keys) != len(o.Keys) {
		return false
	}
	a, b := canonicalKeys(d.Keys), canonicalKeys(o.Keys)
	return slices.Equal(a, b)
}

// canonicalKeys writes each key with ' markers, sorted.
func canonicalKeys(keys []Key) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		if k.Origin != nil {
			o := *k.Origin
			o.Marker, o.markers = '\'', nil
			k.Origin = &o
		}
		out[i] = k.String()
	}
	slices.Sort(out)
	return out
}

// Origin returns the descriptor abbreviated as BIP-329 labels name their
// wallet: every key origin, but no key, no derivation after it and no
// checksum, e.g. "wsh(sortedmulti(2,[d34db33f/48'/0'/0'/2'],[…]))". A key
// without origin is written with its own fingerprint.
func (d *Descriptor) Origin() string {
	return d.template(func(k Key) string {
		if k.Origin == nil {
			return "[" + k.MasterFingerprint().String() + "]"
		}
		s := k.OriginString()
		return s[:strings.IndexByte(s, ']')+1]
	})
}
