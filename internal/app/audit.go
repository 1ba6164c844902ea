package app

import (
	"context"

	"github.com/treasury-dev/treasury/internal/audit"
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
}

// AuditVerify recomputes the chain and its recorded head. It returns an
// *audit.BrokenError naming the first bad entry when the log was edited.
func (a *App) AuditVerify(ctx context.Context) (*AuditVerifyResult, error) {
	var entries []audit.Entry
	var head string
	err := a.Store.View(ctx, func(tx Tx) error {
		var err error
		if entries, err = tx.AuditEntries(); err != nil {
			return err
		}
		head, err = tx.Meta(MetaAuditHead)
		if isNotFound(err) {
			head, err = audit.Genesis, nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := audit.Verify(entries, head); err != nil {
		return nil, err
	}
	return &AuditVerifyResult{Entries: len(entries), Head: head}, nil
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
