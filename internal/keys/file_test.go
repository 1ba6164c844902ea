package keys

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/address/v2/base58"
	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"

	"github.com/treasury-dev/treasury/vault"
)

func TestMain(m *testing.M) {
	// Test-only: keep scrypt cheap so the suite stays fast.
	ScryptWorkFactor = 10
	os.Exit(m.Run())
}

func mustNetwork(t testing.TB, name string) vault.Network {
	t.Helper()
	n, err := vault.ParseNetwork(name)
	if err != nil {
		t.Fatalf("ParseNetwork(%q): %v", name, err)
	}
	return n
}

// TestBIP39Vectors checks mnemonic → seed → master xprv against the Trezor
// reference vectors (python-mnemonic vectors.json, passphrase "TREZOR").
func TestBIP39Vectors(t *testing.T) {
	tests := []struct {
		id             int
		mnemonic, seed string
		root           string
	}{
		{0, "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
			"c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
			"xprv9s21ZrQH143K3h3fDYiay8mocZ3afhfULfb5GX8kCBdno77K4HiA15Tg23wpbeF1pLfs1c5SPmYHrEpTuuRhxMwvKDwqdKiGJS9XFKzUsAF"},
		{3, "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
			"ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13332572917f0f8e5a589620c6f15b11c61dee327651a14c34e18231052e48c069",
			"xprv9s21ZrQH143K2V4oox4M8Zmhi2Fjx5XK4Lf7GKRvPSgydU3mjZuKGCTg7UPiBUD7ydVPvSLtg9hjp7MQTYsW67rZHAXeccqYqrsx8LcXnyd"},
		{5, "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal will",
			"f2b94508732bcbacbcc020faefecfc89feafa6649a5491b8c952cede496c214a0c7b3c392d168748f2d4a612bada0753b52a1c7ac53c1e93abd5c6320b9e95dd",
			"xprv9s21ZrQH143K3Lv9MZLj16np5GzLe7tDKQfVusBni7toqJGcnKRtHSxUwbKUyUWiwpK55g1DUSsw76TF1T93VT4gz4wt5RM23pkaQLnvBh7"},
		{8, "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
			"bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd3097170af7a4d73245cafa9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8",
			"xprv9s21ZrQH143K32qBagUJAMU2LsHg3ka7jqMcV98Y7gVeVyNStwYS3U7yVVoDZ4btbRNf4h6ibWpY22iRmXq35qgLs79f312g2kj5539ebPM"},
		{14, "hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis maple dilemma loan word shrug inflict delay length",
			"64c87cde7e12ecf6704ab95bb1408bef047c22db4cc7491c4271d170a1b213d20b385bc1588d9c7b38f1b39d415665b8a9030c9ec653d75e65f847d8fc1fc440",
			"xprv9s21ZrQH143K2XTAhys3pMNcGn261Fi5Ta2Pw8PwaVPhg3D8DWkzWQwjTJfskj8ofb81i9NP2cUNKxwjueJHHMQAnxtivTA75uUFqPFeWzk"},
		{17, "panda eyebrow bullet gorilla call smoke muffin taste mesh discover soft ostrich alcohol speed nation flash devote level hobby quick inner drive ghost inside",
			"72be8e052fc4919d2adf28d5306b5474b0069df35b02303de8c1729c9538dbb6fc2d731d5f832193cd9fb6aeecbc469594a70e3dd50811b5067f3b88b28c3e8d",
			"xprv9s21ZrQH143K2WNnKmssvZYM96VAr47iHUQUTUyUXH3sAGNjhJANddnhw3i3y3pBbRAVk5M5qUGFr4rHbEWwXgX4qrvrceifCYQJbbFDems"},
	}
	mainnet := mustNetwork(t, "mainnet")
	for _, tt := range tests {
		t.Run(fmt.Sprintf("vector%d", tt.id), func(t *testing.T) {
			f, err := FromMnemonic("v", mainnet, tt.mnemonic, "TREZOR")
			if err != nil {
				t.Fatalf("vector %d: %v", tt.id, err)
			}
			if got := hex.EncodeToString(f.seed); got != tt.seed {
				t.Errorf("vector %d seed = %s, want %s", tt.id, got, tt.seed)
			}
			m, err := f.master()
			if err != nil {
				t.Fatal(err)
			}
			if got := m.String(); got != tt.root {
				t.Errorf("vector %d root = %s, want %s", tt.id, got, tt.root)
			}
		})
	}
}

// TestFingerprint checks the master fingerprint of the best-known test seed
// ("abandon … about", no passphrase): 73c5da0a.
func TestFingerprint(t *testing.T) {
	tests := []struct {
		net, pass, want string
	}{
		{"mainnet", "", "73c5da0a"},
		{"regtest", "", "73c5da0a"}, // the fingerprint does not depend on the network
	}
	for _, tt := range tests {
		t.Run(tt.net, func(t *testing.T) {
			f, err := FromMnemonic("v", mustNetwork(t, tt.net), strings.Repeat("abandon ", 11)+"about", tt.pass)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Fingerprint.String(); got != tt.want {
				t.Errorf("fingerprint = %s, want %s", got, tt.want)
			}
		})
	}
}

// slip132ToTpub re-encodes a SLIP-132 extended public key (Vpub, Zpub…)
// with the plain tpub version bytes, so it can be compared with ours.
func slip132ToTpub(t *testing.T, s string) string {
	t.Helper()
	raw := base58.Decode(s)
	if len(raw) != 82 {
		t.Fatalf("%s: decoded to %d bytes", s, len(raw))
	}
	payload := append([]byte{0x04, 0x35, 0x87, 0xcf}, raw[4:78]...)
	h1 := sha256.Sum256(payload)
	h2 := sha256.Sum256(h1[:])
	return base58.Encode(append(payload, h2[:4]...))
}

// TestBIP48AccountKey compares m/48'/1'/0'/2' account keys with published
// fixtures (payvo-sdk packages/btc/test/fixtures/musig.ts, written as
// SLIP-132 Vpubs, derived independently with bitcoinjs).
func TestBIP48AccountKey(t *testing.T) {
	tests := []struct {
		mnemonic, vpub string
	}{
		{"hard produce blood mosquito provide feed open enough access motor chimney swamp",
			"Vpub5mtyU6Hx9xrx63Y3W4aGW1LuQkmwrq9xsQNgX7tDAM8DTHhE7vXMZ7Hue2FR8SMAGDW57fy76HFmN1jnckSmeX2cDMWVA1KViot6bLgJZuN"},
		{"build tuition fuel distance often swallow birth embark nest barely drink beach",
			"Vpub5mYgzMb93fDtChZ2xmY7g3aEgHFjdgQE6P596AiL5zENEcVjDCciGfWmhZJngn6gVmBRh6E1Vp7aZYY7wQkMRTQSKhauGwYAUEdiGbS35D1"},
		{"mandate pull cat east limit enemy cabin possible success force mountain hood",
			"Vpub5mSSLBPFi3acdjk5giwrmA7gXPAJsiLXXKibgjXYycH1gp95t2Pqv3U8dT9kEGxvAdfiN5DGmozDmZ7sJyDuMgfxt4h4KujF7MWt5tQH8py"},
	}
	for _, tt := range tests {
		t.Run(strings.Fields(tt.mnemonic)[0], func(t *testing.T) {
			f, err := FromMnemonic("v", mustNetwork(t, "testnet"), tt.mnemonic, "")
			if err != nil {
				t.Fatal(err)
			}
			k, err := f.AccountKey(0, vault.P2WSH)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := k.XPub.String(), slip132ToTpub(t, tt.vpub); got != want {
				t.Errorf("account key = %s, want %s", got, want)
			}
			if k.Origin == nil || k.Origin.Fingerprint != f.Fingerprint ||
				vault.FormatPath(k.Origin.Path) != vault.FormatPath(vault.BIP48Path(f.NetworkParams(), 0, vault.P2WSH)) {
				t.Errorf("origin = %+v", k.Origin)
			}
			if !k.Multipath || k.XPub.IsPrivate() {
				t.Errorf("key must be a public multipath key")
			}
		})
	}
}

func TestAccountKeyVersion(t *testing.T) {
	mn := strings.Repeat("abandon ", 11) + "about"
	tests := []struct{ net, prefix string }{
		{"mainnet", "xpub"}, {"testnet", "tpub"}, {"regtest", "tpub"}, {"signet", "tpub"},
	}
	for _, tt := range tests {
		t.Run(tt.net, func(t *testing.T) {
			f, err := FromMnemonic("v", mustNetwork(t, tt.net), mn, "")
			if err != nil {
				t.Fatal(err)
			}
			k, err := f.AccountKey(3, vault.P2WSH)
			if err != nil {
				t.Fatal(err)
			}
			if s := k.XPub.String(); !strings.HasPrefix(s, tt.prefix) {
				t.Errorf("key %s does not start with %s", s, tt.prefix)
			}
			if _, err := f.AccountKey(hdkeychain.HardenedKeyStart, vault.P2WSH); err == nil {
				t.Errorf("account 2^31 accepted")
			}
		})
	}
}

func TestMnemonicValidation(t *testing.T) {
	regtest := mustNetwork(t, "regtest")
	good := strings.Repeat("abandon ", 11) + "about"
	ref, err := FromMnemonic("v", regtest, good, "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, mnemonic, pass string
		ok                   bool
	}{
		{"canonical", good, "", true},
		{"case and spaces", "  ABANDON\tabandon abandon abandon  abandon abandon abandon abandon abandon abandon abandon About\n", "", true},
		{"unknown word", strings.Repeat("abandon ", 11) + "bitcoinz", "", false},
		{"bad checksum", strings.Repeat("abandon ", 12), "", false},
		{"eleven words", strings.Repeat("abandon ", 10) + "about", "", false},
		{"empty", "", "", false},
		{"non-ascii passphrase", good, "pässword", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := FromMnemonic("v", regtest, tt.mnemonic, tt.pass)
			if !tt.ok {
				if err == nil {
					t.Fatal("accepted")
				}
				if strings.Contains(err.Error(), "bitcoinz") {
					t.Errorf("error %q repeats the mistyped word", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Fingerprint != ref.Fingerprint || string(f.mnemonic) != good {
				t.Errorf("normalization changed the seed")
			}
		})
	}
	if _, err := FromMnemonic("v", regtest, strings.Repeat("abandon ", 11)+"zzzz", ""); !errors.Is(err, ErrInvalidMnemonic) {
		t.Errorf("error %v is not ErrInvalidMnemonic", err)
	}
}

func TestNew(t *testing.T) {
	regtest := mustNetwork(t, "regtest")
	tests := []struct {
		bits, words int
		ok          bool
	}{
		{DefaultEntropyBits, 24, true},
		{128, 12, true},
		{100, 0, false},
	}
	for _, tt := range tests {
		t.Run(strings.Repeat("w", tt.words), func(t *testing.T) {
			f, mn, err := New("alice", regtest, tt.bits, "")
			if !tt.ok {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := len(strings.Fields(mn)); n != tt.words {
				t.Errorf("%d words, want %d", n, tt.words)
			}
			g, err := FromMnemonic("alice", regtest, mn, "")
			if err != nil || g.Fingerprint != f.Fingerprint {
				t.Errorf("restoring from the words gives another key (%v)", err)
			}
		})
	}
	a, _, _ := New("a", regtest, DefaultEntropyBits, "")
	b, _, _ := New("b", regtest, DefaultEntropyBits, "")
	if a.Fingerprint == b.Fingerprint {
		t.Errorf("two new keys share a fingerprint")
	}
}

func TestZero(t *testing.T) {
	f, _, err := New("alice", mustNetwork(t, "regtest"), DefaultEntropyBits, "extra")
	if err != nil {
		t.Fatal(err)
	}
	seed, mn, pass := f.seed, f.mnemonic, f.passphrase
	f.Zero()
	for name, b := range map[string][]byte{"seed": seed, "mnemonic": mn, "passphrase": pass} {
		for _, c := range b {
			if c != 0 {
				t.Errorf("%s not wiped", name)
				break
			}
		}
	}
	if _, err := f.AccountKey(0, vault.P2WSH); !errors.Is(err, ErrZeroed) {
		t.Errorf("AccountKey after Zero: %v", err)
	}
	if err := f.Save(t.TempDir()+"/k", []byte("pw")); !errors.Is(err, ErrZeroed) {
		t.Errorf("Save after Zero: %v", err)
	}
}

func TestNoSecretsInOutput(t *testing.T) {
	f, mn, err := New("alice", mustNetwork(t, "regtest"), DefaultEntropyBits, "hunter2-extra-words")
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"String": f.String(), "%v": fmt.Sprintf("%v", f), "%+v": fmt.Sprintf("%+v", f),
		"%#v": fmt.Sprintf("%#v", f), "%+v of value": fmt.Sprintf("%+v", *f), "JSON": string(js),
	}
	words := strings.Fields(mn)
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			if strings.Contains(out, "hunter2") || strings.Contains(out, words[0]+" "+words[1]) ||
				strings.Contains(out, strings.TrimSuffix(fmt.Sprint(f.seed[:4]), "]")) {
				t.Errorf("%s leaks a secret: %s", name, out)
			}
		})
	}
}
