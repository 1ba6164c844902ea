package app_test

import (
	"errors"
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/psbt"
)

// A dry run builds exactly what Propose would store (fee, inputs,
// outputs) and stores nothing: no proposal, no reservation, no audit entry,
// no address handed out. A high fee is refused with ErrHighFee, which is
// also a refusal, and AllowHighFee lets it through.
func TestProposeDryRunStoresNothing(t *testing.T) {
	f := newFixture(t)
	f.fundedOps(100_000_000)
	before := f.dump()
	req := f.payRequest(30_000_000)
	req.DryRun = true
	dry, err := f.app.Propose(f.ctx, req)
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if after := f.dump(); after != before {
		t.Fatal("a dry run changed the database")
	}
	req.DryRun = false
	real, err := f.app.Propose(f.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if dry.Proposal.Fee != real.Proposal.Fee || dry.Inputs != real.Inputs || dry.Proposal.VSize != real.Proposal.VSize ||
		len(dry.Proposal.Outputs) != len(real.Proposal.Outputs) || dry.Proposal.Outputs[1].Address != real.Proposal.Outputs[1].Address {
		t.Fatalf("dry run %+v differs from the proposal %+v", dry.Proposal, real.Proposal)
	}
	if _, err := f.app.Cancel(f.ctx, real.Proposal.ID); err != nil {
		t.Fatal(err)
	}
	high := f.payRequest(30_000_000)
	high.DryRun, high.FeeRate = true, psbt.SatPerVByte(2000)
	if _, err := f.app.Propose(f.ctx, high); !errors.Is(err, app.ErrHighFee) || !errors.Is(err, app.ErrRefused) {
		t.Fatalf("high fee: %v", err)
	}
	high.AllowHighFee = true
	if _, err := f.app.Propose(f.ctx, high); err != nil {
		t.Fatalf("high fee allowed: %v", err)
	}
	rot, err := f.app.Rotate(f.ctx, app.RotateRequest{Vault: "ops", FeeRate: psbt.SatPerVByte(3), DryRun: true})
	if err != nil || rot.Inputs == 0 {
		t.Fatalf("rotation dry run: %+v, %v", rot, err)
	}
}
