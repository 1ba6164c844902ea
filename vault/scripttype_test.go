package vault

import (
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
)

// slip132 rewrites a tpub key expression's xpub with a SLIP-132 version.
func slip132(t *testing.T, expr string, version []byte) string {
	t.Helper()
	i := strings.IndexByte(expr, ']') + 1
	k, err := hdkeychain.NewKeyFromString(expr[i:])
	if err != nil {
		t.Fatal(err)
	}
	c, err := k.CloneWithVersion(version)
	if err != nil {
		t.Fatal(err)
	}
	return expr[:i] + c.String()
}

// TestScriptTypeContradictions: a SLIP-132 prefix or a BIP-48 script step
// that names the other script type is refused with a sentence saying
// which; the ones that agree are accepted.
func TestScriptTypeContradictions(t *testing.T) {
	vpub := []byte{0x02, 0x57, 0x54, 0x83}
	upub := []byte{0x02, 0x42, 0x89, 0xef}
	nested := func(k string) string { return strings.Replace(k, "/2']", "/1']", 1) }
	for _, c := range []struct {
		name string
		t    ScriptType
		key  string
		want string // "" accepted
	}{
		{"Vpub in a P2WSH vault", P2WSH, slip132(t, tpubA, vpub), ""},
		{"Upub in a nested vault", P2SHP2WSH, slip132(t, nested(tpubA), upub), ""},
		{"Vpub in a nested vault", P2SHP2WSH, slip132(t, nested(tpubA), vpub), "key 1 is a Vpub, a SLIP-132 key for P2WSH (wsh), but the vault is P2SH-P2WSH (sh(wsh), nested)"},
		{"Upub in a P2WSH vault", P2WSH, slip132(t, tpubA, upub), "key 1 is a Upub, a SLIP-132 key for P2SH-P2WSH (sh(wsh), nested), but the vault is P2WSH (wsh)"},
		{"/2' in a nested vault", P2SHP2WSH, tpubA, "key 1 has the BIP-48 path m/48'/1'/0'/2', whose script type 2' is P2WSH (wsh), but the vault is P2SH-P2WSH (sh(wsh), nested)"},
		{"/1' in a P2WSH vault", P2WSH, nested(tpubA), "key 1 has the BIP-48 path m/48'/1'/0'/1', whose script type 1' is P2SH-P2WSH (sh(wsh), nested), but the vault is P2WSH (wsh)"},
		{"a non-BIP-48 path", P2SHP2WSH, strings.Replace(tpubA, "48'", "45'", 1), ""},
	} {
		k, err := ParseKey(c.key)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		other, _ := ParseKey(nested(tpubB))
		if c.t == P2WSH {
			other, _ = ParseKey(tpubB)
		}
		_, err = NewDescriptor(c.t, 1, []Key{k, other})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.want != "" && (!errors.Is(err, ErrScriptTypeMismatch) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// The same inside a descriptor text.
	text := "sh(wsh(sortedmulti(1," + slip132(t, nested(tpubA), vpub) + "/<0;1>/*)))"
	if _, err := ParseDescriptor(text); !errors.Is(err, ErrScriptTypeMismatch) {
		t.Errorf("a Vpub inside sh(wsh()): %v", err)
	}
}
