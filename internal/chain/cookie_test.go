package chain

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A cookie file is one short line: an endless or huge one is refused at
// once, without being read whole.
func TestReadCookieIsBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	if _, _, err := readCookie("/dev/zero"); err == nil || !strings.Contains(err.Error(), "larger than 4096 bytes") {
		t.Fatalf("readCookie(/dev/zero) = %v", err)
	}
	path := filepath.Join(t.TempDir(), ".cookie")
	if err := os.WriteFile(path, []byte("__cookie__:s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if u, p, err := readCookie(path); err != nil || u != "__cookie__" || p != "s3cr3t" {
		t.Fatalf("readCookie = %q, %q, %v", u, p, err)
	}
}
