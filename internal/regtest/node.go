// Package regtest starts a private btcd node on the regression-test network
// and drives it: it mines blocks and funds scripts from a wallet the harness
// holds. Tests use it through StartT; `treasury sandbox` uses Start at run
// time, so this package's API does not depend on package testing.
//
// The node listens on 127.0.0.1 only, on free ports, with random RPC
// credentials and its data in a directory the harness owns. Stop ends the
// process and removes what the harness created.
package regtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"

	"github.com/treasury-dev/treasury/internal/chain"
)

// Deadlines for the node process.
const (
	readyTimeout = 60 * time.Second // from exec to a working RPC
	stopTimeout  = 15 * time.Second // from SIGINT to SIGKILL
	startTries   = 3                // a free port may be taken before btcd binds it
)

// Params are the network parameters of every harness node.
var Params = &chaincfg.RegressionNetParams

// Options configure Start.
type Options struct {
	// Dir holds the node's data and logs. Empty means a temporary
	// directory that Stop removes; a given directory is kept, so a later
	// Start on it finds the same chain. (btcd wipes a regtest chain when
	// it starts, so Stop saves the blocks in Dir and Start submits them
	// again; the mempool is not kept.)
	Dir string
	// ExtraArgs are appended to btcd's command line.
	ExtraArgs []string
	// Log receives btcd's output as it runs; nil discards it. The last
	// lines are kept either way for error messages.
	Log io.Writer
	// Btcd is the btcd binary; empty means BuildBtcd.
	Btcd string
}

// Node is a running regtest btcd. Its methods are safe for concurrent use.
type Node struct {
	opt      Options
	bin      string
	dir      string
	tempDir  bool
	homeDir  string // btcd's default home, which it creates even with --datadir
	ownsHome bool   // homeDir did not exist before the first start
	user     string
	pass     string
	rpcHost  string
	p2pHost  string

	mu      sync.Mutex // guards the fields below and serialises wallet use
	proc    *process
	chain   *chain.Client
	wallet  *wallet
	stopped bool
}

// Start builds btcd if needed, starts it and waits until its RPC answers.
// If btcd exits or does not answer in time, the error carries the end of
// its log.
func Start(ctx context.Context, opt Options) (*Node, error) {
	n := &Node{opt: opt, bin: opt.Btcd, user: "harness", pass: randomHex(16)}
	if n.bin == "" {
		var err error
		if n.bin, err = BuildBtcd(ctx); err != nil {
			return nil, err
		}
	}
	if err := n.prepareDirs(); err != nil {
		return nil, err
	}
	w, err := newWallet()
	if err != nil {
		n.cleanup()
		return nil, err
	}
	n.wallet = w
	var lastErr error
	for range startTries {
		if err := n.pickPorts(); err != nil {
			n.cleanup()
			return nil, err
		}
		lastErr = n.launch(ctx)
		if lastErr == nil || !errors.Is(lastErr, errAddrInUse) {
			break
		}
	}
	if lastErr != nil {
		n.cleanup()
		return nil, lastErr
	}
	return n, nil
}

func (n *Node) prepareDirs() error {
	n.homeDir = btcutil.AppDataDir("btcd", false)
	if _, err := os.Stat(n.homeDir); errors.Is(err, os.ErrNotExist) {
		n.ownsHome = true
	}
	n.dir = n.opt.Dir
	if n.dir == "" {
		d, err := os.MkdirTemp("", "treasury-regtest-")
		if err != nil {
			return fmt.Errorf("unable to create node directory: %w", err)
		}
		n.dir, n.tempDir = d, true
		return nil
	}
	if err := os.MkdirAll(n.dir, 0o700); err != nil {
		return fmt.Errorf("unable to create node directory: %w", err)
	}
	return nil
}

// pickPorts chooses free loopback ports by binding port 0.
func (n *Node) pickPorts() error {
	var hosts [2]string
	for i := range hosts {
		var err error
		if hosts[i], err = freeLoopback(); err != nil {
			return err
		}
	}
	n.rpcHost, n.p2pHost = hosts[0], hosts[1]
	return nil
}

// freeLoopback returns a loopback address whose port was free a moment ago.
func freeLoopback() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("unable to find a free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func (n *Node) args() []string {
	args := []string{
		"--regtest",
		"--datadir=" + filepath.Join(n.dir, "data"),
		"--logdir=" + filepath.Join(n.dir, "logs"),
		"--rpcuser=" + n.user,
		"--rpcpass=" + n.pass,
		"--rpclisten=" + n.rpcHost,
		"--listen=" + n.p2pHost,
		"--notls",
		"--nodnsseed",
		"--noonion",
		"--txindex",
		"--miningaddr=" + n.wallet.addr,
	}
	return append(args, n.opt.ExtraArgs...)
}

// launch starts the process and waits for its RPC. The caller holds n.mu or
// has not yet shared n.
func (n *Node) launch(ctx context.Context) error {
	p, err := startProcess(n.bin, n.args(), n.opt.Log)
	if err != nil {
		return err
	}
	c, err := n.waitReady(ctx, p)
	if err != nil {
		p.stop()
		if strings.Contains(p.tail(), "address already in use") {
			return fmt.Errorf("%w: %v", errAddrInUse, err)
		}
		return err
	}
	n.proc, n.chain = p, c
	if err := n.replayChain(ctx); err != nil {
		n.chain.Close()
		p.stop()
		return fmt.Errorf("%w; log tail:\n%s", err, p.tail())
	}
	return nil
}

var errAddrInUse = errors.New("port taken")

// waitReady polls the RPC until it answers, the process exits, or the
// deadline passes.
func (n *Node) waitReady(ctx context.Context, p *process) (*chain.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		attempt, stop := context.WithTimeout(ctx, 2*time.Second)
		c, err := chain.Dial(attempt, n.RPC(), Params)
		stop()
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, chain.ErrUnreachable) && !errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("btcd answered but is not usable: %w\n%s", err, p.tail())
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("btcd exited during startup (%v); log tail:\n%s", p.exitErr(), p.tail())
		case <-ctx.Done():
			return nil, fmt.Errorf("btcd did not answer rpc within %v: %w; log tail:\n%s", readyTimeout, err, p.tail())
		case <-tick.C:
		}
	}
}

// RPC returns how to reach the node's JSON-RPC server.
func (n *Node) RPC() chain.Config {
	return chain.Config{Host: n.rpcHost, User: n.user, Pass: n.pass}
}

// Dir is the node's data directory.
func (n *Node) Dir() string { return n.dir }

// Chain returns the harness's own chain client. It is replaced by Restart.
func (n *Node) Chain() *chain.Client {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.chain
}

// Restart stops the btcd process and starts it again on the same directory,
// ports and credentials, as a node operator's restart would. The mempool
// does not survive it; the harness wallet forgets unconfirmed coins.
func (n *Node) Restart(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return errors.New("node is stopped")
	}
	if err := n.saveChain(ctx); err != nil {
		return err
	}
	n.chain.Close()
	if err := n.proc.stop(); err != nil {
		return err
	}
	n.wallet.reset()
	// The RPC port stays (clients keep their settings across a restart);
	// the peer-to-peer port, which nothing connects to, is picked anew,
	// since another process may have taken the one just released.
	var err error
	for range startTries {
		if n.p2pHost, err = freeLoopback(); err != nil {
			return err
		}
		if err = n.launch(ctx); !errors.Is(err, errAddrInUse) {
			return err
		}
	}
	return err
}

// Stop ends btcd (SIGINT, then SIGKILL after a deadline) and waits for it,
// then removes the temporary directory and btcd's home directory if the
// harness created them. It is safe to call more than once.
func (n *Node) Stop() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return nil
	}
	n.stopped = true
	var errs []error
	if n.proc != nil && !n.tempDir {
		// Keep the chain of a directory the caller owns.
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		errs = append(errs, n.saveChain(ctx))
		cancel()
	}
	if n.chain != nil {
		n.chain.Close()
	}
	if n.proc != nil {
		errs = append(errs, n.proc.stop())
	}
	errs = append(errs, n.cleanup())
	return errors.Join(errs...)
}

// cleanup removes the temporary directory and, if the harness created it and
// btcd left it empty, btcd's home directory. An empty home is the only
// state btcd keeps there when given --datadir and --logdir, so removing it
// cannot disturb another node.
func (n *Node) cleanup() error {
	var err error
	if n.tempDir {
		err = os.RemoveAll(n.dir)
	}
	if n.ownsHome {
		_ = os.Remove(n.homeDir) // fails, harmlessly, when not empty
	}
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// process is one run of btcd.
type process struct {
	cmd  *exec.Cmd
	log  *tailBuffer
	done chan struct{}
	err  error // valid after done is closed
}

func startProcess(bin string, args []string, log io.Writer) (*process, error) {
	p := &process{log: newTailBuffer(64 << 10), done: make(chan struct{})}
	var out io.Writer = p.log
	if log != nil {
		out = io.MultiWriter(p.log, log)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = out, out
	p.cmd.SysProcAttr = childAttr()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("unable to start btcd: %w", err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// stop interrupts the process, kills it if it lingers, and waits for it.
func (p *process) stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	t := time.NewTimer(stopTimeout)
	defer t.Stop()
	select {
	case <-p.done:
		return nil
	case <-t.C:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	return fmt.Errorf("btcd ignored SIGINT for %v and was killed", stopTimeout)
}

func (p *process) exitErr() error {
	if p.err == nil {
		return errors.New("exit status 0")
	}
	return p.err
}

func (p *process) tail() string { return p.log.String() }

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// String returns the last 40 lines kept.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimRight(string(t.buf), "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}
