package vault

import (
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/v2"
)

func TestParseDescriptorRoundTrip(t *testing.T) {
	tests := []string{
		wsh(t, "2", "/<0;1>/*", tpubA, tpubB, tpubC),
		wsh(t, "2", "/<0;1>/*", strings.ReplaceAll(tpubA, "'", "h"), tpubB, tpubC),
		wsh(t, "1", "/<0;1>/*", "[21de204c/48'/1h/0'/2h]"+tpubA[23:]),
		wsh(t, "1", "/0/*", tpubA, tpubB),
		wsh(t, "2", "/1/*", tpubA, tpubB, tpubC),
		wsh(t, "1", "/<0;1>/*", bip32TV1Master),
		shwsh(t, "2", tpubA, tpubB, tpubC),
	}
	for _, s := range tests {
		t.Run(s[len(s)-8:], func(t *testing.T) {
			d := mustParse(t, s)
			if got := d.String(); got != s {
				t.Fatalf("String()\n got %s\nwant %s", got, s)
			}
			again := mustParse(t, d.String())
			if !again.Equal(d) {
				t.Error("reparsed descriptor is not Equal")
			}
		})
	}
}

// shwsh builds the sh(wsh(…)) descriptor of the keys, their BIP-48 origin
// paths turned to the nested script type (…/1'), which a nested vault
// requires; the xpubs, and so the scripts, are unchanged.
func shwsh(t *testing.T, m string, keys ...string) string {
	t.Helper()
	nested := make([]string, len(keys))
	for i, k := range keys {
		nested[i] = strings.NewReplacer("/2']", "/1']", "/2h]", "/1h]").Replace(k)
	}
	inner := strings.TrimPrefix(wsh(t, m, "/<0;1>/*", nested...), "wsh(")
	d, err := AddChecksum("sh(wsh(" + inner[:len(inner)-10] + "))")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestParseDescriptorLenient(t *testing.T) {
	canonical := wsh(t, "2", "/<0;1>/*", tpubA, tpubB, tpubC)
	body := canonical[:len(canonical)-9]
	for _, in := range []string{body, "  " + canonical + "\n"} {
		if got := mustParse(t, in).String(); got != canonical {
			t.Errorf("ParseDescriptor(%q).String() = %s", in, got)
		}
	}
}

func TestParseDescriptorRefuses(t *testing.T) {
	mp := "/<0;1>/*"
	k16 := sixteenKeys(t)
	tests := []struct {
		name, in string
		want     error
	}{
		{"wrong checksum", wsh(t, "2", mp, tpubA, tpubB, tpubC)[:len(wsh(t, "2", mp, tpubA, tpubB, tpubC))-1] + "q", ErrChecksum},
		{"hardened wildcard", wsh(t, "2", "/<0;1>/*'", tpubA, tpubB), ErrHardenedWildcard},
		{"hardened wildcard h", wsh(t, "2", "/0/*h", tpubA, tpubB), ErrHardenedWildcard},
		{"hardened step", wsh(t, "2", "/0h/*", tpubA, tpubB), ErrHardenedStep},
		{"mixed networks", wsh(t, "2", mp, tpubA, bip129Key1), ErrMixedNetworks},
		{"duplicate xpub", wsh(t, "2", mp, tpubA, tpubB, tpubA), ErrDuplicateKey},
		{"duplicate xpub, other origin", wsh(t, "2", mp, tpubA, "[00000001]"+tpubA[23:]), ErrDuplicateKey},
		{"duplicate origin", wsh(t, "2", mp, tpubA, tpubA[:23]+tpubB[23:]), ErrDuplicateKey},
		{"threshold 0", wsh(t, "0", mp, tpubA, tpubB), ErrThreshold},
		{"threshold above N", wsh(t, "3", mp, tpubA, tpubB), ErrThreshold},
		{"threshold not a number", wsh(t, "a", mp, tpubA, tpubB), ErrThreshold},
		{"threshold huge", wsh(t, "99999999999", mp, tpubA, tpubB), ErrThreshold},
		{"16 keys", wsh(t, "2", mp, k16...), ErrTooManyKeys},
		{"uncompressed key", wsh(t, "1", "", bip380Unc), ErrUncompressedKey},
		{"hex key", wsh(t, "1", "", bip380Pub), ErrNotExtendedKey},
		{"xprv", wsh(t, "1", mp, bip380XPrv), ErrPrivateKey},
		{"WIF", wsh(t, "1", "", bip380WIF), ErrPrivateKey},
		{"mixed multipath", "wsh(sortedmulti(1," + tpubA + mp + "," + tpubB + "/0/*))", ErrMixedMultipath},
		{"mixed chains", "wsh(sortedmulti(1," + tpubA + "/0/*," + tpubB + "/1/*))", ErrMixedMultipath},
		{"no derivation", wsh(t, "1", "", tpubA, tpubB), ErrUnsupportedDerivation},
		{"multi()", "wsh(multi(1," + tpubA + mp + "))", ErrUnsupportedScript},
		{"pkh()", "pkh(" + tpubA + mp + ")", ErrUnsupportedScript},
		{"tr()", "tr(" + tpubA + mp + ")", ErrUnsupportedScript},
		{"sh(sortedmulti())", "sh(sortedmulti(1," + tpubA + mp + "))", ErrUnsupportedScript},
		{"wsh(pk())", "wsh(pk(" + tpubA + mp + "))", ErrUnsupportedScript},
		{"raw()", "raw(deadbeef)#89f8spxm", ErrUnsupportedScript},
		{"trailing text", "wsh(sortedmulti(1," + tpubA + mp + "))x", ErrTrailingData},
		{"extra parenthesis", "wsh(sortedmulti(1," + tpubA + mp + ")))", ErrTrailingData},
		{"two scripts", "wsh(sortedmulti(1," + tpubA + mp + "),sortedmulti(1," + tpubB + mp + "))", ErrTrailingData},
		{"missing parenthesis", "wsh(sortedmulti(1," + tpubA + mp + ")", ErrSyntax},
		{"no keys", "wsh(sortedmulti(1))", ErrSyntax},
		{"empty key", "wsh(sortedmulti(1,," + tpubA + mp + "))", ErrSyntax},
		{"not a descriptor", "hello", ErrSyntax},
		{"empty", "", ErrSyntax},
		{"space inside", "wsh( sortedmulti(1," + tpubA + mp + "))", ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDescriptor(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseDescriptor = %v, %v; want %v", d, err, tt.want)
			}
		})
	}
}

func sixteenKeys(t *testing.T) []string {
	t.Helper()
	v := loadVectors(t)
	var keys []string
	for _, c := range v.Cases {
		if c.Name == "wsh_11of15_regtest" {
			keys = append(keys, c.Keys...)
		}
	}
	return append(keys, tpubA)
}

func TestNewDescriptor(t *testing.T) {
	keys := parseKeys(t, tpubA, tpubB, tpubC)
	d, err := NewDescriptor(P2WSH, 2, keys)
	if err != nil {
		t.Fatal(err)
	}
	keys[0] = keys[1] // the descriptor keeps its own copy
	if want := wsh(t, "2", "/<0;1>/*", tpubA, tpubB, tpubC); d.String() != want {
		t.Errorf("String() = %s", d.String())
	}
	if _, err := NewDescriptor(ScriptType(9), 1, keys[:1]); !errors.Is(err, ErrUnsupportedScript) {
		t.Errorf("unknown type: %v", err)
	}
	if _, err := NewDescriptor(P2WSH, 1, nil); !errors.Is(err, ErrThreshold) {
		t.Errorf("no keys: %v", err)
	}
	if _, err := NewDescriptor(P2WSH, 1, []Key{{Multipath: true}}); !errors.Is(err, ErrNotExtendedKey) {
		t.Errorf("key without xpub: %v", err)
	}
	bad := keys[1]
	bad.Multipath, bad.Chain = false, 5
	if _, err := NewDescriptor(P2WSH, 1, []Key{bad}); !errors.Is(err, ErrUnsupportedDerivation) {
		t.Errorf("chain 5: %v", err)
	}
	priv := Key{XPub: testMaster(t, &chaincfg.MainNetParams), Multipath: true}
	if _, err := NewDescriptor(P2WSH, 1, []Key{priv}); !errors.Is(err, ErrPrivateKey) {
		t.Errorf("private key: %v", err)
	}
}

func parseKeys(t *testing.T, exprs ...string) []Key {
	t.Helper()
	keys := make([]Key, len(exprs))
	for i, e := range exprs {
		k, err := ParseKey(e)
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
	}
	return keys
}

func TestDescriptorEqual(t *testing.T) {
	base := mustParse(t, wsh(t, "2", "/<0;1>/*", tpubA, tpubB, tpubC))
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"same", wsh(t, "2", "/<0;1>/*", tpubA, tpubB, tpubC), true},
		{"reordered", wsh(t, "2", "/<0;1>/*", tpubC, tpubA, tpubB), true},
		{"h markers", wsh(t, "2", "/<0;1>/*", strings.ReplaceAll(tpubA, "'", "h"), tpubB, tpubC), true},
		{"threshold", wsh(t, "1", "/<0;1>/*", tpubA, tpubB, tpubC), false},
		{"type", shwsh(t, "2", tpubA, tpubB, tpubC), false},
		{"keys", wsh(t, "2", "/<0;1>/*", tpubA, tpubB), false},
		{"origin", wsh(t, "2", "/<0;1>/*", "[00000000]"+tpubA[23:], tpubB, tpubC), false},
		{"chain", wsh(t, "2", "/0/*", tpubA, tpubB, tpubC), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := base.Equal(mustParse(t, tt.in)); got != tt.want {
				t.Errorf("Equal = %v", got)
			}
		})
	}
	var nilD *Descriptor
	if base.Equal(nil) || !nilD.Equal(nil) {
		t.Error("nil handling")
	}
}

func TestDescriptorAccessors(t *testing.T) {
	d := mustParse(t, wsh(t, "2", "/<0;1>/*", tpubA, strings.Replace(tpubB, "[e5940ebd/48'/1'/0'/2']", "", 1), tpubC))
	fps := d.Fingerprints()
	if d.N() != 3 || d.IsMainnet() || fps[0].String() != "21de204c" || fps[2].String() != "355c1078" {
		t.Errorf("N %d mainnet %v fingerprints %v", d.N(), d.IsMainnet(), fps)
	}
	if own := d.Keys[1].MasterFingerprint(); fps[1] != own || own.String() == "e5940ebd" {
		t.Errorf("a key without origin counts as its own master: %s", fps[1])
	}
	if !mustParse(t, wsh(t, "1", "/<0;1>/*", bip129Key1)).IsMainnet() {
		t.Error("xpub descriptor is not mainnet")
	}
}

// TestBIP389Expansion checks that a "<0;1>" descriptor is the pair of
// descriptors BIP-389 expands it into: "/0/*" first, "/1/*" second.
func TestBIP389Expansion(t *testing.T) {
	multi := mustParse(t, wsh(t, "2", "/<0;1>/*", tpubA, tpubB, tpubC))
	for chain, suffix := range []string{"/0/*", "/1/*"} {
		want := wsh(t, "2", suffix, tpubA, tpubB, tpubC)
		if got := multi.ChainString(uint32(chain)); got != want {
			t.Errorf("ChainString(%d)\n got %s\nwant %s", chain, got, want)
		}
		single := mustParse(t, want)
		net := mustNetwork(t, "testnet")
		for index := uint32(0); index < 3; index++ {
			a, errA := multi.Derive(net, uint32(chain), index)
			b, errB := single.Derive(net, uint32(chain), index)
			if errA != nil || errB != nil || a.Address != b.Address {
				t.Errorf("chain %d index %d: %v %v / %v %v", chain, index, a, errA, b, errB)
			}
		}
	}
	if multi.ChainString(2) != "" {
		t.Error("ChainString(2) is not empty")
	}
}

// TestSingleChain: a descriptor whose keys all end in "/0/*" (or "/1/*")
// describes that chain only.
func TestSingleChain(t *testing.T) {
	receive := wsh(t, "2", "/0/*", tpubA, tpubB, tpubC)
	d := mustParse(t, receive)
	if d.String() != receive || d.ChainString(0) != receive || d.ChainString(1) != "" {
		t.Errorf("String %s ChainString(0) %s ChainString(1) %q", d, d.ChainString(0), d.ChainString(1))
	}
	net := mustNetwork(t, "testnet")
	if _, err := d.Derive(net, 1, 0); !errors.Is(err, ErrChainUnavailable) {
		t.Errorf("Derive of the change chain: %v", err)
	}
	change := mustParse(t, wsh(t, "2", "/1/*", tpubA, tpubB, tpubC))
	if _, err := change.Derive(net, 0, 0); !errors.Is(err, ErrChainUnavailable) {
		t.Errorf("Derive of the receive chain: %v", err)
	}
	if _, err := change.Derive(net, 1, 0); err != nil {
		t.Error(err)
	}
}

// TestSLIP132Descriptor reads a published descriptor written with Zpubs
// (coconut_lib's multisig test, mainnet) and checks its first receive and
// change addresses; the checksum covers the Zpub text as given.
func TestSLIP132Descriptor(t *testing.T) {
	const desc = "wsh(sortedmulti(2,[AEF5B293/48'/0'/0'/2']Zpub75AQJSQLp25LUmJX2fUUMJjP4fcQhwaqH32iSNckTrZrjy3omBpb1ghSNtSZpCzvzhLha7r3JA7uG4wQyDkn87qHgpPZfTHBdvghvVhL2t1/<0;1>/*,[BAD41B33/48'/0'/0'/2']Zpub74NK7csp5wpD3dmr6bwweenNKDSERwQfisZCL8JpZ2TQ64E4oHm8pesNzTytfhfpfp6XzwumdxSKgLSjogTG6r6zVd1mSgGz67zK3Me9qrQ/<0;1>/*,[62A936C3/48'/0'/0'/2']Zpub75QytCyD9mNTr1wyi59JAhU2uiPedspk18djeteoeC6tJ7MdpuKbBRUA33CW49y5FDkpPqLDjujDVaNAGB9XVw44q8X2Hzif5DSTQyhgTES/<0;1>/*))#3zwl8rzh"
	d := mustParse(t, desc)
	net := mustNetwork(t, "mainnet")
	for _, tt := range []struct {
		chain uint32
		want  string
	}{
		{0, "bc1qq4t09zkp4f422qrcqmg0xx79h5n9ujtql5rcvwc0kykwfv3rwxgqkss9ct"},
		{1, "bc1qjy9t4rl9npfu5r47k9gqkk7znt8hyuf28vd6jx3wuheu2dhc0esq3085ck"},
	} {
		got, err := d.Derive(net, tt.chain, 0)
		if err != nil || got.Address != tt.want {
			t.Errorf("chain %d: %v, %v; want %s", tt.chain, got, err, tt.want)
		}
	}
	if s := d.String(); strings.Contains(s, "Zpub") || !strings.Contains(s, "[aef5b293/48'/0'/0'/2']xpub") {
		t.Errorf("String() keeps SLIP-132 or upper case: %s", s)
	}
}
