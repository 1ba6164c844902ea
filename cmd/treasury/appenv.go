package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/store"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

func (c *cli) dbPath() string { return filepath.Join(c.dataDir, "treasury.db") }

// busyTimeout is how long a write waits for another process's lock.
func (c *cli) busyTimeout() time.Duration {
	if ms, err := strconv.Atoi(c.getenv("TREASURY_DB_BUSY_TIMEOUT_MS")); err == nil && ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	return store.DefaultBusyTimeout
}

// openApp opens the data directory's database and wires the use cases.
// The caller must call the returned close function.
func (c *cli) openApp(ctx context.Context) (*app.App, func(), error) {
	if err := c.checkActor(); err != nil {
		return nil, nil, err
	}
	file, err := readConfig(c.dataDir)
	if err != nil {
		return nil, nil, err
	}
	if err := c.checkDatabaseExpected(file); err != nil {
		return nil, nil, err
	}
	db, err := store.Open(ctx, c.dbPath(), store.Options{BusyTimeout: c.busyTimeout()})
	if err != nil {
		return nil, nil, err
	}
	if err := c.checkDatabaseID(ctx, file, db); err != nil {
		db.Close()
		return nil, nil, err
	}
	net, err := app.StoredNetwork(ctx, db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	if c.network != "" {
		want, err := vault.ParseNetwork(c.network)
		if err != nil {
			db.Close()
			return nil, nil, usagef("%v", err)
		}
		if want.Name != net.Name {
			db.Close()
			return nil, nil, fmt.Errorf("--network %s does not match this data directory, which is on %s", want.Name, net.Name)
		}
	}
	cfg := c.node.merged(file)
	a := &app.App{Store: db, Net: net, Actor: c.actor, Chain: chainDialer(cfg, net), Events: c.events(),
		FallbackFeeRate: psbt.SatPerVByte(cfg.FallbackFeeRate)}
	return a, func() { db.Close() }, nil
}

// withApp runs fn with an opened App.
func (c *cli) withApp(ctx context.Context, fn func(*app.App) error) error {
	a, done, err := c.openApp(ctx)
	if err != nil {
		return err
	}
	defer done()
	return fn(a)
}
