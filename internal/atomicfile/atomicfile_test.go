package atomicfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestWriteNewRefusesExisting(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.psbt")
	if err := os.WriteFile(p, []byte("theirs"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteNew(p, []byte("ours"), 0o644)
	if !errors.Is(err, ErrExists) {
		t.Fatalf("WriteNew over an existing file: %v; want ErrExists", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "theirs" {
		t.Fatalf("existing file now holds %q", b)
	}
	assertOnly(t, filepath.Dir(p), "out.psbt")
}

func TestWriteNewMode(t *testing.T) {
	p := filepath.Join(t.TempDir(), "k.key")
	if err := WriteNew(p, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	assertOnly(t, filepath.Dir(p), "k.key")
}

// TestWriteNewRace: of many writers racing for one name exactly one wins,
// and the file holds the winner's whole data, never a mix or a partial.
func TestWriteNewRace(t *testing.T) {
	p := filepath.Join(t.TempDir(), "race")
	var wg sync.WaitGroup
	wins := make(chan byte, 32)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := bytes.Repeat([]byte{byte('a' + i%26)}, 1<<16)
			if err := WriteNew(p, data, 0o644); err == nil {
				wins <- data[0]
			} else if !errors.Is(err, ErrExists) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	close(wins)
	var won []byte
	for c := range wins {
		won = append(won, c)
	}
	if len(won) != 1 {
		t.Fatalf("%d writers won; want exactly 1", len(won))
	}
	b, _ := os.ReadFile(p)
	if !bytes.Equal(b, bytes.Repeat(won[:1], 1<<16)) {
		t.Fatal("file does not hold exactly the winner's data")
	}
	assertOnly(t, filepath.Dir(p), "race")
}

func TestReplace(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.json")
	for _, s := range []string{"one", "two"} {
		if err := Replace(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != s {
			t.Fatalf("holds %q; want %q", b, s)
		}
	}
	assertOnly(t, filepath.Dir(p), "config.json")
}

// TestFailedSyncLeavesNothing: a disk that fails mid-write leaves neither a
// partial target nor a temporary file, and an existing target untouched.
func TestFailedSyncLeavesNothing(t *testing.T) {
	SyncFile = func(*os.File) error { return errors.New("simulated disk failure") }
	t.Cleanup(func() { SyncFile = (*os.File).Sync })
	dir := t.TempDir()
	if err := WriteNew(filepath.Join(dir, "new"), []byte("x"), 0o644); err == nil {
		t.Fatal("WriteNew succeeded on a failing disk")
	}
	assertOnly(t, dir)
	old := filepath.Join(dir, "old")
	if err := os.WriteFile(old, []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Replace(old, []byte("lost"), 0o644); err == nil {
		t.Fatal("Replace succeeded on a failing disk")
	}
	if b, _ := os.ReadFile(old); string(b) != "kept" {
		t.Fatalf("target now holds %q", b)
	}
	assertOnly(t, dir, "old")
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Fatalf("directory holds %v; want %v", got, names)
	}
	for i := range names {
		if got[i] != names[i] {
			t.Fatalf("directory holds %v; want %v", got, names)
		}
	}
}
