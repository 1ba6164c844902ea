package tui

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/vault"
)

// proveStandby has every holder of the vault's standby prove their key in
// it at fixedNow, and records the proofs, so a cold spend may pay into it.
// The holders must have registered the vault (seed.register).
func (s *seed) proveStandby(vaultName string) {
	s.t.Helper()
	d, err := s.app.ShowVault(s.ctx, vaultName)
	if err != nil {
		s.t.Fatal(err)
	}
	var files []app.ProofFile
	for _, g := range d.Generations {
		if g.State != app.Standby {
			continue
		}
		desc, err := vault.ParseDescriptor(g.Descriptor)
		if err != nil {
			s.t.Fatal(err)
		}
		for _, h := range g.Holders {
			p, err := s.holder(h.Name).ProveStandby(desc, fixedNow)
			if err != nil {
				s.t.Fatalf("%s proves %s g%d: %v", h.Name, vaultName, g.Number, err)
			}
			b, err := p.Encode()
			if err != nil {
				s.t.Fatal(err)
			}
			files = append(files, app.ProofFile{Source: h.Name + ".proof", Data: b})
		}
	}
	if _, err := s.app.ProveStandby(s.ctx, app.ProveRequest{Vault: vaultName, Files: files}); err != nil {
		s.t.Fatalf("ProveStandby %s: %v", vaultName, err)
	}
}

// writeProofs has each named holder register descriptor and prove their key
// in it at fixedNow, as `treasury key prove` does, writing NAME.proof files
// into dir; it returns their paths.
func (s *seed) writeProofs(dir, descriptor string, names ...string) []string {
	s.t.Helper()
	desc, err := vault.ParseDescriptor(descriptor)
	if err != nil {
		s.t.Fatal(err)
	}
	var paths []string
	for _, n := range names {
		if _, err := s.holder(n).Register(desc); err != nil {
			s.t.Fatal(err)
		}
		p, err := s.holder(n).ProveStandby(desc, fixedNow)
		if err != nil {
			s.t.Fatal(err)
		}
		b, err := p.Encode()
		if err != nil {
			s.t.Fatal(err)
		}
		path := filepath.Join(dir, n+".proof")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			s.t.Fatal(err)
		}
		paths = append(paths, path)
	}
	return paths
}

// exportedDescriptor reads the first generation's descriptor from the
// output of 'treasury vault export --json'.
func (s *seed) exportedDescriptor(out string) string {
	s.t.Helper()
	var e struct {
		Generations []struct {
			Descriptor string `json:"descriptor"`
		} `json:"generations"`
	}
	if err := json.Unmarshal([]byte(out), &e); err != nil || len(e.Generations) == 0 {
		s.t.Fatalf("vault export --json: %v\n%s", err, out)
	}
	return e.Generations[0].Descriptor
}
