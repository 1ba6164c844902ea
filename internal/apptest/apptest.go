// Package apptest holds the test fixtures the use-case tests
// (internal/app) and the TUI's tests share: a treasury database on a
// temporary SQLite file with an *app.App over it, named holders whose key
// files live in memory (deterministic ones from BIP-39 test vectors, or
// random ones), their key specs, and what a holder does with a vault:
// register it, sign a PSBT, prove a standby.
//
// It is imported only by _test.go files. It imports "testing" and the
// store, so the shipped binary must never link it: internal/arch checks
// that no package's non-test dependencies include it.
package apptest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/internal/store"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// VectorMnemonics are BIP-39 test vectors (the English 128- and 256-bit
// ones), one a holder, so every key, descriptor, address and proposal id
// made from them is the same on every run.
var VectorMnemonics = map[string]string{
	"alice": "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
	"bob":   "legal winner thank year wave sausage worth useful legal winner thank yellow",
	"carol": "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
	"dave":  "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
	"erin":  "scheme spot photo card baby mountain device kick cradle pact join borrow",
}

// Options say how Open sets a treasury up.
type Options struct {
	// Network is the treasury's network; empty means regtest.
	Network string
	// Ctx is the context of every call; nil means t.Context().
	Ctx context.Context
	// Now is a fixed clock for app.Init, the App and standby proofs; zero
	// means the wall clock (the App's Now is then left nil).
	Now time.Time
	// FallbackFeeRate is the App's; zero means 2 sat/vB.
	FallbackFeeRate psbt.FeeRate
	// Mnemonics, when set, are the only holders there are: each is made
	// from its mnemonic and any other name fails the test. Nil means every
	// holder gets a new random 24-word seed.
	Mnemonics map[string]string
}

// Env is one treasury data directory and the holders around it.
type Env struct {
	T   testing.TB
	Ctx context.Context
	DB  *store.DB
	App *app.App
	Net vault.Network
	// Holders are the key files made so far by name; a test may add its own.
	Holders   map[string]*keys.File
	mnemonics map[string]string
	now       func() time.Time
}

// Open creates a treasury database on a temporary SQLite file, initialises
// it as `treasury init` does, and returns it with an App over it (no node:
// the caller sets App.Chain). The database is closed when the test ends.
func Open(t testing.TB, o Options) *Env {
	t.Helper()
	if o.Network == "" {
		o.Network = "regtest"
	}
	if o.Ctx == nil {
		o.Ctx = t.Context()
	}
	if o.FallbackFeeRate == 0 {
		o.FallbackFeeRate = psbt.SatPerVByte(2)
	}
	now := time.Now
	if !o.Now.IsZero() {
		now = func() time.Time { return o.Now }
	}
	db, err := store.Open(o.Ctx, filepath.Join(t.TempDir(), "treasury.db"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := app.Init(o.Ctx, db, app.InitRequest{Network: o.Network}, "test", now()); err != nil {
		t.Fatal(err)
	}
	net, err := vault.ParseNetwork(o.Network)
	if err != nil {
		t.Fatal(err)
	}
	a := &app.App{Store: db, Net: net, Actor: "test", FallbackFeeRate: o.FallbackFeeRate}
	if !o.Now.IsZero() {
		a.Now = now
	}
	return &Env{T: t, Ctx: o.Ctx, DB: db, App: a, Net: net, Holders: map[string]*keys.File{}, mnemonics: o.Mnemonics, now: now}
}

// Now is the Env's clock: the fixed time of Options.Now, else the wall clock.
func (e *Env) Now() time.Time { return e.now() }

// Holder returns the named holder's key file, making it on first use.
func (e *Env) Holder(name string) *keys.File {
	e.T.Helper()
	if h, ok := e.Holders[name]; ok {
		return h
	}
	var h *keys.File
	var err error
	if e.mnemonics == nil {
		h, _, err = keys.New(name, e.Net, 256, "")
	} else if words, ok := e.mnemonics[name]; ok {
		h, err = keys.FromMnemonic(name, e.Net, words, "")
	} else {
		e.T.Fatalf("holder %s has no mnemonic", name)
	}
	if err != nil {
		e.T.Fatal(err)
	}
	e.Holders[name] = h
	return h
}

// KeySpecs are the named holders' BIP-48 P2WSH account keys for generation
// gen, as `vault create --key NAME=[fp/path]xpub` takes them.
func (e *Env) KeySpecs(gen uint32, names ...string) []app.KeySpec {
	e.T.Helper()
	return e.KeySpecsOf(vault.P2WSH, gen, names...)
}

// KeySpecsOf is KeySpecs for script type st.
func (e *Env) KeySpecsOf(st vault.ScriptType, gen uint32, names ...string) []app.KeySpec {
	e.T.Helper()
	var out []app.KeySpec
	for _, n := range names {
		k, err := e.Holder(n).AccountKey(gen, st)
		if err != nil {
			e.T.Fatal(err)
		}
		out = append(out, app.KeySpec(n+"="+k.OriginString()))
	}
	return out
}

// Generation returns generation n of a vault.
func (e *Env) Generation(vaultName string, n int) app.Generation {
	e.T.Helper()
	d, err := e.App.ShowVault(e.Ctx, vaultName)
	if err != nil {
		e.T.Fatal(err)
	}
	for _, g := range d.Generations {
		if g.Number == n {
			return g
		}
	}
	e.T.Fatalf("vault %s has no generation %d", vaultName, n)
	return app.Generation{}
}
