package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/treasury-dev/treasury/internal/app"
)

// checkDatabaseExpected refuses to go on when config.json records that init
// created a database here and that file is now missing or empty: a new,
// empty database (with a new audit log that verifies) must never quietly
// take the place of the one that held the treasury's history.
func (c *cli) checkDatabaseExpected(cfg nodeConfig) error {
	if cfg.DatabaseCreated == "" {
		return nil
	}
	st, err := os.Stat(c.dbPath())
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &app.Error{Kind: app.ErrDatabaseGone, Err: fmt.Errorf("the database %s is missing, but this data directory's config.json records one created %s; treasury will not make a new one", c.dbPath(), cfg.DatabaseCreated)}
	case err != nil:
		return fmt.Errorf("unable to read the database %s: %w", c.dbPath(), err)
	case st.Size() == 0:
		return &app.Error{Kind: app.ErrDatabaseGone, Err: fmt.Errorf("the database %s is an empty file, but this data directory's config.json records one created %s; treasury will not replace it", c.dbPath(), cfg.DatabaseCreated)}
	}
	return nil
}

// checkActor refuses an empty --actor: every audit entry names a person.
// A name with a control character (a newline, a tab, a terminal escape)
// is refused too: 'audit log' prints the actor in a tab-separated line, and
// such a name would print forged entries under it.
func (c *cli) checkActor() error {
	if strings.TrimSpace(c.actor) == "" {
		return usagef("--actor must name the person acting; the audit log records it with every change")
	}
	if i := strings.IndexFunc(c.actor, unicode.IsControl); i >= 0 || !utf8.ValidString(c.actor) {
		return usagef("--actor (or TREASURY_ACTOR) must be a printable name: it holds a control character or invalid UTF-8, which would forge lines of 'treasury audit log'")
	}
	return nil
}

// checkDatabaseID refuses a database that is not the one config.json
// records (another init's, copied into place): its history is not this
// treasury's, though its own audit log verifies.
func (c *cli) checkDatabaseID(ctx context.Context, cfg nodeConfig, s app.Store) error {
	if cfg.DatabaseID == "" {
		return nil
	}
	id, err := app.DatabaseID(ctx, s)
	if err != nil {
		return err
	}
	if id != cfg.DatabaseID {
		return &app.Error{Kind: app.ErrDatabaseGone, Err: fmt.Errorf("the database %s is not the one this data directory's config.json records (created %s): another database was put in its place; treasury will not use it", c.dbPath(), cfg.DatabaseCreated)}
	}
	return nil
}
