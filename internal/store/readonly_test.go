package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
)

// TestReadOnlyOpen: a read-only open reads, refuses every write, never
// creates a file, and refuses a schema it would have to migrate.
func TestReadOnlyOpen(t *testing.T) {
	ctx := context.Background()
	missing := filepath.Join(t.TempDir(), "none.db")
	if _, err := Open(ctx, missing, Options{ReadOnly: true}); !errors.Is(err, app.ErrNotInitialized) {
		t.Fatalf("read-only Open of a missing file = %v, want ErrNotInitialized", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("read-only Open created %s", missing)
	}

	db, path := openTemp(t)
	if err := db.Update(ctx, func(tx app.Tx) error { return tx.SetMeta("network", "regtest") }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := ro.View(ctx, func(tx app.Tx) error { got, err = tx.Meta("network"); return err }); err != nil || got != "regtest" {
		t.Fatalf("read-only View: %q, %v", got, err)
	}
	if err := ro.Update(ctx, func(tx app.Tx) error { return tx.SetMeta("network", "mainnet") }); err == nil {
		t.Fatal("a read-only database took a write")
	}
	ro.Close()

	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.db.ExecContext(ctx, "PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(ctx, path, Options{ReadOnly: true}); err == nil {
		t.Fatal("a read-only open accepted an old schema it cannot migrate")
	}
}
