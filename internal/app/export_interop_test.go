package app_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/vault"
)

// exportFixture is a treasury without a node holding "ops", a 2-of-3 vault
// of the interop holders (BIP-39 test mnemonics) with a standby, of the
// given script type.
func exportFixture(t *testing.T, st vault.ScriptType) *fixture {
	t.Helper()
	f := newFixtureOn(t, nil)
	f.useInteropHolders()
	_, err := f.app.CreateVault(f.ctx, app.CreateVaultRequest{Name: "ops", Threshold: 2, Keys: f.keysOf(st, 0, trio...), StandbyKeys: f.keysOf(st, 1, trio...), ScriptType: st, Birthday: 0})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// exportOne returns the default export of a format and checks it is one
// file, of the cold generation.
func exportOne(t *testing.T, f *fixture, format app.ExportFormat) []byte {
	t.Helper()
	gens, err := f.app.Export(f.ctx, app.ExportRequest{Vault: "ops", Format: format})
	if err != nil {
		t.Fatal(err)
	}
	if len(gens) != 1 || gens[0].Number != 0 || gens[0].State != app.Cold {
		t.Fatalf("default %s export: %d generations", format, len(gens))
	}
	return gens[0].Data
}

// ourAddresses derives the first n receive and change addresses of the
// vault's cold generation with our own code.
func ourAddresses(t *testing.T, f *fixture, n int) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for i := 0; i < n; i++ {
		out["receive"] = append(out["receive"], f.addressAt("ops", false, uint32(i)))
		out["change"] = append(out["change"], f.addressAt("ops", true, uint32(i)))
	}
	return out
}

// sameAddresses checks that who, reading an export, derived the vault's
// first three receive and change addresses: out is its JSON
// {"receive": [...], "change": [...]}.
func sameAddresses(t *testing.T, f *fixture, who string, out []byte) {
	t.Helper()
	var theirs map[string][]string
	if err := json.Unmarshal(out, &theirs); err != nil {
		t.Fatal(err)
	}
	ours := ourAddresses(t, f, 3)
	for _, chain := range []string{"receive", "change"} {
		if strings.Join(theirs[chain], " ") != strings.Join(ours[chain], " ") {
			t.Errorf("%s: %s derives %v, the vault %v", chain, who, theirs[chain], ours[chain])
		}
	}
}

// TestExportCaravanReadByCaravan has Caravan's own library check the
// default Caravan export as Caravan's importer does and derive its
// addresses: they must be the vault's.
func TestExportCaravanReadByCaravan(t *testing.T) {
	nodeBin, dir := needJS(t, "@caravan/bitcoin")
	for _, st := range []vault.ScriptType{vault.P2WSH, vault.P2SHP2WSH} {
		t.Run(fmt.Sprint(st), func(t *testing.T) {
			f := exportFixture(t, st)
			file := exportOne(t, f, app.FormatCaravan)
			var cfg struct {
				Name string `json:"name"`
				Keys []struct {
					Name string `json:"name"`
				} `json:"extendedPublicKeys"`
			}
			if err := json.Unmarshal(file, &cfg); err != nil {
				t.Fatal(err)
			}
			if cfg.Name != "ops-g0" || len(cfg.Keys) != 3 {
				t.Fatalf("caravan file: %s", file)
			}
			var names []string
			for _, k := range cfg.Keys {
				names = append(names, k.Name)
			}
			if strings.Join(names, ",") != "alice,bob,carol" {
				t.Errorf("key names %v, want the holders'", names)
			}
			out, err := runJS(f.ctx, nodeBin, dir, file, "caravan_check.cjs", "3")
			if err != nil {
				t.Fatalf("caravan refused the file: %v\n%s", err, file)
			}
			sameAddresses(t, f, "caravan", out)
		})
	}
}

// coldcardFile is a Coldcard multisig setup file as Coldcard's
// documentation (coldcard.com/docs/multisig) describes it: "#" comment
// lines; "Name:" (at most 20 characters), "Policy: M of N", "Format:"
// (P2SH, P2SH-P2WSH or P2WSH-P2SH, P2WSH) and "Derivation:" lines, the
// last Derivation applying to the keys that follow it; then exactly N
// "XFP: xpub" lines with distinct fingerprints.
type coldcardFile struct {
	Name, Format string
	M, N         int
	Keys         []string // [xfp/path]xpub, in file order
}

// parseColdcard reads a Coldcard multisig file by those rules, as the
// device would, refusing what the device refuses.
func parseColdcard(text string) (*coldcardFile, error) {
	c := &coldcardFile{}
	deriv := ""
	seen := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		label, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("line %q is not label: value", line)
		}
		label, value = strings.TrimSpace(label), strings.TrimSpace(value)
		switch strings.ToLower(label) {
		case "name":
			if len(value) < 1 || len(value) > 20 {
				return nil, fmt.Errorf("name %q is not 1 to 20 characters", value)
			}
			c.Name = value
		case "policy":
			m, n, ok := strings.Cut(value, " of ")
			var err1, err2 error
			c.M, err1 = strconv.Atoi(m)
			c.N, err2 = strconv.Atoi(n)
			if !ok || err1 != nil || err2 != nil || c.M < 1 || c.M > c.N || c.N > 15 {
				return nil, fmt.Errorf("bad policy %q", value)
			}
		case "format":
			switch strings.ToUpper(value) {
			case "P2SH", "P2WSH", "P2SH-P2WSH", "P2WSH-P2SH":
				c.Format = strings.ToUpper(value)
			default:
				return nil, fmt.Errorf("unknown format %q", value)
			}
		case "derivation":
			deriv = value
		default:
			xfp := strings.ToLower(label)
			if len(xfp) != 8 {
				return nil, fmt.Errorf("unknown label %q", label)
			}
			if deriv == "" {
				return nil, fmt.Errorf("key %s before any Derivation", label)
			}
			if seen[xfp] {
				return nil, fmt.Errorf("duplicate XFP %s", label)
			}
			seen[xfp] = true
			c.Keys = append(c.Keys, "["+xfp+strings.TrimPrefix(deriv, "m")+"]"+value)
		}
	}
	switch {
	case c.Name == "" || c.N == 0 || c.Format == "":
		return nil, fmt.Errorf("name, policy and format are required")
	case len(c.Keys) != c.N:
		return nil, fmt.Errorf("policy has %d keys but file has %d", c.N, len(c.Keys))
	}
	return c, nil
}

// TestExportColdcardByTheDocs reads the default Coldcard export with a
// parser written from Coldcard's documentation and derives the vault's
// addresses from what it read.
func TestExportColdcardByTheDocs(t *testing.T) {
	for st, format := range map[vault.ScriptType]string{vault.P2WSH: "P2WSH", vault.P2SHP2WSH: "P2SH-P2WSH"} {
		f := exportFixture(t, st)
		file := exportOne(t, f, app.FormatColdcard)
		c, err := parseColdcard(string(file))
		if err != nil {
			t.Fatalf("%v\n%s", err, file)
		}
		if c.Name != "ops-g0" || c.M != 2 || c.N != 3 || c.Format != format {
			t.Fatalf("read %+v from\n%s", c, file)
		}
		var keys []vault.Key
		for _, k := range c.Keys {
			key, err := vault.ParseKey(k)
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, key)
		}
		d, err := vault.NewDescriptor(st, c.M, keys)
		if err != nil {
			t.Fatal(err)
		}
		ours := ourAddresses(t, f, 3)
		for i := 0; i < 3; i++ {
			dv, err := d.Derive(f.net, 0, uint32(i))
			if err != nil {
				t.Fatal(err)
			}
			if dv.Address != ours["receive"][i] {
				t.Errorf("%s: the file derives %s at 0/%d, the vault %s", format, dv.Address, i, ours["receive"][i])
			}
		}
	}
	// The parser refuses what the device refuses, so passing it means
	// something.
	f := exportFixture(t, vault.P2WSH)
	good := string(exportOne(t, f, app.FormatColdcard))
	for _, bad := range []string{
		strings.Replace(good, "Policy: 2 of 3", "Policy: 2 of 4", 1),
		strings.Replace(good, "Name: ops-g0", "Name: "+strings.Repeat("x", 21), 1),
		strings.Replace(good, "Format: P2WSH", "Format: P2TR", 1),
		good + good,
	} {
		if _, err := parseColdcard(bad); err == nil {
			t.Errorf("the parser accepted\n%s", bad)
		}
	}
}

// TestExportBSMSByTheBIP checks the default BSMS export field by field
// against BIP-129's descriptor record: exactly 4 lines, the version, the
// descriptor template with "/**", the path restrictions, the first
// address.
func TestExportBSMSByTheBIP(t *testing.T) {
	f := exportFixture(t, vault.P2WSH)
	lines := strings.Split(string(exportOne(t, f, app.FormatBSMS)), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, BIP-129 has 4: %q", len(lines), lines)
	}
	if lines[0] != "BSMS 1.0" || lines[2] != "/0/*,/1/*" {
		t.Errorf("version %q, restrictions %q", lines[0], lines[2])
	}
	if strings.Contains(lines[1], "#") || strings.Count(lines[1], "/**") != 3 {
		t.Errorf("template %q: BIP-129's has no checksum and /** per key", lines[1])
	}
	d, err := vault.ParseDescriptor(strings.ReplaceAll(lines[1], "/**", "/<0;1>/*"))
	if err != nil {
		t.Fatal(err)
	}
	if dv, _ := d.Derive(f.net, 0, 0); dv.Address != lines[3] || lines[3] != f.addressAt("ops", false, 0) {
		t.Errorf("first address %q, the template derives %q", lines[3], dv.Address)
	}
}

// TestExportDescriptorFileAsIs checks the default descriptor file is what
// Caravan's and Sparrow's importers take as is: one line, no comment, one
// descriptor with its checksum, the receive chain of the cold generation.
func TestExportDescriptorFileAsIs(t *testing.T) {
	f := exportFixture(t, vault.P2WSH)
	file := string(exportOne(t, f, app.FormatDescriptor))
	if strings.Count(file, "\n") != 1 || !strings.HasSuffix(file, "\n") || strings.HasPrefix(file, "#") || strings.Contains(file, "<") {
		t.Fatalf("descriptor file %q", file)
	}
	d, err := vault.ParseDescriptor(file)
	if err != nil {
		t.Fatal(err)
	}
	if dv, _ := d.Derive(f.net, 0, 2); dv.Address != f.addressAt("ops", false, 2) {
		t.Errorf("the file derives %s, the vault %s", dv.Address, f.addressAt("ops", false, 2))
	}
	// An independent descriptor library takes the file as is (checksum
	// required) and derives the vault's receive addresses.
	nodeBin, dir := needJS(t, "@bitcoinerlab/descriptors")
	out, err := runJS(f.ctx, nodeBin, dir, []byte(file), "descriptor_check.cjs", "regtest", "3")
	if err != nil {
		t.Fatalf("@bitcoinerlab/descriptors refused the file: %v", err)
	}
	var theirs []string
	if err := json.Unmarshal(out, &theirs); err != nil {
		t.Fatal(err)
	}
	if ours := ourAddresses(t, f, 3)["receive"]; strings.Join(theirs, " ") != strings.Join(ours, " ") {
		t.Errorf("@bitcoinerlab/descriptors derives %v, the vault %v", theirs, ours)
	}
}

// TestExportCoreByTheRPCDoc checks the default Core export field by field
// against Core's importdescriptors documentation and has
// @bitcoinerlab/descriptors derive both chains: the vault's addresses.
func TestExportCoreByTheRPCDoc(t *testing.T) {
	nodeBin, dir := needJS(t, "@bitcoinerlab/descriptors")
	f := exportFixture(t, vault.P2SHP2WSH)
	file := exportOne(t, f, app.FormatCore)
	out, err := runJS(f.ctx, nodeBin, dir, file, "core_check.cjs", "regtest", "3")
	if err != nil {
		t.Fatalf("the core export fails the RPC's rules: %v\n%s", err, file)
	}
	sameAddresses(t, f, "@bitcoinerlab/descriptors", out)
}
