package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestManPagesEveryCommand: --dir writes a page for every command --help
// lists, each with its sections, and groff reads every page without a
// warning.
func TestManPagesEveryCommand(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	getenv := func(string) string { return "" }
	if code := run([]string{"man", "--dir", dir}, strings.NewReader(""), &stdout, &stderr, getenv); code != 0 {
		t.Fatalf("man --dir: exit %d: %s", code, stderr.String())
	}
	c := &cli{getenv: getenv}
	root := c.newRootCmd()
	root.InitDefaultCompletionCmd()
	want := 0
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		if !manWorthy(cmd) {
			return
		}
		want++
		b, err := os.ReadFile(filepath.Join(dir, manName(cmd)+".1"))
		if err != nil {
			t.Errorf("no page for %q: %v", cmd.CommandPath(), err)
			return
		}
		for _, s := range []string{".TH ", "\n.SH NAME\n", "\n.SH SYNOPSIS\n", "\n.SH DESCRIPTION\n"} {
			if !bytes.Contains(b, []byte(s)) {
				t.Errorf("page of %q lacks %q", cmd.CommandPath(), s)
			}
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
	pages, _ := filepath.Glob(filepath.Join(dir, "*.1"))
	if len(pages) != want || want < 40 {
		t.Fatalf("%d pages written, %d commands", len(pages), want)
	}
	if _, err := exec.LookPath("groff"); err != nil {
		t.Skip("groff is not installed")
	}
	for _, p := range pages {
		out, err := exec.Command("groff", "-man", "-ww", "-z", p).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("groff %s: %v\n%s", filepath.Base(p), err, out)
		}
	}
}
