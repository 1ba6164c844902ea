// Package app holds treasury's use cases: one function each, shared by the
// CLI and the TUI. Each takes a request struct, returns a result struct, and
// does its writes, with their audit entries, in one store transaction.
//
// app defines the small interfaces it needs (Store, Chain, Events); the
// adapters in internal/store and internal/chain satisfy them.
package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// GapLimit is the default address gap: how many unused scripts past the
// last used one are watched on each chain of each generation. A vault may
// set its own (Vault.Gap, treasury vault policy NAME --gap N).
const GapLimit = 20

// App wires the use cases to their adapters.
type App struct {
	Store Store
	Net   vault.Network
	Actor string           // who is acting, for the audit log
	Now   func() time.Time // nil: time.Now
	// Chain dials the node when a use case needs it; nil means no node.
	Chain func(ctx context.Context) (Chain, error)
	// Events receives progress; nil discards it.
	Events Events
	// FallbackFeeRate is used when neither the user nor the node gives a
	// rate; 0 means none (propose then requires --fee-rate).
	FallbackFeeRate psbt.FeeRate
}

func (a *App) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

func (a *App) events() Events {
	if a.Events == nil {
		return NopEvents{}
	}
	return a.Events
}

// audit appends an entry for action with payload marshalled as JSON.
func (a *App) audit(tx Tx, action string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("unable to encode audit payload: %w", err)
	}
	_, err = tx.AppendAudit(a.now(), a.Actor, action, b)
	return err
}

// InitRequest asks to initialize a data directory's database.
type InitRequest struct {
	Network string
}

// InitResult says what Init found or did.
type InitResult struct {
	Network string
	Created bool // false when the database was already initialized for the same network
}

// Init records the network of a new database. A database keeps its network
// for life: initializing it again for another network is refused.
func Init(ctx context.Context, s Store, req InitRequest, actor string, now time.Time) (InitResult, error) {
	net, err := vault.ParseNetwork(req.Network)
	if err != nil {
		return InitResult{}, errorf(ErrInvalid, "%w", err)
	}
	res := InitResult{Network: net.Name}
	err = s.Update(ctx, func(tx Tx) error {
		have, err := tx.Meta(MetaNetwork)
		switch {
		case err == nil && have == net.Name:
			return nil
		case err == nil:
			return errorf(ErrInvalid, "this data directory is already initialized for %s, not %s", have, net.Name)
		case !isNotFound(err):
			return err
		}
		res.Created = true
		if err := tx.SetMeta(MetaNetwork, net.Name); err != nil {
			return err
		}
		b, _ := json.Marshal(map[string]string{"network": net.Name})
		e, err := tx.AppendAudit(now, actor, "init", b)
		if err != nil {
			return err
		}
		return tx.SetMeta(MetaDatabaseID, e.Hash)
	})
	return res, err
}

// MetaDatabaseID names this database: the hash of its first audit entry,
// which init wrote. config.json records it, so that another database put
// in this one's place (a fresh one from another init) is refused.
const MetaDatabaseID = "database_id"

// DatabaseID returns the database's name, "" for one made before it was
// recorded.
func DatabaseID(ctx context.Context, s Store) (string, error) {
	var id string
	err := s.View(ctx, func(tx Tx) error {
		v, err := tx.Meta(MetaDatabaseID)
		if isNotFound(err) {
			return nil
		}
		id = v
		return err
	})
	return id, err
}

// StoredNetwork reads the network a database was initialized for.
func StoredNetwork(ctx context.Context, s Store) (vault.Network, error) {
	var name string
	err := s.View(ctx, func(tx Tx) error {
		var err error
		name, err = tx.Meta(MetaNetwork)
		return err
	})
	if isNotFound(err) {
		return vault.Network{}, errorf(ErrNotInitialized, "the database has no network; run treasury init")
	}
	if err != nil {
		return vault.Network{}, err
	}
	return vault.ParseNetwork(name)
}
