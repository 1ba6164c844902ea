package vault

import (
	"errors"
	"strings"
	"testing"
)

// zeros is an endless input such as /dev/zero; it counts what was read.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.n += int64(len(p))
	return len(p), nil
}

func TestParseExport(t *testing.T) {
	multi := "wsh(sortedmulti(2," + tpubA + "/<0;1>/*," + tpubB + "/<0;1>/*))"
	recv := "wsh(sortedmulti(2," + tpubA + "/0/*," + tpubB + "/0/*))"
	change := "wsh(sortedmulti(2," + tpubA + "/1/*," + tpubB + "/1/*))"
	other := "wsh(sortedmulti(1," + tpubC + "/<0;1>/*," + tpubB + "/<0;1>/*))"
	tests := []struct {
		name   string
		in     string
		format FileFormat
		want   []ExportEntry // Descriptor compared by String
	}{
		{"treasury json", `{"version":1,"vault":"ops","format":"core","generations":[
			{"generation":0,"state":"cold","descriptor":"` + multi + `","receive":"` + recv + `","change":"` + change + `","data":"[]"},
			{"generation":1,"state":"standby","descriptor":"` + other + `"}]}`,
			FileTreasury, []ExportEntry{{Vault: "ops", Generation: 0}, {Vault: "ops", Generation: 1}}},
		{"core importdescriptors", `[{"desc":"` + recv + `","active":true,"internal":false,"range":[0,1000],"timestamp":"now"},
			{"desc":"` + change + `","active":true,"internal":true,"range":[0,1000],"timestamp":"now"}]`,
			FileCore, []ExportEntry{{Generation: -1}}},
		{"core listdescriptors", `{"wallet_name":"watch","descriptors":[{"desc":"pkh([d34db33f/44'/0'/0']xpub/0/*)#abc"},{"desc":"` + recv + `"}]}`,
			FileCore, []ExportEntry{{Vault: "watch", Generation: -1}}},
		{"specter", `{"label":"Treasury","blockheight":0,"descriptor":"` + multi + `","devices":[]}`,
			FileSpecter, []ExportEntry{{Vault: "Treasury", Generation: -1}}},
		{"sparrow text", "# Receive and change descriptor (BIP389):\n" + multi + "\n\n# Receive descriptor (Bitcoin Core):\n" + recv + "\n",
			FileText, []ExportEntry{{Generation: -1}}},
		{"bsms", "BSMS 1.0\nwsh(sortedmulti(2," + bip129Key1 + "/**," + bip129Key2 + "/**))\n/0/*,/1/*\n" + bip129First,
			FileBSMS, []ExportEntry{{Generation: -1}}},
		{"other json", `{"wallets":{"b":"` + other + `","a":["` + multi + `"]}}`,
			FileJSON, []ExportEntry{{Generation: -1}, {Generation: -1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseExport([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if e.Format != tt.format || len(e.Entries) != len(tt.want) {
				t.Fatalf("format %s with %d entries, want %s with %d", e.Format, len(e.Entries), tt.format, len(tt.want))
			}
			for i, w := range tt.want {
				got := e.Entries[i]
				if got.Vault != w.Vault || got.Generation != w.Generation || !got.Descriptor.Keys[0].Multipath {
					t.Errorf("entry %d = %q gen %d %s", i, got.Vault, got.Generation, got.Descriptor)
				}
			}
		})
	}
}

func TestParseExportRefuses(t *testing.T) {
	bad := "wsh(sortedmulti(2," + tpubA + "/<0;1>/*," + tpubB + "/<0;1>/*))#aaaaaaaa"
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"nothing", "nothing to see here\n", ErrNoDescriptor},
		{"empty json", `{"a":1}`, ErrNoDescriptor},
		{"damaged descriptor", `[{"desc":"` + bad + `"}]`, ErrChecksum},
		{"damaged line", "# ok\n" + bad + "\n", ErrChecksum},
		{"bsms with another first address", "BSMS 1.0\nwsh(sortedmulti(2," + bip129Key1 + "/**," + bip129Key2 + "/**))\n/0/*,/1/*\nbc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", ErrBadRecord},
		{"bsms cut short", "BSMS 1.0\nwsh(sortedmulti(2," + bip129Key1 + "/**," + bip129Key2 + "/**))", ErrBadRecord},
		{"taproot", "tr(" + tpubA + ")", ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseExport([]byte(tt.in)); err == nil || (tt.want != ErrSyntax && !errors.Is(err, tt.want)) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestReadExportBounded: an endless input is refused having read no more
// than MaxExportSize bytes (and the byte that passes it).
func TestReadExportBounded(t *testing.T) {
	var z zeros
	if _, err := ReadExport(&z); !errors.Is(err, ErrExportTooLarge) {
		t.Fatalf("err = %v, want ErrExportTooLarge", err)
	}
	if z.n > MaxExportSize+1 {
		t.Errorf("read %d bytes of an endless input, limit %d", z.n, MaxExportSize)
	}
	if _, err := ReadExport(strings.NewReader("wsh(sortedmulti(1," + tpubA + "/0/*))")); err != nil {
		t.Fatal(err)
	}
}
