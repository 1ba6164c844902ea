package store

import (
	"time"
)

// InsertReplacement records that proposal id replaces proposal replaces.
func (t *Tx) InsertReplacement(id, replaces string, at time.Time) error {
	_, err := t.exec(`INSERT INTO proposal_replacements(proposal_id, replaces, created_at) VALUES(?, ?, ?)`, id, replaces, fmtTime(at))
	return translate(err)
}

// Replaces returns the proposal id replaces ("" when it replaces none).
func (t *Tx) Replaces(id string) (string, error) {
	var old string
	err := t.row(`SELECT replaces FROM proposal_replacements WHERE proposal_id = ?`, id).Scan(&old)
	if err = translate(err); isNotFound(err) {
		return "", nil
	}
	return old, err
}

// ReplacedBy returns the proposals that replace id, oldest first.
func (t *Tx) ReplacedBy(id string) ([]string, error) {
	rows, err := t.query(`SELECT proposal_id FROM proposal_replacements WHERE replaces = ? ORDER BY created_at, proposal_id`, id)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, translate(err)
		}
		out = append(out, s)
	}
	return out, translate(rows.Err())
}
