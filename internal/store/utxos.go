package store

import (
	"errors"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
)

// Cursor returns the highest scanned block; height -1 when nothing was scanned.
func (t *Tx) Cursor() (int32, string, error) {
	var h int32
	var hash string
	err := t.row(`SELECT height, hash FROM blocks ORDER BY height DESC LIMIT 1`).Scan(&h, &hash)
	if err != nil {
		if err = translate(err); isNotFound(err) {
			return -1, "", nil
		}
		return 0, "", err
	}
	return h, hash, nil
}

func isNotFound(err error) bool { return errors.Is(err, app.ErrNotFound) }

// BlockHashAt returns the stored hash of a scanned block; ErrNotFound if none.
func (t *Tx) BlockHashAt(height int32) (string, error) {
	var hash string
	err := t.row(`SELECT hash FROM blocks WHERE height = ?`, height).Scan(&hash)
	return hash, translate(err)
}

// PutBlock records a scanned block.
func (t *Tx) PutBlock(height int32, hash string) error {
	_, err := t.exec(`INSERT INTO blocks(height, hash) VALUES(?, ?) ON CONFLICT(height) DO UPDATE SET hash = excluded.hash`, height, hash)
	return translate(err)
}

// RollbackAbove undoes what blocks above height recorded: their outputs,
// their spends and their confirmations.
func (t *Tx) RollbackAbove(height int32) error {
	stmts := []string{
		`DELETE FROM utxos WHERE height > ? AND reserved_by = ''`,
		`UPDATE utxos SET height = 0, block_hash = '' WHERE height > ?`,
		`UPDATE utxos SET spent_height = 0 WHERE spent_height > ?`,
		`UPDATE proposals SET state = 'broadcast', height = 0 WHERE state = 'confirmed' AND height > ?`,
		`DELETE FROM blocks WHERE height > ?`,
	}
	for _, q := range stmts {
		if _, err := t.exec(q, height); err != nil {
			return translate(err)
		}
	}
	return nil
}

// PutUTXO records an output paying to us; seeing it again (confirmed, or in
// another block after a reorg) updates where it is.
func (t *Tx) PutUTXO(u *app.UTXO) error {
	_, err := t.exec(`INSERT INTO utxos(txid, vout, value, pk_script, generation_id, chain, idx, height, block_hash, coinbase, prev_tx)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(txid, vout) DO UPDATE SET height = excluded.height, block_hash = excluded.block_hash`,
		u.OutPoint.Hash.String(), u.OutPoint.Index, int64(u.Value), u.PkScript, u.GenerationID, u.Chain, u.Index,
		u.Height, u.BlockHash, u.Coinbase, u.PrevTx)
	return translate(err)
}

// SpendUTXO records that an output was spent by txid at height (0: unconfirmed).
func (t *Tx) SpendUTXO(op wire.OutPoint, txid string, height int32) error {
	_, err := t.exec(`UPDATE utxos SET spent_by = ?, spent_height = ? WHERE txid = ? AND vout = ?`,
		txid, height, op.Hash.String(), op.Index)
	return translate(err)
}

// UTXOs lists outputs matching f, oldest first.
func (t *Tx) UTXOs(f app.UTXOFilter) ([]app.UTXO, error) {
	q := `SELECT txid, vout, value, pk_script, generation_id, chain, idx, height, block_hash, coinbase, prev_tx, spent_by, spent_height, reserved_by FROM utxos WHERE 1 = 1`
	var args []any
	if f.GenerationID > 0 {
		q += ` AND generation_id = ?`
		args = append(args, f.GenerationID)
	}
	if f.VaultID > 0 {
		q += ` AND generation_id IN (SELECT id FROM generations WHERE vault_id = ?)`
		args = append(args, f.VaultID)
	}
	if f.Unspent {
		q += ` AND spent_by = ''`
	}
	if f.Unconfirmed {
		q += ` AND height = 0`
	}
	if f.SpendPending {
		q += ` AND spent_by != '' AND spent_height = 0`
	}
	if f.Live {
		q += ` AND (spent_by = '' OR spent_height = 0)`
	}
	if f.ReservedBy != "" {
		q += ` AND reserved_by = ?`
		args = append(args, f.ReservedBy)
	}
	rows, err := t.query(q+` ORDER BY height = 0, height, txid, vout`, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []app.UTXO
	for rows.Next() {
		var u app.UTXO
		var txid string
		var value int64
		if err := rows.Scan(&txid, &u.OutPoint.Index, &value, &u.PkScript, &u.GenerationID, &u.Chain, &u.Index,
			&u.Height, &u.BlockHash, &u.Coinbase, &u.PrevTx, &u.SpentBy, &u.SpentHeight, &u.ReservedBy); err != nil {
			return nil, translate(err)
		}
		h, err := chainhash.NewHashFromStr(txid)
		if err != nil {
			return nil, err
		}
		u.OutPoint.Hash, u.Value = *h, btcutil.Amount(value)
		out = append(out, u)
	}
	return out, translate(rows.Err())
}

// Reserve marks outputs as held by a proposal. It fails with ErrConflict
// naming the first output already held by another live proposal or spent.
func (t *Tx) Reserve(ops []wire.OutPoint, proposalID string) error {
	for _, op := range ops {
		res, err := t.exec(`UPDATE utxos SET reserved_by = ? WHERE txid = ? AND vout = ? AND reserved_by = '' AND spent_by = ''`,
			proposalID, op.Hash.String(), op.Index)
		if err != nil {
			return translate(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return app.ConflictError(op)
		}
	}
	return nil
}

// Release frees every output a proposal holds.
func (t *Tx) Release(proposalID string) error {
	_, err := t.exec(`UPDATE utxos SET reserved_by = '' WHERE reserved_by = ?`, proposalID)
	return translate(err)
}

// UndoTx forgets an unconfirmed transaction of ours: the outputs it spent
// are unspent again and the outputs it created are removed.
func (t *Tx) UndoTx(txid string) error {
	if _, err := t.exec(`UPDATE utxos SET spent_by = '', spent_height = 0 WHERE spent_by = ? AND spent_height = 0`, txid); err != nil {
		return translate(err)
	}
	_, err := t.exec(`DELETE FROM utxos WHERE txid = ? AND height = 0`, txid)
	return translate(err)
}

// Reservation returns the proposal holding an output ("" when none).
func (t *Tx) Reservation(op wire.OutPoint) (string, error) {
	var id string
	err := t.row(`SELECT reserved_by FROM utxos WHERE txid = ? AND vout = ?`, op.Hash.String(), op.Index).Scan(&id)
	if err = translate(err); isNotFound(err) {
		return "", nil
	}
	return id, err
}

// PutUnconfirmed records an output seen in the mempool unless it is known
// already (confirmed or not); it reports whether it was new.
func (t *Tx) PutUnconfirmed(u *app.UTXO) (bool, error) {
	res, err := t.exec(`INSERT OR IGNORE INTO utxos(txid, vout, value, pk_script, generation_id, chain, idx, height, block_hash, coinbase, prev_tx)
		VALUES(?, ?, ?, ?, ?, ?, ?, 0, '', 0, ?)`,
		u.OutPoint.Hash.String(), u.OutPoint.Index, int64(u.Value), u.PkScript, u.GenerationID, u.Chain, u.Index, u.PrevTx)
	if err != nil {
		return false, translate(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DeleteUTXO forgets an output.
func (t *Tx) DeleteUTXO(op wire.OutPoint) error {
	_, err := t.exec(`DELETE FROM utxos WHERE txid = ? AND vout = ?`, op.Hash.String(), op.Index)
	return translate(err)
}
