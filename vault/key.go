package vault

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/address/v2/base58"
	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
)

// keyVersion describes the 4-byte version of a serialized extended key.
type keyVersion struct {
	name    string
	mainnet bool
	private bool
	// multisig is true for the versions a multisig key may carry: the
	// BIP-32 xpub/tpub and SLIP-132's P2WSH and P2SH-P2WSH multisig ones.
	multisig bool
}

// slip132Script is the script type a SLIP-132 multisig version names.
var slip132Script = map[string]ScriptType{
	"Zpub": P2WSH, "Vpub": P2WSH, "Ypub": P2SHP2WSH, "Upub": P2SHP2WSH,
}

// keyVersions are BIP-32's and SLIP-132's extended key versions.
var keyVersions = map[[4]byte]keyVersion{
	{0x04, 0x88, 0xb2, 0x1e}: {"xpub", true, false, true},
	{0x04, 0x35, 0x87, 0xcf}: {"tpub", false, false, true},
	{0x02, 0xaa, 0x7e, 0xd3}: {"Zpub", true, false, true},
	{0x02, 0x95, 0xb4, 0x3f}: {"Ypub", true, false, true},
	{0x02, 0x57, 0x54, 0x83}: {"Vpub", false, false, true},
	{0x02, 0x42, 0x89, 0xef}: {"Upub", false, false, true},
	{0x04, 0xb2, 0x47, 0x46}: {"zpub", true, false, false},
	{0x04, 0x9d, 0x7c, 0xb2}: {"ypub", true, false, false},
	{0x04, 0x5f, 0x1c, 0xf6}: {"vpub", false, false, false},
	{0x04, 0x4a, 0x52, 0x62}: {"upub", false, false, false},
	{0x04, 0x88, 0xad, 0xe4}: {"xprv", true, true, true},
	{0x04, 0x35, 0x83, 0x94}: {"tprv", false, true, true},
	{0x02, 0xaa, 0x7a, 0x99}: {"Zprv", true, true, true},
	{0x02, 0x95, 0xb0, 0x05}: {"Yprv", true, true, true},
	{0x02, 0x57, 0x50, 0x48}: {"Vprv", false, true, true},
	{0x02, 0x42, 0x85, 0xb5}: {"Uprv", false, true, true},
	{0x04, 0xb2, 0x43, 0x0c}: {"zprv", true, true, false},
	{0x04, 0x9d, 0x78, 0x78}: {"yprv", true, true, false},
	{0x04, 0x5f, 0x18, 0xbc}: {"vprv", false, true, false},
	{0x04, 0x4a, 0x4e, 0x28}: {"uprv", false, true, false},
}

// ParseKey reads one key expression: "[fingerprint/path]xpub", a bare xpub
// or tpub, or a SLIP-132 multisig key (Zpub, Ypub, Vpub, Upub, converted to
// the xpub or tpub with the same key), optionally followed by "/<0;1>/*",
// "/0/*" or "/1/*". Without a suffix the key is multipath ("/<0;1>/*").
// Private keys are refused with ErrPrivateKey.
func ParseKey(s string) (Key, error) {
	k, hasSuffix, err := parseKeyExpr(s)
	if err != nil {
		return Key{}, err
	}
	if !hasSuffix {
		k.Multipath = true
	}
	return k, nil
}

// parseKeyExpr reads a key expression and reports whether it had a
// derivation suffix after the xpub.
func parseKeyExpr(s string) (Key, bool, error) {
	var k Key
	rest := s
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return k, false, fmt.Errorf("%w: key origin %q has no closing ']'", ErrSyntax, s)
		}
		origin, err := parseOrigin(rest[1:end])
		if err != nil {
			return k, false, err
		}
		k.Origin, rest = origin, rest[end+1:]
	}
	switch {
	case strings.HasPrefix(rest, "["):
		return k, false, fmt.Errorf("%w: more than one key origin", ErrSyntax)
	case strings.HasPrefix(rest, "/") || rest == "":
		return k, false, fmt.Errorf("%w: key origin with no key after it", ErrSyntax)
	case strings.ContainsAny(rest, "[]"):
		return k, false, fmt.Errorf("%w: a key origin must start the key expression, as [fingerprint/path]", ErrSyntax)
	}
	keyText, deriv, hasSuffix := strings.Cut(rest, "/")
	xpub, name, err := decodeXPub(keyText)
	if err != nil {
		return k, false, err
	}
	k.XPub = xpub
	if _, ok := slip132Script[name]; ok {
		k.SLIP132 = name
	}
	if hasSuffix {
		if k.Multipath, k.Chain, err = parseSuffix(deriv); err != nil {
			return k, false, err
		}
	}
	return k, hasSuffix, nil
}

// parseOrigin reads the inside of "[d34db33f/48'/1'/0'/2']".
func parseOrigin(s string) (*KeyOrigin, error) {
	fpText, pathText, hasPath := strings.Cut(s, "/")
	fp, err := ParseFingerprint(fpText)
	if err != nil || len(fpText) != 8 {
		return nil, fmt.Errorf("%w: key origin fingerprint %q is not 8 hex digits", ErrSyntax, fpText)
	}
	o := &KeyOrigin{Fingerprint: fp, Path: []uint32{}}
	if !hasPath {
		return o, nil
	}
	if strings.ContainsAny(pathText, "*<>;") {
		return nil, fmt.Errorf("%w: key origin [%s] may hold only fixed steps (no '*' or '<…>')", ErrSyntax, s)
	}
	path, markers, err := parseSteps(pathText)
	if err != nil {
		return nil, fmt.Errorf("key origin [%s]: %w", s, err)
	}
	o.Path = path
	o.Marker, o.markers = originMarkers(markers)
	return o, nil
}

// originMarkers returns the single hardened marker the steps used, or the
// first one and the per-step list when they mixed markers.
func originMarkers(markers []byte) (byte, []byte) {
	var first byte
	for _, m := range markers {
		switch {
		case m == 0:
		case first == 0:
			first = m
		case m != first:
			return first, markers
		}
	}
	return first, nil
}

// decodeXPub reads an extended public key, refusing private keys, bare
// public keys and single-signature SLIP-132 keys, and converts SLIP-132
// multisig keys to the BIP-32 version of their network. It also returns
// the name of the version the key was written with ("xpub", "Vpub", …).
func decodeXPub(s string) (*hdkeychain.ExtendedKey, string, error) {
	if err := refuseNonExtended(s); err != nil {
		return nil, "", err
	}
	k, err := hdkeychain.NewKeyFromString(s)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %q: %v", ErrNotExtendedKey, abbreviate(s), err)
	}
	var ver [4]byte
	copy(ver[:], k.Version())
	kv, ok := keyVersions[ver]
	switch {
	case !ok:
		return nil, "", fmt.Errorf("%w: %q has unknown version %x", ErrNotExtendedKey, abbreviate(s), ver)
	case kv.private || k.IsPrivate():
		return nil, "", fmt.Errorf("%w: a private key (%s) was given; give its xpub/tpub instead", ErrPrivateKey, kv.name)
	case !kv.multisig:
		return nil, "", fmt.Errorf("%w: %s is a single-signature SLIP-132 key; export the key at a BIP-48 path as an xpub/tpub (or Zpub/Vpub)", ErrNotExtendedKey, kv.name)
	}
	if k.Depth() == 0 && (k.ParentFingerprint() != 0 || k.ChildIndex() != 0) {
		return nil, "", fmt.Errorf("%w: %q is a master key (depth 0) with a parent fingerprint or index", ErrNotExtendedKey, abbreviate(s))
	}
	out, err := k.CloneWithVersion(bip32Version(kv.mainnet))
	return out, kv.name, err
}

// bip32Version is the BIP-32 public version: xpub on mainnet, tpub else.
func bip32Version(mainnet bool) []byte {
	if mainnet {
		return chaincfg.MainNetParams.HDPublicKeyID[:]
	}
	return chaincfg.TestNet3Params.HDPublicKeyID[:]
}

// refuseNonExtended explains the keys BIP-380 allows that a vault cannot
// use: hex public keys and WIF private keys.
func refuseNonExtended(s string) error {
	if b, err := hex.DecodeString(s); err == nil {
		switch {
		case len(b) == 65 && b[0] == 0x04:
			return fmt.Errorf("%w: %q; segwit scripts need compressed keys, and a vault needs extended keys (xpub/tpub)", ErrUncompressedKey, abbreviate(s))
		case len(b) == 33:
			return fmt.Errorf("%w: %q is a single public key; a vault needs extended public keys (xpub/tpub)", ErrNotExtendedKey, abbreviate(s))
		}
	}
	raw := base58.Decode(s)
	if n := len(raw); (n == 37 || n == 38) && (raw[0] == 0x80 || raw[0] == 0xef) &&
		bytes.Equal(chainhash.DoubleHashB(raw[:n-4])[:4], raw[n-4:]) {
		return fmt.Errorf("%w: a WIF private key was given; give an xpub/tpub instead", ErrPrivateKey)
	}
	return nil
}

// abbreviate shortens long text for error messages, so that a key pasted by
// mistake is not echoed whole.
func abbreviate(s string) string {
	if len(s) <= 16 {
		return s
	}
	return s[:12] + "…"
}

// parseSuffix reads what follows the xpub's first '/': "<0;1>/*", "0/*" or
// "1/*", refusing with a specific error every other BIP-380/389 derivation.
func parseSuffix(s string) (multipath bool, chain uint32, err error) {
	steps, err := parseDerivSteps(s)
	if err != nil {
		return false, 0, err
	}
	if err := checkDerivSteps(steps); err != nil {
		return false, 0, err
	}
	first := steps[0]
	switch {
	case len(steps) == 2 && first.multi && len(first.values) == 2 && first.values[0] == 0 && first.values[1] == 1:
		return true, 0, nil
	case len(steps) == 2 && !first.multi && !first.wild && first.values[0] <= 1:
		return false, first.values[0], nil
	}
	return false, 0, fmt.Errorf("%w: \"/%s\": a vault key ends in /<0;1>/* (receive and change), /0/* or /1/*", ErrUnsupportedDerivation, s)
}

// derivStep is one step after the xpub: a number, a BIP-389 tuple
// "<a;b;…>" or the wildcard "*".
type derivStep struct {
	values   []uint32
	multi    bool
	wild     bool
	hardened bool
}

func parseDerivSteps(s string) ([]derivStep, error) {
	parts := strings.Split(s, "/")
	steps := make([]derivStep, len(parts))
	for i, p := range parts {
		st, err := parseDerivStep(p)
		if err != nil {
			return nil, err
		}
		steps[i] = st
	}
	return steps, nil
}

func parseDerivStep(p string) (derivStep, error) {
	hardened := strings.HasSuffix(p, "'") || strings.HasSuffix(p, "h")
	switch {
	case p == "*" || (hardened && p[:len(p)-1] == "*"):
		return derivStep{wild: true, hardened: hardened}, nil
	case strings.HasPrefix(p, "<") || strings.HasSuffix(p, ">"):
		return parseTuple(p)
	}
	v, marker, err := parseStep(p)
	if err != nil {
		return derivStep{}, err
	}
	return derivStep{values: []uint32{v &^ hdkeychain.HardenedKeyStart}, hardened: marker != 0}, nil
}

// parseTuple reads a BIP-389 multipath step "<NUM;NUM;…>".
func parseTuple(p string) (derivStep, error) {
	if len(p) < 2 || p[0] != '<' || p[len(p)-1] != '>' {
		return derivStep{}, fmt.Errorf("%w: multipath step %q must be <NUM;NUM…>", ErrSyntax, p)
	}
	parts := strings.Split(p[1:len(p)-1], ";")
	if len(parts) < 2 {
		return derivStep{}, fmt.Errorf("%w: multipath step %q needs at least two values", ErrSyntax, p)
	}
	st := derivStep{multi: true}
	seen := map[uint32]bool{}
	for _, part := range parts {
		v, marker, err := parseStep(part)
		if err != nil {
			return derivStep{}, fmt.Errorf("multipath step %q: %w", p, err)
		}
		if seen[v] {
			return derivStep{}, fmt.Errorf("%w: multipath step %q repeats %s", ErrSyntax, p, part)
		}
		seen[v] = true
		st.hardened = st.hardened || marker != 0
		st.values = append(st.values, v&^hdkeychain.HardenedKeyStart)
	}
	return st, nil
}

// checkDerivSteps refuses what no public derivation can do, and what BIP-389
// forbids, before the shape check of parseSuffix.
func checkDerivSteps(steps []derivStep) error {
	multis := 0
	for i, st := range steps {
		switch {
		case st.wild && st.hardened:
			return fmt.Errorf("%w: \"*'\" needs the private key; a vault key ends in unhardened /*", ErrHardenedWildcard)
		case st.wild && i != len(steps)-1:
			return fmt.Errorf("%w: '*' must be the last step", ErrSyntax)
		case st.hardened:
			return fmt.Errorf("%w: a hardened step after the xpub needs the private key; put the hardened path in the origin and give the xpub at its end", ErrHardenedStep)
		case st.multi:
			multis++
		}
	}
	if multis > 1 {
		return fmt.Errorf("%w: only one multipath <…> step is allowed (BIP-389)", ErrSyntax)
	}
	if !steps[len(steps)-1].wild {
		return fmt.Errorf("%w: the key has no /* wildcard; a vault key ends in /<0;1>/*, /0/* or /1/*", ErrUnsupportedDerivation)
	}
	return nil
}

// String returns the key expression as it appears in a descriptor:
// "[fingerprint/path]xpub/<0;1>/*" (or "/0/*", "/1/*").
func (k Key) String() string {
	return k.OriginString() + k.suffix()
}

func (k Key) suffix() string {
	if k.Multipath {
		return "/<0;1>/*"
	}
	return "/" + strconv.FormatUint(uint64(k.Chain), 10) + "/*"
}

// OriginString returns "[fingerprint/path]xpub", or the bare xpub when the
// key has no origin: the key without its derivation suffix.
func (k Key) OriginString() string {
	xpub := ""
	if k.XPub != nil {
		xpub = k.XPub.String()
	}
	if k.Origin == nil {
		return xpub
	}
	o := k.Origin
	marker := o.Marker
	if marker == 0 {
		marker = '\''
	}
	return "[" + o.Fingerprint.String() + formatSteps(o.Path, o.markers, marker) + "]" + xpub
}

// IsMainnet reports whether the key is an xpub (mainnet) rather than a tpub.
func (k Key) IsMainnet() bool {
	return k.XPub != nil && bytes.Equal(k.XPub.Version(), chaincfg.MainNetParams.HDPublicKeyID[:])
}

// PubKey returns the 33-byte compressed public key of the xpub itself, or
// nil if the key holds none.
func (k Key) PubKey() []byte {
	if k.XPub == nil {
		return nil
	}
	pk, err := k.XPub.ECPubKey()
	if err != nil {
		return nil
	}
	return pk.SerializeCompressed()
}

// MasterFingerprint returns the origin's fingerprint, or the xpub's own
// fingerprint (HASH160 of its public key) when the key has no origin: such
// a key is its own master.
func (k Key) MasterFingerprint() Fingerprint {
	if k.Origin != nil {
		return k.Origin.Fingerprint
	}
	var fp Fingerprint
	copy(fp[:], address.Hash160(k.PubKey()))
	return fp
}

// OriginPath returns the origin's path, or an empty path without origin.
func (k Key) OriginPath() []uint32 {
	if k.Origin == nil {
		return []uint32{}
	}
	return k.Origin.Path
}

// checkKey verifies what ParseKey guarantees, for keys built by hand.
func checkKey(k Key) error {
	if k.XPub == nil {
		return fmt.Errorf("%w: no xpub", ErrNotExtendedKey)
	}
	if k.XPub.IsPrivate() {
		return fmt.Errorf("%w: an extended private key was given", ErrPrivateKey)
	}
	v := k.XPub.Version()
	if !bytes.Equal(v, bip32Version(true)) && !bytes.Equal(v, bip32Version(false)) {
		return fmt.Errorf("%w: version %x is neither xpub nor tpub", ErrNotExtendedKey, v)
	}
	if !k.Multipath && k.Chain > 1 {
		return fmt.Errorf("%w: chain %d (want 0 for receive or 1 for change)", ErrUnsupportedDerivation, k.Chain)
	}
	if k.PubKey() == nil {
		return fmt.Errorf("%w: the xpub's public key is not on the curve", ErrNotExtendedKey)
	}
	return nil
}

// checkScriptType refuses key i (0-based) when what it was written with
// contradicts the script type t: a SLIP-132 prefix for the other script
// type (Zpub/Vpub are P2WSH, Ypub/Upub P2SH-P2WSH), or a BIP-48 origin
// path m/48'/coin'/account'/script' whose script step is the other type's
// (1' is P2SH-P2WSH, 2' is P2WSH). Either means the key was exported for
// another wallet: a signer would look for it under another path.
func checkScriptType(t ScriptType, i int, k Key) error {
	if want, ok := slip132Script[k.SLIP132]; ok && want != t {
		return fmt.Errorf("%w: key %d is a %s, a SLIP-132 key for %s, but the vault is %s", ErrScriptTypeMismatch, i+1, k.SLIP132, scriptName(want), scriptName(t))
	}
	if k.Origin == nil || len(k.Origin.Path) < 4 || k.Origin.Path[0] != hdkeychain.HardenedKeyStart+48 {
		return nil
	}
	step := k.Origin.Path[3]
	want := map[uint32]ScriptType{hdkeychain.HardenedKeyStart + 1: P2SHP2WSH, hdkeychain.HardenedKeyStart + 2: P2WSH}[step]
	if want != 0 && want != t {
		return fmt.Errorf("%w: key %d has the BIP-48 path %s, whose script type %d' is %s, but the vault is %s", ErrScriptTypeMismatch,
			i+1, FormatPath(k.Origin.Path), step-hdkeychain.HardenedKeyStart, scriptName(want), scriptName(t))
	}
	return nil
}

// scriptName names a script type as people read it.
func scriptName(t ScriptType) string {
	switch t {
	case P2WSH:
		return "P2WSH (wsh)"
	case P2SHP2WSH:
		return "P2SH-P2WSH (sh(wsh), nested)"
	}
	return fmt.Sprintf("script type %d", t)
}
