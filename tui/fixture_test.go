package tui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/apptest"
	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/internal/store"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// fixedNow is the clock of every seeded database; the TUI's clock runs
// three hours later, so ages read "3h".
var (
	fixedNow = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	tuiNow   = fixedNow.Add(3 * time.Hour)
)

// seed is a treasury database on a temporary SQLite file with the data
// the screens show. Its holders come from BIP-39 test vectors, so every
// key, descriptor, address and proposal id is the same on every run.
type seed struct {
	t      testing.TB
	ctx    context.Context
	env    *apptest.Env
	db     *store.DB
	app    *app.App
	net    vault.Network
	funded uint32 // counter making each fake funding transaction unique
	ops    string // the id of the ops transfer
	legacy string // the id of the legacy rotation
}

func newSeed(t testing.TB) *seed {
	t.Helper()
	e := apptest.Open(t, apptest.Options{Ctx: context.Background(), Now: fixedNow, Mnemonics: apptest.VectorMnemonics})
	return &seed{t: t, ctx: e.Ctx, env: e, db: e.DB, app: e.App, net: e.Net}
}

func (s *seed) holder(name string) *keys.File { return s.env.Holder(name) }

// keySpecs are the holders' BIP-48 account keys for generation gen.
func (s *seed) keySpecs(gen uint32, names ...string) []app.KeySpec {
	return s.env.KeySpecs(gen, names...)
}

func (s *seed) createVault(name string, m int, cold, standby []app.KeySpec) {
	s.t.Helper()
	req := app.CreateVaultRequest{Name: name, Threshold: m, Keys: cold, StandbyKeys: standby}
	if _, err := s.app.CreateVault(s.ctx, req); err != nil {
		s.t.Fatalf("CreateVault %s: %v", name, err)
	}
}

func (s *seed) generation(vaultName string, n int) app.Generation {
	return s.env.Generation(vaultName, n)
}

// deposit records an output of value paying generation gen's receive
// address index, as a sync would after seeing it at height (0: mempool).
func (s *seed) deposit(vaultName string, gen int, index uint32, value btcutil.Amount, height int32) {
	s.t.Helper()
	g := s.generation(vaultName, gen)
	d, err := vault.ParseDescriptor(g.Descriptor)
	if err != nil {
		s.t.Fatal(err)
	}
	dv, err := d.Derive(s.net, 0, index)
	if err != nil {
		s.t.Fatal(err)
	}
	s.funded++
	var prev chainhash.Hash
	binary.BigEndian.PutUint32(prev[:], s.funded)
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&prev, 0), nil, nil))
	tx.AddTxOut(wire.NewTxOut(int64(value), dv.PkScript))
	var raw bytes.Buffer
	if err := tx.Serialize(&raw); err != nil {
		s.t.Fatal(err)
	}
	u := &app.UTXO{OutPoint: wire.OutPoint{Hash: tx.TxHash(), Index: 0}, Value: value, PkScript: dv.PkScript,
		GenerationID: g.ID, Chain: 0, Index: index, Height: height, PrevTx: raw.Bytes()}
	if height > 0 {
		u.BlockHash = blockHash(height).String()
	}
	s.update(func(tx app.Tx) error { return tx.PutUTXO(u) })
}

func blockHash(h int32) chainhash.Hash { return sha256.Sum256([]byte{byte(h >> 8), byte(h)}) }

func (s *seed) update(fn func(app.Tx) error) {
	s.t.Helper()
	if err := s.db.Update(s.ctx, fn); err != nil {
		s.t.Fatal(err)
	}
}

// payee is an address outside every vault.
func (s *seed) payee(label string) string {
	s.t.Helper()
	prog := sha256.Sum256([]byte(label))
	a, err := address.NewAddressWitnessScriptHash(prog[:], s.net.Params)
	if err != nil {
		s.t.Fatal(err)
	}
	return a.EncodeAddress()
}

// register has every holder trust every generation of the vault.
func (s *seed) register(vaultName string) { s.env.RegisterAll(vaultName) }

// sign has holder review and sign their own copy of the PSBT raw and
// returns the signed copy in base64.
func (s *seed) sign(raw []byte, holder string) string {
	return string(s.env.Sign(raw, holder)[0].Data)
}

// newScreensSeed builds the data every golden file shows: ops (2-of-3
// with a standby, one transfer signed by alice), reserve (no standby) and
// legacy (a late deposit to its hot generation, swept by a rotation).
func newScreensSeed(t testing.TB) *seed {
	s := newSeed(t)
	s.createVault("ops", 2, s.keySpecs(0, "alice", "bob", "carol"), s.keySpecs(1, "alice", "bob", "carol"))
	s.createVault("reserve", 2, s.keySpecs(0, "dave", "erin"), nil)
	s.createVault("legacy", 2, s.keySpecs(2, "alice", "bob", "carol"), s.keySpecs(3, "alice", "bob", "carol"))
	s.update(func(tx app.Tx) error { return tx.PutBlock(110, blockHash(110).String()) })
	s.deposit("ops", 0, 0, 150_000_000, 101)
	s.deposit("ops", 0, 1, 50_000_000, 105)
	s.deposit("reserve", 0, 0, 25_000_000, 102)
	leg0, leg1 := s.generation("legacy", 0), s.generation("legacy", 1)
	s.update(func(tx app.Tx) error {
		return errors.Join(tx.SetGenerationState(leg0.ID, app.Hot), tx.SetGenerationState(leg1.ID, app.Cold))
	})
	s.deposit("legacy", 0, 3, 20_000_000, 108)
	s.register("ops")
	s.proveStandby("ops")
	res, err := s.app.Propose(s.ctx, app.ProposeRequest{Vault: "ops", FeeRate: psbt.SatPerVByte(5), Memo: "invoice 42",
		Payments: []app.Payment{{Address: s.payee("supplier"), Amount: 40_000_000}}})
	if err != nil {
		t.Fatalf("Propose: %v", err)
	}
	s.ops = res.Proposal.ID
	// An unconfirmed deposit, arrived after the proposal was made (a cold
	// spend refuses while one is waiting, since it must move everything).
	s.deposit("ops", 0, 2, 10_000_000, 0)
	if _, err := s.app.Collect(s.ctx, []app.CollectFile{{Source: "alice.psbt", Data: []byte(s.sign(res.Proposal.PSBT, "alice"))}}); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	gen := 0
	rot, err := s.app.Rotate(s.ctx, app.RotateRequest{Vault: "legacy", Generation: &gen, Memo: "late deposit"})
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	s.legacy = rot.Proposal.ID
	return s
}

// unreachable is a node that never answers, as a down node looks.
func unreachable(context.Context) (app.Chain, error) {
	return nil, errors.New("dial tcp 127.0.0.1:18443: connect: connection refused")
}

// signFully adds bob's signature to proposal id, which alice signed, so it
// has its 2 of 2.
func (s *seed) signFully(id string) {
	s.t.Helper()
	d, err := s.app.ShowProposal(s.ctx, id)
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.app.Collect(s.ctx, []app.CollectFile{{Source: "bob.psbt", Data: []byte(s.sign(d.Proposal.PSBT, "bob"))}}); err != nil {
		s.t.Fatalf("Collect: %v", err)
	}
}

// cancel cancels proposal id.
func (s *seed) cancel(id string) {
	s.t.Helper()
	if _, err := s.app.Cancel(s.ctx, id); err != nil {
		s.t.Fatalf("Cancel: %v", err)
	}
}
