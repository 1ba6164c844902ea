package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/treasury-dev/treasury/internal/keys"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"treasury": func() {
			// Test-only: a low scrypt work factor keeps scripts fast. The
			// shipped binary always uses keys.ScryptWorkFactor's default.
			keys.ScryptWorkFactor = 10
			os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
		},
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "testdata", "script"),
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("TREASURY_DATA_DIR", filepath.Join(env.WorkDir, "data"))
			env.Setenv("TREASURY_ACTOR", "tester")
			env.Setenv("TREASURY_DB_BUSY_TIMEOUT_MS", "300")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"dbdump":       cmdDBDump,
			"sqlexec":      cmdSQLExec,
			"perm":         cmdPerm,
			"nosecret":     cmdNoSecret,
			"envfile":      cmdEnvFile,
			"exitcode":     cmdExitCode,
			"fails":        cmdFails,
			"truncate":     cmdTruncate,
			"flipbyte":     cmdFlipByte,
			"validjson":    cmdValidJSON,
			"audit-tamper": cmdAuditTamper,
			"hangnode":     cmdHangNode,
			"jsonerr":      cmdJSONErr,

			// regtest_cmds_test.go
			"regtest":              cmdRegtest,
			"fakenode":             cmdFakeNode, // fakenode_cmds_test.go
			"jsonvar":              cmdJSONVar,
			"calc":                 cmdCalc,
			"prefix":               cmdPrefix,
			"psbt-redirect-change": cmdPSBTRedirectChange,
			"psbt-tamper-sig":      cmdPSBTTamperSig,
			"psbt-txid":            cmdPSBTTxID,
			"psbt-edit":            cmdPSBTEdit,
		},
	})
}

func openDB(ts *testscript.TestScript) *sql.DB {
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(ts.Getenv("TREASURY_DATA_DIR"), "treasury.db"))
	ts.Check(err)
	return db
}

// dbdump prints every row of every table in a fixed order, so a script can
// prove that a failed command changed nothing: dbdump; cp stdout before; …
func cmdDBDump(ts *testscript.TestScript, neg bool, args []string) {
	db := openDB(ts)
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	ts.Check(err)
	var tables []string
	for rows.Next() {
		var n string
		ts.Check(rows.Scan(&n))
		tables = append(tables, n)
	}
	rows.Close()
	var out bytes.Buffer
	for _, tbl := range tables {
		r, err := db.Query("SELECT * FROM " + tbl)
		ts.Check(err)
		cols, _ := r.Columns()
		var lines []string
		for r.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			ts.Check(r.Scan(ptrs...))
			lines = append(lines, fmt.Sprint(vals...))
		}
		r.Close()
		sort.Strings(lines)
		fmt.Fprintf(&out, "== %s (%d)\n%s\n", tbl, len(lines), strings.Join(lines, "\n"))
	}
	ts.Stdout().Write(out.Bytes())
}

// sqlexec runs one SQL statement against the database (to tamper with it).
func cmdSQLExec(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: sqlexec 'SQL'")
	}
	db := openDB(ts)
	defer db.Close()
	_, err := db.Exec(args[0])
	if neg {
		if err == nil {
			ts.Fatalf("sqlexec succeeded unexpectedly")
		}
		return
	}
	ts.Check(err)
}

// perm FILE MODE checks a file's permission bits (octal).
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: perm FILE MODE")
	}
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	if got := fi.Mode().Perm(); (uint64(got) == want) == neg {
		ts.Fatalf("%s has mode %o, want %o", args[0], got, want)
	}
}

// nosecret FILE WORDSFILE fails if FILE contains the words of WORDSFILE in
// sequence (with any separator), or any one of them next to another.
func cmdNoSecret(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: nosecret FILE WORDSFILE")
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	words := strings.Fields(ts.ReadFile(args[1]))
	for i := 0; i+1 < len(words); i++ {
		for _, sep := range []string{" ", "\n", ",", "\",\""} {
			if bytes.Contains(data, []byte(words[i]+sep+words[i+1])) {
				ts.Fatalf("%s contains the word sequence %q", args[0], words[i]+sep+words[i+1])
			}
		}
	}
}

// envfile NAME FILE sets NAME to FILE's trimmed contents, so a script can
// pass one command's output to another: cp stdout alice.xpub; envfile A alice.xpub
func cmdEnvFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: envfile NAME FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}
