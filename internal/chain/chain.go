// Package chain is the node backend: a small JSON-RPC client for btcd and
// Bitcoin Core that reads the chain tip, raw blocks and transactions, tests
// and broadcasts transactions, and asks for fee estimates.
//
// It speaks JSON-RPC over HTTP POST itself rather than through btcd's
// rpcclient so that every call honours its context, connections are kept
// alive between calls, block fetches are batched, and failures map to the
// sentinel errors a command line can explain: ErrUnreachable, ErrAuth,
// ErrWrongNetwork, ErrNotFound, ErrRejected, ErrAlreadyKnown, ErrNoEstimate
// and ErrReorg. Test for them with errors.Is.
package chain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
)

// Config says how to reach a node.
type Config struct {
	// Host is host:port (127.0.0.1:18443) or a URL (http://host:port,
	// https://host:port/path).
	Host string
	// User and Pass are the RPC credentials. When Pass is empty and
	// CookieFile is set, the credentials are read from the cookie file
	// (Bitcoin Core's .cookie) before every request, so a node restart
	// that rewrites the cookie is followed.
	User, Pass string
	CookieFile string
	// TLS selects https for a bare host:port. CACert is a PEM file of
	// certificates to trust instead of the system roots (btcd's rpc.cert).
	TLS    bool
	CACert string
	// Timeout bounds each request whose context has no deadline (0: two
	// minutes); a node that does not answer in time is ErrTimeout.
	Timeout time.Duration
}

var (
	// ErrUnreachable means no connection to the node could be made.
	ErrUnreachable = errors.New("node is unreachable")
	// ErrTimeout means the node took the connection but did not answer in
	// time (Config.Timeout); errors.Is matches ErrUnreachable too.
	ErrTimeout = fmt.Errorf("node did not answer in time: %w", ErrUnreachable)
	// ErrAuth means the node refused the RPC credentials.
	ErrAuth = errors.New("node refused the rpc credentials")
	// ErrWrongNetwork means the node serves a different chain than asked.
	ErrWrongNetwork = errors.New("node is on a different network")
	// ErrNotFound means the node does not know the block or transaction.
	ErrNotFound = errors.New("not found on the node")
	// ErrRejected means the node refused a transaction; the wrapping error
	// carries its reason.
	ErrRejected = errors.New("transaction rejected by the node")
	// ErrAlreadyKnown means a broadcast transaction is already in the
	// node's mempool or chain: the caller may treat it as sent.
	ErrAlreadyKnown = errors.New("transaction already known to the node")
	// ErrNoEstimate means the node has no fee estimate yet; the caller
	// applies its configured fallback rate.
	ErrNoEstimate = errors.New("node has no fee estimate")
	// ErrReorg means the node's chain changed while blocks were fetched.
	ErrReorg = errors.New("chain changed during the fetch")
)

// Error is a failure talking to a node. Kind is one of the sentinel errors
// (or nil for an unclassified failure), Err the underlying cause; errors.Is
// matches both.
type Error struct {
	Kind error
	Msg  string // one sentence, naming the node
	Err  error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Msg
	}
	return e.Msg + ": " + e.Err.Error()
}

// Unwrap returns the sentinel and the cause.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Client is a connection to one node. It is safe for concurrent use.
type Client struct {
	rpc *rpc
	net *chaincfg.Params

	fetchBatch, fetchWorkers int
	filters                  filterProbe
}

// Dial connects to the node described by cfg and checks that it serves the
// network net by comparing its genesis block hash; a different chain gives
// ErrWrongNetwork naming both networks.
func Dial(ctx context.Context, cfg Config, net *chaincfg.Params) (*Client, error) {
	r, err := newRPC(cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{rpc: r, net: net, fetchBatch: defaultFetchBatch, fetchWorkers: defaultFetchWorkers}
	genesis, err := c.BlockHash(ctx, 0)
	if err != nil {
		c.Close()
		return nil, err
	}
	if genesis != *net.GenesisHash {
		c.Close()
		return nil, &Error{Kind: ErrWrongNetwork, Msg: fmt.Sprintf(
			"node at %s is on %s, not %s", r.host, networkName(genesis), net.Name)}
	}
	return c, nil
}

// Close releases idle connections. The client must not be used afterwards.
func (c *Client) Close() {
	c.rpc.close()
}

// Params returns the network the client was dialled for.
func (c *Client) Params() *chaincfg.Params { return c.net }

// Ping checks that the node answers and accepts the credentials.
func (c *Client) Ping(ctx context.Context) error {
	var n int64
	return c.rpc.call(ctx, "getblockcount", &n)
}

// Call performs one raw JSON-RPC call, decoding the result into result (nil
// to discard it). It exists for calls this package does not wrap, such as
// the test harness's generate.
func (c *Client) Call(ctx context.Context, method string, result any, params ...any) error {
	return c.rpc.call(ctx, method, result, params...)
}

// networkName names the network whose genesis block is h.
func networkName(h chainhash.Hash) string {
	for _, p := range []*chaincfg.Params{
		&chaincfg.MainNetParams, &chaincfg.TestNet3Params, &chaincfg.TestNet4Params,
		&chaincfg.SigNetParams, &chaincfg.RegressionNetParams, &chaincfg.SimNetParams,
	} {
		if *p.GenesisHash == h {
			return p.Name
		}
	}
	return "an unknown network (genesis " + h.String() + ")"
}

// readCookie reads user:password from a cookie file.
// maxCookieSize bounds what is read of an RPC cookie file.
const maxCookieSize = 4096

func readCookie(path string) (user, pass string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", fmt.Errorf("unable to read rpc cookie file: %w", err)
	}
	defer f.Close()
	// A cookie is one short line; /dev/zero or a huge file is refused
	// at once instead of read until memory runs out.
	b, err := io.ReadAll(io.LimitReader(f, maxCookieSize+1))
	if err != nil {
		return "", "", fmt.Errorf("unable to read rpc cookie file: %w", err)
	}
	if len(b) > maxCookieSize {
		return "", "", fmt.Errorf("rpc cookie file %s is larger than %d bytes; it is no cookie file", path, maxCookieSize)
	}
	user, pass, ok := strings.Cut(strings.TrimSpace(string(b)), ":")
	if !ok {
		return "", "", fmt.Errorf("rpc cookie file %s is not user:password", path)
	}
	return user, pass, nil
}
