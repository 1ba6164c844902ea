package main

import (
	"database/sql"
	"strconv"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/treasury-dev/treasury/internal/audit"
)

// audit-tamper MODE [SEQ] rewrites the audit log as an attacker with write
// access to the database would: it recomputes every hash after the change
// and moves the recorded head, so plain 'audit verify' passes and only
// anchors recorded elsewhere can catch it. Modes:
//
//	delete-renumber SEQ  delete entry SEQ and renumber those after it
//	truncate SEQ         delete SEQ and everything after it
//	insert SEQ           insert a forged entry before SEQ
//	replace-tail SEQ     delete SEQ and everything after it, then append as
//	                     many forged entries
//	rewrite              rebuild the whole history with other times, as in
//	                     a fresh database
func cmdAuditTamper(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: audit-tamper MODE [SEQ]")
	}
	db := openDB(ts)
	defer db.Close()
	es := readAuditRows(ts, db)
	seq := 0
	if len(args) > 1 {
		var err error
		seq, err = strconv.Atoi(args[1])
		ts.Check(err)
		if seq < 1 || seq > len(es) {
			ts.Fatalf("no entry %d in a log of %d", seq, len(es))
		}
	}
	forged := func(at string) audit.Entry {
		return audit.Entry{Time: at, Actor: "mallory", Action: "vault.policy", Payload: []byte(`{"vault":"ops"}`)}
	}
	switch args[0] {
	case "delete-renumber":
		es = append(es[:seq-1], es[seq:]...)
	case "truncate":
		es = es[:seq-1]
	case "insert":
		es = append(es[:seq-1], append([]audit.Entry{forged(es[seq-1].Time)}, es[seq-1:]...)...)
	case "replace-tail":
		n := len(es) - (seq - 1)
		es = es[:seq-1]
		for i := 0; i < n; i++ {
			es = append(es, forged(time.Now().UTC().Format(audit.TimeFormat)))
		}
	case "rewrite":
		for i := range es {
			at, err := time.Parse(audit.TimeFormat, es[i].Time)
			ts.Check(err)
			es[i].Time = at.Add(time.Second).UTC().Format(audit.TimeFormat)
		}
	default:
		ts.Fatalf("unknown mode %q", args[0])
	}
	writeAuditRows(ts, db, es)
}

func readAuditRows(ts *testscript.TestScript, db *sql.DB) []audit.Entry {
	rows, err := db.Query(`SELECT seq, time, actor, action, payload FROM audit ORDER BY seq`)
	ts.Check(err)
	defer rows.Close()
	var es []audit.Entry
	for rows.Next() {
		var e audit.Entry
		ts.Check(rows.Scan(&e.Seq, &e.Time, &e.Actor, &e.Action, &e.Payload))
		es = append(es, e)
	}
	ts.Check(rows.Err())
	return es
}

// writeAuditRows replaces the log with es rechained from the genesis, and
// moves the recorded head to its end.
func writeAuditRows(ts *testscript.TestScript, db *sql.DB, es []audit.Entry) {
	tx, err := db.Begin()
	ts.Check(err)
	_, err = tx.Exec(`DELETE FROM audit`)
	ts.Check(err)
	var prev *audit.Entry
	for _, e := range es {
		at, err := time.Parse(audit.TimeFormat, e.Time)
		ts.Check(err)
		n := audit.Next(prev, at, e.Actor, e.Action, e.Payload)
		_, err = tx.Exec(`INSERT INTO audit(seq, time, actor, action, payload, payload_digest, prev_hash, hash) VALUES(?, ?, ?, ?, ?, ?, ?, ?)`,
			n.Seq, n.Time, n.Actor, n.Action, n.Payload, n.PayloadDigest, n.PrevHash, n.Hash)
		ts.Check(err)
		prev = &n
	}
	head := audit.Genesis
	if prev != nil {
		head = prev.Hash
	}
	_, err = tx.Exec(`UPDATE meta SET value = ? WHERE key = 'audit_head'`, head)
	ts.Check(err)
	ts.Check(tx.Commit())
}
