package app_test

import (
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/fakenode"
	"github.com/treasury-dev/treasury/vault"
)

// onBothNodes runs a scenario against the in-memory fake node (always,
// fast) and against a regtest btcd (skipped with -short).
func onBothNodes(t *testing.T, scenario func(t *testing.T, f *fixture)) {
	t.Run("fakenode", func(t *testing.T) { scenario(t, newFakeFixture(t, fakenode.Core)) })
	t.Run("btcd", func(t *testing.T) { scenario(t, newFixture(t)) })
}

// genAddress derives the address of generation gen at chain/index.
func (f *fixture) genAddress(vaultName string, gen int, chain, idx uint32) string {
	f.t.Helper()
	d, err := f.app.ShowVault(f.ctx, vaultName)
	if err != nil {
		f.t.Fatal(err)
	}
	desc, err := vault.ParseDescriptor(d.Generations[gen].Descriptor)
	if err != nil {
		f.t.Fatal(err)
	}
	dv, err := desc.Derive(f.net, chain, idx)
	if err != nil {
		f.t.Fatal(err)
	}
	return dv.Address
}

func remainderAddress(t *testing.T, res *app.ProposeResult) string {
	t.Helper()
	for _, o := range res.Proposal.Outputs {
		if o.GenerationID == res.Proposal.TargetGenID {
			return o.Address
		}
	}
	t.Fatalf("proposal %s has no remainder", res.Proposal.ID)
	return ""
}

// A remainder address is reserved for its proposal, and a cancelled
// proposal's is reused by the next one: after 22 cancels the remainder
// still lands at the standby's first receive address, inside the 20-address
// window other wallets scan. Two live proposals never share one.
func TestCancelledProposalsDoNotBurnRemainderAddresses(t *testing.T) {
	onBothNodes(t, func(t *testing.T, f *fixture) {
		f.fundedOps(40_000_000)
		// Proposed again unchanged, a proposal steps its locktime back a
		// block to stay a new transaction: give the chain some height.
		f.mine(25)
		f.sync()
		first := f.genAddress("ops", 1, 0, 0)
		for i := 0; i < 22; i++ {
			res, err := f.app.Propose(f.ctx, f.payRequest(1_000_000))
			if err != nil {
				t.Fatal(err)
			}
			if got := remainderAddress(t, res); got != first {
				t.Fatalf("proposal %d pays its remainder to %s, want the standby's index 0 %s", i+1, got, first)
			}
			if _, err := f.app.Cancel(f.ctx, res.Proposal.ID); err != nil {
				t.Fatal(err)
			}
		}
		res, err := f.app.Propose(f.ctx, f.payRequest(1_000_000))
		if err != nil {
			t.Fatal(err)
		}
		if got := remainderAddress(t, res); got != first {
			t.Fatalf("after 22 cancels the remainder goes to %s, want %s", got, first)
		}
		f.signAndSend(res, "alice", "bob")
		f.agreeWithNode("ops")
		if got := f.balance("ops", 1); got == 0 {
			t.Fatal("the remainder did not reach generation 1")
		}
	})
}
