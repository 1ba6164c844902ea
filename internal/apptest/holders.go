package apptest

import (
	"errors"
	"time"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// RegisterAll has every holder of any generation of the vault whose key
// file the Env holds trust every generation, as each would with `treasury
// key register --vault-export`: their own generations as signers, the
// others as destinations. A generation with a key that claims a holder's
// fingerprint without being theirs is refused by that holder and skipped.
func (e *Env) RegisterAll(vaultName string) {
	e.T.Helper()
	d, err := e.App.ShowVault(e.Ctx, vaultName)
	if err != nil {
		e.T.Fatal(err)
	}
	members := map[string]bool{}
	for _, g := range d.Generations {
		for _, h := range g.Holders {
			members[h.Name] = true
		}
	}
	for name := range members {
		kf, ok := e.Holders[name]
		if !ok {
			continue
		}
		for _, g := range d.Generations {
			desc, err := vault.ParseDescriptor(g.Descriptor)
			if err != nil {
				e.T.Fatal(err)
			}
			if _, err := kf.Register(desc); errors.Is(err, keys.ErrForeignDescriptor) {
				if _, err := kf.RegisterDestination(desc); err != nil {
					e.T.Fatalf("%s registers %s g%d as a destination: %v", name, vaultName, g.Number, err)
				}
			} else if errors.Is(err, keys.ErrFalseOrigin) {
				continue
			} else if err != nil {
				e.T.Fatalf("%s registers %s g%d: %v", name, vaultName, g.Number, err)
			}
		}
	}
}

// Sign has each named holder review and sign their own copy of the PSBT
// raw, as `treasury key sign` does, and returns the signed copies (base64)
// as the files to collect, NAME.psbt.
func (e *Env) Sign(raw []byte, names ...string) []app.CollectFile {
	e.T.Helper()
	var out []app.CollectFile
	for _, n := range names {
		p, err := psbt.Decode(raw)
		if err != nil {
			e.T.Fatal(err)
		}
		r, err := e.Holder(n).Review(p)
		if err != nil {
			e.T.Fatalf("%s reviews: %v", n, err)
		}
		if _, err := e.Holder(n).Sign(p, r); err != nil {
			e.T.Fatalf("%s signs: %v", n, err)
		}
		b, err := psbt.EncodeBase64(p)
		if err != nil {
			e.T.Fatal(err)
		}
		out = append(out, app.CollectFile{Source: n + ".psbt", Data: []byte(b)})
	}
	return out
}

// Standby returns the vault's standby generation and its descriptor.
func (e *Env) Standby(vaultName string) (app.Generation, *vault.Descriptor) {
	e.T.Helper()
	d, err := e.App.ShowVault(e.Ctx, vaultName)
	if err != nil {
		e.T.Fatal(err)
	}
	for _, g := range d.Generations {
		if g.State == app.Standby {
			desc, err := vault.ParseDescriptor(g.Descriptor)
			if err != nil {
				e.T.Fatal(err)
			}
			return g, desc
		}
	}
	e.T.Fatalf("vault %s has no standby", vaultName)
	return app.Generation{}, nil
}

// Proof has kf register desc and prove its key in it at the given time, as
// `treasury key prove` does, and returns the proof file, NAME.proof.
func (e *Env) Proof(kf *keys.File, desc *vault.Descriptor, at time.Time) app.ProofFile {
	e.T.Helper()
	if _, err := kf.Register(desc); err != nil {
		e.T.Fatalf("%s registers the standby: %v", kf.Name, err)
	}
	p, err := kf.ProveStandby(desc, at)
	if err != nil {
		e.T.Fatalf("%s proves the standby: %v", kf.Name, err)
	}
	b, err := p.Encode()
	if err != nil {
		e.T.Fatal(err)
	}
	return app.ProofFile{Source: kf.Name + ".proof", Data: b}
}

// ProveStandby has every holder of the vault's standby generation whose key
// file the Env holds register it and prove their key in it at the Env's
// clock, and records the proofs, as `treasury key prove` and `treasury
// vault prove` do: a cold spend may then pay into the standby.
func (e *Env) ProveStandby(vaultName string) {
	e.T.Helper()
	g, desc := e.Standby(vaultName)
	var files []app.ProofFile
	for _, h := range g.Holders {
		if kf, ok := e.Holders[h.Name]; ok {
			files = append(files, e.Proof(kf, desc, e.Now()))
		}
	}
	if _, err := e.App.ProveStandby(e.Ctx, app.ProveRequest{Vault: vaultName, Files: files}); err != nil {
		e.T.Fatalf("ProveStandby %s: %v", vaultName, err)
	}
}
