package sandbox

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/keys"
)

func TestSandboxRunsTheWholeFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a regtest node")
	}
	keys.ScryptWorkFactor = 10
	var out bytes.Buffer
	dir := t.TempDir()
	if _, err := Run(t.Context(), Options{Dir: dir, Out: &out}); err == nil {
		t.Fatal("a sandbox with no one named as its actor started")
	}
	s, err := Run(t.Context(), Options{Dir: dir, Out: &out, Actor: "dana"})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	defer s.Close()
	ctx := t.Context()
	d, err := s.App.ShowVault(ctx, VaultName)
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, g := range d.Generations {
		states = append(states, string(g.State))
	}
	if got := strings.Join(states, " "); got != "retired cold standby" {
		t.Fatalf("generation states %q, want the first rotated out, the second cold, a third standing by", got)
	}
	bal, err := s.App.Balance(ctx, app.BalanceRequest{Vault: VaultName})
	if err != nil {
		t.Fatal(err)
	}
	// 4.5 BTC deposited, 1 BTC paid, the fee at 5 sat/vB for a 3-input 2-of-3.
	if c := bal.Generations[1].Confirmed; c < 349_990_000 || c >= 350_000_000 {
		t.Fatalf("new cold generation holds %d sat", c)
	}
	if _, err := s.App.AuditVerify(ctx); err != nil {
		t.Fatal(err)
	}
	// Every step is recorded as the person's, never as the program's.
	entries, err := s.App.AuditLog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Actor != "dana" {
			t.Fatalf("entry %d (%s) records actor %q, want the person running the sandbox", e.Seq, e.Action, e.Actor)
		}
	}
	for _, name := range Holders {
		fi, err := os.Stat(filepath.Join(dir, "keys", name+".key"))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file %s: %v %v", name, fi, err)
		}
		f, err := keys.Load(filepath.Join(dir, "keys", name+".key"), []byte(TestPassphrase))
		if err != nil || len(f.Registered) != 3 {
			t.Fatalf("%s's key file: %v, %d registered", name, err, len(f.Registered))
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
