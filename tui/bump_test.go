package tui

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/internal/regtest"
	"github.com/treasury-dev/treasury/psbt"
)

// TestBumpFlowRegtest: a transfer stuck at 1 sat/vB is bumped from its
// detail screen: the preview shows the new fee and rate (nothing stored
// yet), a second enter creates the replacement and its PSBT is written.
func TestBumpFlowRegtest(t *testing.T) {
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
	if _, err := s.app.Sync(s.ctx, app.SyncRequest{}); err != nil {
		t.Fatal(err)
	}
	res, err := s.app.Propose(s.ctx, app.ProposeRequest{Vault: "ops", FeeRate: psbt.SatPerVByte(1),
		Payments: []app.Payment{{Address: s.payee("supplier"), Amount: 30_000_000}}})
	if err != nil {
		t.Fatal(err)
	}
	files := []app.CollectFile{{Source: "a", Data: []byte(s.sign(res.Proposal.PSBT, "alice"))}, {Source: "b", Data: []byte(s.sign(res.Proposal.PSBT, "bob"))}}
	if _, err := s.app.Collect(s.ctx, files); err != nil {
		t.Fatal(err)
	}
	if _, err := s.app.Broadcast(s.ctx, app.BroadcastRequest{ID: res.Proposal.ID}); err != nil {
		t.Fatal(err)
	}
	id := res.Proposal.ID
	dir := t.TempDir()
	d := drive(t, New(context.Background(), s.app, Options{Dir: dir}), 100, 40)
	d.waitFor("synced")
	d.press("2")
	d.waitFor(short(id))
	d.press("enter")
	d.waitFor("· broadcast ·", "f bumps its fee")
	d.press("f")
	d.waitFor("Fee bump of proposal " + short(id))
	d.typ("6")
	d.press("enter")
	d.waitFor("new fee", "6 sat/vB", "old fee", "press enter again")
	if list, _ := s.app.ListProposals(s.ctx, "ops"); len(list) != 1 {
		t.Fatalf("a preview stored a proposal: %d", len(list))
	}
	d.press("enter")
	d.waitFor("Write the PSBT of proposal", "replaces "+short(id))
	d.press("enter")
	d.waitFor("PSBT written to")
	d.finish()
	list, err := s.app.ListProposals(s.ctx, "ops")
	if err != nil || len(list) != 2 {
		t.Fatalf("proposals %d, %v", len(list), err)
	}
	bump := list[1].Proposal
	if _, err := os.Stat(filepath.Join(dir, short(bump.ID)+".psbt")); err != nil || bump.Fee <= res.Proposal.Fee {
		t.Fatalf("bump %s fee %d (was %d): %v", short(bump.ID), bump.Fee, res.Proposal.Fee, err)
	}
}
