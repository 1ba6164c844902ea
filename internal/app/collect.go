package app

import (
	"context"
	"errors"
	"fmt"

	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/quorum"
)

// CollectFile is one signed PSBT handed in by a holder or a signing device.
type CollectFile struct {
	Source string // file name, or "-" for stdin
	Data   []byte // base64, hex or binary; PSBT v0 or v2
}

// CollectResult says what each file added.
type CollectResult struct {
	Proposals []ProposalDetail
	Added     int // signatures new to the database
}

// Collect verifies every partial signature in the files against the
// proposal's own stored PSBT (never against data in the file), and keeps
// the valid ones. It is all or nothing: one forged, foreign or mismatched
// signature in any file refuses the whole call and changes nothing.
// Handing in the same file twice is harmless.
func (a *App) Collect(ctx context.Context, files []CollectFile) (*CollectResult, error) {
	if len(files) == 0 {
		return nil, errorf(ErrInvalid, "give at least one PSBT file")
	}
	res := &CollectResult{}
	err := a.Store.Update(ctx, func(tx Tx) error {
		touched := map[string]*Proposal{}
		var order []string
		for _, f := range files {
			p, added, err := a.collectFile(tx, f)
			if err != nil {
				return err
			}
			res.Added += added
			if _, ok := touched[p.ID]; !ok {
				order = append(order, p.ID)
			}
			touched[p.ID] = p
		}
		for _, id := range order {
			d, err := a.detail(tx, touched[id])
			if err != nil {
				return err
			}
			res.Proposals = append(res.Proposals, *d)
		}
		return nil
	})
	return res, err
}

func (a *App) collectFile(tx Tx, f CollectFile) (*Proposal, int, error) {
	in, signed, err := decodeCollected(f)
	if err != nil {
		return nil, 0, err
	}
	var id string
	if signed != nil {
		id = psbt.StrippedTxID(signed).String()
	} else {
		id = psbt.UnsignedTxID(in).String()
	}
	p, err := tx.Proposal(id)
	if isNotFound(err) {
		what := "a PSBT"
		if signed != nil {
			what = "a signed transaction"
		}
		return nil, 0, errorf(ErrRefused, "%s is not %s of any proposal here (its transaction %s is unknown: another vault, or a changed transaction)", f.Source, what, shortID(id))
	}
	if err != nil {
		return nil, 0, err
	}
	switch p.State {
	case Cancelled, Replaced, Failed:
		return nil, 0, errorf(ErrRefused, "%s: proposal %s is %s; its signatures are no longer needed", f.Source, shortID(id), p.State)
	}
	stored, err := psbt.Decode(p.PSBT)
	if err != nil {
		return nil, 0, err
	}
	if signed != nil {
		if in, err = fromSignedTx(stored, signed, f.Source); err != nil {
			return nil, 0, err
		}
	} else {
		a.noteAnchor(stored, in, f.Source)
	}
	src, err := tx.Generation(p.GenerationID)
	if err != nil {
		return nil, 0, err
	}
	sigs, err := a.verifyIncoming(stored, in, f.Source)
	if err != nil {
		return nil, 0, err
	}
	added := 0
	for _, s := range sigs {
		s.ProposalID, s.VerifiedAt = p.ID, a.now()
		ok, err := tx.PutSignature(&s)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			added++
			stored.Inputs[s.Input].PartialSigs = append(stored.Inputs[s.Input].PartialSigs,
				&btcpsbt.PartialSig{PubKey: s.PubKey, Signature: s.Sig})
		}
	}
	// A file that adds no signature changes nothing: it is neither kept
	// nor audited, so collecting the same file again is a no-op. Every
	// kept file has its proposal.collect entry (file_sha256).
	if added == 0 {
		return p, 0, nil
	}
	if err := tx.AddProposalPSBT(p.ID, f.Source, f.Data, a.now()); err != nil {
		return nil, 0, err
	}
	if p.PSBT, err = psbt.EncodeBinary(stored); err != nil {
		return nil, 0, err
	}
	all, err := tx.Signatures(p.ID)
	if err != nil {
		return nil, 0, err
	}
	q := quorumOf(*src, len(stored.Inputs), all)
	if p.State == Collecting && q.Complete() {
		p.State = Ready
	}
	p.UpdatedAt = a.now()
	if err := tx.UpdateProposal(p); err != nil {
		return nil, 0, err
	}
	err = a.audit(tx, "proposal.collect", map[string]any{"proposal": p.ID, "source": f.Source,
		"file_sha256": digestHex(f.Data), "added": added,
		"quorum": map[string]int{"signed": q.Count(), "required": q.Threshold, "holders": len(q.Holders)}, "state": p.State})
	return p, added, err
}

// decodeCollected reads a handed-in file: a PSBT, or else a fully signed
// raw transaction (hex or binary), as Electrum, Sparrow or Core's
// finalizepsbt give it back. Exactly one of the two results is set.
func decodeCollected(f CollectFile) (*btcpsbt.Packet, *wire.MsgTx, error) {
	in, err := psbt.Decode(f.Data)
	if err == nil {
		return in, nil, nil
	}
	if tx, txErr := psbt.DecodeSignedTx(f.Data); txErr == nil {
		return nil, tx, nil
	}
	return nil, nil, errorf(ErrInvalid, "%s: %w", f.Source, err)
}

// fromSignedTx turns a signed transaction of the proposal whose PSBT is
// stored into a packet whose inputs carry its witnesses as final script
// witnesses: verifyIncoming then takes the signatures from them and
// verifies each against the stored scripts, as for a finalized PSBT.
func fromSignedTx(stored *btcpsbt.Packet, tx *wire.MsgTx, source string) (*btcpsbt.Packet, error) {
	wits, err := psbt.FinalWitnesses(stored, tx)
	if err != nil {
		return nil, errorf(ErrRefused, "%s: %w", source, err)
	}
	in := &btcpsbt.Packet{UnsignedTx: stored.UnsignedTx, Inputs: make([]btcpsbt.PInput, len(wits))}
	for i, w := range wits {
		in.Inputs[i].FinalScriptWitness = w
	}
	return in, nil
}

// verifyIncoming applies quorum's acceptance rules to a handed-in file and
// words a refusal for the user.
func (a *App) verifyIncoming(stored, in *btcpsbt.Packet, source string) ([]Signature, error) {
	acc, err := quorum.Accept(stored, in)
	var refused *quorum.RefusedError
	if errors.As(err, &refused) {
		return nil, errorf(ErrRefused, "%s: %w", source, refused)
	}
	if err != nil {
		return nil, err
	}
	out := make([]Signature, len(acc))
	for i, s := range acc {
		out[i] = Signature{Input: s.Input, PubKey: s.PubKey, Fingerprint: s.Fingerprint, Sig: s.Sig}
	}
	return out, nil
}

// quorumOf computes who has signed which input of a proposal.
func quorumOf(g Generation, inputs int, sigs []Signature) quorum.Status {
	holders := make([]quorum.Holder, len(g.Holders))
	for i, h := range g.Holders {
		holders[i] = quorum.Holder{Name: h.Name, Fingerprint: h.Fingerprint}
	}
	q := quorum.New(g.Threshold, holders, inputs)
	for _, s := range sigs {
		q.Mark(s.Input, s.Fingerprint)
	}
	return q
}

// Quorum is the signing status of a proposal.
type Quorum = quorum.Status

func digestHex(b []byte) string {
	return fmt.Sprintf("%x", sha256Sum(b))
}
