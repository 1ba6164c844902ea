package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// inproc runs treasury in this process against one data directory, for
// tests that must hold something open (a lock, a reader) while it runs.
type inproc struct {
	t   *testing.T
	dir string            // working directory for relative files
	env map[string]string // the environment treasury sees
}

func newInproc(t *testing.T) *inproc {
	t.Helper()
	dir := t.TempDir()
	return &inproc{t: t, dir: dir, env: map[string]string{
		"TREASURY_DATA_DIR":           filepath.Join(dir, "data"),
		"TREASURY_ACTOR":              "tester",
		"TREASURY_DB_BUSY_TIMEOUT_MS": "300",
		"HOME":                        dir,
	}}
}

func (p *inproc) dataDir() string { return p.env["TREASURY_DATA_DIR"] }

func (p *inproc) path(name string) string { return filepath.Join(p.dir, name) }

// run returns the exit code, stdout and stderr of one invocation.
func (p *inproc) run(stdin string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb, func(k string) string { return p.env[k] })
	return code, out.String(), errb.String()
}

// ok runs a command that must succeed and returns its stdout.
func (p *inproc) ok(stdin string, args ...string) string {
	p.t.Helper()
	code, out, errs := p.run(stdin, args...)
	if code != exitOK {
		p.t.Fatalf("treasury %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}
