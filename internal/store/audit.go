package store

import (
	"fmt"
	"time"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/audit"
)

// AppendAudit chains a new entry onto the log inside this transaction and
// records the new head, so a truncated tail is caught too.
func (t *Tx) AppendAudit(at time.Time, actor, action string, payload []byte) (audit.Entry, error) {
	var prev *audit.Entry
	last, err := t.scanAudit(`SELECT seq, time, actor, action, payload, payload_digest, prev_hash, hash FROM audit ORDER BY seq DESC LIMIT 1`)
	if err != nil {
		return audit.Entry{}, err
	}
	if len(last) == 1 {
		prev = &last[0]
	}
	e := audit.Next(prev, at, actor, action, payload)
	if _, err := t.exec(`INSERT INTO audit(seq, time, actor, action, payload, payload_digest, prev_hash, hash) VALUES(?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.Time, e.Actor, e.Action, e.Payload, e.PayloadDigest, e.PrevHash, e.Hash); err != nil {
		return audit.Entry{}, translate(err)
	}
	return e, t.SetMeta(app.MetaAuditHead, e.Hash)
}

// LastAudit returns the newest entry (app.ErrNotFound when the log is empty).
func (t *Tx) LastAudit() (audit.Entry, error) {
	last, err := t.scanAudit(`SELECT seq, time, actor, action, payload, payload_digest, prev_hash, hash FROM audit ORDER BY seq DESC LIMIT 1`)
	if err != nil {
		return audit.Entry{}, err
	}
	if len(last) == 0 {
		return audit.Entry{}, fmt.Errorf("%w: the audit log is empty", app.ErrNotFound)
	}
	return last[0], nil
}

// AuditEntries returns the whole log in storage order.
func (t *Tx) AuditEntries() ([]audit.Entry, error) {
	return t.scanAudit(`SELECT seq, time, actor, action, payload, payload_digest, prev_hash, hash FROM audit ORDER BY rowid`)
}

func (t *Tx) scanAudit(q string) ([]audit.Entry, error) {
	rows, err := t.query(q)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		if err := rows.Scan(&e.Seq, &e.Time, &e.Actor, &e.Action, &e.Payload, &e.PayloadDigest, &e.PrevHash, &e.Hash); err != nil {
			return nil, translate(err)
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}
