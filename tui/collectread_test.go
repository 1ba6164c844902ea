package tui

import (
	"os"
	"strings"
	"testing"
)

// The collect screen reads a signed file through the same limit as the
// CLI: /dev/zero is refused at once instead of read until memory runs out.
func TestCollectFileIsBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	b := &backend{}
	if _, err := b.collectFile("/dev/zero"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("collectFile(/dev/zero) = %v", err)
	}
}
