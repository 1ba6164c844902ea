package vault

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The multisig wallet files of other coordinators and signers: Caravan's
// wallet configuration, the Coldcard multisig setup file (which Sparrow,
// Nunchuk and Specter also write), and a BIP-388 wallet policy.

// More formats ReadExport reads.
const (
	// FileCaravan is a Caravan wallet configuration (JSON).
	FileCaravan FileFormat = "caravan"
	// FileColdcard is a Coldcard multisig setup file ("Name:", "Policy:",
	// "Format:", "Derivation:" and "XFP: xpub" lines).
	FileColdcard FileFormat = "coldcard"
	// FileBIP388 is a BIP-388 wallet policy: name, descriptor_template and
	// keys_info.
	FileBIP388 FileFormat = "bip388"
)

// caravanFile is what ReadExport needs of a Caravan configuration.
type caravanFile struct {
	Name        string `json:"name"`
	AddressType string `json:"addressType"`
	Network     string `json:"network"`
	Quorum      struct {
		RequiredSigners int `json:"requiredSigners"`
		TotalSigners    int `json:"totalSigners"`
	} `json:"quorum"`
	Keys []struct {
		Name      string `json:"name"`
		BIP32Path string `json:"bip32Path"`
		XPub      string `json:"xpub"`
		XFP       string `json:"xfp"`
	} `json:"extendedPublicKeys"`
}

// parseCaravan reads a Caravan configuration: P2WSH or P2SH-P2WSH, each
// key with its fingerprint and path (a key whose path or fingerprint is
// "Unknown" has no origin), named as the file names it.
func parseCaravan(b []byte) (*Export, error) {
	var c caravanFile
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%w: caravan configuration: %v", ErrSyntax, err)
	}
	t, ok := map[string]ScriptType{"P2WSH": P2WSH, "P2SH-P2WSH": P2SHP2WSH}[c.AddressType]
	if !ok {
		return nil, fmt.Errorf("%w: caravan address type %q; supported are P2WSH and P2SH-P2WSH", ErrUnsupportedScript, c.AddressType)
	}
	if c.Quorum.TotalSigners != len(c.Keys) {
		return nil, fmt.Errorf("%w: caravan quorum of %d keys, but the file has %d", ErrThreshold, c.Quorum.TotalSigners, len(c.Keys))
	}
	keys := make([]Key, len(c.Keys))
	names := make([]string, len(c.Keys))
	for i, ck := range c.Keys {
		expr := ck.XPub
		path := strings.TrimPrefix(strings.TrimPrefix(ck.BIP32Path, "m"), "M")
		if ck.XFP != "" && !strings.EqualFold(ck.XFP, "unknown") && !strings.EqualFold(ck.BIP32Path, "unknown") {
			expr = "[" + strings.ToLower(ck.XFP) + path + "]" + ck.XPub
		}
		k, err := ParseKey(expr)
		if err != nil {
			return nil, fmt.Errorf("caravan key %d: %w", i+1, err)
		}
		keys[i], names[i] = k, ck.Name
	}
	if err := checkCaravanNetwork(c.Network, keys); err != nil {
		return nil, err
	}
	d, err := NewDescriptor(t, c.Quorum.RequiredSigners, keys)
	if err != nil {
		return nil, err
	}
	e := &Export{Format: FileCaravan}
	if err := e.add(d.String(), c.Name, -1); err != nil {
		return nil, err
	}
	e.Entries[0].KeyNames = names
	return e, nil
}

// checkCaravanNetwork refuses a configuration whose network contradicts
// its keys (a "testnet" wallet of xpubs), as Caravan itself does: such a
// file was made for another network than its keys say.
func checkCaravanNetwork(network string, keys []Key) error {
	mainnet, known := map[string]bool{"mainnet": true, "testnet": false, "regtest": false, "signet": false}[strings.ToLower(network)]
	if !known {
		return nil
	}
	for i, k := range keys {
		if k.IsMainnet() != mainnet {
			return fmt.Errorf("%w: the caravan configuration is for %s, but key %d is for %s", ErrNetworkMismatch, network, i+1, keyNetworkName(k))
		}
	}
	return nil
}

// keyNetworkName names the networks an extended key is for.
func keyNetworkName(k Key) string {
	if k.IsMainnet() {
		return "mainnet"
	}
	return "a test network"
}

// isColdcardText reports whether text is a Coldcard multisig file: it has
// a "Policy:" line.
func isColdcardText(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		if label, _, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && strings.EqualFold(strings.TrimSpace(label), "policy") {
			return true
		}
	}
	return false
}

// parseColdcard reads a Coldcard multisig setup file as Coldcard's
// documentation describes it: '#' comments; "Name:" (1 to 20 characters),
// "Policy: M of N" (or "M/N"), "Format:" (P2WSH, P2SH-P2WSH or P2WSH-P2SH;
// P2SH is not a segwit vault), and "Derivation:" lines, each applying to
// the keys after it; then exactly N "XFP: xpub" lines.
func parseColdcard(s string) (*Export, error) {
	var (
		name, deriv string
		m, n        int
		t           ScriptType
		keys        []Key
	)
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		label, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%w: coldcard file line %d is not \"label: value\"", ErrSyntax, i+1)
		}
		label, value = strings.TrimSpace(label), strings.TrimSpace(value)
		var err error
		switch strings.ToLower(label) {
		case "name":
			name = value
		case "policy":
			m, n, err = coldcardPolicy(value)
		case "format":
			t, err = coldcardFormat(value)
		case "derivation":
			deriv = strings.TrimPrefix(strings.TrimPrefix(value, "m"), "M")
		default:
			var k Key
			k, err = coldcardKey(label, value, deriv)
			keys = append(keys, k)
		}
		if err != nil {
			return nil, fmt.Errorf("coldcard file line %d: %w", i+1, err)
		}
	}
	switch {
	case n == 0:
		return nil, fmt.Errorf("%w: coldcard file without a \"Policy: M of N\" line", ErrSyntax)
	case len(keys) != n:
		return nil, fmt.Errorf("%w: coldcard policy of %d keys, but the file has %d", ErrThreshold, n, len(keys))
	case t == 0:
		t = P2WSH // Coldcard's default when the file names no format
	}
	d, err := NewDescriptor(t, m, keys)
	if err != nil {
		return nil, err
	}
	e := &Export{Format: FileColdcard}
	return e, e.add(d.String(), name, -1)
}

func coldcardPolicy(v string) (int, int, error) {
	ms, ns, ok := strings.Cut(strings.ReplaceAll(v, " ", ""), "of")
	if !ok {
		ms, ns, ok = strings.Cut(v, "/")
	}
	m, err1 := strconv.Atoi(strings.TrimSpace(ms))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || err1 != nil || err2 != nil || m < 1 || m > n || n > MaxKeys {
		return 0, 0, fmt.Errorf("%w: policy %q is not \"M of N\" with 1 <= M <= N <= %d", ErrThreshold, v, MaxKeys)
	}
	return m, n, nil
}

func coldcardFormat(v string) (ScriptType, error) {
	switch strings.ToUpper(v) {
	case "P2WSH":
		return P2WSH, nil
	case "P2SH-P2WSH", "P2WSH-P2SH":
		return P2SHP2WSH, nil
	}
	return 0, fmt.Errorf("%w: format %q; supported are P2WSH and P2SH-P2WSH", ErrUnsupportedScript, v)
}

func coldcardKey(xfp, xpub, deriv string) (Key, error) {
	if _, err := ParseFingerprint(xfp); err != nil || len(xfp) != 8 {
		return Key{}, fmt.Errorf("%w: %q is neither a setting nor a key's 8-hex-digit fingerprint", ErrSyntax, abbreviate(xfp))
	}
	if deriv == "" {
		return Key{}, fmt.Errorf("%w: key %s comes before any Derivation line", ErrSyntax, xfp)
	}
	return ParseKey("[" + strings.ToLower(xfp) + deriv + "]" + xpub)
}

// bip388Policy is a BIP-388 wallet policy.
type bip388Policy struct {
	Name     string   `json:"name"`
	Template string   `json:"descriptor_template"`
	KeysInfo []string `json:"keys_info"`
}

var keyPlaceholder = regexp.MustCompile(`@(\d+)(/\*\*|/<0;1>/\*)`)

// parseBIP388 reads a wallet policy: each "@i/**" (or "@i/<0;1>/*") of the
// template becomes keys_info[i] with "/<0;1>/*". BIP-388 requires every
// key to be used, and used once.
func parseBIP388(b []byte) (*Export, error) {
	var p bip388Policy
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%w: wallet policy: %v", ErrSyntax, err)
	}
	used := make([]int, len(p.KeysInfo))
	var bad error
	desc := keyPlaceholder.ReplaceAllStringFunc(p.Template, func(ph string) string {
		sub := keyPlaceholder.FindStringSubmatch(ph)
		i, err := strconv.Atoi(sub[1])
		if err != nil || i >= len(p.KeysInfo) {
			bad = fmt.Errorf("%w: wallet policy placeholder @%s has no key in keys_info", ErrSyntax, sub[1])
			return ph
		}
		used[i]++
		return p.KeysInfo[i] + "/<0;1>/*"
	})
	if bad != nil {
		return nil, bad
	}
	if strings.Contains(desc, "@") {
		return nil, fmt.Errorf("%w: wallet policy key placeholders must be @i/** or @i/<0;1>/*", ErrUnsupportedDerivation)
	}
	if i := slices.IndexFunc(used, func(n int) bool { return n != 1 }); i >= 0 {
		return nil, fmt.Errorf("%w: wallet policy key @%d is used %d times (BIP-388: exactly once)", ErrSyntax, i, used[i])
	}
	e := &Export{Format: FileBIP388}
	return e, e.add(desc, p.Name, -1)
}
