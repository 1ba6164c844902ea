package app_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/fakenode"
	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/psbt"
)

// TestSignerPolicyCountsABumpOnce: the coordinator's daily cap counts a
// transfer and the fee bump that replaced it once, as the signers do (the
// two pay the same payment and only one can confirm); what goes beyond the
// cap is refused before anything is stored.
func TestSignerPolicyCountsABumpOnce(t *testing.T) {
	f := newFakeFixture(t, fakenode.Core)
	f.fundedOps(50_000_000)
	f.registerAll("ops")
	perDay := btcutil.Amount(12_000_000)
	if _, err := f.app.SetSignerPolicy(f.ctx, app.SignerPolicyRequest{Vault: "ops",
		Change: keys.PolicyChange{Allow: []string{f.payee()}, MaxPerDay: &perDay}}); err != nil {
		t.Fatal(err)
	}
	first, err := f.app.Propose(f.ctx, f.payRequest(10_000_000))
	if err != nil {
		t.Fatal(err)
	}
	f.send(first.Proposal.ID, f.sign(f.psbtOf(first), "alice", "bob"))
	bump, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(4)})
	if err != nil {
		t.Fatal(err)
	}
	f.sendReplacement(bump, "alice", "bob")
	f.mine(1)
	f.sync()
	if _, err := f.app.RegisterStandby(f.ctx, app.StandbyRequest{Vault: "ops", Keys: f.keys(2, "alice", "bob", "carol")}); err != nil {
		t.Fatal(err)
	}
	f.proveStandby("ops")
	f.deposit("ops", 20_000_000)
	f.mine(1)
	f.sync()

	before := f.dump()
	_, err = f.app.Propose(f.ctx, f.payRequest(3_000_000))
	if !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "0.10000000 BTC already signed") || !strings.Contains(err.Error(), "rule max-per-day") {
		t.Fatalf("0.03 BTC more after 0.10 (sent twice by fee): %v", err)
	}
	if f.dump() != before {
		t.Fatal("a refused proposal changed the database")
	}
	if _, err := f.app.Propose(f.ctx, f.payRequest(1_500_000)); err != nil {
		t.Fatalf("0.015 BTC more after 0.10 (sent twice by fee) fits 0.12: %v", err)
	}
}
