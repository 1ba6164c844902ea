package vault

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestExportCore(t *testing.T) {
	d := mustParse(t, wsh(t, "2", "/<0;1>/*", tpubA, tpubB, tpubC))
	for _, tt := range []struct {
		ts   int64
		want any
	}{{1700000000, float64(1700000000)}, {0, float64(0)}, {-1, "now"}} {
		out, err := ExportCore(d, tt.ts, 999, true)
		if err != nil {
			t.Fatal(err)
		}
		var reqs []map[string]any
		if err := json.Unmarshal(out, &reqs); err != nil || len(reqs) != 2 {
			t.Fatalf("%s: %v", out, err)
		}
		for chain, r := range reqs {
			if r["desc"] != d.ChainString(uint32(chain)) || r["internal"] != (chain == 1) || r["active"] != true ||
				r["timestamp"] != tt.want || len(r) != 5 {
				t.Errorf("request %d: %v", chain, r)
			}
			if rng := r["range"].([]any); rng[0] != float64(0) || rng[1] != float64(999) {
				t.Errorf("range %v", rng)
			}
			mustParse(t, r["desc"].(string))
		}
	}
	inactive, err := ExportCore(d, 0, 10, false)
	if err != nil || strings.Count(string(inactive), `"active": false`) != 2 || strings.Contains(string(inactive), `"active": true`) {
		t.Fatalf("inactive export: %s %v", inactive, err)
	}
	single, err := ExportCore(mustParse(t, wsh(t, "2", "/1/*", tpubA, tpubB)), 5, 10, true)
	if err != nil || strings.Count(string(single), `"desc"`) != 1 || !strings.Contains(string(single), `"internal": true`) {
		t.Errorf("single chain: %s, %v", single, err)
	}
	if _, err := ExportCore(d, 0, -1, true); !errors.Is(err, ErrExport) {
		t.Errorf("negative range: %v", err)
	}
	if _, err := ExportCore(nil, 0, 1, true); !errors.Is(err, ErrExport) {
		t.Errorf("nil descriptor: %v", err)
	}
}

func TestExportCaravan(t *testing.T) {
	d := mustParse(t, shwsh(t, "2", tpubA, tpubB[23:], tpubC))
	out, err := ExportCaravan(d, "Treasury cold 0", []string{"alice", "", "carol"}, mustNetwork(t, "testnet4"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg caravanConfig
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Name != "Treasury cold 0" || cfg.AddressType != "P2SH-P2WSH" || cfg.Network != "testnet" ||
		cfg.Client == nil || cfg.Client.Type != "public" || cfg.Quorum != (caravanQuorum{2, 3}) || len(cfg.ExtendedPublicKeys) != 3 {
		t.Fatalf("%s", out)
	}
	k0, k1 := cfg.ExtendedPublicKeys[0], cfg.ExtendedPublicKeys[1]
	if k0.Name != "alice" || k0.BIP32Path != "m/48'/1'/0'/1'" || k0.XFP != "21de204c" || k0.XPub != tpubA[23:] {
		t.Errorf("key 1: %+v", k0)
	}
	if k1.BIP32Path != "Unknown" || k1.XFP != d.Keys[1].MasterFingerprint().String() || k1.Name != k1.XFP {
		t.Errorf("key without origin: %+v", k1)
	}
	// Caravan refuses a client block that is not public without the
	// node's url and username, which no file should carry: none on regtest.
	reg, err := ExportCaravan(d, "r", nil, mustNetwork(t, "regtest"))
	if err != nil || strings.Contains(string(reg), `"client"`) || !strings.Contains(string(reg), `"network": "regtest"`) {
		t.Errorf("regtest: %s, %v", reg, err)
	}
	if _, err := ExportCaravan(d, "x", nil, mustNetwork(t, "mainnet")); !errors.Is(err, ErrNetworkMismatch) {
		t.Errorf("mainnet for tpubs: %v", err)
	}
	if _, err := ExportCaravan(d, " ", nil, mustNetwork(t, "testnet")); !errors.Is(err, ErrExport) {
		t.Errorf("empty name: %v", err)
	}
}

func TestExportColdcard(t *testing.T) {
	d := mustParse(t, wsh(t, "2", "/<0;1>/*", tpubA, tpubB, withH(tpubC)))
	out, err := ExportColdcard(d, "cold 0")
	if err != nil {
		t.Fatal(err)
	}
	want := "# Coldcard Multisig setup file (exported by treasury)\n#\n" +
		"Name: cold 0\nPolicy: 2 of 3\nFormat: P2WSH\n\n" +
		"Derivation: m/48'/1'/0'/2'\n\n" +
		"21DE204C: " + tpubA[23:] + "\n" +
		"E5940EBD: " + tpubB[23:] + "\n" +
		"355C1078: " + tpubC[23:] + "\n"
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	sh, err := ExportColdcard(mustParse(t, shwsh(t, "1", tpubA, "[21de204c/48'/1'/1'/1']"+tpubB[23:])), "x")
	if !errors.Is(err, ErrExport) {
		t.Errorf("two keys of one master: %s, %v", sh, err)
	}
	sh, err = ExportColdcard(mustParse(t, shwsh(t, "1", tpubA, tpubB)), "x")
	if err != nil || !strings.Contains(string(sh), "Format: P2SH-P2WSH\n") {
		t.Errorf("P2SH-P2WSH: %s, %v", sh, err)
	}
	for name, in := range map[string]string{
		"long name":      "twenty-one characters",
		"empty name":     "",
		"non-ASCII name": "trésor",
		"hash in name":   "a#b",
	} {
		if _, err := ExportColdcard(d, in); !errors.Is(err, ErrExport) {
			t.Errorf("%s: %v", name, err)
		}
	}
	shallow := mustParse(t, wsh(t, "1", "/<0;1>/*", tpubA[23:]))
	if _, err := ExportColdcard(shallow, "x"); !errors.Is(err, ErrExport) {
		t.Errorf("xpub at depth 4 without origin: %v", err)
	}
	master := mustParse(t, wsh(t, "1", "/<0;1>/*", bip32TV1Master))
	if out, err := ExportColdcard(master, "x"); err != nil || !strings.Contains(string(out), "Derivation: m\n\n3442193E: ") {
		t.Errorf("master key: %s, %v", out, err)
	}
}

// TestExportBSMS reproduces BIP-129's round-2 descriptor record.
func TestExportBSMS(t *testing.T) {
	d := mustParse(t, wsh(t, "2", "/<0;1>/*", bip129Key1, bip129Key2))
	out, err := ExportBSMS(d, bip129First)
	if err != nil {
		t.Fatal(err)
	}
	want := "BSMS 1.0\n" +
		"wsh(sortedmulti(2," + bip129Key1 + "/**," + bip129Key2 + "/**))\n" +
		"/0/*,/1/*\n" +
		bip129First
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	if _, err := ExportBSMS(d, "bc1qnotthefirstaddress"); !errors.Is(err, ErrExport) {
		t.Errorf("wrong first address: %v", err)
	}
	change := mustParse(t, wsh(t, "2", "/1/*", tpubA, tpubB))
	first, err := change.Derive(mustNetwork(t, "regtest"), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	out, err = ExportBSMS(change, first.Address)
	if err != nil || !strings.HasSuffix(string(out), "/**))\n/1/*\n"+first.Address) {
		t.Errorf("single chain: %s, %v", out, err)
	}
}

func TestExportDescriptorFile(t *testing.T) {
	d := mustParse(t, shwsh(t, "2", tpubA, tpubB[23:], tpubC))
	out, err := ExportDescriptorFile(d)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != d.ChainString(0)+"\n" || strings.Count(string(out), "\n") != 1 || strings.HasPrefix(string(out), "#") {
		t.Errorf("descriptor file: %q", out)
	}
	back, err := ParseDescriptor(string(out))
	if err != nil || back.ChainString(0) != d.ChainString(0) {
		t.Errorf("the file does not parse back: %v", err)
	}
}

func TestColdcardName(t *testing.T) {
	for in, want := range map[string]string{
		"ops-g0":                      "ops-g0",
		"a very long vault name here": "a very long vault na",
		"caf\u00e9 #1":                "caf- -1",
		"  ":                          "treasury",
	} {
		got := ColdcardName(in)
		if got != want || checkColdcardName(got) != nil {
			t.Errorf("ColdcardName(%q) = %q, want %q", in, got, want)
		}
	}
}
