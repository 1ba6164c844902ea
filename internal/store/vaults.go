package store

import (
	"fmt"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/app"
)

// InsertVault stores a new vault and sets its ID.
func (t *Tx) InsertVault(v *app.Vault) error {
	gap := v.Gap
	if gap == 0 {
		gap = app.GapLimit
	}
	res, err := t.exec(`INSERT INTO vaults(name, network, hot_float, cold_above, created_at, gap) VALUES(?, ?, ?, ?, ?, ?)`,
		v.Name, v.Network, int64(v.HotFloat), int64(v.ColdAbove), fmtTime(v.CreatedAt), gap)
	if err != nil {
		return translate(err)
	}
	v.ID, err = res.LastInsertId()
	return err
}

const vaultCols = `id, name, network, hot_float, cold_above, created_at, gap`

func scanVault(sc interface{ Scan(...any) error }) (app.Vault, error) {
	var v app.Vault
	var hot, cold int64
	var created string
	err := sc.Scan(&v.ID, &v.Name, &v.Network, &hot, &cold, &created, &v.Gap)
	v.HotFloat, v.ColdAbove, v.CreatedAt = btcutil.Amount(hot), btcutil.Amount(cold), parseTime(created)
	return v, translate(err)
}

// VaultByName loads one vault; ErrNotFound when there is none.
func (t *Tx) VaultByName(name string) (*app.Vault, error) {
	v, err := scanVault(t.row(`SELECT `+vaultCols+` FROM vaults WHERE name = ?`, name))
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// VaultByID loads one vault.
func (t *Tx) VaultByID(id int64) (*app.Vault, error) {
	v, err := scanVault(t.row(`SELECT `+vaultCols+` FROM vaults WHERE id = ?`, id))
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// Vaults lists every vault by name.
func (t *Tx) Vaults() ([]app.Vault, error) {
	rows, err := t.query(`SELECT ` + vaultCols + ` FROM vaults ORDER BY name`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []app.Vault
	for rows.Next() {
		v, err := scanVault(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, translate(rows.Err())
}

// SetVaultPolicy stores a vault's hot float and cold-above threshold.
func (t *Tx) SetVaultPolicy(id int64, hotFloat, coldAbove btcutil.Amount) error {
	_, err := t.exec(`UPDATE vaults SET hot_float = ?, cold_above = ? WHERE id = ?`, int64(hotFloat), int64(coldAbove), id)
	return translate(err)
}

// SetVaultGap stores how many unused addresses past the last used one
// are watched on each chain of the vault's generations.
func (t *Tx) SetVaultGap(id int64, gap uint32) error {
	_, err := t.exec(`UPDATE vaults SET gap = ? WHERE id = ?`, gap, id)
	return translate(err)
}

// InsertGeneration stores a generation with its holders and sets its ID.
func (t *Tx) InsertGeneration(g *app.Generation) error {
	res, err := t.exec(`INSERT INTO generations(vault_id, number, state, threshold, descriptor, birthday, utxo_set_at, created_at)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?)`, g.VaultID, g.Number, string(g.State), g.Threshold, g.Descriptor, g.Birthday, g.UTXOSetAt, fmtTime(g.CreatedAt))
	if err != nil {
		return translate(err)
	}
	if g.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	for _, h := range g.Holders {
		if _, err := t.exec(`INSERT INTO holders(generation_id, position, name, fingerprint, origin_path, xpub) VALUES(?, ?, ?, ?, ?, ?)`,
			g.ID, h.Position, h.Name, h.Fingerprint, h.OriginPath, h.XPub); err != nil {
			return translate(err)
		}
	}
	return nil
}

const genCols = `id, vault_id, number, state, threshold, descriptor, birthday, utxo_set_at, next_receive, next_change, created_at`

func (t *Tx) scanGenerations(where string, args ...any) ([]app.Generation, error) {
	rows, err := t.query(`SELECT `+genCols+` FROM generations WHERE `+where+` ORDER BY vault_id, number`, args...)
	if err != nil {
		return nil, translate(err)
	}
	var out []app.Generation
	for rows.Next() {
		var g app.Generation
		var state, created string
		if err := rows.Scan(&g.ID, &g.VaultID, &g.Number, &state, &g.Threshold, &g.Descriptor, &g.Birthday, &g.UTXOSetAt,
			&g.NextReceive, &g.NextChange, &created); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		g.State, g.CreatedAt = app.GenState(state), parseTime(created)
		out = append(out, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	for i := range out {
		if out[i].Holders, err = t.holders(out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t *Tx) holders(genID int64) ([]app.Holder, error) {
	rows, err := t.query(`SELECT position, name, fingerprint, origin_path, xpub FROM holders WHERE generation_id = ? ORDER BY position`, genID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []app.Holder
	for rows.Next() {
		var h app.Holder
		if err := rows.Scan(&h.Position, &h.Name, &h.Fingerprint, &h.OriginPath, &h.XPub); err != nil {
			return nil, translate(err)
		}
		out = append(out, h)
	}
	return out, translate(rows.Err())
}

// Generations lists a vault's generations by number.
func (t *Tx) Generations(vaultID int64) ([]app.Generation, error) {
	return t.scanGenerations(`vault_id = ?`, vaultID)
}

// AllGenerations lists every generation of every vault.
func (t *Tx) AllGenerations() ([]app.Generation, error) {
	return t.scanGenerations(`1 = 1`)
}

// Generation loads one generation by ID.
func (t *Tx) Generation(id int64) (*app.Generation, error) {
	gs, err := t.scanGenerations(`id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(gs) == 0 {
		return nil, fmt.Errorf("%w: generation %d", app.ErrNotFound, id)
	}
	return &gs[0], nil
}

// SetGenerationState moves a generation to a new state.
func (t *Tx) SetGenerationState(id int64, s app.GenState) error {
	_, err := t.exec(`UPDATE generations SET state = ? WHERE id = ?`, string(s), id)
	return translate(err)
}

// SetNextIndex records the next unused index of a generation's chain
// (0 receive, 1 change); it never moves backwards.
func (t *Tx) SetNextIndex(genID int64, chain, next uint32) error {
	col := "next_receive"
	if chain == 1 {
		col = "next_change"
	}
	_, err := t.exec(`UPDATE generations SET `+col+` = MAX(`+col+`, ?) WHERE id = ?`, next, genID)
	return translate(err)
}

// SetUTXOSetAt implements app.Tx.
func (t *Tx) SetUTXOSetAt(genID int64, height int32) error {
	_, err := t.exec(`UPDATE generations SET utxo_set_at = ? WHERE id = ?`, height, genID)
	return translate(err)
}

// InsertScripts adds derived scripts to the watch set; existing ones are kept.
func (t *Tx) InsertScripts(ss []app.Script) error {
	stmt, err := t.tx.PrepareContext(t.ctx, `INSERT OR IGNORE INTO scripts(pk_script, generation_id, chain, idx, used) VALUES(?, ?, ?, ?, ?)`)
	if err != nil {
		return translate(err)
	}
	defer stmt.Close()
	for _, s := range ss {
		if _, err := stmt.ExecContext(t.ctx, s.PkScript, s.GenerationID, s.Chain, s.Index, s.Used); err != nil {
			return translate(err)
		}
	}
	return nil
}

// Scripts lists the watch set (every generation, or one when genID > 0).
func (t *Tx) Scripts(genID int64) ([]app.Script, error) {
	q := `SELECT pk_script, generation_id, chain, idx, used FROM scripts`
	var args []any
	if genID > 0 {
		q += ` WHERE generation_id = ?`
		args = append(args, genID)
	}
	rows, err := t.query(q+` ORDER BY generation_id, chain, idx`, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []app.Script
	for rows.Next() {
		var s app.Script
		if err := rows.Scan(&s.PkScript, &s.GenerationID, &s.Chain, &s.Index, &s.Used); err != nil {
			return nil, translate(err)
		}
		out = append(out, s)
	}
	return out, translate(rows.Err())
}

// MarkScriptUsed flags a script as having received funds.
func (t *Tx) MarkScriptUsed(pkScript []byte) error {
	_, err := t.exec(`UPDATE scripts SET used = 1 WHERE pk_script = ?`, pkScript)
	return translate(err)
}
