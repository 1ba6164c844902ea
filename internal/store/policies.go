package store

import (
	"database/sql"
	"errors"
)

// SignerPolicy returns the JSON of a vault's signer policy (nil when it has
// none).
func (t *Tx) SignerPolicy(vaultID int64) ([]byte, error) {
	var b []byte
	err := t.tx.QueryRowContext(t.ctx, `SELECT policy FROM signer_policies WHERE vault_id = ?`, vaultID).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return b, translate(err)
}

// SetSignerPolicy stores the JSON of a vault's signer policy.
func (t *Tx) SetSignerPolicy(vaultID int64, policy []byte) error {
	_, err := t.exec(`INSERT INTO signer_policies(vault_id, policy) VALUES(?, ?)
		ON CONFLICT(vault_id) DO UPDATE SET policy = excluded.policy`, vaultID, string(policy))
	return translate(err)
}
