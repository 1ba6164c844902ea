package main

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestBoundedReads: a 300 MB file given where a PSBT or a vault export
// belongs is refused within a second, having read no more than the limit.
func TestBoundedReads(t *testing.T) {
	p := newInproc(t)
	big := p.path("big.psbt")
	fh, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := fh.Truncate(300 << 20); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	fh.Close()
	for _, args := range [][]string{
		{"key", "sign", p.path("alice.key"), big, "-o", p.path("out.psbt")},
		{"key", "register", p.path("alice.key"), "--vault-export", big},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		code, out, errs := p.run("", args...)
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if code != exitUsage || out != "" || !strings.Contains(errs, "larger than") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", args[1], code, out, errs)
		}
		if took > time.Second {
			t.Errorf("%s: refusing took %s", args[1], took)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 150<<20 {
			t.Errorf("%s: allocated %d MiB for a 300 MiB file", args[1], alloc>>20)
		}
		if _, err := os.Stat(p.path("out.psbt")); err == nil {
			t.Errorf("%s: wrote an output file", args[1])
		}
	}
}
