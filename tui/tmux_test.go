package tui

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/treasury-dev/treasury/internal/regtest"
)

// TestRealTerminal runs the built binary in a real terminal (tmux, 80x24):
// a data directory with a vault and a proposal made through the CLI, the
// TUI opened, the proposal reached with the keys an officer would press,
// q, and a clean shell prompt afterwards with exit status 0.
func TestRealTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts a regtest node; skipped with -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "treasury")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/treasury").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	node := regtest.StartT(t)
	data := filepath.Join(tmp, "data")
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--data-dir", data}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("treasury %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return strings.TrimSpace(string(out))
	}
	rpc := node.RPC()
	cli("init", "--network", "regtest", "--rpc-url", rpc.Host, "--rpc-user", rpc.User, "--rpc-pass", rpc.Pass)
	s := newSeed(t)
	args := []string{"vault", "create", "ops", "--threshold", "2"}
	for _, k := range s.keySpecs(0, "alice", "bob", "carol") {
		args = append(args, "--key", string(k))
	}
	for _, k := range s.keySpecs(1, "alice", "bob", "carol") {
		args = append(args, "--standby-key", string(k))
	}
	cli(args...)
	standby := s.exportedDescriptor(cli("vault", "export", "ops", "--generation", "1", "--json"))
	cli(append([]string{"vault", "prove", "ops"}, s.writeProofs(tmp, standby, "alice", "bob")...)...)
	if _, err := node.FundAddress(s.ctx, cli("vault", "address", "ops"), 50_000_000); err != nil {
		t.Fatal(err)
	}
	if _, err := node.Mine(s.ctx, 1); err != nil {
		t.Fatal(err)
	}
	cli("sync")
	cli("propose", "--vault", "ops", "--to", s.payee("supplier"), "--amount", "0.2btc", "--fee-rate", "2", "--memo", "tmux run", "-o", filepath.Join(tmp, "p.psbt"))

	tm := startTmux(t, tmp)
	// The exit status is echoed by the same command line: keys typed while
	// the TUI is still shutting down would go to the TUI, not the shell.
	tm.send(bin+" --data-dir "+data+" tui; echo exit=$?", "Enter")
	tm.waitFor("1 Vaults", "ops", "synced")
	tm.send("2")
	tm.waitFor("Proposals  1", "transfer")
	tm.send("Enter")
	tm.waitFor("Signatures", "memo      tmux run", "(2-of-3)")
	tm.send("q")
	pane := tm.waitFor("exit=0")
	if strings.Contains(pane, "Signatures") || strings.Contains(pane, "1 Vaults") {
		t.Fatalf("the TUI left its screen behind:\n%s", pane)
	}
	if !strings.Contains(pane, "echo exit=$?") || !strings.Contains(pane, "--data-dir") {
		t.Fatalf("the shell's own screen is not back:\n%s", pane)
	}
	// The terminal is usable again: what is typed is echoed and run.
	tm.send("echo typed-$((40+2))", "Enter")
	tm.waitFor("echo typed-$((40+2))", "typed-42")
}

// tmuxSession is one tmux server on a private socket with an 80x24 shell.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func startTmux(t *testing.T, dir string) *tmuxSession {
	tm := &tmuxSession{t: t, socket: filepath.Join(dir, "tmux.sock")}
	cmd := exec.Command("tmux", "-S", tm.socket, "-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24", "-s", "t", "sh")
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-S", tm.socket, "kill-server").Run() })
	return tm
}

func (tm *tmuxSession) send(keys ...string) {
	tm.t.Helper()
	if out, err := exec.Command("tmux", append([]string{"-S", tm.socket, "send-keys", "-t", "t"}, keys...)...).CombinedOutput(); err != nil {
		tm.t.Fatalf("send-keys: %v\n%s", err, out)
	}
}

func (tm *tmuxSession) capture() string {
	out, err := exec.Command("tmux", "-S", tm.socket, "capture-pane", "-p", "-t", "t").Output()
	if err != nil {
		return fmt.Sprintf("(capture-pane: %v)", err)
	}
	return string(out)
}

// waitFor polls the pane until it shows every string, with a deadline.
func (tm *tmuxSession) waitFor(want ...string) string {
	tm.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		pane := tm.capture()
		if containsAll(pane, want) {
			return pane
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the terminal never showed %q:\n%s", want, pane)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
