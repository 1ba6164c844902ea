package app_test

import (
	"errors"
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/chain"
	"github.com/treasury-dev/treasury/internal/fakenode"
	"github.com/treasury-dev/treasury/internal/regtest"
)

// These scenarios tell a node that is behind, a reorganization, and a node
// whose chain is not the one treasury synced (reset, or another node).

// confirmedAndCollecting funds "ops" twice, confirms one payment deep and
// leaves a second proposal collecting (holding a reservation).
func (f *fixture) confirmedAndCollecting(deep int) (confirmed, collecting string) {
	f.t.Helper()
	f.fundedOps(50_000_000)
	first, err := f.app.Propose(f.ctx, f.payRequest(10_000_000))
	if err != nil {
		f.t.Fatal(err)
	}
	f.signAndSend(first, "alice", "bob")
	f.deposit("ops", 7_000_000)
	f.mine(deep)
	f.sync()
	f.standby("ops", 2, 2, trio...)
	second, err := f.app.Propose(f.ctx, f.payRequest(1_000_000))
	if err != nil {
		f.t.Fatal(err)
	}
	return first.Proposal.ID, second.Proposal.ID
}

func TestSyncWaitsForANodeThatIsBehind(t *testing.T) {
	f := newFakeFixture(t, fakenode.Core)
	confirmed, collecting := f.confirmedAndCollecting(10)
	before := f.dump()
	top := f.fake.Height()
	f.fake.SetBehind(top - 6)
	res, err := f.app.Sync(f.ctx, app.SyncRequest{})
	if err != nil {
		t.Fatalf("sync against a node behind: %v", err)
	}
	if !res.Behind || res.Tip != top-6 || res.Cursor != top || res.ReorgFrom != -1 || len(res.Dropped) != 0 {
		t.Fatalf("result %+v; want behind at %d, cursor %d", res, top-6, top)
	}
	if f.dump() != before {
		t.Fatal("a sync against a node that is behind changed the database")
	}
	// The node catches up and goes on: sync carries on from our cursor.
	f.fake.SetBehind(-1)
	f.deposit("ops", 3_000_000)
	f.mine(1)
	res = f.sync()
	if res.Behind || res.From != top+1 || res.Found != 1 {
		t.Fatalf("after catching up: %+v", res)
	}
	if f.state(confirmed) != app.Confirmed || f.state(collecting) != app.Collecting {
		t.Fatalf("states %s %s", f.state(confirmed), f.state(collecting))
	}
	f.matchesNode("ops")
}

func TestSyncWaitsForANodeBehindTheVaultsBirthday(t *testing.T) {
	f := newFakeFixture(t, fakenode.Btcd)
	f.fake.Mine(30)
	f.fundedOps(20_000_000) // birthday 30: nothing below it is recorded
	f.mine(3)
	f.sync()
	before := f.dump()
	f.fake.SetBehind(12)
	res, err := f.app.Sync(f.ctx, app.SyncRequest{})
	if err != nil || !res.Behind {
		t.Fatalf("sync: %+v, %v; want behind", res, err)
	}
	if f.dump() != before {
		t.Fatal("the database changed")
	}
}

func TestSyncRefusesANodeWhoseChainLacksOurBlocks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mined int // blocks the reset node mines: below and above our cursor
	}{{"reset-node-lower", 5}, {"reset-node-higher", 300}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeFixture(t, fakenode.Core)
			_, collecting := f.confirmedAndCollecting(120)
			before := f.dump()
			f.fake.Reset()
			f.fake.Mine(tc.mined)
			_, err := f.app.Sync(f.ctx, app.SyncRequest{})
			if !errors.Is(err, app.ErrForeignChain) {
				t.Fatalf("sync against a reset node: %v; want ErrForeignChain", err)
			}
			if f.dump() != before {
				t.Fatal("a refused sync changed the database")
			}
			// Told the chain really is the new one, sync follows it: the
			// books then say what the node says, and the proposal whose
			// inputs vanished fails instead of staying live.
			res, err := f.app.Sync(f.ctx, app.SyncRequest{AllowDeepReorg: true})
			if err != nil || res.ReorgFrom != 0 {
				t.Fatalf("deep sync: %+v, %v", res, err)
			}
			f.matchesNode("ops")
			if f.booksTotal("ops") != 0 {
				t.Fatalf("books %d after following an empty chain", f.booksTotal("ops"))
			}
			if got := f.state(collecting); got != app.Failed {
				t.Fatalf("collecting proposal is %s; want failed", got)
			}
		})
	}
}

func TestSyncUndoesAShallowReorgAndKeepsTheBooks(t *testing.T) {
	f := newFakeFixture(t, fakenode.Core)
	confirmed, collecting := f.confirmedAndCollecting(5)
	f.fake.Disconnect(4) // the payment's block stays; the 7 BTC deposit goes back to the mempool
	f.fake.Mine(6)
	res := f.sync()
	if res.ReorgFrom < 0 || res.Behind {
		t.Fatalf("result %+v; want a reorg undone", res)
	}
	if f.state(confirmed) != app.Confirmed || f.state(collecting) != app.Collecting {
		t.Fatalf("states %s %s", f.state(confirmed), f.state(collecting))
	}
	f.matchesNode("ops")
}

// btcd deletes its regtest chain whenever it starts (the harness replays
// its own node's blocks to keep them): a freshly started btcd in place of
// the node treasury synced with is a reset node, with a chain of its own.
func TestSyncRefusesAFreshBtcdInPlaceOfItsNode(t *testing.T) {
	f := newFixture(t)
	f.fundedOps(50_000_000)
	f.mine(5)
	f.sync()
	before := f.dump()
	f.node = regtest.StartT(t)
	f.app.Chain = chain.Dialer(f.node.RPC(), f.net.Params)
	f.mine(150)
	res, err := f.app.Sync(f.ctx, app.SyncRequest{})
	if !errors.Is(err, app.ErrForeignChain) {
		t.Fatalf("sync against a restarted btcd: %+v, %v; want ErrForeignChain", res, err)
	}
	if f.dump() != before {
		t.Fatal("a refused sync changed the database")
	}
	if _, err := f.app.Sync(f.ctx, app.SyncRequest{AllowDeepReorg: true}); err != nil {
		t.Fatal(err)
	}
	f.matchesNode("ops")
}
