package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/treasury-dev/treasury/internal/regtest"
)

// TestSandboxStopsItsNode runs the built binary's sandbox and ends it each
// way a process is asked to end (Ctrl-C, SIGTERM, SIGHUP when its terminal
// closes, SIGPIPE when its output pipe closes, and plainly): every time no
// btcd survives, and a throwaway directory is removed unless --keep.
func TestSandboxStopsItsNode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs regtest nodes; skipped with -short")
	}
	if _, err := exec.LookPath("pgrep"); err != nil {
		t.Skip("pgrep is not installed")
	}
	ctx := t.Context()
	btcd, err := regtest.BuildBtcd(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "treasury")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "sbx")
			cmd, stderr := startSandbox(t, bin, btcd, t.TempDir(), "--keep", "--dir", dir)
			waitLine(t, stderr, "the node keeps running")
			if len(btcdsIn(dir)) == 0 {
				t.Fatal("no btcd is running for the sandbox before the signal")
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			waitExit(t, cmd)
			if pids := btcdsIn(dir); len(pids) > 0 {
				t.Fatalf("btcd survived %v: pid %s", sig, pids)
			}
		})
	}
	if runtime.GOOS == "linux" {
		// SIGKILL cannot be caught: the kernel stops the node (Pdeathsig).
		t.Run("killed", func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "sbx")
			cmd, stderr := startSandbox(t, bin, btcd, t.TempDir(), "--keep", "--dir", dir)
			waitLine(t, stderr, "the node keeps running")
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			waitExit(t, cmd)
			deadline := time.Now().Add(30 * time.Second)
			for btcdsIn(dir) != "" && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			if pids := btcdsIn(dir); pids != "" {
				t.Fatalf("btcd survived its parent's SIGKILL: pid %s", pids)
			}
		})
	}
	t.Run("SIGPIPE", func(t *testing.T) {
		tmp := t.TempDir()
		cmd, _ := startSandbox(t, bin, btcd, tmp, "--keep")
		cmd.Stdout.(io.Closer).Close() // the reader of its output goes away
		waitExit(t, cmd)
		if pids := btcdsIn(tmp); len(pids) > 0 {
			t.Fatalf("btcd survived a closed pipe: pid %s", pids)
		}
	})
	t.Run("plain end", func(t *testing.T) {
		tmp := t.TempDir()
		cmd, _ := startSandbox(t, bin, btcd, tmp)
		waitExit(t, cmd)
		if pids := btcdsIn(tmp); len(pids) > 0 {
			t.Fatalf("btcd survived: pid %s", pids)
		}
		if left, _ := filepath.Glob(filepath.Join(tmp, "treasury-sandbox-*")); len(left) > 0 {
			t.Fatalf("the throwaway directory was left behind: %q", left)
		}
	})
}

// startSandbox starts `treasury sandbox --no-tui ARGS` with its temporary
// directory in tmp; its stdout is a pipe the caller may close.
func startSandbox(t *testing.T, bin, btcd, tmp string, args ...string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"sandbox", "--no-tui"}, args...)...)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, regtest.BtcdEnv+"="+btcd, "TREASURY_ACTOR=tester")
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = pw
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()      // the child holds its own copy
	cmd.Stdout = pr // read end, for the caller to close
	go io.Copy(io.Discard, pr)
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, bufio.NewReader(errPipe)
}

// waitLine reads stderr until a line contains want, with a deadline.
func waitLine(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	found := make(chan bool, 1)
	var seen bytes.Buffer
	go func() {
		for {
			l, err := r.ReadString('\n')
			seen.WriteString(l)
			if strings.Contains(l, want) {
				found <- true
				go io.Copy(io.Discard, r)
				return
			}
			if err != nil {
				found <- false
				return
			}
		}
	}()
	select {
	case ok := <-found:
		if !ok {
			t.Fatalf("stderr ended without %q", want)
		}
	case <-time.After(3 * time.Minute):
		t.Fatalf("stderr never showed %q", want)
	}
}

// waitExit waits for the sandbox to end, with a deadline.
func waitExit(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("the sandbox did not end")
	}
}

// btcdsIn lists the pids of processes whose command line names dir: the
// sandbox's btcd runs with its data directory under it.
func btcdsIn(dir string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, "pgrep", "-f", "btcd.*"+dir).Output()
	return strings.TrimSpace(string(out))
}
