package app_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// findJS returns node's path and testdata/interop, where the independent
// JavaScript implementations the interop tests run live, or why they
// cannot run: node is missing, or pkg (a path under node_modules, such as
// "bitcoinjs-lib" or "@caravan/bitcoin") is not installed.
func findJS(pkg string) (nodeBin, dir string, err error) {
	dir, _ = filepath.Abs(filepath.Join("testdata", "interop"))
	nodeBin, err = exec.LookPath("node")
	if err != nil {
		return "", "", fmt.Errorf("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", filepath.FromSlash(pkg))); err != nil {
		return "", "", fmt.Errorf("run npm ci in internal/app/testdata/interop to install %s", pkg)
	}
	return nodeBin, dir, nil
}

// needJS is findJS that skips t when the implementation is not installed.
func needJS(t *testing.T, pkg string) (nodeBin, dir string) {
	t.Helper()
	nodeBin, dir, err := findJS(pkg)
	if err != nil {
		t.Skip(err)
	}
	return nodeBin, dir
}

// runJS runs script (in dir) with args and stdin, and returns what it
// printed; its error carries what the script said on stderr.
func runJS(ctx context.Context, nodeBin, dir string, stdin []byte, script string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, nodeBin, append([]string{script}, args...)...)
	cmd.Dir, cmd.Stdin = dir, bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%v\n%s", err, stderr.String())
	}
	return out, nil
}
