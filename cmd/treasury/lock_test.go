package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// Account keys of the BIP-39 test mnemonics "abandon … about", "zoo … wrong"
// and "legal winner … yellow" at m/48'/1'/0'/2' (see testdata/script/key.txtar).
const (
	testKeyA0 = "alice=[73c5da0a/48'/1'/0'/2']tpubDFH9dgzveyD8zTbPUFuLrGmCydNvxehyNdUXKJAQN8x4aZ4j6UZqGfnqFrD4NqyaTVGKbvEW54tsvPTK2UoSbCC1PJY8iCNiwTL3RWZEheQ"
	testKeyB0 = "bob=[3f635a63/48'/1'/0'/2']tpubDFPtPArj4GzBEFHohegg1Xatrc1Fi9oSox5LzuSRX91miwQxuUrEpBxpvDRsmZYJKYFhgdK3UStsjC8JKXfUbMinjFqiEM4uNwzVaCaHpys"
	testKeyC0 = "carol=[b8688df1/48'/1'/0'/2']tpubDEfobrrtptRTbKf4gysDhoabneABDTAcdj3Vbn4XwPsLE2pmqpizSPRG6zHsbAMuiSgWmWPsYCLHTKTPpyrGJ5rAoTpKoQNZcxodiPf2tSJ"
)

// TestLockedDatabase holds a write transaction open from another connection
// (as another treasury process would) and checks that a writing command waits
// its busy timeout, then fails with exit code 5, the lock sentence and a hint,
// and changes nothing; and that the same command succeeds once the lock is gone.
func TestLockedDatabase(t *testing.T) {
	p := newInproc(t)
	p.env["TREASURY_DB_BUSY_TIMEOUT_MS"] = "200"
	p.ok("", "init", "--network", "regtest")

	dbPath := filepath.Join(p.dataDir(), "treasury.db")
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?_busy_timeout=1000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "INSERT INTO meta(key, value) VALUES ('lock_test', 'held')"); err != nil {
		t.Fatal(err)
	}

	create := []string{"vault", "create", "ops", "--threshold", "2", "--key", testKeyA0, "--key", testKeyB0, "--key", testKeyC0}
	start := time.Now()
	code, out, errs := p.run("", create...)
	waited := time.Since(start)
	if code != exitLocked {
		t.Fatalf("exit code %d, want %d (locked)\nstderr:\n%s", code, exitLocked, errs)
	}
	if out != "" {
		t.Errorf("stdout %q, want nothing", out)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if len(lines) != 2 ||
		lines[0] != "treasury: error: the database is locked by another treasury process; try again when it has finished" ||
		!strings.HasPrefix(lines[1], "treasury: hint: another treasury command is writing") {
		t.Errorf("stderr:\n%s\nwant the lock error and its hint", errs)
	}
	// The busy timeout (200 ms) was honoured: the command waited before it gave up.
	if waited < 150*time.Millisecond {
		t.Errorf("gave up after %v, before the 200ms busy timeout", waited)
	}

	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	var vaults, audits int
	if err := conn.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM vaults), (SELECT count(*) FROM audit)").Scan(&vaults, &audits); err != nil {
		t.Fatal(err)
	}
	if vaults != 0 || audits != 1 {
		t.Fatalf("after the refused command: %d vaults, %d audit entries; want 0 and 1", vaults, audits)
	}

	out = p.ok("", create...)
	if !strings.Contains(out, "created vault ops on regtest") {
		t.Errorf("after the lock was released: stdout %q", out)
	}
}
