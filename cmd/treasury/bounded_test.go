package main

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestBoundedReads: a 300 MB file given where a PSBT or a vault export
// belongs is refused having read (from any file) and allocated far less
// than the file holds. (Reading counts come from /proc/self/io, where the
// kernel has it; what a refusal costs in time depends on the machine's
// load and is not asserted.)
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
		readBefore, counted := bytesRead(t)
		code, out, errs := p.run("", args...)
		readAfter, _ := bytesRead(t)
		runtime.ReadMemStats(&after)
		if code != exitUsage || out != "" || !strings.Contains(errs, "larger than") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", args[1], code, out, errs)
		}
		if read := readAfter - readBefore; counted && read > 100<<20 {
			t.Errorf("%s: read %d MiB of a 300 MiB file", args[1], read>>20)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 150<<20 {
			t.Errorf("%s: allocated %d MiB for a 300 MiB file", args[1], alloc>>20)
		}
		if _, err := os.Stat(p.path("out.psbt")); err == nil {
			t.Errorf("%s: wrote an output file", args[1])
		}
	}
}

// bytesRead returns how many bytes this process has read through read
// system calls (rchar in /proc/self/io), and false where the kernel does
// not say.
func bytesRead(t *testing.T) (int64, bool) {
	t.Helper()
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "rchar: "); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				t.Fatalf("/proc/self/io: %v", err)
			}
			return n, true
		}
	}
	return 0, false
}
