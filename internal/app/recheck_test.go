package app_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/fakenode"
	"github.com/treasury-dev/treasury/psbt"
)

// Broadcast re-checks every assumption the plan made. A sweep of late
// deposits planned into the cold generation is refused, changing nothing,
// once another proposal has rotated that generation to hot: its funds
// would land, unflagged, in a generation that has signed. Proposed again,
// the sweep pays the new cold generation.
func TestBroadcastRefusesASweepIntoAGenerationThatRotatedSince(t *testing.T) {
	onBothNodes(t, broadcastRefusesAStaleSweep)
}

// fund pays amt to addr from the node's wallet (the fake node's faucet).
func (f *fixture) fund(addr string, amt btcutil.Amount) {
	f.t.Helper()
	if f.fake != nil {
		f.fakePay(addr, amt)
		return
	}
	if _, err := f.node.FundAddress(f.ctx, addr, amt); err != nil {
		f.t.Fatal(err)
	}
}

func broadcastRefusesAStaleSweep(t *testing.T, f *fixture) {
	f.fundedOps(30_000_000)
	first, err := f.app.Propose(f.ctx, f.payRequest(5_000_000))
	if err != nil {
		t.Fatal(err)
	}
	f.signAndSend(first, "alice", "bob")
	f.standby("ops", 2, 2, trio...)
	f.fund(f.addressAt("ops", false, 0), 7_000_000)
	f.mine(1)
	f.sync()
	g := 0
	sweep, err := f.app.Rotate(f.ctx, app.RotateRequest{Vault: "ops", Generation: &g, FeeRate: psbt.SatPerVByte(2)})
	if err != nil {
		t.Fatal(err)
	}
	f.registerAll("ops")
	if _, err := f.app.Collect(f.ctx, f.sign(f.psbtOf(sweep), "bob", "carol")); err != nil {
		t.Fatal(err)
	}
	// Meanwhile a cold spend rotates generation 1, the sweep's target.
	pay, err := f.app.Propose(f.ctx, f.payRequest(1_000_000))
	if err != nil {
		t.Fatal(err)
	}
	f.signAndSend(pay, "alice", "carol")
	if s := f.states("ops"); s != "g0:retired g1:retired g2:cold" {
		t.Fatalf("states %q", s)
	}
	before := f.dump()
	_, err = f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: sweep.Proposal.ID})
	if !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "generation 1, planned as the cold one, which is now retired") {
		t.Fatalf("broadcast of the stale sweep = %v, want a refusal", err)
	}
	if f.dump() != before {
		t.Fatal("the refused broadcast changed the database")
	}
	c, _ := f.app.Chain(f.ctx)
	pool, _, _, err := c.Mempool(f.ctx, 100)
	if err != nil || len(pool) != 0 {
		t.Fatalf("the node received %d transactions (%v)", len(pool), err)
	}
	f.agreeWithNode("ops")
	if _, err := f.app.Cancel(f.ctx, sweep.Proposal.ID); err != nil {
		t.Fatal(err)
	}
	again, err := f.app.Rotate(f.ctx, app.RotateRequest{Vault: "ops", Generation: &g, FeeRate: psbt.SatPerVByte(2)})
	if err != nil {
		t.Fatal(err)
	}
	f.signAndSend(again, "bob", "carol")
	f.agreeWithNode("ops")
	if got := f.nodeHoldings("ops"); got[0] != 0 || got[1] != 0 || got[2] == 0 {
		t.Fatalf("after the sweep the node holds %v", holdings(got))
	}
}

// Broadcast refuses, changing nothing, a proposal one of whose inputs is
// no longer held by it: reserved by another proposal (as a faulty cleanup
// once left two live proposals sharing an outpoint) or gone from the
// vault's outputs. The store is bent directly to stage both.
func TestBroadcastRefusesInputsNoLongerHeld(t *testing.T) {
	for _, tc := range []struct {
		name  string
		bend  func(tx app.Tx, id string, op wire.OutPoint) error
		words string
	}{
		{"reserved elsewhere", func(tx app.Tx, id string, op wire.OutPoint) error {
			if err := tx.Release(id); err != nil {
				return err
			}
			return tx.Reserve([]wire.OutPoint{op}, strings.Repeat("ab", 32))
		}, "is reserved by proposal abababababab"},
		{"gone", func(tx app.Tx, _ string, op wire.OutPoint) error { return tx.DeleteUTXO(op) }, "is no longer an output of the vault"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeFixture(t, fakenode.Core)
			f.fundedOps(30_000_000)
			f.registerAll("ops")
			res, err := f.app.Propose(f.ctx, f.payRequest(1_000_000))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.app.Collect(f.ctx, f.sign(f.psbtOf(res), "alice", "bob")); err != nil {
				t.Fatal(err)
			}
			op := res.PSBT.UnsignedTx.TxIn[0].PreviousOutPoint
			if err := f.db.Update(f.ctx, func(tx app.Tx) error { return tc.bend(tx, res.Proposal.ID, op) }); err != nil {
				t.Fatal(err)
			}
			before := f.dump()
			_, err = f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID})
			if !errors.Is(err, app.ErrConflict) || !strings.Contains(err.Error(), tc.words) {
				t.Fatalf("broadcast = %v, want a conflict saying %q", err, tc.words)
			}
			if f.dump() != before || len(f.fake.MempoolTxs()) != 0 {
				t.Fatal("the refused broadcast changed something")
			}
		})
	}
}
