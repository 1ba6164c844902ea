// Package store keeps treasury's state in one SQLite file (mattn/go-sqlite3):
// numbered, embedded migrations; WAL; a busy timeout; foreign keys on.
//
// It is an adapter: it satisfies app.Store and translates SQLite's errors into
// app's sentinel errors at this edge, so nothing above it sees a driver error.
// It holds public data only: xpubs, descriptors, UTXOs, PSBTs, signatures and
// the audit chain. No column can hold a private key, seed or mnemonic.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/treasury-dev/treasury/internal/app"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DefaultBusyTimeout is how long a write waits for another process's lock.
const DefaultBusyTimeout = 5 * time.Second

// Options tune Open.
type Options struct {
	Create      bool          // create the file if it does not exist
	BusyTimeout time.Duration // 0: DefaultBusyTimeout
	// ReadOnly opens the file read-only (SQLite mode=ro) and never
	// migrates: a database of another schema than this build's is refused.
	// Shell completion reads vault names and proposal ids this way.
	ReadOnly bool
}

// DB is an open treasury database. Writes go through db, whose
// transactions begin IMMEDIATE so that two writers queue on the busy
// timeout instead of failing half-way; reads go through ro, whose
// transactions begin DEFERRED, so that in WAL mode a reader never waits for
// a writer.
type DB struct {
	db   *sql.DB
	ro   *sql.DB
	path string
}

var _ app.Store = (*DB)(nil)

// Open opens (or with Create, creates) the database at path and brings its
// schema up to date. It refuses a database written by a newer treasury, and
// an empty (zero-byte) file, which SQLite would silently treat as new.
func Open(ctx context.Context, path string, opt Options) (*DB, error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !opt.Create:
		return nil, fmt.Errorf("%w: no database at %s", app.ErrNotInitialized, path)
	case err == nil && st.Size() == 0:
		// SQLite would take an empty file for a new database and build a
		// fresh schema (and then a fresh audit log) in it.
		return nil, fmt.Errorf("%w: the database %s is an empty file; treasury will not replace it with a new one", app.ErrDatabaseGone, path)
	}
	timeout := opt.BusyTimeout
	if timeout == 0 {
		timeout = DefaultBusyTimeout
	}
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(timeout.Milliseconds(), 10))
	q.Set("_foreign_keys", "on")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	if opt.ReadOnly {
		q.Set("mode", "ro")
	}
	ro, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("unable to open database %s: %w", path, err)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		ro.Close()
		return nil, fmt.Errorf("unable to open database %s: %w", path, err)
	}
	s := &DB{db: db, ro: ro, path: path}
	if opt.ReadOnly {
		if err := s.sameSchema(ctx); err != nil {
			s.Close()
			return nil, err
		}
		return s, nil
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if opt.Create {
		if err := os.Chmod(path, 0o600); err != nil {
			s.Close()
			return nil, fmt.Errorf("unable to restrict database permissions: %w", err)
		}
	}
	return s, nil
}

// Close closes the database.
func (s *DB) Close() error {
	return errors.Join(s.ro.Close(), s.db.Close())
}

// Path is the database file.
func (s *DB) Path() string { return s.path }

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s has no number", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// SchemaVersion is the newest schema this build knows.
func SchemaVersion() int {
	ms, _ := migrations()
	return ms[len(ms)-1].version
}

func (s *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var current int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return translate(fmt.Errorf("unable to read schema version: %w", err))
	}
	latest := ms[len(ms)-1].version
	if current > latest {
		return fmt.Errorf("%w: the database is at schema %d and this treasury knows up to %d", app.ErrNewerSchema, current, latest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		err := s.exec(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// sameSchema refuses a database whose schema is not this build's newest,
// for a read-only open, which cannot migrate it.
func (s *DB) sameSchema(ctx context.Context) error {
	var current int
	if err := s.ro.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return translate(fmt.Errorf("unable to read schema version: %w", err))
	}
	if latest := SchemaVersion(); current != latest {
		return fmt.Errorf("the database is at schema %d and this treasury reads %d without changing it", current, latest)
	}
	return nil
}

// exec runs fn in one transaction, rolling back on any error.
func (s *DB) exec(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return translate(err)
	}
	return translate(tx.Commit())
}

// Update runs fn in one write transaction: everything fn does, including its
// audit entries, commits together or not at all.
func (s *DB) Update(ctx context.Context, fn func(app.Tx) error) error {
	return s.exec(ctx, func(tx *sql.Tx) error { return fn(&Tx{tx: tx, ctx: ctx}) })
}

// View runs fn in a transaction that is rolled back afterwards: reads see
// one consistent snapshot.
func (s *DB) View(ctx context.Context, fn func(app.Tx) error) error {
	tx, err := s.ro.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	return translate(fn(&Tx{tx: tx, ctx: ctx}))
}

// translate maps driver errors to app's sentinels once, at this edge.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %v", app.ErrNotFound, err)
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch {
		case se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked:
			return app.ErrLocked
		case se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey:
			return fmt.Errorf("%w: %v", app.ErrDuplicate, err)
		case se.Code == sqlite3.ErrNotADB || se.Code == sqlite3.ErrCorrupt:
			return fmt.Errorf("%w: %v", app.ErrCorruptDB, err)
		}
	}
	return err
}

// Tx is one database transaction; it satisfies app.Tx.
type Tx struct {
	tx    *sql.Tx
	ctx   context.Context
	stmts map[string]*sql.Stmt // see prepared; closed with the transaction
}

var _ app.Tx = (*Tx)(nil)

func (t *Tx) exec(q string, args ...any) (sql.Result, error) {
	stmt, err := t.prepared(q)
	if err != nil {
		return nil, err
	}
	if stmt == nil {
		return t.tx.ExecContext(t.ctx, q, args...)
	}
	return stmt.ExecContext(t.ctx, args...)
}

// prepared returns q compiled once per transaction: sync records thousands
// of outputs, blocks and scripts in one transaction with a handful of
// statements, and compiling each again was a fifth of its time. A text of
// several statements is not cached (a prepared statement runs only the
// first); it returns nil for those.
func (t *Tx) prepared(q string) (*sql.Stmt, error) {
	if stmt, ok := t.stmts[q]; ok {
		return stmt, nil
	}
	if strings.Contains(q, ";") {
		return nil, nil
	}
	stmt, err := t.tx.PrepareContext(t.ctx, q)
	if err != nil {
		return nil, err
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[q] = stmt
	return stmt, nil
}

func (t *Tx) query(q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(t.ctx, q, args...)
}

func (t *Tx) row(q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(t.ctx, q, args...)
}

func fmtTime(tm time.Time) string { return tm.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) time.Time {
	tm, _ := time.Parse(time.RFC3339Nano, s)
	return tm
}

// Meta reads a setting; ErrNotFound when unset.
func (t *Tx) Meta(key string) (string, error) {
	var v string
	err := t.row("SELECT value FROM meta WHERE key = ?", key).Scan(&v)
	return v, translate(err)
}

// SetMeta writes a setting.
func (t *Tx) SetMeta(key, value string) error {
	_, err := t.exec("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value)
	return translate(err)
}

// Dump renders every row of every table as text in a fixed order. Tests
// and diagnostics use it to prove that a refused command changed nothing.
func (s *DB) Dump(ctx context.Context) (string, error) {
	var b strings.Builder
	rows, err := s.ro.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return "", translate(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return "", err
		}
		tables = append(tables, n)
	}
	rows.Close()
	for _, t := range tables {
		if err := dumpTable(ctx, s.ro, t, &b); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

func dumpTable(ctx context.Context, db *sql.DB, table string, b *strings.Builder) error {
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+table+" ORDER BY rowid")
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "== %s\n", table)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		fmt.Fprintln(b, vals...)
	}
	return rows.Err()
}
