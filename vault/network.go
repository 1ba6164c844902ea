package vault

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg/v2"
)

// networks lists the networks ParseNetwork knows, in the order Networks
// returns them.
var networks = []Network{
	{Name: "mainnet", Params: &chaincfg.MainNetParams},
	{Name: "testnet", Params: &chaincfg.TestNet3Params},
	{Name: "testnet4", Params: &chaincfg.TestNet4Params},
	{Name: "signet", Params: &chaincfg.SigNetParams},
	{Name: "regtest", Params: &chaincfg.RegressionNetParams},
}

var networkAliases = map[string]string{
	"main":     "mainnet",
	"bitcoin":  "mainnet",
	"testnet3": "testnet",
}

// ParseNetwork returns the network with the given name: "mainnet" (or
// "main", "bitcoin"), "testnet" (or "testnet3"), "testnet4", "signet" or
// "regtest". Case and surrounding space are ignored.
func ParseNetwork(name string) (Network, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if alias, ok := networkAliases[n]; ok {
		n = alias
	}
	for _, net := range networks {
		if net.Name == n {
			return net, nil
		}
	}
	return Network{}, fmt.Errorf("unknown network %q (want one of %s)",
		name, strings.Join(Networks(), ", "))
}

// Networks returns the canonical names of the networks ParseNetwork accepts.
func Networks() []string {
	names := make([]string, len(networks))
	for i, n := range networks {
		names[i] = n.Name
	}
	return names
}

// BIP48Path returns the BIP-48 account path m/48'/coin'/account'/script',
// where script is 2' for P2WSH and 1' for P2SH-P2WSH. The account must be
// below 2^31; it is hardened here.
func BIP48Path(net Network, account uint32, t ScriptType) []uint32 {
	script := uint32(2)
	if t == P2SHP2WSH {
		script = 1
	}
	h := uint32(hdkeychain.HardenedKeyStart)
	return []uint32{48 + h, net.CoinType() + h, account + h, script + h}
}

// FormatPath writes a derivation path as "m/48'/1'/0'/2'"; the empty path
// is "m".
func FormatPath(path []uint32) string {
	return "m" + formatSteps(path, nil, '\'')
}

// formatSteps writes "/step" for each step, marking hardened steps with
// markers[i] when markers is as long as path, else with marker.
func formatSteps(path []uint32, markers []byte, marker byte) string {
	var b strings.Builder
	for i, step := range path {
		b.WriteByte('/')
		if step < hdkeychain.HardenedKeyStart {
			b.WriteString(strconv.FormatUint(uint64(step), 10))
			continue
		}
		b.WriteString(strconv.FormatUint(uint64(step-hdkeychain.HardenedKeyStart), 10))
		m := marker
		if len(markers) == len(path) && markers[i] != 0 {
			m = markers[i]
		}
		b.WriteByte(m)
	}
	return b.String()
}

// ParsePath reads a derivation path such as "m/48'/1'/0'/2'", "48h/1h" or
// "m". Hardened steps are marked with ' or h.
func ParsePath(s string) ([]uint32, error) {
	rest := s
	if rest == "m" || rest == "M" {
		return []uint32{}, nil
	}
	if strings.HasPrefix(rest, "m/") || strings.HasPrefix(rest, "M/") {
		rest = rest[2:]
	}
	path, _, err := parseSteps(rest)
	if err != nil {
		return nil, fmt.Errorf("derivation path %q: %w", s, err)
	}
	return path, nil
}

// parseSteps reads "48'/1h/0" and returns the steps and the marker used by
// each (0 for unhardened steps).
func parseSteps(s string) ([]uint32, []byte, error) {
	if s == "" {
		return nil, nil, fmt.Errorf("%w: empty path", ErrSyntax)
	}
	parts := strings.Split(s, "/")
	path := make([]uint32, len(parts))
	markers := make([]byte, len(parts))
	for i, p := range parts {
		v, m, err := parseStep(p)
		if err != nil {
			return nil, nil, err
		}
		path[i], markers[i] = v, m
	}
	return path, markers, nil
}

// parseStep reads one path step: a decimal index below 2^31, optionally
// followed by a hardened marker (' or h). It returns the index (with
// hdkeychain.HardenedKeyStart added when hardened) and the marker, or 0.
func parseStep(s string) (uint32, byte, error) {
	var marker byte
	digits := s
	if n := len(s); n > 0 && (s[n-1] == '\'' || s[n-1] == 'h') {
		marker, digits = s[n-1], s[:n-1]
	}
	if strings.HasSuffix(s, "H") {
		return 0, 0, fmt.Errorf("%w: path step %q: mark hardened steps with h or ' (BIP-380's vectors and Bitcoin Core refuse H)", ErrSyntax, s)
	}
	if digits == "" || len(digits) > 10 || strings.Trim(digits, "0123456789") != "" {
		return 0, 0, fmt.Errorf("%w: path step %q is not a number", ErrSyntax, s)
	}
	v, err := strconv.ParseUint(digits, 10, 32)
	if err != nil || v >= hdkeychain.HardenedKeyStart {
		return 0, 0, fmt.Errorf("%w: path step %q is out of range (0 to 2^31-1)", ErrSyntax, s)
	}
	if marker != 0 {
		v += hdkeychain.HardenedKeyStart
	}
	return uint32(v), marker, nil
}
