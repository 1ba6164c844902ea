package app_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/fakenode"
	"github.com/treasury-dev/treasury/psbt"
)

// TestBumpOnCoreRelayingTenthSat plays Bitcoin Core 29.1 without -txindex
// (minrelaytxfee and incrementalrelayfee 0.1 sat/vB): a transfer at
// 0.5 sat/vB is proposed and sent; a bump at 0.55 sat/vB does not add the
// incremental fee and is refused with the minimum; 0.7 sat/vB replaces it
// and confirms, the first is replaced. Then a full mempool (mempoolminfee
// 3 sat/vB) refuses a 2 sat/vB proposal, naming that floor, before
// anything is written.
func TestBumpOnCoreRelayingTenthSat(t *testing.T) {
	f := newFakeFixture(t, fakenode.Core)
	f.fake.SetRelayFees(app.RelayFees{MinRelay: 100, MempoolMin: 100, Incremental: 100, Source: "getmempoolinfo"})
	first, _ := f.sentColdSpend(500)
	_, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: 550})
	if !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "not high enough") || !strings.Contains(err.Error(), "incremental relay fee of 0.1 sat/vB") {
		t.Fatalf("bump at 0.55 sat/vB: %v", err)
	}
	bump, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: 700})
	if err != nil {
		t.Fatalf("bump at 0.7 sat/vB: %v", err)
	}
	if bump.MinFeeRate > 700 || bump.MinFeeRate <= 500 || bump.Proposal.Fee < bump.OldFee+psbt.Fee(bump.Proposal.VSize, 100) {
		t.Fatalf("minimum %s, fee %d after %d", bump.MinFeeRate, bump.Proposal.Fee, bump.OldFee)
	}
	f.sendReplacement(bump, "alice", "carol")
	f.mineSettles(bump.Proposal.ID, first.Proposal.ID)

	f.fake.SetRelayFees(app.RelayFees{MinRelay: 100, MempoolMin: 3000, Incremental: 100, Source: "getmempoolinfo"})
	before := f.dump()
	_, err = f.app.Rotate(f.ctx, app.RotateRequest{Vault: "ops", FeeRate: psbt.SatPerVByte(2)})
	if !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "relay floor of 3 sat/vB (its mempool's current minimum, mempoolminfee)") {
		t.Fatalf("rotate at 2 sat/vB with a 3 sat/vB mempool minimum: %v", err)
	}
	if f.dump() != before {
		t.Fatal("a refused proposal changed the database")
	}
}

// sendReplacement collects the signers' signatures on a bump and
// broadcasts it through the app, as an officer does: the fake node
// replaces the first transaction in its mempool when BIP-125 allows.
func (f *fixture) sendReplacement(bump *app.BumpResult, signers ...string) {
	f.t.Helper()
	if _, err := f.app.Collect(f.ctx, f.sign(f.psbtOf(&bump.ProposeResult), signers...)); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: bump.Proposal.ID}); err != nil {
		f.t.Fatalf("broadcast of the bump: %v", err)
	}
}
