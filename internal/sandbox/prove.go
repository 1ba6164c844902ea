package sandbox

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/vault"
)

// proveStandby is what each holder's `treasury key prove` and the officer's
// `treasury vault prove` do: every holder proves their key in the standby
// generation, so that the next cold spend may pay into it.
func (s *Sandbox) proveStandby(ctx context.Context) error {
	d, err := s.App.ShowVault(ctx, VaultName)
	if err != nil {
		return err
	}
	var standby *app.Generation
	for i := range d.Generations {
		if d.Generations[i].State == app.Standby {
			standby = &d.Generations[i]
		}
	}
	if standby == nil {
		return fmt.Errorf("vault %s has no standby generation to prove", VaultName)
	}
	desc, err := vault.ParseDescriptor(standby.Descriptor)
	if err != nil {
		return err
	}
	var files []app.ProofFile
	for _, name := range Holders {
		p, err := s.Keys[name].ProveStandby(desc, time.Now())
		if err != nil {
			return err
		}
		b, err := p.Encode()
		if err != nil {
			return err
		}
		path := filepath.Join(s.Dir, fmt.Sprintf("standby-g%d.%s.proof", standby.Number, name))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
		files = append(files, app.ProofFile{Source: path, Data: b})
	}
	res, err := s.App.ProveStandby(ctx, app.ProveRequest{Vault: VaultName, Files: files})
	if err != nil {
		return err
	}
	for _, st := range res.Status {
		fmt.Fprintf(s.out, "      generation %d proven by %s (%d needed)\n", st.Generation, strings.Join(st.Proven, ", "), st.Needed)
	}
	return nil
}
