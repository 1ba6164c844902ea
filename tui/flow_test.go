package tui

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/internal/regtest"
)

// TestTransferFlowRegtest drives the TUI against a real regtest btcd: a
// transfer is created and its PSBT written, two holders sign copies
// offline, both files are imported, the broadcast is confirmed by typing
// the id, and after a block and a sync the proposal shows confirmed.
func TestTransferFlowRegtest(t *testing.T) {
	if testing.Short() {
		t.Skip("regtest integration test; skipped with -short")
	}
	node := regtest.StartT(t)
	s := newSeed(t)
	s.app.Now = nil
	s.app.Chain = chain.Dialer(node.RPC(), s.net.Params)
	s.createVault("ops", 2, s.keySpecs(0, "alice", "bob", "carol"), s.keySpecs(1, "alice", "bob", "carol"))
	s.register("ops")
	s.proveStandby("ops")
	addr, err := s.app.Address(s.ctx, app.AddressRequest{Vault: "ops"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := node.FundAddress(s.ctx, addr.Address, 100_000_000); err != nil {
		t.Fatal(err)
	}
	if _, err := node.Mine(s.ctx, 1); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	d := drive(t, New(context.Background(), s.app, Options{Dir: dir}), 80, 24)
	d.waitFor("synced", "1.00000000 BTC")

	d.press("n")
	d.waitFor("New transfer")
	d.typ(s.payee("supplier"))
	d.press("enter")
	d.typ("0.3btc")
	d.press("enter")
	d.typ("2")
	d.press("enter")
	d.typ("flow test")
	d.press("enter")
	d.waitFor("Preview of the transfer", "After broadcast")
	d.press("enter")
	d.waitFor("Write the PSBT of proposal")
	d.press("enter")
	d.waitFor("PSBT written to", "Signatures")

	list, err := s.app.ListProposals(s.ctx, "ops")
	if err != nil || len(list) != 1 {
		t.Fatalf("proposals %d, %v", len(list), err)
	}
	id := list[0].Proposal.ID
	raw, err := os.ReadFile(filepath.Join(dir, short(id)+".psbt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"alice", "bob"} {
		if err := os.WriteFile(filepath.Join(dir, h+".psbt"), []byte(s.sign(raw, h)), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	d.press("i")
	d.waitFor("Import signatures")
	d.typ("ali")
	d.press("tab")
	d.waitFor("alice.psbt")
	d.press("enter")
	d.waitFor("from alice.psbt")
	d.typ("bob.psbt")
	d.press("enter")
	d.waitFor("from bob.psbt", "ready")
	d.press("esc")
	d.waitFor("Signatures", "threshold met")

	d.press("b")
	d.waitFor("Broadcast proposal " + short(id))
	d.typ(id[:8])
	d.press("enter")
	d.waitFor("broadcast ", "· broadcast ·")
	if _, err := node.Mine(s.ctx, 1); err != nil {
		t.Fatal(err)
	}
	d.press("s")
	d.waitFor("· confirmed ·", "proposal "+short(id)+" confirmed")
	d.finish()
}
