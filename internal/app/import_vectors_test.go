package app_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/apptest"
	"github.com/treasury-dev/treasury/vault"
)

// offlineApp is a treasury on network without a node.
func offlineApp(t *testing.T, network string) *fixture {
	t.Helper()
	return fixtureOf(apptest.Open(t, apptest.Options{Network: network}))
}

// independentAddresses has bitcoinjs-lib derive count addresses of chain
// from the xpubs as the source file writes them.
func independentAddresses(t *testing.T, network, typ string, m int, xpubs []string, chain, count int) []string {
	t.Helper()
	nodeBin, dir := needJS(t, "bitcoinjs-lib")
	in, _ := json.Marshal(map[string]any{"network": network, "type": typ, "m": m, "xpubs": xpubs, "chain": chain, "count": count})
	out, err := runJS(t.Context(), nodeBin, dir, in, "derive.cjs")
	if err != nil {
		t.Fatalf("derive.cjs: %v", err)
	}
	var addrs []string
	if err := json.Unmarshal(out, &addrs); err != nil {
		t.Fatal(err)
	}
	return addrs
}

// TestImportVectors imports a file written by each other tool and checks
// the vault derives what an independent library derives from the keys as
// the file writes them, and what the source publishes.
func TestImportVectors(t *testing.T) {
	for _, c := range []struct {
		file, network, format string
		m                     int
		xpubs                 []string // as the file writes them
		names                 []string // holder names the file gives
		published             map[uint32]string
	}{
		{
			file: "core-importdescriptors-coldcard-docs.json", network: "regtest", format: "core", m: 2,
			xpubs: []string{
				"tpubDF2rnouQaaYrXF4noGTv6rQYmx87cQ4GrUdhpvXkhtChwQPbdGTi8GA88NUaSrwZBwNsTkC9bFkkC8vDyGBVVAQTZ2AS6gs68RQXtXcCvkP",
				"tpubDCXQ3To3NsuzoTL2VsEFEGohQqnWFRHjno6axLhJf2HASarkm3ckwiBZoeo2Fg1iD6eLeEZ4eSnrteJzNsvR2xAZ3tm4mPottVvsnxrxGWk",
			},
			published: map[uint32]string{0: "bcrt1qxztjwu7ellu9c3ec3vxp2t6uw0z8dugha3tcfmz8nhhvmluk2ljshae587", 1: "bcrt1q3r5lrq2jnhpey58amft60daaj8z3hmjdrdq97xy5fvcc5yxh9uysvmnpfl"},
		},
		{
			file: "caravan-sparrow-test-1.json", network: "mainnet", format: "caravan", m: 2,
			xpubs: []string{
				"xpub6EMVvcTUbaABdaPLaVWE72CjcN72URa5pKK1knrKLz1hKaDwUkgddc3832a8MHEpLyuow7MfjMRomt2iMtwPH4pWrFLft4JsquHjeZfKsYp",
				"xpub6EbTHAgvzZtVppjLPXia2prt6T2w7DD2VQ8gysgV6ECzmKkA6zt4WR3hX4bgciTDrnaneZoJbA19tYKBMrWuA89SbgYAdbMNWmtzrgLhqco",
				"xpub6Ea6qWGr6BWpCSyLo8ggypvXg1MwadiAGZxAHvrBUwvT2ki6pNVG61bg3YEdxkj7FRJ1cLFK7Vvqd9rcDvwCLX7VfEMfJJfdbA1NGsFazvz",
			},
			names: []string{"Mercury", "Venus", "Earth"},
		},
		{
			file: "coldcard-sparrow-test-1.txt", network: "mainnet", format: "coldcard", m: 2,
			xpubs: []string{
				"xpub6EfEGa5isJbQFSswM5Uptw5BSq2Td1ZDJr3QUNUcMySpC7itZ3ccypVHtLPnvMzKQ2qxrAgH49vhVxRcaQLFbixAVRR8RACrYTp88Uv9h8Z",
				"xpub6FFEQVG6QR28giDuML74Y7EMPwqEiKftNjScLzg5WKM41bf6LMP2XspjBgNp28tvkNUZdokmTY4TcRbuGZBSMvNoUECrKW1y3TBPeQJVmAg",
				"xpub6Eb6Z1xtmWRiWKgRpHf6dHiEagGd6FLiBXrnma1nFK4PGRYqSVqVyJaxna5Mb8etSP4ATKVAvKnXG1a9HZauoAawuSDJT5RgH2HqEVHZVHY",
				"xpub6FMGmJccz6dqLo9TMmXYPpZ7HUDm71RHHSTXqTUgkyP9TZmF2uexoB7qttEBtHaotopPwfAVfKfwmdEjCGabVpND1m7ix2AW2LxPuNfLZhi",
			},
		},
		{
			file: "bip129-test-vector.bsms", network: "mainnet", format: "bsms", m: 2,
			xpubs: []string{
				"xpub6FL8FhxNNUVnG64YurPd16AfGyvFLhh7S2uSsDqR3Qfcm6o9jtcMYwh6DvmcBF9qozxNQmTCVvWtxLpKTnhVLN3Pgnu2D3pAoXYFgVyd8Yz",
				"xpub6EebMbEps7ZcV3FYEnddRsvrFWDrt2tiPmCeM7pPXQEmphvq9ZfJ1LWFUDjf3vxCeBuPrfyGrMazWUsYsetrnHatQZVLJH7LsgCjtMqdzgj",
			},
			published: map[uint32]string{0: "bc1qrgc6p3kylfztu06ysl752gwwuekhvtfh9vr7zg43jvu60mutamcsv948ej"},
		},
		{
			file: "bip388-test-vector.json", network: "mainnet", format: "bip388", m: 2,
			xpubs: []string{
				"xpub6FC1fXFP1GXLX5TKtcjHGT4q89SDRehkQLtbKJ2PzWcvbBHtyDsJPLtpLtkGqYNYZdVVAjRQ5kug9CsapegmmeRutpP7PW4u4wVF9JfkDhw",
				"xpub6EWhjpPa6FqrcaPBuGBZRJVjzGJ1ZsMygRF26RwN932Vfkn1gyCiTbECVitBjRCkexEvetLdiqzTcYimmzYxyR1BZ79KNevgt61PDcukmC7",
			},
		},
	} {
		t.Run(c.format, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "import", c.file))
			if err != nil {
				t.Fatal(err)
			}
			f := offlineApp(t, c.network)
			birthday := int32(0)
			// Detected, and named: both import the same wallet.
			res, err := f.app.ImportVault(f.ctx, app.ImportRequest{Name: "imported", Source: c.file, Data: data, Birthday: &birthday})
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Format) != c.format && !(c.format == "core" && res.Format == vault.FileCore) {
				t.Errorf("detected %s, want %s", res.Format, c.format)
			}
			g := res.Generations[0]
			if len(res.Generations) != 1 || g.State != app.Cold || g.Threshold != c.m || len(g.Holders) != len(c.xpubs) {
				t.Fatalf("imported %+v", res.Generations)
			}
			for i, n := range c.names {
				if g.Holders[i].Name != n {
					t.Errorf("holder %d is %q, the file names %q", i+1, g.Holders[i].Name, n)
				}
			}
			for chain, label := range []string{"receive", "change"} {
				theirs := independentAddresses(t, c.network, "p2wsh", c.m, c.xpubs, chain, 3)
				for i, want := range theirs {
					got := f.addressAt("imported", chain == 1, uint32(i))
					if got != want {
						t.Errorf("%s %d: the vault derives %s, bitcoinjs-lib %s", label, i, got, want)
					}
					if pub, ok := c.published[uint32(i)]; ok && chain == 0 && got != pub {
						t.Errorf("receive %d: the vault derives %s, the source published %s", i, got, pub)
					}
				}
			}
			// The same file again, under another name: its scripts are
			// watched already.
			again, err := f.app.ImportVault(f.ctx, app.ImportRequest{Name: "again", Source: c.file, Data: data, Format: c.format, Birthday: &birthday})
			if !errors.Is(err, app.ErrDuplicate) || !strings.Contains(err.Error(), `vault "imported" already watches these scripts`) {
				t.Errorf("importing the same wallet twice: %+v, %v", again, err)
			}
		})
	}
}

// TestImportCoreListdescriptors reads Core's listdescriptors result (the
// envelope of bitcoincore.org's RPC documentation around the entries of the
// Coldcard tutorial): receive and change are one wallet, and the earliest
// numeric timestamp is its birth.
func TestImportCoreListdescriptors(t *testing.T) {
	recv := "wsh(sortedmulti(2,[0f056943/48'/1'/0'/2']tpubDF2rnouQaaYrXF4noGTv6rQYmx87cQ4GrUdhpvXkhtChwQPbdGTi8GA88NUaSrwZBwNsTkC9bFkkC8vDyGBVVAQTZ2AS6gs68RQXtXcCvkP/0/*,[64366408/44'/1'/0']tpubDCXQ3To3NsuzoTL2VsEFEGohQqnWFRHjno6axLhJf2HASarkm3ckwiBZoeo2Fg1iD6eLeEZ4eSnrteJzNsvR2xAZ3tm4mPottVvsnxrxGWk/0/*))"
	change := strings.ReplaceAll(recv, "/0/*", "/1/*")
	doc := map[string]any{"wallet_name": "watch_only", "descriptors": []map[string]any{
		{"desc": mustChecksum(t, recv), "timestamp": 1653567924, "active": true, "internal": false, "range": []int{0, 999}, "next": 2},
		{"desc": mustChecksum(t, change), "timestamp": 1653567000, "active": true, "internal": true, "range": []int{0, 999}, "next": 0},
		{"desc": "pkh([64366408/44'/1'/0']tpubDCXQ3To3NsuzoTL2VsEFEGohQqnWFRHjno6axLhJf2HASarkm3ckwiBZoeo2Fg1iD6eLeEZ4eSnrteJzNsvR2xAZ3tm4mPottVvsnxrxGWk/0/*)#dp00ujja", "timestamp": 1653567924, "active": true, "internal": false, "range": []int{0, 999}, "next": 0},
	}}
	data, _ := json.Marshal(doc)
	e, err := vault.ParseExport(data)
	if err != nil {
		t.Fatal(err)
	}
	if e.Format != vault.FileCore || len(e.Entries) != 1 || e.Entries[0].Timestamp != 1653567000 || e.Entries[0].Vault != "watch_only" {
		t.Fatalf("read %+v", e)
	}
	f := offlineApp(t, "regtest")
	res, err := f.app.ImportVault(f.ctx, app.ImportRequest{Name: "w", Source: "core.json", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if res.Birthday != 0 || !strings.Contains(res.Note, "without a node the file's timestamp cannot be turned into a height") {
		t.Errorf("birthday %d, note %q", res.Birthday, res.Note)
	}
	// Mainnet without a birthday scans from genesis, and says it is slow.
	main := offlineApp(t, "mainnet")
	bip388, _ := os.ReadFile(filepath.Join("testdata", "import", "bip388-test-vector.json"))
	m, err := main.app.ImportVault(main.ctx, app.ImportRequest{Name: "m", Source: "p.json", Data: bip388})
	if err != nil || m.Birthday != 0 || !strings.Contains(m.Note, "takes days on mainnet; import again with --birthday HEIGHT") {
		t.Errorf("mainnet without a birthday: %+v, %v", m, err)
	}
	// A named format that is not the file's.
	if _, err := f.app.ImportVault(f.ctx, app.ImportRequest{Name: "x", Source: "core.json", Data: data, Format: "caravan"}); !errors.Is(err, app.ErrInvalid) || !strings.Contains(err.Error(), "core.json is a core file, not caravan") {
		t.Errorf("wrong --format: %v", err)
	}
}

func mustChecksum(t *testing.T, d string) string {
	t.Helper()
	s, err := vault.AddChecksum(d)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestImportBirthdayFromNode: with a node, Core's timestamp becomes the
// height of the first block within two hours of it (regtest's genesis is
// from 2011, the blocks mined here are from now); a timestamp after the
// tip starts at the tip.
func TestImportBirthdayFromNode(t *testing.T) {
	f := newFixture(t)
	f.mine(3)
	recv := "wsh(sortedmulti(2,[0f056943/48'/1'/0'/2']tpubDF2rnouQaaYrXF4noGTv6rQYmx87cQ4GrUdhpvXkhtChwQPbdGTi8GA88NUaSrwZBwNsTkC9bFkkC8vDyGBVVAQTZ2AS6gs68RQXtXcCvkP/0/*,[64366408/44'/1'/0']tpubDCXQ3To3NsuzoTL2VsEFEGohQqnWFRHjno6axLhJf2HASarkm3ckwiBZoeo2Fg1iD6eLeEZ4eSnrteJzNsvR2xAZ3tm4mPottVvsnxrxGWk/0/*))"
	doc := func(ts int64) []byte {
		b, _ := json.Marshal(map[string]any{"wallet_name": "w", "descriptors": []map[string]any{{"desc": mustChecksum(t, recv), "timestamp": ts}}})
		return b
	}
	tip, _, err := f.node.Chain().Tip(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	res, err := f.app.ImportVault(f.ctx, app.ImportRequest{Name: "w", Source: "core.json", Data: doc(now)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Birthday < 1 || res.Birthday > tip || !strings.Contains(res.Note, "two hours of the file's timestamp") {
		t.Errorf("birthday %d (tip %d), note %q", res.Birthday, tip, res.Note)
	}
	g := newFixture(t)
	g.mine(2)
	tip2, _, _ := g.node.Chain().Tip(g.ctx)
	late, err := g.app.ImportVault(g.ctx, app.ImportRequest{Name: "w", Source: "core.json", Data: doc(now + 86400)})
	if err != nil || late.Birthday != tip2 {
		t.Errorf("a timestamp after the tip: birthday %v (tip %d), %v", late, tip2, err)
	}
}

// TestStandbyAlreadyWatched: a standby generation whose wallet another
// vault watches is refused like an import of it.
func TestStandbyAlreadyWatched(t *testing.T) {
	f := exportFixture(t, vault.P2WSH)
	other := func(gen uint32) []app.KeySpec {
		var out []app.KeySpec
		for _, n := range []string{"alice", "bob"} {
			k, err := f.holder(n).AccountKey(gen, vault.P2WSH)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, app.KeySpec(k.OriginString()))
		}
		return out
	}
	if _, err := f.app.CreateVault(f.ctx, app.CreateVaultRequest{Name: "pair", Threshold: 2, Keys: other(5), Birthday: 0}); err != nil {
		t.Fatal(err)
	}
	_, err := f.app.RegisterStandby(f.ctx, app.StandbyRequest{Vault: "pair", Keys: exportKeys(t, f, "ops", 0), Threshold: 2})
	if !errors.Is(err, app.ErrDuplicate) || !strings.Contains(err.Error(), `vault "ops" already watches these scripts`) {
		t.Errorf("a standby that is ops's cold wallet: %v", err)
	}
}

// exportKeys returns a generation's keys as 'vault create' takes them.
func exportKeys(t *testing.T, f *fixture, name string, gen int) []app.KeySpec {
	t.Helper()
	det, err := f.app.ShowVault(f.ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	d, err := vault.ParseDescriptor(det.Generations[gen].Descriptor)
	if err != nil {
		t.Fatal(err)
	}
	var out []app.KeySpec
	for _, k := range d.Keys {
		out = append(out, app.KeySpec(k.OriginString()))
	}
	return out
}
