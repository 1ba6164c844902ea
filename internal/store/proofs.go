package store

import (
	"github.com/treasury-dev/treasury/internal/app"
)

// PutStandbyProof records a verified standby proof. It reports false, with
// no error, when the same holder's proof of that generation with the same
// date is already recorded.
func (t *Tx) PutStandbyProof(p *app.StandbyProof) (bool, error) {
	res, err := t.exec(`INSERT OR IGNORE INTO standby_proofs(generation_id, fingerprint, holder, origin_path, signed_at, recorded_at, proof)
		VALUES(?, ?, ?, ?, ?, ?, ?)`, p.GenerationID, p.Fingerprint, p.Holder, p.OriginPath, fmtTime(p.SignedAt), fmtTime(p.RecordedAt), p.Raw)
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// StandbyProofs lists a generation's recorded proofs, oldest first.
func (t *Tx) StandbyProofs(genID int64) ([]app.StandbyProof, error) {
	rows, err := t.query(`SELECT generation_id, fingerprint, holder, origin_path, signed_at, recorded_at, proof
		FROM standby_proofs WHERE generation_id = ? ORDER BY id`, genID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []app.StandbyProof
	for rows.Next() {
		var p app.StandbyProof
		var signed, recorded string
		if err := rows.Scan(&p.GenerationID, &p.Fingerprint, &p.Holder, &p.OriginPath, &signed, &recorded, &p.Raw); err != nil {
			return nil, translate(err)
		}
		p.SignedAt, p.RecordedAt = parseTime(signed), parseTime(recorded)
		out = append(out, p)
	}
	return out, translate(rows.Err())
}
