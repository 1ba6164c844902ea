package vault

import (
	"bytes"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg/v2"
)

func TestParseKeyAccepts(t *testing.T) {
	xpub := bip380XPub
	tests := []struct {
		in, want  string
		multipath bool
		chain     uint32
	}{
		// BIP-380 valid extended public key expressions vaults use.
		{xpub, xpub + "/<0;1>/*", true, 0},
		{"[deadbeef/0h/1h/2h]" + xpub, "[deadbeef/0h/1h/2h]" + xpub + "/<0;1>/*", true, 0},
		{"[deadbeef/0'/0h/0']" + xpub + "/0/*", "[deadbeef/0'/0h/0']" + xpub + "/0/*", false, 0},
		{"[DEADBEEF/48'/0'/0'/2']" + xpub + "/1/*", "[deadbeef/48'/0'/0'/2']" + xpub + "/1/*", false, 1},
		{"[d34db33f]" + xpub + "/<0;1>/*", "[d34db33f]" + xpub + "/<0;1>/*", true, 0},
		{tpubA + "/<0;1>/*", tpubA + "/<0;1>/*", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			k, err := ParseKey(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if k.String() != tt.want || k.Multipath != tt.multipath || k.Chain != tt.chain {
				t.Errorf("got %s multipath=%v chain=%d", k, k.Multipath, k.Chain)
			}
		})
	}
}

func TestParseKeyRefuses(t *testing.T) {
	xpub := bip380XPub
	tprv := testMaster(t, &chaincfg.TestNet3Params).String()
	tests := []struct {
		name, in string
		want     error
	}{
		// BIP-380 expressions that are valid descriptors but no vault key.
		{"compressed hex key", bip380Pub, ErrNotExtendedKey},
		{"hex key with origin", "[deadbeef/0h/0h/0h]" + bip380Pub, ErrNotExtendedKey},
		{"uncompressed key", bip380Unc, ErrUncompressedKey},
		{"WIF compressed", bip380WIF, ErrPrivateKey},
		{"WIF uncompressed", bip380WIFu, ErrPrivateKey},
		{"WIF with derivation", bip380WIF + "/0", ErrPrivateKey},
		{"xprv", bip380XPrv, ErrPrivateKey},
		{"xprv with origin", "[deadbeef/0h/1h/2h]" + bip380XPrv + "/<0;1>/*", ErrPrivateKey},
		{"tprv", tprv + "/0/*", ErrPrivateKey},
		{"zpub (BIP-84 single-sig)", "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs", ErrNotExtendedKey},
		{"derivation without wildcard", "[deadbeef/0h/1h/2h]" + xpub + "/3/4/5", ErrUnsupportedDerivation},
		{"deep derivation", "[deadbeef/0h/1h/2h]" + xpub + "/3/4/5/*", ErrUnsupportedDerivation},
		{"bare wildcard", xpub + "/*", ErrUnsupportedDerivation},
		{"chain 2", xpub + "/2/*", ErrUnsupportedDerivation},
		{"multipath without wildcard", xpub + "/<0;1>", ErrUnsupportedDerivation},
		{"multipath 1;3", xpub + "/<1;3>/*", ErrUnsupportedDerivation},
		{"multipath 1;0", xpub + "/<1;0>/*", ErrUnsupportedDerivation},
		{"multipath of three", xpub + "/<0;1;2>/*", ErrUnsupportedDerivation},
		{"hardened steps", xpub + "/3h/4h/5h/*", ErrHardenedStep},
		{"hardened chain", xpub + "/0'/*", ErrHardenedStep},
		{"hardened multipath", xpub + "/<0h;1>/*", ErrHardenedStep},
		{"hardened wildcard '", xpub + "/0/*'", ErrHardenedWildcard},
		{"hardened wildcard h", xpub + "/<0;1>/*h", ErrHardenedWildcard},
		// BIP-380 invalid key expressions.
		{"children indicator in origin", "[deadbeef/0h/0h/0h/*]" + xpub, ErrSyntax},
		{"trailing slash in origin", "[deadbeef/0h/0h/0h/]" + xpub, ErrSyntax},
		{"too short fingerprint", "[deadbef/0h/0h/0h]" + xpub, ErrSyntax},
		{"too long fingerprint", "[deadbeeef/0h/0h/0h]" + xpub, ErrSyntax},
		{"invalid hardened f", "[deadbeef/0f/0f/0f]" + xpub, ErrSyntax},
		{"invalid hardened H", "[deadbeef/0H/0H/0H]" + xpub, ErrSyntax},
		{"invalid hardened -", "[deadbeef/-0/-0/-0]" + xpub, ErrSyntax},
		{"index out of range", xpub + "/2147483648/*", ErrSyntax},
		{"invalid index", xpub + "/1aa/*", ErrSyntax},
		{"multiple origins", "[aaaaaaaa][aaaaaaaa]" + xpub + "/0/*", ErrSyntax},
		{"missing origin start", "aaaaaaaa]" + xpub + "/0/*", ErrSyntax},
		{"non-hex fingerprint", "[gaaaaaaa]" + xpub + "/0/*", ErrSyntax},
		{"origin without key", "[deadbeef]", ErrSyntax},
		{"missing origin end", "[deadbeef" + xpub, ErrSyntax},
		// BIP-389 invalid multipath expressions.
		{"two multipath steps", xpub + "/<0;1>/<2;3>", ErrSyntax},
		{"multipath in origin", "[deadbeef/<0;1>]" + xpub + "/0", ErrSyntax},
		{"empty multipath", xpub + "/<>/*", ErrSyntax},
		{"missing multipath start", xpub + "/0>/*", ErrSyntax},
		{"missing multipath end", xpub + "/<0/*", ErrSyntax},
		{"missing multipath index", xpub + "/<0;>/*", ErrSyntax},
		{"repeated multipath index", xpub + "/<0;0>/*", ErrSyntax},
		{"empty step", xpub + "//*", ErrSyntax},
		{"empty suffix", xpub + "/", ErrSyntax},
		{"garbage", "hello", ErrNotExtendedKey},
		{"bad base58 checksum", xpub[:len(xpub)-1] + "M", ErrNotExtendedKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseKey(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseKey(%s) = %v, %v; want %v", tt.in, k, err, tt.want)
			}
		})
	}
}

func testMaster(t testing.TB, params *chaincfg.Params) *hdkeychain.ExtendedKey {
	t.Helper()
	m, err := hdkeychain.NewMaster(bytes.Repeat([]byte{7}, 32), params)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestKeyAccessors(t *testing.T) {
	k, err := ParseKey(bip32TV1Master)
	if err != nil {
		t.Fatal(err)
	}
	if fp := k.MasterFingerprint().String(); fp != "3442193e" {
		t.Errorf("own fingerprint %s, want BIP-32's 3442193e", fp)
	}
	if len(k.OriginPath()) != 0 || k.OriginString() != bip32TV1Master || !k.IsMainnet() {
		t.Errorf("origin %v, %s, mainnet %v", k.OriginPath(), k.OriginString(), k.IsMainnet())
	}
	if pk := k.PubKey(); len(pk) != 33 || (pk[0] != 2 && pk[0] != 3) {
		t.Errorf("PubKey %x", pk)
	}
	a, err := ParseKey(tpubA)
	if err != nil {
		t.Fatal(err)
	}
	if a.IsMainnet() || a.MasterFingerprint().String() != "21de204c" || FormatPath(a.OriginPath()) != "m/48'/1'/0'/2'" {
		t.Errorf("tpubA: mainnet %v fp %s path %s", a.IsMainnet(), a.MasterFingerprint(), FormatPath(a.OriginPath()))
	}
	if (Key{}).PubKey() != nil || (Key{}).IsMainnet() {
		t.Error("the zero Key has a public key")
	}
}

func TestParseKeyRefusesBadMaster(t *testing.T) {
	m := testMaster(t, &chaincfg.MainNetParams)
	pub, err := m.Neuter()
	if err != nil {
		t.Fatal(err)
	}
	pk, err := pub.ECPubKey()
	if err != nil {
		t.Fatal(err)
	}
	// BIP-32 test vector 5's kind of invalid key: depth 0, parent fingerprint set.
	bad := hdkeychain.NewExtendedKey(pub.Version(), pk.SerializeCompressed(), pub.ChainCode(), []byte{1, 2, 3, 4}, 0, 0, false)
	if _, err := ParseKey(bad.String()); !errors.Is(err, ErrNotExtendedKey) {
		t.Errorf("depth 0 with a parent fingerprint: %v", err)
	}
	if _, err := ParseKey(pub.String()); err != nil {
		t.Errorf("a valid master xpub: %v", err)
	}
}
