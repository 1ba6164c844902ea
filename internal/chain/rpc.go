package chain

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// defaultTimeout bounds a request whose context has no deadline, so a node
// that stops answering cannot hang a caller forever.
const defaultTimeout = 2 * time.Minute

// RPCError is an error object returned by the node for one call.
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *RPCError) Error() string {
	return fmt.Sprintf("rpc error %d: %s", e.Code, e.Message)
}

// JSON-RPC error codes shared by btcd and Bitcoin Core.
const (
	codeMethodNotFound   = -32601
	codeMisc             = -1
	codeInvalidAddrOrKey = -5
	codeInvalidParameter = -8
	codeVerify           = -25
	codeVerifyRejected   = -26
	codeAlreadyInChain   = -27
)

type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      uint64 `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
}

type response struct {
	Result json.RawMessage `json:"result"`
	Error  *RPCError       `json:"error"`
	ID     uint64          `json:"id"`
}

// rpc is a JSON-RPC 1.0 client over HTTP POST with keep-alive connections.
type rpc struct {
	url  string
	host string // for messages
	cfg  Config
	hc   *http.Client
	id   atomic.Uint64
}

func newRPC(cfg Config) (*rpc, error) {
	u, err := nodeURL(cfg)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
	}
	if u.Scheme == "https" && cfg.CACert != "" {
		pem, err := readCACert(cfg.CACert)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate found in %s", cfg.CACert)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &rpc{url: u.String(), host: u.Host, cfg: cfg, hc: &http.Client{Transport: tr}}, nil
}

// nodeURL turns Config.Host into the URL requests are posted to.
func nodeURL(cfg Config) (*url.URL, error) {
	raw := cfg.Host
	if raw == "" {
		return nil, errors.New("no node address configured")
	}
	if !strings.Contains(raw, "://") {
		scheme := "http"
		if cfg.TLS {
			scheme = "https"
		}
		raw = scheme + "://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid node address %q: %w", cfg.Host, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid node address %q: want host:port or http(s)://host:port", cfg.Host)
	}
	return u, nil
}

func (r *rpc) close() {
	r.hc.CloseIdleConnections()
}

func (r *rpc) newRequest(method string, params ...any) request {
	if params == nil {
		params = []any{} // btcd rejects a request without params
	}
	return request{JSONRPC: "1.0", ID: r.id.Add(1), Method: method, Params: params}
}

// call performs one request and decodes its result into result (nil to
// discard it). A node-side error comes back as *RPCError wrapped with the
// method name.
func (r *rpc) call(ctx context.Context, method string, result any, params ...any) error {
	resp, err := r.roundTrip(ctx, r.newRequest(method, params...))
	if err != nil {
		return err
	}
	return decodeResult(method, resp, result)
}

// roundTrip performs one request and returns its undecoded reply.
func (r *rpc) roundTrip(ctx context.Context, req request) (response, error) {
	body, err := r.post(ctx, req)
	if err != nil {
		return response{}, err
	}
	var resp response
	if err := json.Unmarshal(body, &resp); err != nil {
		return response{}, fmt.Errorf("%s: node at %s sent a malformed reply: %w", req.Method, r.host, err)
	}
	return resp, nil
}

// batch sends reqs in one HTTP request and returns the replies in request
// order. Per-call errors are left in each response.
func (r *rpc) batch(ctx context.Context, reqs []request) ([]response, error) {
	body, err := r.post(ctx, reqs)
	if err != nil {
		return nil, err
	}
	var resps []response
	if err := json.Unmarshal(body, &resps); err != nil {
		// A whole-batch failure comes back as a single error object.
		var one response
		if json.Unmarshal(body, &one) == nil && one.Error != nil {
			return nil, fmt.Errorf("batch of %s: %w", reqs[0].Method, one.Error)
		}
		return nil, fmt.Errorf("node at %s sent a malformed batch reply: %w", r.host, err)
	}
	byID := make(map[uint64]int, len(reqs))
	for i, q := range reqs {
		byID[q.ID] = i
	}
	out := make([]response, len(reqs))
	seen := 0
	for _, resp := range resps {
		i, ok := byID[resp.ID]
		if !ok {
			return nil, fmt.Errorf("node at %s answered an unknown batch id %d", r.host, resp.ID)
		}
		out[i] = resp
		delete(byID, resp.ID)
		seen++
	}
	if seen != len(reqs) {
		return nil, fmt.Errorf("node at %s answered %d of %d batched calls", r.host, seen, len(reqs))
	}
	return out, nil
}

// post sends one JSON body and returns the reply body, mapping transport
// failures to ErrUnreachable and HTTP 401/403 to ErrAuth.
func (r *rpc) post(ctx context.Context, payload any) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		timeout := r.cfg.Timeout
		if timeout <= 0 {
			timeout = defaultTimeout
		}
		// A node that accepts the connection and never answers is as good
		// as unreachable, and is reported so.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, &Error{Kind: ErrTimeout,
			Msg: fmt.Sprintf("node at %s did not answer within %s", r.host, timeout)})
		defer cancel()
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("unable to encode rpc request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("unable to build rpc request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	// Every call this package makes may be repeated (a resent transaction
	// is "already known"), so net/http may retry it on a fresh connection
	// when a kept-alive one turns out dead, as after a node restart.
	req.Header.Set("Idempotency-Key", "rpc")
	user, pass := r.cfg.User, r.cfg.Pass
	if pass == "" && r.cfg.CookieFile != "" {
		if user, pass, err = readCookie(r.cfg.CookieFile); err != nil {
			return nil, &Error{Kind: ErrAuth, Msg: fmt.Sprintf("no credentials for node at %s", r.host), Err: err}
		}
	}
	req.SetBasicAuth(user, pass)
	resp, err := r.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, timeoutCause(ctx, r.host)
		}
		return nil, &Error{Kind: ErrUnreachable, Msg: fmt.Sprintf("node at %s is unreachable", r.host), Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil, &Error{Kind: ErrAuth, Msg: fmt.Sprintf(
			"node at %s refused the rpc user or password (HTTP %d)", r.host, resp.StatusCode)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(maxReplySize)+1))
	if err == nil && len(body) > maxReplySize {
		return nil, fmt.Errorf("node at %s sent a reply over %d MiB; refusing it", r.host, maxReplySize>>20)
	}
	if err != nil && ctx.Err() != nil {
		return nil, timeoutCause(ctx, r.host)
	}
	if err != nil {
		return nil, &Error{Kind: ErrUnreachable, Msg: fmt.Sprintf("node at %s dropped the connection", r.host), Err: err}
	}
	// Bitcoin Core sends RPC errors with HTTP 404 or 500 and a JSON body;
	// anything else that is not JSON is a transport-level failure.
	if resp.StatusCode != http.StatusOK && !json.Valid(body) {
		return nil, fmt.Errorf("node at %s answered HTTP %d: %s", r.host, resp.StatusCode, snippet(body))
	}
	return body, nil
}

// timeoutCause is why ctx ended: our own timeout (an *Error naming the
// node), else the caller's cancellation.
func timeoutCause(ctx context.Context, host string) error {
	var e *Error
	if cause := context.Cause(ctx); errors.As(cause, &e) {
		return e
	}
	return fmt.Errorf("rpc to node at %s: %w", host, context.Cause(ctx))
}

// unwrapURLError drops net/http's "Post URL:" prefix; the message already
// names the node.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return fmt.Sprintf("%q", s)
}

func decodeResult(method string, resp response, result any) error {
	if resp.Error != nil {
		return fmt.Errorf("%s: %w", method, resp.Error)
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(resp.Result, result); err != nil {
		return fmt.Errorf("%s: malformed result: %w", method, err)
	}
	return nil
}

// hexResult decodes a JSON string of hex digits without an intermediate
// string copy.
func hexResult(method string, resp response) ([]byte, error) {
	if resp.Error != nil {
		return nil, fmt.Errorf("%s: %w", method, resp.Error)
	}
	raw := resp.Result
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, fmt.Errorf("%s: result is not a hex string", method)
	}
	raw = raw[1 : len(raw)-1]
	out := make([]byte, hex.DecodedLen(len(raw)))
	if _, err := hex.Decode(out, raw); err != nil {
		return nil, fmt.Errorf("%s: result is not a hex string: %w", method, err)
	}
	return out, nil
}

// rpcCode returns the node's error code in err, if any.
func rpcCode(err error) (int, string, bool) {
	var re *RPCError
	if errors.As(err, &re) {
		return re.Code, re.Message, true
	}
	return 0, "", false
}

// maxReplySize bounds one reply of the node. The largest we ask for is a
// batch of raw blocks of about fetchBytes (sent as hex, so twice that) or a
// mempool of 5,000 transactions; 256 MiB leaves ample room and keeps a
// hostile or broken node from exhausting memory.
// Tests lower it.
var maxReplySize = 256 << 20

// maxCACertSize bounds the certificate file: a chain of PEM certificates is
// a few kilobytes.
const maxCACertSize = 1 << 20

// readCACert reads a PEM file of certificates through a size limit.
func readCACert(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("unable to read the node's ca certificate: %w", err)
	}
	defer f.Close()
	pem, err := io.ReadAll(io.LimitReader(f, maxCACertSize+1))
	if err != nil {
		return nil, fmt.Errorf("unable to read the node's ca certificate: %w", err)
	}
	if len(pem) > maxCACertSize {
		return nil, fmt.Errorf("%s is over %d KiB: not a certificate file", path, maxCACertSize>>10)
	}
	return pem, nil
}
