package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/vault"
)

// nodeCheckWait bounds how long init and config wait for the node to say
// which network it serves; a node that does not answer is only noted.
const nodeCheckWait = 15 * time.Second

// checkNodeNetwork asks the node cfg names, if any, for its genesis block
// and refuses a node of another network than net, as sync does, before
// anything is written. A node that cannot be reached or refuses the
// credentials is noted on stderr and allowed: every command that uses it
// checks its network again.
func (c *cli) checkNodeNetwork(ctx context.Context, cfg nodeConfig, net vault.Network) error {
	dial := chainDialer(cfg, net)
	if dial == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, nodeCheckWait)
	defer cancel()
	_, err := dial(ctx)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, chain.ErrWrongNetwork):
		return err
	case errors.Is(err, chain.ErrUnreachable), errors.Is(err, chain.ErrAuth):
		fmt.Fprintf(c.err, "treasury: note: the node's network could not be checked (%v); sync checks it before using the node\n", err)
		return nil
	}
	return err
}

// nodeSettingsChanged reports whether cfg names another node, or other
// credentials for it, than the file does.
func nodeSettingsChanged(file, cfg nodeConfig) bool {
	return cfg.URL != file.URL || cfg.User != file.User || cfg.Pass != file.Pass || cfg.CookieFile != file.CookieFile || cfg.TLS != file.TLS
}
