package tui

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/treasury-dev/treasury/vault"
)

// proveStandby has every holder of the vault's standby prove their key in
// it at fixedNow, and records the proofs, so a cold spend may pay into it.
func (s *seed) proveStandby(vaultName string) { s.env.ProveStandby(vaultName) }

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
		p := s.env.Proof(s.holder(n), desc, fixedNow)
		path := filepath.Join(dir, p.Source)
		if err := os.WriteFile(path, p.Data, 0o600); err != nil {
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
