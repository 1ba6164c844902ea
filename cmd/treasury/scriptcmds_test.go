package main

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// Script commands that assert how a command failed. testscript's `! exec`
// accepts any non-zero exit; these check the documented code (exit.go).

// exitcode N PROG ARGS… runs PROG and fails unless it exits with code N.
// stdout and stderr are kept for the usual stdout/stderr assertions.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("exitcode does not take '!'; give the expected code")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROG [ARGS…]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	if got := runForCode(ts, args[1], args[2:]); got != want {
		ts.Fatalf("%s exited with code %d, want %d", args[1], got, want)
	}
}

// fails N PROG ARGS… runs PROG and fails unless it exits with code N (not
// 0), printed nothing on stdout, and printed on stderr exactly one line
// "treasury: error: …" followed only by "treasury: hint: …" lines.
func cmdFails(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("fails does not take '!'")
	}
	cmdExitCode(ts, false, args)
	if args[0] == "0" {
		ts.Fatalf("fails 0 makes no sense; use exec")
	}
	if out := ts.ReadFile("stdout"); out != "" {
		ts.Fatalf("a failed command printed on stdout: %q", out)
	}
	checkErrorShape(ts, ts.ReadFile("stderr"))
}

func checkErrorShape(ts *testscript.TestScript, stderr string) {
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "treasury: error: ") || len(lines[0]) <= len("treasury: error: ") {
		ts.Fatalf("stderr does not start with one 'treasury: error: …' line: %q", stderr)
	}
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "treasury: hint: ") {
			ts.Fatalf("stderr has a line that is neither the error nor a hint: %q", l)
		}
	}
}

func runForCode(ts *testscript.TestScript, prog string, args []string) int {
	err := ts.Exec(prog, args...)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	ts.Fatalf("unable to run %s: %v", prog, err)
	return -1
}

// truncate FILE N cuts FILE to its first N bytes (a damaged key file).
func cmdTruncate(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: truncate FILE N")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	ts.Check(os.Truncate(ts.MkAbs(args[0]), int64(n)))
}

// flipbyte FILE OFFSET inverts one bit pattern of the byte at OFFSET
// (negative: from the end), so the file differs in exactly one byte.
func cmdFlipByte(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: flipbyte FILE OFFSET")
	}
	path := ts.MkAbs(args[0])
	b, err := os.ReadFile(path)
	ts.Check(err)
	off, err := strconv.Atoi(args[1])
	ts.Check(err)
	if off < 0 {
		off += len(b)
	}
	if off < 0 || off >= len(b) {
		ts.Fatalf("offset %s outside %s (%d bytes)", args[1], args[0], len(b))
	}
	b[off] ^= 0x01
	fi, err := os.Stat(path)
	ts.Check(err)
	ts.Check(os.WriteFile(path, b, fi.Mode().Perm()))
}

// validjson FILE fails unless FILE ("stdout" for the last output) holds
// exactly one JSON document.
func cmdValidJSON(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: validjson FILE")
	}
	if ok := json.Valid([]byte(ts.ReadFile(args[0]))); ok == neg {
		ts.Fatalf("%s: json.Valid = %v", args[0], ok)
	}
}

// hangnode VAR listens on a loopback port, takes every connection and
// never answers, as a stuck node does; VAR is set to its host:port.
func cmdHangNode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: hangnode VAR")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never read or written
			mu.Unlock()
		}
	}()
	ts.Defer(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	ts.Setenv(args[0], l.Addr().String())
}

// jsonerr checks that stderr is exactly one JSON error object with the
// given exit code and kind, and that stdout is empty.
func cmdJSONErr(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: jsonerr CODE KIND")
	}
	if out := ts.ReadFile("stdout"); out != "" {
		ts.Fatalf("a failed command printed on stdout: %q", out)
	}
	var e struct {
		Version int    `json:"version"`
		Error   string `json:"error"`
		Kind    string `json:"kind"`
		Exit    int    `json:"exit_code"`
	}
	var raw map[string]json.RawMessage
	ts.Check(json.Unmarshal([]byte(ts.ReadFile("stderr")), &raw))
	ts.Check(json.Unmarshal([]byte(ts.ReadFile("stderr")), &e))
	if e.Version != 1 || e.Error == "" || strconv.Itoa(e.Exit) != args[0] || e.Kind != args[1] {
		ts.Fatalf("JSON error %+v, want exit_code %s kind %s", e, args[0], args[1])
	}
}
