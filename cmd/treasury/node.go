package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/atomicfile"
	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/vault"
)

// nodeConfig is the node section of config.json in the data directory.
// Flags override the environment, which overrides the file.
type nodeConfig struct {
	URL        string `json:"rpc_url,omitempty"`
	User       string `json:"rpc_user,omitempty"`
	Pass       string `json:"rpc_pass,omitempty"`
	CookieFile string `json:"rpc_cookie,omitempty"`
	TLS        bool   `json:"rpc_tls,omitempty"`
	// Timeout bounds each call to the node, as a Go duration ("2m").
	Timeout string `json:"rpc_timeout,omitempty"`
	// FallbackFeeRate in sat/vB, used when the node has no estimate.
	FallbackFeeRate int64 `json:"fallback_fee_rate,omitempty"`
	// DatabaseCreated is when init created this data directory's database
	// (RFC 3339); once set, a missing or empty database is refused rather
	// than replaced.
	DatabaseCreated string `json:"database_created,omitempty"`
	// DatabaseID is the database's name (app.DatabaseID) as init made it:
	// another database in its place is refused.
	DatabaseID string `json:"database_id,omitempty"`
}

type nodeFlags struct {
	cfg nodeConfig
}

func (n *nodeFlags) bind(pf *pflag.FlagSet, c *cli) {
	pf.StringVar(&n.cfg.URL, "rpc-url", c.getenv("TREASURY_RPC_URL"), "node JSON-RPC address, host:port or http(s)://host:port (env TREASURY_RPC_URL)")
	pf.StringVar(&n.cfg.User, "rpc-user", c.getenv("TREASURY_RPC_USER"), "node RPC user (env TREASURY_RPC_USER)")
	pf.StringVar(&n.cfg.Pass, "rpc-pass", c.getenv("TREASURY_RPC_PASS"), "node RPC password; other users can read it in ps, so prefer --rpc-cookie or the environment (env TREASURY_RPC_PASS)")
	// --help would print the password taken from the environment as the
	// flag's default, for anyone who sees the screen or a pasted help text.
	pf.Lookup("rpc-pass").DefValue = ""
	pf.StringVar(&n.cfg.CookieFile, "rpc-cookie", c.getenv("TREASURY_RPC_COOKIE"), "node RPC cookie file, instead of user and password (env TREASURY_RPC_COOKIE)")
	pf.BoolVar(&n.cfg.TLS, "rpc-tls", c.getenv("TREASURY_RPC_TLS") == "1", "use TLS to the node (env TREASURY_RPC_TLS=1)")
	pf.StringVar(&n.cfg.Timeout, "rpc-timeout", c.getenv("TREASURY_RPC_TIMEOUT"), "how long to wait for each answer from the node, e.g. 30s or 2m (default 2m; env TREASURY_RPC_TIMEOUT)")
}

// merged returns the file's settings overridden by flags and environment.
func (n *nodeFlags) merged(file nodeConfig) nodeConfig {
	out := file
	if n.cfg.URL != "" {
		out.URL = n.cfg.URL
	}
	if n.cfg.User != "" {
		out.User = n.cfg.User
	}
	if n.cfg.Pass != "" {
		out.Pass = n.cfg.Pass
	}
	if n.cfg.CookieFile != "" {
		out.CookieFile = n.cfg.CookieFile
	}
	if n.cfg.TLS {
		out.TLS = true
	}
	if n.cfg.Timeout != "" {
		out.Timeout = n.cfg.Timeout
	}
	return out
}

func configPath(dataDir string) string { return filepath.Join(dataDir, "config.json") }

// maxConfigSize bounds what readConfig reads: the node settings are a few
// hundred bytes.
const maxConfigSize = 64 << 10

func readConfig(dataDir string) (nodeConfig, error) {
	fh, err := os.Open(configPath(dataDir))
	if errors.Is(err, os.ErrNotExist) {
		return nodeConfig{}, nil
	}
	if err != nil {
		return nodeConfig{}, fmt.Errorf("unable to read node settings: %w", err)
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, maxConfigSize+1))
	if err != nil {
		return nodeConfig{}, fmt.Errorf("unable to read node settings: %w", err)
	}
	cfg, err := parseConfig(b)
	if err != nil {
		return nodeConfig{}, fmt.Errorf("node settings in %s %w", configPath(dataDir), err)
	}
	return cfg, nil
}

// parseConfig reads config.json's bytes; its errors read after "node
// settings in FILE".
func parseConfig(b []byte) (nodeConfig, error) {
	var cfg nodeConfig
	if len(b) > maxConfigSize {
		return cfg, fmt.Errorf("are larger than %d bytes; this is not a treasury config.json", maxConfigSize)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nodeConfig{}, fmt.Errorf("are not valid JSON: %w", err)
	}
	return cfg, nil
}

// writeConfig replaces config.json atomically, readable by its owner only
// (it may hold the RPC password).
func writeConfig(dataDir string, cfg nodeConfig) error {
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Replace(configPath(dataDir), append(b, '\n'), 0o600)
}

// chainDialer returns the App's lazy node connection, or nil when no node
// is configured. The connection is made once per command.
func chainDialer(cfg nodeConfig, net vault.Network) func(context.Context) (app.Chain, error) {
	if cfg.URL == "" {
		return nil
	}
	timeout, err := cfg.timeout()
	if err != nil {
		return func(context.Context) (app.Chain, error) { return nil, err }
	}
	return chain.Dialer(chain.Config{Host: cfg.URL, User: cfg.User, Pass: cfg.Pass, CookieFile: cfg.CookieFile, TLS: cfg.TLS, Timeout: timeout}, net.Params)
}

// timeout is the configured wait for each answer from the node (0: the
// chain package's default).
func (cfg nodeConfig) timeout() (time.Duration, error) {
	if cfg.Timeout == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(cfg.Timeout)
	if err != nil || d <= 0 {
		return 0, usagef("--rpc-timeout %q is not a duration above zero (for example 30s or 2m)", cfg.Timeout)
	}
	return d, nil
}

func isNodeError(err error) bool {
	return errors.Is(err, chain.ErrUnreachable) || errors.Is(err, chain.ErrAuth) || errors.Is(err, chain.ErrWrongNetwork) || errors.Is(err, app.ErrNoNode) || errors.Is(err, app.ErrForeignChain)
}

func nodeHints(err error) []string {
	switch {
	case errors.Is(err, chain.ErrTimeout):
		return []string{"the node may be busy (reindexing, catching up) or stuck: check its log, or allow more time with --rpc-timeout (or TREASURY_RPC_TIMEOUT)"}
	case errors.Is(err, chain.ErrUnreachable):
		return []string{"check that the node is running and that --rpc-url (or TREASURY_RPC_URL) points at its RPC port"}
	case errors.Is(err, chain.ErrAuth):
		return []string{"check --rpc-user and --rpc-pass (or the cookie file) against the node's settings"}
	case errors.Is(err, chain.ErrWrongNetwork):
		return []string{"point treasury at a node of the network this data directory was initialized for"}
	case errors.Is(err, app.ErrForeignChain):
		return []string{"point treasury at the node it synced with (treasury config shows it); if the chain really reorganized that deep, run treasury sync --allow-deep-reorg"}
	case errors.Is(err, app.ErrNoNode):
		return []string{"set the node with 'treasury config --rpc-url HOST:PORT --rpc-user U --rpc-pass P' or TREASURY_RPC_* variables"}
	}
	return nil
}
