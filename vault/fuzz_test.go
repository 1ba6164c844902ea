package vault

import (
	"errors"
	"testing"
)

// Fuzz targets for the two parsers of outside input. The seeds make them run
// as ordinary tests; `go test -fuzz` explores from them. Whatever parses must
// print back to text that parses to an Equal value.

func FuzzParseDescriptor(f *testing.F) {
	for _, c := range loadVectors(f).Cases {
		f.Add(c.Descriptor)
	}
	for _, s := range []string{
		"", "wsh()", "wsh(sortedmulti(1,))", "sh(wsh(sortedmulti(2,x,y)))#aaaaaaaa",
		"wsh(sortedmulti(1," + tpubA + "/<0;1>/*))",
		"wsh(sortedmulti(1," + tpubA + "/<0;1>/*h))",
		"wsh(sortedmulti(1," + tpubA + "/<0;1>/<0;1>/*))",
		"wsh(sortedmulti(1,[" + tpubA + "/0/*))",
		"raw(deadbeef)#89f8spxm", "wsh(sortedmulti(99999999999999999999," + tpubA + "/0/*))",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDescriptor(s)
		if err != nil {
			return
		}
		again, err := ParseDescriptor(d.String())
		if err != nil {
			t.Fatalf("String() %q does not parse: %v", d.String(), err)
		}
		if !again.Equal(d) || again.String() != d.String() {
			t.Fatalf("round trip differs:\n%s\n%s", d, again)
		}
		for chain := uint32(0); chain < 2; chain++ {
			if cs := d.ChainString(chain); cs != "" {
				if _, err := ParseDescriptor(cs); err != nil {
					t.Fatalf("ChainString(%d) %q does not parse: %v", chain, cs, err)
				}
			}
		}
	})
}

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{
		tpubA, tpubA + "/0/*", tpubA + "/1/*", tpubA + "/<0;1>/*", withH(tpubB), bip32TV1Master,
		"[deadbeef/0'/0h/0']" + bip380XPub, bip380XPrv, bip380WIF, bip380Pub, bip380Unc,
		"[deadbeef]", "[", "]", "/", "xpub/<0;>/*", tpubA + "/*'",
		"Zpub75AQJSQLp25LUmJX2fUUMJjP4fcQhwaqH32iSNckTrZrjy3omBpb1ghSNtSZpCzvzhLha7r3JA7uG4wQyDkn87qHgpPZfTHBdvghvVhL2t1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err != nil {
			if k.XPub != nil {
				t.Fatalf("error %v with a key", err)
			}
			return
		}
		again, err := ParseKey(k.String())
		if err != nil {
			t.Fatalf("String() %q does not parse: %v", k.String(), err)
		}
		if again.String() != k.String() {
			t.Fatalf("round trip differs: %s / %s", k, again)
		}
		if _, err := NewDescriptor(P2WSH, 1, []Key{k}); err != nil && !errors.Is(err, ErrDuplicateKey) {
			t.Fatalf("a parsed key makes no 1-of-1: %v", err)
		}
	})
}

// FuzzParseExport: whatever an export file holds, the reader returns
// wallets that parse back to themselves, or an error; never a panic.
func FuzzParseExport(f *testing.F) {
	multi := "wsh(sortedmulti(2," + tpubA + "/<0;1>/*," + tpubB + "/<0;1>/*))"
	for _, s := range []string{
		`{"vault":"ops","generations":[{"generation":0,"descriptor":"` + multi + `"}]}`,
		`[{"desc":"` + multi + `","range":[0,1000]}]`,
		`{"wallet_name":"w","descriptors":[{"desc":"` + multi + `"}]}`,
		`{"label":"x","descriptor":"` + multi + `"}`,
		"BSMS 1.0\nwsh(sortedmulti(2," + bip129Key1 + "/**," + bip129Key2 + "/**))\n/0/*,/1/*\n" + bip129First,
		"# comment\n" + multi + "\n", "", "[]", "{}", "BSMS 1.0\n",
		`{"name":"c","addressType":"P2WSH","quorum":{"requiredSigners":1,"totalSigners":2},"extendedPublicKeys":[{"name":"a","bip32Path":"m/48'/1'/0'/2'","xpub":"` + tpubA[23:] + `","xfp":"21de204c"},{"name":"b","bip32Path":"Unknown","xpub":"` + tpubB[23:] + `","xfp":"Unknown"}]}`,
		"Name: x\nPolicy: 1 of 2\nFormat: P2WSH\nDerivation: m/48'/1'/0'/2'\n21DE204C: " + tpubA[23:] + "\nE5940EBD: " + tpubB[23:] + "\n",
		`{"name":"p","descriptor_template":"wsh(sortedmulti(1,@0/**,@1/**))","keys_info":["` + tpubA + `","` + tpubB + `"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseExport(b)
		if err != nil {
			if e != nil {
				t.Fatalf("error %v with a result", err)
			}
			return
		}
		if len(e.Entries) == 0 {
			t.Fatal("no entries without an error")
		}
		for _, en := range e.Entries {
			again, err := ParseDescriptor(en.Descriptor.String())
			if err != nil || !again.Equal(en.Descriptor) || !en.Descriptor.Keys[0].Multipath {
				t.Fatalf("entry %s does not round-trip as a wallet: %v", en.Descriptor, err)
			}
		}
	})
}
