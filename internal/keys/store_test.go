package keys

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"

	"github.com/treasury-dev/treasury/internal/atomicfile"
)

const testPass = "correct horse battery staple"

func newTestFile(t testing.TB, name string) (*File, string) {
	t.Helper()
	f, mn, err := New(name, mustNetwork(t, "regtest"), DefaultEntropyBits, "")
	if err != nil {
		t.Fatal(err)
	}
	return f, mn
}

// ageEncrypt encrypts plain to a scrypt passphrase, armored or binary.
func ageEncrypt(t testing.TB, plain []byte, pass string, armored bool) []byte {
	t.Helper()
	r, err := age.NewScryptRecipient(pass)
	if err != nil {
		t.Fatal(err)
	}
	r.SetWorkFactor(ScryptWorkFactor)
	var out bytes.Buffer
	var dst io.Writer = &out
	var aw io.WriteCloser
	if armored {
		aw = armor.NewWriter(&out)
		dst = aw
	}
	w, err := age.Encrypt(dst, r)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	w.Close()
	if aw != nil {
		aw.Close()
	}
	return out.Bytes()
}

func noLeftovers(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("directory holds %v, want %v", got, want)
	}
}

func TestSaveLoad(t *testing.T) {
	f, mn := newTestFile(t, "alice-treasurer")
	f.Registered = []string{"wsh(sortedmulti(2,a,b))#fake"}
	dir := t.TempDir()
	path := filepath.Join(dir, "alice.key")
	if err := f.SaveNew(path, []byte(testPass)); err != nil {
		t.Fatal(err)
	}
	noLeftovers(t, dir, "alice.key")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	if !bytes.HasPrefix(raw, []byte(armor.Header)) {
		t.Errorf("file is not armored: %q", raw[:20])
	}
	words := strings.Fields(mn)
	for i := 0; i+1 < len(words); i++ {
		if bytes.Contains(raw, []byte(words[i]+" "+words[i+1])) {
			t.Fatalf("file contains recovery words %d-%d in clear", i+1, i+2)
		}
	}
	for _, secret := range []string{mn, "alice-treasurer", "regtest", "sortedmulti", testPass} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("file contains %q in clear", secret)
		}
	}

	g, err := Load(path, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != f.Name || g.Network != f.Network || g.Fingerprint != f.Fingerprint ||
		g.Version != FileVersion || !bytes.Equal(g.mnemonic, f.mnemonic) ||
		strings.Join(g.Registered, "|") != strings.Join(f.Registered, "|") {
		t.Errorf("loaded %v %v, saved %v %v", g, g.Registered, f, f.Registered)
	}

	// SaveNew refuses to replace; Save replaces.
	f.Registered = append(f.Registered, "second")
	if err := f.SaveNew(path, []byte(testPass)); !errors.Is(err, ErrExists) {
		t.Errorf("SaveNew over an existing file: %v", err)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, raw) {
		t.Errorf("SaveNew changed the existing file")
	}
	noLeftovers(t, dir, "alice.key")
	if err := f.Save(path, []byte(testPass)); err != nil {
		t.Fatal(err)
	}
	noLeftovers(t, dir, "alice.key")
	if g, err = Load(path, []byte(testPass)); err != nil || len(g.Registered) != 2 {
		t.Errorf("after Save: %v, %v", g, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode after Save %v", st.Mode().Perm())
	}
}

func TestSaveEmptyPassphrase(t *testing.T) {
	f, _ := newTestFile(t, "a")
	dir := t.TempDir()
	if err := f.SaveNew(filepath.Join(dir, "k"), nil); !errors.Is(err, ErrEmptyPassphrase) {
		t.Errorf("got %v", err)
	}
	noLeftovers(t, dir)
}

func TestSaveFailureLeavesNothing(t *testing.T) {
	f, _ := newTestFile(t, "a")
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the destination
		want  []string                              // directory listing afterwards
	}{
		{"missing directory", func(t *testing.T, dir string) string {
			return filepath.Join(dir, "nope", "k")
		}, nil},
		{"destination is a directory", func(t *testing.T, dir string) string {
			os.Mkdir(filepath.Join(dir, "k"), 0o700)
			return filepath.Join(dir, "k")
		}, []string{"k"}},
		{"sync fails", func(t *testing.T, dir string) string {
			atomicfile.SyncFile = func(*os.File) error { return errors.New("simulated disk failure") }
			t.Cleanup(func() { atomicfile.SyncFile = (*os.File).Sync })
			return filepath.Join(dir, "k")
		}, nil},
		{"read-only directory", func(t *testing.T, dir string) string {
			if os.Geteuid() == 0 {
				t.Skip("root ignores directory permissions")
			}
			os.Chmod(dir, 0o500)
			t.Cleanup(func() { os.Chmod(dir, 0o700) })
			return filepath.Join(dir, "k")
		}, nil},
	}
	for _, tt := range tests {
		for _, replace := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/replace=%v", tt.name, replace), func(t *testing.T) {
				dir := t.TempDir()
				path := tt.setup(t, dir)
				var err error
				if replace {
					err = f.Save(path, []byte(testPass))
				} else {
					err = f.SaveNew(path, []byte(testPass))
				}
				if err == nil {
					t.Fatal("save succeeded")
				}
				noLeftovers(t, dir, tt.want...)
			})
		}
	}
}

func TestLoadWrongPassphrase(t *testing.T) {
	f, _ := newTestFile(t, "a")
	path := filepath.Join(t.TempDir(), "k")
	if err := f.SaveNew(path, []byte(testPass)); err != nil {
		t.Fatal(err)
	}
	for _, pass := range []string{"Correct horse battery staple", "x"} {
		_, err := Load(path, []byte(pass))
		if !errors.Is(err, ErrWrongPassphrase) {
			t.Errorf("passphrase %q: %v", pass, err)
		}
		if err != nil && strings.Contains(err.Error(), pass) {
			t.Errorf("error repeats the passphrase: %v", err)
		}
	}
	if _, err := Load(path, nil); !errors.Is(err, ErrEmptyPassphrase) {
		t.Errorf("empty passphrase: %v", err)
	}
}

func validPayload(t testing.TB, mutate func(*payload)) []byte {
	t.Helper()
	p := payload{Format: payloadFormat, Version: 1, Name: "x", Network: "regtest",
		Mnemonic: strings.Repeat("abandon ", 11) + "about"}
	if mutate != nil {
		mutate(&p)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadCorrupt(t *testing.T) {
	f, _ := newTestFile(t, "a")
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	if err := f.SaveNew(good, []byte(testPass)); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(good)
	bin := dearmor(t, raw)
	random := make([]byte, 600)
	rand.Read(random)
	x25519, _ := age.GenerateX25519Identity()
	var toX bytes.Buffer
	w, _ := age.Encrypt(&toX, x25519.Recipient())
	w.Write([]byte("hi"))
	w.Close()

	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrCorrupt},
		{"random bytes", random, ErrCorrupt},
		{"text", []byte("hello, I am not a key\n"), ErrCorrupt},
		{"truncated to half", raw[:len(raw)/2], ErrCorrupt},
		{"truncated footer", raw[:len(raw)-10], ErrCorrupt},
		{"binary, flipped payload byte", flipAt(bin, len(bin)-5), ErrCorrupt},
		{"binary, flipped header MAC", flipAt(bin, macAt(t, bin)), ErrCorrupt},
		{"binary, truncated", bin[:len(bin)-1], ErrCorrupt},
		{"binary, intact", bin, nil},
		{"not passphrase-encrypted", toX.Bytes(), ErrCorrupt},
		{"age file of something else", ageEncrypt(t, []byte("just text"), testPass, true), ErrCorrupt},
		{"json but not ours", ageEncrypt(t, []byte(`{"format":"other"}`), testPass, false), ErrCorrupt},
		{"bad mnemonic", ageEncrypt(t, validPayload(t, func(p *payload) { p.Mnemonic = "abandon" }), testPass, true), ErrCorrupt},
		{"bad network", ageEncrypt(t, validPayload(t, func(p *payload) { p.Network = "moon" }), testPass, true), ErrCorrupt},
		{"version 0", ageEncrypt(t, validPayload(t, func(p *payload) { p.Version = 0 }), testPass, true), ErrCorrupt},
		{"future version", ageEncrypt(t, validPayload(t, func(p *payload) { p.Version = 2 }), testPass, true), ErrUnsupportedVersion},
		{"binary age file", ageEncrypt(t, validPayload(t, nil), testPass, false), nil},
		{"armored, hand-made", ageEncrypt(t, validPayload(t, nil), testPass, true), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "case")
			os.WriteFile(path, tt.data, 0o600)
			g, err := Load(path, []byte(testPass))
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				want := "73c5da0a"
				if tt.name == "binary, intact" {
					want = f.Fingerprint.String()
				}
				if g.Fingerprint.String() != want {
					t.Errorf("fingerprint %s", g.Fingerprint)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), "abandon") {
				t.Errorf("error leaks the mnemonic: %v", err)
			}
		})
	}
}

// dearmor returns the binary age file inside an armored one.
func dearmor(t *testing.T, raw []byte) []byte {
	t.Helper()
	bin, err := io.ReadAll(armor.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// flipAt returns a copy of b with byte i changed to another base64
// character, so that age's header still parses.
func flipAt(b []byte, i int) []byte {
	out := bytes.Clone(b)
	if out[i] == 'A' {
		out[i] = 'B'
	} else {
		out[i] = 'A'
	}
	return out
}

// macAt is the offset of a character inside the header MAC line.
func macAt(t *testing.T, bin []byte) int {
	t.Helper()
	i := bytes.Index(bin, []byte("\n--- "))
	if i < 0 {
		t.Fatal("no header MAC line")
	}
	return i + 10
}
