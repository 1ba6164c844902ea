package store

import (
	"database/sql"
	"time"

	"github.com/treasury-dev/treasury/internal/app"
)

// PutLabel stores a label record, merging with the one stored for the same
// type and ref: a field the record leaves out (nil) keeps its stored value,
// as BIP-329 asks of an importing wallet.
func (t *Tx) PutLabel(l app.Label, at time.Time) error {
	var label, origin sql.NullString
	var spendable sql.NullBool
	if l.Label != nil {
		label = sql.NullString{String: *l.Label, Valid: true}
	}
	if l.Origin != "" {
		origin = sql.NullString{String: l.Origin, Valid: true}
	}
	if l.Spendable != nil {
		spendable = sql.NullBool{Bool: *l.Spendable, Valid: true}
	}
	_, err := t.exec(`INSERT INTO labels(type, ref, label, origin, spendable, updated_at) VALUES(?, ?, ?, ?, ?, ?)
		ON CONFLICT(type, ref) DO UPDATE SET
			label = COALESCE(excluded.label, labels.label),
			origin = COALESCE(excluded.origin, labels.origin),
			spendable = COALESCE(excluded.spendable, labels.spendable),
			updated_at = excluded.updated_at`,
		l.Type, l.Ref, label, origin, spendable, fmtTime(at))
	return translate(err)
}

// Labels returns every stored label, by type and ref.
func (t *Tx) Labels() ([]app.Label, error) {
	rows, err := t.query(`SELECT type, ref, label, origin, spendable FROM labels ORDER BY type, ref`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []app.Label
	for rows.Next() {
		var l app.Label
		var label, origin sql.NullString
		var spendable sql.NullBool
		if err := rows.Scan(&l.Type, &l.Ref, &label, &origin, &spendable); err != nil {
			return nil, translate(err)
		}
		if label.Valid {
			l.Label = &label.String
		}
		l.Origin = origin.String
		if spendable.Valid {
			l.Spendable = &spendable.Bool
		}
		out = append(out, l)
	}
	return out, translate(rows.Err())
}
