package app_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/regtest"
	"github.com/treasury-dev/treasury/psbt"
)

// relayFixture is a funded 2-of-3 vault on a btcd started with this
// --minrelaytxfee (BTC/kvB).
func relayFixture(t *testing.T, minRelay string) *fixture {
	t.Helper()
	if testing.Short() {
		t.Skip("regtest integration test; skipped with -short")
	}
	f := newFixtureOn(t, regtest.StartTWith(t, regtest.Options{ExtraArgs: []string{"--minrelaytxfee=" + minRelay}}))
	f.mine(101)
	f.fundedOps(50_000_000)
	return f
}

// TestRelayFloorRefusesBeforeSigning: a node relaying nothing below
// 5 sat/vB makes propose and rotate refuse 4.5 sat/vB, naming the floor,
// with the database untouched; 5 sat/vB is proposed, signed, sent, mined.
func TestRelayFloorRefusesBeforeSigning(t *testing.T) {
	f := relayFixture(t, "0.00005")
	before := f.dump()
	req := f.payRequest(10_000_000)
	req.FeeRate = 4500
	_, err := f.app.Propose(f.ctx, req)
	if !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "below the node's relay floor of 5 sat/vB") {
		t.Fatalf("propose at 4.5 sat/vB on a 5 sat/vB node: %v", err)
	}
	_, err = f.app.Rotate(f.ctx, app.RotateRequest{Vault: "ops", FeeRate: 4500})
	if !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "relay floor of 5 sat/vB") {
		t.Fatalf("rotate at 4.5 sat/vB on a 5 sat/vB node: %v", err)
	}
	if after := f.dump(); after != before {
		t.Fatal("a refused proposal changed the database")
	}
	req.FeeRate = psbt.SatPerVByte(5)
	res, err := f.app.Propose(f.ctx, req)
	if err != nil {
		t.Fatalf("propose at the floor: %v", err)
	}
	f.signAndSend(res, "alice", "bob")
	if d, _ := f.app.ShowProposal(f.ctx, res.Proposal.ID); d.Proposal.State != app.Confirmed {
		t.Fatalf("proposal at the floor is %s", d.Proposal.State)
	}
}

// TestRelayBelowOneSatPerVByte: a node that relays 0.1 sat/vB (Bitcoin
// Core 29.1's default) takes a 0.5 sat/vB transfer, end to end; the node's
// estimate is never raised above what the user asked.
func TestRelayBelowOneSatPerVByte(t *testing.T) {
	f := relayFixture(t, "0.000001")
	req := f.payRequest(10_000_000)
	req.FeeRate = 500
	res, err := f.app.Propose(f.ctx, req)
	if err != nil {
		t.Fatalf("propose at 0.5 sat/vB on a 0.1 sat/vB node: %v", err)
	}
	if res.FeeRate != 500 || res.Proposal.Fee != psbt.Fee(res.Proposal.VSize, 500) {
		t.Fatalf("rate %s, fee %d for %d vB", res.FeeRate, res.Proposal.Fee, res.Proposal.VSize)
	}
	f.signAndSend(res, "alice", "carol")
	if d, _ := f.app.ShowProposal(f.ctx, res.Proposal.ID); d.Proposal.State != app.Confirmed {
		t.Fatalf("0.5 sat/vB proposal is %s", d.Proposal.State)
	}
}
