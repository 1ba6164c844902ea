// Package sandbox sets up a throwaway treasury on a local regtest node: key
// files for three holders, a 2-of-3 vault with a standby generation, a few
// deposits, and one full transfer that rotates the cold generation. It is
// what `treasury sandbox` runs, so a newcomer sees the whole flow with one
// command.
//
// Everything here is for demonstration: the key files use a fixed test
// passphrase written next to them.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/internal/regtest"
	"github.com/treasury-dev/treasury/internal/store"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// TestPassphrase encrypts the sandbox's key files. It is printed and
// written to disk on purpose: never use it, or the sandbox keys, for money.
const TestPassphrase = "sandbox-TEST-ONLY-passphrase"

// VaultName is the sandbox vault's name.
const VaultName = "treasury"

// Holders are the sandbox's key holders.
var Holders = []string{"alice", "bob", "carol"}

// Options configure Run.
type Options struct {
	Dir string    // where everything goes; created if missing
	Out io.Writer // the narrative for the user
	Log io.Writer // btcd's output; nil discards it
	// Actor is the person running the sandbox; the audit log records every
	// step, and everything done in its TUI, as theirs (never "sandbox").
	Actor string
}

// Sandbox is a running sandbox. Stop it with Close.
type Sandbox struct {
	Dir      string
	DataDir  string
	KeysDir  string
	PassFile string
	Node     *regtest.Node
	App      *app.App
	DB       *store.DB
	Keys     map[string]*keys.File
	Transfer *app.BroadcastResult
	out      io.Writer
	actor    string
}

// Run starts the node and plays the scripted flow. On error everything it
// started is stopped.
func Run(ctx context.Context, opt Options) (s *Sandbox, err error) {
	if opt.Out == nil {
		opt.Out = io.Discard
	}
	if strings.TrimSpace(opt.Actor) == "" {
		return nil, errors.New("sandbox: the person running it must be named, for the audit log")
	}
	s = &Sandbox{Dir: opt.Dir, DataDir: filepath.Join(opt.Dir, "data"), KeysDir: filepath.Join(opt.Dir, "keys"),
		Keys: map[string]*keys.File{}, out: opt.Out, actor: opt.Actor}
	s.PassFile = filepath.Join(s.KeysDir, "TEST-ONLY-passphrase.txt")
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	steps := []struct {
		what string
		fn   func(context.Context) error
	}{
		{"starting a regtest btcd node", func(ctx context.Context) error { return s.startNode(ctx, opt.Log) }},
		{"creating key files for alice, bob and carol (TEST passphrase)", s.makeKeys},
		{"initializing the treasury database", s.initData},
		{"creating the 2-of-3 vault with a standby generation, which each holder proves", s.createVault},
		{"funding it with three deposits and syncing", s.fund},
		{"proposing a 1 BTC transfer; alice and bob sign offline; collecting; broadcasting", s.transfer},
		{"mining a block, syncing, and registering the next standby generation", s.confirm},
	}
	for i, st := range steps {
		fmt.Fprintf(s.out, "[%d/%d] %s\n", i+1, len(steps), st.what)
		if err := st.fn(ctx); err != nil {
			return s, fmt.Errorf("sandbox: %s: %w", st.what, err)
		}
	}
	return s, nil
}

// Close stops the node and closes the database; the files stay.
func (s *Sandbox) Close() error {
	var err error
	if s.DB != nil {
		err = s.DB.Close()
		s.DB = nil
	}
	if s.Node != nil {
		if e := s.Node.Stop(); e != nil && err == nil {
			err = e
		}
		s.Node = nil
	}
	return err
}

func (s *Sandbox) startNode(ctx context.Context, log io.Writer) error {
	for _, d := range []string{s.Dir, s.DataDir, s.KeysDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	n, err := regtest.Start(ctx, regtest.Options{Dir: filepath.Join(s.Dir, "node"), Log: log})
	if err != nil {
		return err
	}
	s.Node = n
	return nil
}

func (s *Sandbox) network() vault.Network {
	n, _ := vault.ParseNetwork("regtest")
	return n
}

func (s *Sandbox) makeKeys(context.Context) error {
	if err := os.WriteFile(s.PassFile, []byte(TestPassphrase+"\n"), 0o600); err != nil {
		return err
	}
	for _, name := range Holders {
		f, _, err := keys.New(name, s.network(), 256, "")
		if err != nil {
			return err
		}
		if err := f.SaveNew(s.keyPath(name), []byte(TestPassphrase)); err != nil {
			return err
		}
		s.Keys[name] = f
	}
	return nil
}

func (s *Sandbox) keyPath(name string) string { return filepath.Join(s.KeysDir, name+".key") }

func (s *Sandbox) initData(ctx context.Context) error {
	db, err := store.Open(ctx, filepath.Join(s.DataDir, "treasury.db"), store.Options{Create: true})
	if err != nil {
		return err
	}
	s.DB = db
	if _, err := app.Init(ctx, db, app.InitRequest{Network: "regtest"}, s.actor, time.Now()); err != nil {
		return err
	}
	rpc := s.Node.RPC()
	id, err := app.DatabaseID(ctx, db)
	if err != nil {
		return err
	}
	// database_created and database_id, as init records them: a database
	// later deleted, emptied or replaced is refused instead of used.
	cfg := fmt.Sprintf("{\n  \"rpc_url\": %q,\n  \"rpc_user\": %q,\n  \"rpc_pass\": %q,\n  \"fallback_fee_rate\": 2,\n  \"database_created\": %q,\n  \"database_id\": %q\n}\n",
		rpc.Host, rpc.User, rpc.Pass, time.Now().UTC().Format(time.RFC3339), id)
	if err := os.WriteFile(filepath.Join(s.DataDir, "config.json"), []byte(cfg), 0o600); err != nil {
		return err
	}
	s.App = &app.App{Store: db, Net: s.network(), Actor: s.actor, Chain: chain.Dialer(rpc, s.network().Params),
		FallbackFeeRate: psbt.SatPerVByte(2)}
	return nil
}

// keySpecs are the holders' keys of one generation, as officers paste them.
func (s *Sandbox) keySpecs(gen uint32) ([]app.KeySpec, error) {
	var out []app.KeySpec
	for _, name := range Holders {
		k, err := s.Keys[name].AccountKey(gen, vault.P2WSH)
		if err != nil {
			return nil, err
		}
		out = append(out, app.KeySpec(name+"="+k.OriginString()))
	}
	return out, nil
}

func (s *Sandbox) createVault(ctx context.Context) error {
	cold, err := s.keySpecs(0)
	if err != nil {
		return err
	}
	standby, err := s.keySpecs(1)
	if err != nil {
		return err
	}
	_, err = s.App.CreateVault(ctx, app.CreateVaultRequest{Name: VaultName, Threshold: 2, Keys: cold, StandbyKeys: standby, Birthday: -1})
	if err != nil {
		return err
	}
	if err := s.registerAll(ctx); err != nil {
		return err
	}
	return s.proveStandby(ctx)
}

// registerAll has every holder trust every generation, and saves the files.
func (s *Sandbox) registerAll(ctx context.Context) error {
	d, err := s.App.ShowVault(ctx, VaultName)
	if err != nil {
		return err
	}
	// Registered as 'key register --vault-export' does, with the vault's
	// name and each generation's number, so that the key files answer
	// 'key prove --vault treasury --generation N' and 'key show' as a
	// holder's would.
	var cands []keys.Candidate
	for _, g := range d.Generations {
		desc, err := vault.ParseDescriptor(g.Descriptor)
		if err != nil {
			return err
		}
		cands = append(cands, keys.Candidate{Descriptor: desc, Vault: VaultName, Generation: g.Number})
	}
	for _, name := range Holders {
		f := s.Keys[name]
		plan, err := f.PlanRegistration(cands)
		if err != nil {
			return err
		}
		if _, _, err := f.ApplyRegistration(plan, false); err != nil {
			return err
		}
		if err := f.Save(s.keyPath(name), []byte(TestPassphrase)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Sandbox) fund(ctx context.Context) error {
	for _, amt := range []btcutil.Amount{150_000_000, 225_000_000, 75_000_000} {
		a, err := s.App.Address(ctx, app.AddressRequest{Vault: VaultName})
		if err != nil {
			return err
		}
		if _, err := s.Node.FundAddress(ctx, a.Address, amt); err != nil {
			return err
		}
		fmt.Fprintf(s.out, "      deposit %s to %s\n", amt, a.Address)
	}
	if _, err := s.Node.Mine(ctx, 1); err != nil {
		return err
	}
	_, err := s.App.Sync(ctx, app.SyncRequest{})
	return err
}

func (s *Sandbox) transfer(ctx context.Context) error {
	res, err := s.App.Propose(ctx, app.ProposeRequest{Vault: VaultName, FeeRate: psbt.SatPerVByte(5), Memo: "sandbox: first transfer",
		Payments: []app.Payment{{Address: s.Node.Address(), Amount: btcutil.SatoshiPerBitcoin}}})
	if err != nil {
		return err
	}
	id := res.Proposal.ID[:12]
	unsigned, err := psbt.EncodeBase64(res.PSBT)
	if err != nil {
		return err
	}
	base := filepath.Join(s.Dir, "proposal-"+id)
	if err := os.WriteFile(base+".psbt", []byte(unsigned+"\n"), 0o644); err != nil {
		return err
	}
	var files []app.CollectFile
	for _, name := range []string{"alice", "bob"} {
		signed, err := s.signAs(name, []byte(unsigned))
		if err != nil {
			return err
		}
		path := base + "." + name + ".psbt"
		if err := os.WriteFile(path, signed, 0o644); err != nil {
			return err
		}
		files = append(files, app.CollectFile{Source: path, Data: signed})
	}
	col, err := s.App.Collect(ctx, files)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "      proposal %s: %s\n", id, col.Proposals[0].Quorum.String())
	s.Transfer, err = s.App.Broadcast(ctx, app.BroadcastRequest{ID: res.Proposal.ID})
	if err == nil {
		fmt.Fprintf(s.out, "      broadcast %s\n", s.Transfer.TxID)
	}
	return err
}

// signAs is what `treasury key sign` does on the holder's offline machine.
func (s *Sandbox) signAs(name string, raw []byte) ([]byte, error) {
	p, err := psbt.Decode(raw)
	if err != nil {
		return nil, err
	}
	f := s.Keys[name]
	r, err := f.Review(p)
	if err != nil {
		return nil, err
	}
	if _, err := f.Sign(p, r); err != nil {
		return nil, err
	}
	b, err := psbt.EncodeBase64(p)
	return []byte(b + "\n"), err
}

func (s *Sandbox) confirm(ctx context.Context) error {
	if _, err := s.Node.Mine(ctx, 1); err != nil {
		return err
	}
	if _, err := s.App.Sync(ctx, app.SyncRequest{}); err != nil {
		return err
	}
	next, err := s.keySpecs(2)
	if err != nil {
		return err
	}
	if _, err := s.App.RegisterStandby(ctx, app.StandbyRequest{Vault: VaultName, Keys: next}); err != nil {
		return err
	}
	if err := s.registerAll(ctx); err != nil {
		return err
	}
	return s.proveStandby(ctx)
}
