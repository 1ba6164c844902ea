package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/audit"
)

func openTemp(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "treasury.db")
	db, err := Open(context.Background(), path, Options{Create: true, BusyTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func TestOpenRequiresExistingUnlessCreate(t *testing.T) {
	_, err := Open(context.Background(), filepath.Join(t.TempDir(), "none.db"), Options{})
	if !errors.Is(err, app.ErrNotInitialized) {
		t.Fatalf("Open of a missing file = %v, want ErrNotInitialized", err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	db, path := openTemp(t)
	if _, err := db.db.ExecContext(ctx, "PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err := Open(ctx, path, Options{})
	if !errors.Is(err, app.ErrNewerSchema) {
		t.Fatalf("Open = %v, want ErrNewerSchema", err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	db, path := openTemp(t)
	if err := db.Update(ctx, func(tx app.Tx) error { return tx.SetMeta("network", "regtest") }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	var got string
	db2.View(ctx, func(tx app.Tx) error { got, err = tx.Meta("network"); return err })
	if got != "regtest" {
		t.Fatalf("meta after reopen = %q, %v", got, err)
	}
}

func TestUpdateRollsBackOnError(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	boom := errors.New("boom")
	err := db.Update(ctx, func(tx app.Tx) error {
		if err := tx.InsertVault(&app.Vault{Name: "ops", Network: "regtest"}); err != nil {
			return err
		}
		if _, err := tx.AppendAudit(time.Now(), "t", "vault.create", []byte("{}")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v", err)
	}
	db.View(ctx, func(tx app.Tx) error {
		if _, err := tx.VaultByName("ops"); !errors.Is(err, app.ErrNotFound) {
			t.Errorf("vault survived a rolled-back transaction: %v", err)
		}
		if es, _ := tx.AuditEntries(); len(es) != 0 {
			t.Errorf("audit entry survived a rolled-back transaction")
		}
		return nil
	})
}

func TestDuplicateTranslated(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	ins := func(tx app.Tx) error { return tx.InsertVault(&app.Vault{Name: "ops", Network: "regtest"}) }
	if err := db.Update(ctx, ins); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, ins); !errors.Is(err, app.ErrDuplicate) {
		t.Fatalf("second insert = %v, want ErrDuplicate", err)
	}
}

func TestOneColdGenerationPerVault(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	err := db.Update(ctx, func(tx app.Tx) error {
		v := &app.Vault{Name: "ops", Network: "regtest"}
		if err := tx.InsertVault(v); err != nil {
			return err
		}
		if err := tx.InsertGeneration(&app.Generation{VaultID: v.ID, Number: 0, State: app.Cold, Threshold: 1, Descriptor: "d0"}); err != nil {
			return err
		}
		return tx.InsertGeneration(&app.Generation{VaultID: v.ID, Number: 1, State: app.Cold, Threshold: 1, Descriptor: "d1"})
	})
	if !errors.Is(err, app.ErrDuplicate) {
		t.Fatalf("two cold generations = %v, want ErrDuplicate", err)
	}
}

func TestLockedDatabase(t *testing.T) {
	ctx := context.Background()
	db, path := openTemp(t)
	other, err := Open(ctx, path, Options{BusyTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	held := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- db.Update(ctx, func(tx app.Tx) error {
			if err := tx.SetMeta("a", "1"); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	err = other.Update(ctx, func(tx app.Tx) error { return tx.SetMeta("b", "2") })
	close(release)
	if err2 := <-done; err2 != nil {
		t.Fatal(err2)
	}
	if !errors.Is(err, app.ErrLocked) {
		t.Fatalf("write under another writer's lock = %v, want ErrLocked", err)
	}
}

func TestAuditAppendAndVerify(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	for i := 0; i < 4; i++ {
		if err := db.Update(ctx, func(tx app.Tx) error {
			_, err := tx.AppendAudit(time.Now(), "alice", "vault.create", []byte(`{"i":1}`))
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	verify := func() error {
		var es []audit.Entry
		var head string
		db.View(ctx, func(tx app.Tx) error {
			es, _ = tx.AuditEntries()
			head, _ = tx.Meta(app.MetaAuditHead)
			return nil
		})
		return audit.Verify(es, head)
	}
	if err := verify(); err != nil {
		t.Fatalf("fresh log: %v", err)
	}
	tamper := []struct {
		name string
		sql  string
		seq  int64
	}{
		{"edited", `UPDATE audit SET actor = 'mallory' WHERE seq = 2`, 2},
		{"deleted", `DELETE FROM audit WHERE seq = 3`, 3},
		{"truncated", `DELETE FROM audit WHERE seq = 4`, 4},
	}
	for _, tt := range tamper {
		t.Run(tt.name, func(t *testing.T) {
			db2, _ := openTemp(t)
			for i := 0; i < 4; i++ {
				db2.Update(ctx, func(tx app.Tx) error {
					_, err := tx.AppendAudit(time.Now(), "alice", "x", []byte(`{}`))
					return err
				})
			}
			if _, err := db2.db.ExecContext(ctx, tt.sql); err != nil {
				t.Fatal(err)
			}
			var es []audit.Entry
			var head string
			db2.View(ctx, func(tx app.Tx) error {
				es, _ = tx.AuditEntries()
				head, _ = tx.Meta(app.MetaAuditHead)
				return nil
			})
			var be *audit.BrokenError
			if err := audit.Verify(es, head); !errors.As(err, &be) || be.Seq != tt.seq {
				t.Fatalf("Verify after %s = %v, want broken at %d", tt.name, err, tt.seq)
			}
		})
	}
}

func TestReadsDoNotWaitForAWriter(t *testing.T) {
	ctx := context.Background()
	db, path := openTemp(t)
	if err := db.Update(ctx, func(tx app.Tx) error { return tx.SetMeta("network", "regtest") }); err != nil {
		t.Fatal(err)
	}
	other, err := Open(ctx, path, Options{BusyTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	held, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- db.Update(ctx, func(tx app.Tx) error {
			if err := tx.SetMeta("network", "changing"); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	var got string
	err = other.View(ctx, func(tx app.Tx) error {
		var err error
		got, err = tx.Meta("network")
		return err
	})
	close(release)
	if err2 := <-done; err2 != nil {
		t.Fatal(err2)
	}
	if err != nil || got != "regtest" {
		t.Fatalf("read during another process's write = %q, %v; want the committed value", got, err)
	}
}
