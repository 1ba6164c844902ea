package app

import (
	"context"
	"fmt"

	btcpsbt "github.com/btcsuite/btcd/psbt/v2"

	"github.com/treasury-dev/treasury/internal/audit"
	"github.com/treasury-dev/treasury/psbt"
)

// AuditLog returns the audit log in order.
func (a *App) AuditLog(ctx context.Context) ([]audit.Entry, error) {
	var out []audit.Entry
	err := a.Store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.AuditEntries()
		return err
	})
	return out, err
}

// AuditVerifyResult is the outcome of a verified chain.
type AuditVerifyResult struct {
	Entries int
	Head    string
	Anchors int // how many outside anchors the log was checked against
	// NewestAnchor is the highest sequence number an anchor vouches for
	// (0 without anchors): the entries after it are covered by no anchor.
	NewestAnchor int64
}

// AuditVerify recomputes the chain and its recorded head. It returns an
// *audit.BrokenError naming the first bad entry when the log was edited.
func (a *App) AuditVerify(ctx context.Context) (*AuditVerifyResult, error) {
	return a.AuditVerifyAnchored(ctx, nil)
}

// AuditVerifyAnchored is AuditVerify that also requires the log to contain
// every anchor (an entry's sequence number and hash recorded outside the
// database, by signers or officers) and to chain through each of them to
// the head. Only anchors catch a log rewritten with recomputed hashes.
func (a *App) AuditVerifyAnchored(ctx context.Context, anchors []audit.Anchor) (*AuditVerifyResult, error) {
	var entries []audit.Entry
	var head string
	err := a.Store.View(ctx, func(tx Tx) error {
		var err error
		if entries, err = tx.AuditEntries(); err != nil {
			return err
		}
		head, err = tx.Meta(MetaAuditHead)
		if isNotFound(err) {
			head, err = "", nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 && head == "" {
		head = audit.Genesis
	}
	if err := audit.VerifyAnchored(entries, head, anchors); err != nil {
		return nil, err
	}
	res := &AuditVerifyResult{Entries: len(entries), Head: head, Anchors: len(anchors)}
	for _, an := range anchors {
		res.NewestAnchor = max(res.NewestAnchor, an.Seq)
	}
	return res, nil
}

// AuditHead is the newest entry of the log: what an officer records
// elsewhere, and what every PSBT carries as its anchor.
type AuditHead struct {
	Seq  int64
	Hash string
	Time string
}

// AuditHead returns the log's newest entry (sequence 0 and the genesis
// hash when the log is empty).
func (a *App) AuditHead(ctx context.Context) (*AuditHead, error) {
	out := &AuditHead{Hash: audit.Genesis}
	err := a.Store.View(ctx, func(tx Tx) error {
		e, err := tx.LastAudit()
		if isNotFound(err) {
			return nil
		}
		out.Seq, out.Hash, out.Time = e.Seq, e.Hash, e.Time
		return err
	})
	return out, err
}

// stampAnchor writes the log's newest entry into p as its audit anchor, so
// that every signer who reviews p can record it outside the database.
// Propose and rotate call it after appending the proposal's own entry;
// any use case that writes a PSBT (a fee bump) must do the same, inside the
// transaction that appended its entry.
func (a *App) stampAnchor(tx Tx, p *btcpsbt.Packet, vaultName string) error {
	e, err := tx.LastAudit()
	if err != nil {
		return err
	}
	return psbt.SetAnchor(p, psbt.Anchor{Seq: e.Seq, Hash: e.Hash, Vault: vaultName})
}

// insertProposal stores a new proposal the way every use case that writes
// a PSBT must: it appends the proposal's audit entry (action, payload),
// stamps that entry into p as its anchor, and stores prop with p as its
// first PSBT (source names where it came from: "propose", "bump").
func (a *App) insertProposal(tx Tx, p *btcpsbt.Packet, prop *Proposal, vaultName, action string, payload any, source string) error {
	if err := a.audit(tx, action, payload); err != nil {
		return err
	}
	if err := a.stampAnchor(tx, p, vaultName); err != nil {
		return err
	}
	var err error
	if prop.PSBT, err = psbt.EncodeBinary(p); err != nil {
		return err
	}
	if err := tx.InsertProposal(prop); err != nil {
		return err
	}
	return tx.AddProposalPSBT(prop.ID, source, prop.PSBT, a.now())
}

// ConfigChange describes new node settings; the password is never included.
type ConfigChange struct {
	RPCURL, RPCUser, RPCCookie string
	RPCTLS                     bool
	PasswordChanged            bool
	FallbackFeeRate            int64
}

// RecordConfig appends the node settings a user changed to the audit log.
// The settings themselves live in the data directory's config file.
func (a *App) RecordConfig(ctx context.Context, c ConfigChange) error {
	return a.Store.Update(ctx, func(tx Tx) error {
		return a.audit(tx, "config", map[string]any{"rpc_url": c.RPCURL, "rpc_user": c.RPCUser, "rpc_cookie": c.RPCCookie,
			"rpc_tls": c.RPCTLS, "rpc_pass_changed": c.PasswordChanged, "fallback_fee_rate": c.FallbackFeeRate})
	})
}

// noteAnchor warns when a PSBT returned by a signer carries another audit
// anchor than the proposal's own: its signer recorded an anchor this log
// does not vouch for, and 'audit verify --anchors' will report it. A PSBT
// without the field (a device that drops proprietary fields) says nothing.
func (a *App) noteAnchor(stored, in *btcpsbt.Packet, source string) {
	want, wok, _ := psbt.AnchorOf(stored)
	got, gok, err := psbt.AnchorOf(in)
	switch {
	case err != nil:
		a.events().Notice("anchor", fmt.Sprintf("%s carries a malformed audit anchor (%v); its signer recorded none or a wrong one", source, err))
	case !wok || !gok || got.Seq == want.Seq && got.Hash == want.Hash:
	default:
		a.events().Notice("anchor", fmt.Sprintf("%s carries audit anchor entry %d (%s…), not the proposal's entry %d (%s…): the PSBT was changed on its way, and its signer recorded an anchor this log does not hold",
			source, got.Seq, got.Hash[:12], want.Seq, want.Hash[:12]))
	}
}
