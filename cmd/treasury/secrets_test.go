package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/tyler-smith/go-bip39"

	"github.com/treasury-dev/treasury/internal/keys"
)

// TestNoSecretsInDataDir runs the whole key-and-vault flow in process (three
// holders, one with a fresh random seed; init; xpubs; a vault with a standby
// generation; addresses; every export; registration) and then reads every
// file of the data directory (the database, its -wal and -shm files, and
// config.json) for anything secret: two consecutive words of any holder's
// mnemonic, an xprv/tprv, a WIF, or the 32 bytes (raw or hex) of the private
// keys at the master, the BIP-48 accounts of generations 0 and 1, and their
// first receive and change children.
func TestNoSecretsInDataDir(t *testing.T) {
	keys.ScryptWorkFactor = 10
	p := newInproc(t)
	p.env["TREASURY_PASSPHRASE"] = "correct horse battery staple"
	p.env["TREASURY_NETWORK"] = "regtest"

	mnemonics := map[string]string{
		"alice": "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
		"bob":   "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
	}
	for name, m := range mnemonics {
		p.ok(m+"\n", "key", "new", "--name", name, "-o", p.path(name+".key"), "--from-mnemonic")
	}
	// carol gets a fresh seed; her 24 words are shown once on stderr.
	code, _, errs := p.run("", "key", "new", "--name", "carol", "-o", p.path("carol.key"))
	if code != exitOK {
		t.Fatalf("key new: exit %d: %s", code, errs)
	}
	mnemonics["carol"] = wordsShown(t, errs)

	// Node settings make config.json, which is scanned too; no node runs, so
	// the vault's birthday is given.
	p.ok("", "init", "--rpc-url", "127.0.0.1:1", "--rpc-user", "u", "--rpc-pass", "p")
	// Hold a reader open for the rest of the flow, so the write-ahead log
	// and its index stay on disk to be scanned, as in a crash.
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(p.dataDir(), "treasury.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.PingContext(context.Background()); err != nil {
		t.Fatal(err)
	}

	var cold, standby []string
	for _, name := range []string{"alice", "bob", "carol"} {
		cold = append(cold, "--key", name+"="+strings.TrimSpace(p.ok("", "key", "xpub", p.path(name+".key"))))
		standby = append(standby, "--standby-key", name+"="+strings.TrimSpace(p.ok("", "key", "xpub", p.path(name+".key"), "--generation", "1")))
	}
	p.ok("", append(append([]string{"vault", "create", "ops", "--threshold", "2", "--birthday", "0"}, cold...), standby...)...)
	for range 3 {
		p.ok("", "vault", "address", "ops")
	}
	p.ok("", "vault", "address", "ops", "--change")
	p.ok("", "vault", "show", "ops", "--json")
	for _, f := range []string{"descriptor", "core", "caravan", "coldcard", "bsms"} {
		p.ok("", "vault", "export", "ops", "--format", f)
	}
	export := p.ok("", "vault", "export", "ops", "--json")
	if err := os.WriteFile(p.path("ops.json"), []byte(export), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alice", "bob", "carol"} {
		p.ok("", "key", "register", p.path(name+".key"), "--vault-export", p.path("ops.json"))
	}
	p.ok("", "audit", "verify")

	files := dataFiles(t, p.dataDir())
	for _, want := range []string{"treasury.db", "treasury.db-wal", "treasury.db-shm", "config.json"} {
		if _, ok := files[want]; !ok {
			t.Errorf("%s is missing from the data directory; the scan would not cover it", want)
		}
	}
	secrets := secretsOf(t, mnemonics)
	for name, data := range files {
		for _, s := range secrets {
			if bytes.Contains(data, s.bytes) {
				t.Errorf("%s contains %s", name, s.what)
			}
		}
		for _, m := range wifPattern.FindAll(data, -1) {
			// Hex (a txid, a hash) is base58 too; a real WIF almost surely
			// has a character hex does not.
			if !hexOnly.Match(m) {
				t.Errorf("%s contains something shaped like a WIF private key: %q", name, m)
			}
		}
	}
}

// hexOnly matches a candidate made only of hex digits (with its one
// boundary byte on either side).
var hexOnly = regexp.MustCompile(`^[^1-9A-HJ-NP-Za-km-z]?[0-9a-fA-F]+[^1-9A-HJ-NP-Za-km-z]?$`)

// wifPattern matches a standalone base58 string shaped like a compressed
// WIF (mainnet K/L, test networks c), not a piece of a longer xpub.
var wifPattern = regexp.MustCompile(`(?:^|[^1-9A-HJ-NP-Za-km-z])[KLc][1-9A-HJ-NP-Za-km-z]{51}(?:$|[^1-9A-HJ-NP-Za-km-z])`)

// wordsShown reads the numbered words key new prints on stderr.
func wordsShown(t *testing.T, stderr string) string {
	t.Helper()
	var words []string
	for _, m := range regexp.MustCompile(`\b\d+\. ([a-z]+)`).FindAllStringSubmatch(stderr, -1) {
		words = append(words, m[1])
	}
	if len(words) != 24 {
		t.Fatalf("key new showed %d words, want 24:\n%s", len(words), stderr)
	}
	return strings.Join(words, " ")
}

func dataFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

type secret struct {
	what  string
	bytes []byte
}

// secretsOf lists every byte string that must never be stored.
func secretsOf(t *testing.T, mnemonics map[string]string) []secret {
	t.Helper()
	out := []secret{{"an xprv", []byte("xprv")}, {"a tprv", []byte("tprv")}}
	for holder, m := range mnemonics {
		words := strings.Fields(m)
		for i := 0; i+1 < len(words); i++ {
			for _, sep := range []string{" ", "\n", ",", `","`, `", "`} {
				out = append(out, secret{holder + "'s words " + words[i] + sep + words[i+1], []byte(words[i] + sep + words[i+1])})
			}
		}
		seed := bip39.NewSeed(m, "")
		out = append(out, secret{holder + "'s seed", seed}, secret{holder + "'s seed (hex)", []byte(hex.EncodeToString(seed))})
		master, err := hdkeychain.NewMaster(seed, &chaincfg.RegressionNetParams)
		if err != nil {
			t.Fatal(err)
		}
		paths := map[string][]uint32{"m": nil}
		for g := uint32(0); g < 2; g++ {
			acct := []uint32{48 + hdkeychain.HardenedKeyStart, 1 + hdkeychain.HardenedKeyStart, g + hdkeychain.HardenedKeyStart, 2 + hdkeychain.HardenedKeyStart}
			paths["account "+string(rune('0'+g))] = acct
			paths["account "+string(rune('0'+g))+" /0/0"] = append(append([]uint32{}, acct...), 0, 0)
			paths["account "+string(rune('0'+g))+" /1/0"] = append(append([]uint32{}, acct...), 1, 0)
		}
		for label, path := range paths {
			k := master
			for _, i := range path {
				if k, err = k.Derive(i); err != nil {
					t.Fatal(err)
				}
			}
			priv, err := k.ECPrivKey()
			if err != nil {
				t.Fatal(err)
			}
			raw := priv.Serialize()
			wif, err := btcutil.NewWIF(priv, &chaincfg.RegressionNetParams, true)
			if err != nil {
				t.Fatal(err)
			}
			what := holder + "'s private key at " + label
			out = append(out,
				secret{what, raw},
				secret{what + " (hex)", []byte(hex.EncodeToString(raw))},
				secret{what + " (HEX)", []byte(strings.ToUpper(hex.EncodeToString(raw)))},
				secret{what + " (WIF)", []byte(wif.String())},
				secret{what + " (extended)", []byte(k.String())},
			)
		}
	}
	return out
}
