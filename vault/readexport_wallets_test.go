package vault

import (
	"strings"
	"testing"
)

// TestReadWalletFilesRefusals: what Coldcard, Caravan and a BIP-388 signer
// would refuse is refused here too, with the reason.
func TestReadWalletFilesRefusals(t *testing.T) {
	cc := "Name: x\nPolicy: 1 of 2\nFormat: P2WSH\nDerivation: m/48'/1'/0'/2'\n21DE204C: " + tpubA[23:] + "\nE5940EBD: " + tpubB[23:] + "\n"
	car := `{"name":"c","addressType":"P2WSH","quorum":{"requiredSigners":1,"totalSigners":2},"extendedPublicKeys":[{"name":"a","bip32Path":"m/48'/1'/0'/2'","xpub":"` + tpubA[23:] + `","xfp":"21de204c"},{"name":"b","bip32Path":"m/48'/1'/0'/2'","xpub":"` + tpubB[23:] + `","xfp":"e5940ebd"}]}`
	pol := `{"name":"p","descriptor_template":"wsh(sortedmulti(1,@0/**,@1/**))","keys_info":["` + tpubA + `","` + tpubB + `"]}`
	for _, ok := range []string{cc, car, pol} {
		e, err := ParseExport([]byte(ok))
		if err != nil || len(e.Entries) != 1 {
			t.Fatalf("%.40s: %v", ok, err)
		}
	}
	if e, _ := ParseExport([]byte(car)); strings.Join(e.Entries[0].KeyNames, ",") != "a,b" || e.Entries[0].Vault != "c" {
		t.Errorf("caravan names: %+v", e.Entries[0])
	}
	for _, c := range []struct{ in, want string }{
		{strings.Replace(cc, "1 of 2", "1 of 3", 1), "policy of 3 keys, but the file has 2"},
		{strings.Replace(cc, "P2WSH", "P2SH", 1), `format "P2SH"`},
		{strings.Replace(cc, "Derivation: m/48'/1'/0'/2'\n", "", 1), "before any Derivation"},
		{strings.Replace(cc, "Format: P2WSH", "Format: P2SH-P2WSH", 1), "whose script type 2' is P2WSH"},
		{strings.Replace(cc, "Policy", "Xolicy", 1) + "Policy: 1 of 2\n", `"Xolicy" is neither a setting nor`},
		{strings.Replace(car, `"P2WSH"`, `"P2SH"`, 1), `caravan address type "P2SH"`},
		{strings.Replace(car, `"totalSigners":2`, `"totalSigners":3`, 1), "quorum of 3 keys, but the file has 2"},
		{strings.Replace(pol, "@1/**", "@0/**", 1), "@0 is used 2 times"},
		{strings.Replace(pol, "@1/**", "@2/**", 1), "@2 has no key"},
		{strings.Replace(pol, "@1/**", "@1/*", 1), "must be @i/** or @i/<0;1>/*"},
	} {
		_, err := ParseExport([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.want, err, c.want)
		}
	}
}
