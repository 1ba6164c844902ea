package tui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
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

// mnemonics are BIP-39 test vectors, so every key, descriptor, address
// and proposal id is the same on every run.
var mnemonics = map[string]string{
	"alice": "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
	"bob":   "legal winner thank year wave sausage worth useful legal winner thank yellow",
	"carol": "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
	"dave":  "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
	"erin":  "scheme spot photo card baby mountain device kick cradle pact join borrow",
}

// seed is a treasury database on a temporary SQLite file with the data
// the screens show.
type seed struct {
	t       testing.TB
	ctx     context.Context
	db      *store.DB
	app     *app.App
	net     vault.Network
	holders map[string]*keys.File
	funded  uint32 // counter making each fake funding transaction unique
	ops     string // the id of the ops transfer
	legacy  string // the id of the legacy rotation
}

func newSeed(t testing.TB) *seed {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "treasury.db"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := app.Init(ctx, db, app.InitRequest{Network: "regtest"}, "test", fixedNow); err != nil {
		t.Fatal(err)
	}
	net, err := vault.ParseNetwork("regtest")
	if err != nil {
		t.Fatal(err)
	}
	a := &app.App{Store: db, Net: net, Actor: "test", Now: func() time.Time { return fixedNow }, FallbackFeeRate: psbt.SatPerVByte(2)}
	return &seed{t: t, ctx: ctx, db: db, app: a, net: net, holders: map[string]*keys.File{}}
}

func (s *seed) holder(name string) *keys.File {
	s.t.Helper()
	if h, ok := s.holders[name]; ok {
		return h
	}
	h, err := keys.FromMnemonic(name, s.net, mnemonics[name], "")
	if err != nil {
		s.t.Fatal(err)
	}
	s.holders[name] = h
	return h
}

// keySpecs are the holders' BIP-48 account keys for generation gen.
func (s *seed) keySpecs(gen uint32, names ...string) []app.KeySpec {
	s.t.Helper()
	var out []app.KeySpec
	for _, n := range names {
		k, err := s.holder(n).AccountKey(gen, vault.P2WSH)
		if err != nil {
			s.t.Fatal(err)
		}
		out = append(out, app.KeySpec(n+"="+k.OriginString()))
	}
	return out
}

func (s *seed) createVault(name string, m int, cold, standby []app.KeySpec) {
	s.t.Helper()
	req := app.CreateVaultRequest{Name: name, Threshold: m, Keys: cold, StandbyKeys: standby}
	if _, err := s.app.CreateVault(s.ctx, req); err != nil {
		s.t.Fatalf("CreateVault %s: %v", name, err)
	}
}

func (s *seed) generation(vaultName string, n int) app.Generation {
	s.t.Helper()
	d, err := s.app.ShowVault(s.ctx, vaultName)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, g := range d.Generations {
		if g.Number == n {
			return g
		}
	}
	s.t.Fatalf("vault %s has no generation %d", vaultName, n)
	return app.Generation{}
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
func (s *seed) register(vaultName string) {
	s.t.Helper()
	d, err := s.app.ShowVault(s.ctx, vaultName)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, g := range d.Generations {
		desc, err := vault.ParseDescriptor(g.Descriptor)
		if err != nil {
			s.t.Fatal(err)
		}
		for _, h := range g.Holders {
			if _, err := s.holder(h.Name).Register(desc); err != nil {
				s.t.Fatalf("%s registers %s g%d: %v", h.Name, vaultName, g.Number, err)
			}
		}
	}
}

// sign has holder review and sign their own copy of the PSBT raw and
// returns the signed copy in base64.
func (s *seed) sign(raw []byte, holder string) string {
	s.t.Helper()
	p, err := psbt.Decode(raw)
	if err != nil {
		s.t.Fatal(err)
	}
	r, err := s.holder(holder).Review(p)
	if err != nil {
		s.t.Fatalf("%s reviews: %v", holder, err)
	}
	if _, err := s.holder(holder).Sign(p, r); err != nil {
		s.t.Fatalf("%s signs: %v", holder, err)
	}
	b, err := psbt.EncodeBase64(p)
	if err != nil {
		s.t.Fatal(err)
	}
	return b
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
