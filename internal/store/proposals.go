package store

import (
	"fmt"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/app"
)

// InsertProposal stores a new proposal with its outputs.
func (t *Tx) InsertProposal(p *app.Proposal) error {
	if _, err := t.exec(`INSERT INTO proposals(id, vault_id, generation_id, target_gen_id, kind, state, memo, fee, vsize, psbt, txid, height, created_at, updated_at)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.VaultID, p.GenerationID, p.TargetGenID, p.Kind, string(p.State), p.Memo, int64(p.Fee), p.VSize, p.PSBT,
		p.TxID, p.Height, fmtTime(p.CreatedAt), fmtTime(p.UpdatedAt)); err != nil {
		return translate(err)
	}
	for _, o := range p.Outputs {
		if _, err := t.exec(`INSERT INTO proposal_outputs(proposal_id, idx, value, address, generation_id) VALUES(?, ?, ?, ?, ?)`,
			p.ID, o.Index, int64(o.Value), o.Address, o.GenerationID); err != nil {
			return translate(err)
		}
	}
	return nil
}

const proposalCols = `id, vault_id, generation_id, target_gen_id, kind, state, memo, fee, vsize, psbt, txid, height, created_at, updated_at, sending_since`

func (t *Tx) scanProposals(where string, args ...any) ([]app.Proposal, error) {
	rows, err := t.query(`SELECT `+proposalCols+` FROM proposals WHERE `+where+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, translate(err)
	}
	var out []app.Proposal
	for rows.Next() {
		var p app.Proposal
		var state, created, updated, sending string
		var fee int64
		if err := rows.Scan(&p.ID, &p.VaultID, &p.GenerationID, &p.TargetGenID, &p.Kind, &state, &p.Memo, &fee, &p.VSize,
			&p.PSBT, &p.TxID, &p.Height, &created, &updated, &sending); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		p.State, p.Fee = app.ProposalState(state), btcutil.Amount(fee)
		p.CreatedAt, p.UpdatedAt = parseTime(created), parseTime(updated)
		if sending != "" {
			p.SendingSince = parseTime(sending)
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	for i := range out {
		if out[i].Outputs, err = t.proposalOutputs(out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t *Tx) proposalOutputs(id string) ([]app.ProposalOutput, error) {
	rows, err := t.query(`SELECT idx, value, address, generation_id FROM proposal_outputs WHERE proposal_id = ? ORDER BY idx`, id)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []app.ProposalOutput
	for rows.Next() {
		var o app.ProposalOutput
		var v int64
		if err := rows.Scan(&o.Index, &v, &o.Address, &o.GenerationID); err != nil {
			return nil, translate(err)
		}
		o.Value = btcutil.Amount(v)
		out = append(out, o)
	}
	return out, translate(rows.Err())
}

// Proposal loads one proposal by its full id.
func (t *Tx) Proposal(id string) (*app.Proposal, error) {
	ps, err := t.scanProposals(`id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("%w: proposal %s", app.ErrNotFound, id)
	}
	return &ps[0], nil
}

// ProposalsByPrefix returns the proposals whose id starts with prefix.
func (t *Tx) ProposalsByPrefix(prefix string) ([]app.Proposal, error) {
	return t.scanProposals(`substr(id, 1, ?) = ?`, len(prefix), prefix)
}

// Proposals lists proposals, optionally of one vault.
func (t *Tx) Proposals(vaultID int64) ([]app.Proposal, error) {
	if vaultID > 0 {
		return t.scanProposals(`vault_id = ?`, vaultID)
	}
	return t.scanProposals(`1 = 1`)
}

// UpdateProposal writes a proposal's mutable fields: state, PSBT, txid,
// height, the update time and the broadcast-in-flight marker.
func (t *Tx) UpdateProposal(p *app.Proposal) error {
	sending := ""
	if !p.SendingSince.IsZero() {
		sending = fmtTime(p.SendingSince)
	}
	_, err := t.exec(`UPDATE proposals SET state = ?, psbt = ?, txid = ?, height = ?, updated_at = ?, sending_since = ? WHERE id = ?`,
		string(p.State), p.PSBT, p.TxID, p.Height, fmtTime(p.UpdatedAt), sending, p.ID)
	return translate(err)
}

// AddProposalPSBT keeps a collected PSBT file verbatim.
func (t *Tx) AddProposalPSBT(id, source string, raw []byte, at time.Time) error {
	_, err := t.exec(`INSERT INTO proposal_psbts(proposal_id, source, raw, received_at) VALUES(?, ?, ?, ?)`, id, source, raw, fmtTime(at))
	return translate(err)
}

// PutSignature records a verified partial signature; a signature already
// recorded for the same input and key is kept.
func (t *Tx) PutSignature(s *app.Signature) (bool, error) {
	res, err := t.exec(`INSERT OR IGNORE INTO signatures(proposal_id, input, pubkey, fingerprint, signature, verified_at) VALUES(?, ?, ?, ?, ?, ?)`,
		s.ProposalID, s.Input, s.PubKey, s.Fingerprint, s.Sig, fmtTime(s.VerifiedAt))
	if err != nil {
		return false, translate(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Signatures lists a proposal's verified signatures by input.
func (t *Tx) Signatures(id string) ([]app.Signature, error) {
	rows, err := t.query(`SELECT proposal_id, input, pubkey, fingerprint, signature, verified_at FROM signatures WHERE proposal_id = ? ORDER BY input, fingerprint`, id)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []app.Signature
	for rows.Next() {
		var s app.Signature
		var at string
		if err := rows.Scan(&s.ProposalID, &s.Input, &s.PubKey, &s.Fingerprint, &s.Sig, &at); err != nil {
			return nil, translate(err)
		}
		s.VerifiedAt = parseTime(at)
		out = append(out, s)
	}
	return out, translate(rows.Err())
}

// ConfirmTx marks the broadcast proposal with this final txid confirmed.
func (t *Tx) ConfirmTx(txid string, height int32, at time.Time) (string, error) {
	var id string
	err := t.row(`SELECT id FROM proposals WHERE txid = ? AND state IN ('broadcast', 'confirmed')`, txid).Scan(&id)
	if err = translate(err); isNotFound(err) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	_, err = t.exec(`UPDATE proposals SET state = 'confirmed', height = ?, updated_at = ?, sending_since = '' WHERE id = ?`, height, fmtTime(at), id)
	return id, translate(err)
}
