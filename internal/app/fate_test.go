package app_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/fakenode"
)

// Whether a transaction of ours is confirmed, waiting or gone is decided
// from sync's records, the node's mempool and its UTXO view; these run on
// a node answering like Bitcoin Core without -txindex, and on btcd with
// getrawtransaction taken away.

// collectOnly has holders sign a proposal and collects their files.
func (f *fixture) collectOnly(res *app.ProposeResult, signers ...string) {
	f.t.Helper()
	f.registerAll(vaultOf(f, res))
	if _, err := f.app.Collect(f.ctx, f.sign(f.psbtOf(res), signers...)); err != nil {
		f.t.Fatalf("Collect: %v", err)
	}
}

// broadcastOnly collects and broadcasts a proposal without mining.
func (f *fixture) broadcastOnly(res *app.ProposeResult) *app.BroadcastResult {
	f.t.Helper()
	f.collectOnly(res, "alice", "bob")
	b, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID})
	if err != nil {
		f.t.Fatalf("Broadcast: %v", err)
	}
	return b
}

func (f *fixture) propose(amt btcutil.Amount) *app.ProposeResult {
	f.t.Helper()
	res, err := f.app.Propose(f.ctx, f.payRequest(amt))
	if err != nil {
		f.t.Fatalf("Propose: %v", err)
	}
	return res
}

// noIndexChain is a node whose getrawtransaction knows nothing: any use of
// it by a decision fails the test.
type noIndexChain struct {
	app.Chain
	t testing.TB
}

func (c noIndexChain) TxConfirmations(context.Context, chainhash.Hash) (int64, bool, error) {
	c.t.Errorf("a decision asked getrawtransaction")
	return 0, false, app.ErrNotFound
}

func withoutTxIndex(f *fixture) {
	dial := f.app.Chain
	f.app.Chain = func(ctx context.Context) (app.Chain, error) {
		c, err := dial(ctx)
		return noIndexChain{c, f.t}, err
	}
}

func TestConfirmedTransferIsNeverCancellable(t *testing.T) {
	check := func(t *testing.T, f *fixture) {
		f.fundedOps(50_000_000)
		res := f.propose(10_000_000)
		f.broadcastOnly(res)
		f.mine(1) // confirmed on the node; not yet synced here
		_, err := f.app.Cancel(f.ctx, res.Proposal.ID)
		if !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "confirmed") {
			t.Fatalf("cancel of a confirmed, unsynced proposal: %v", err)
		}
		if f.states("ops") != "g0:hot g1:cold" {
			t.Fatalf("states %s after a refused cancel", f.states("ops"))
		}
		s := f.sync()
		if len(s.Dropped) != 0 || f.state(res.Proposal.ID) != app.Confirmed {
			t.Fatalf("sync: dropped %v, state %s", s.Dropped, f.state(res.Proposal.ID))
		}
		if _, err := f.app.Cancel(f.ctx, res.Proposal.ID); !errors.Is(err, app.ErrRefused) {
			t.Fatalf("cancel of a confirmed proposal: %v", err)
		}
		a, err := f.app.Address(f.ctx, app.AddressRequest{Vault: "ops"})
		if err != nil || a.Generation != 1 {
			t.Fatalf("next deposit address is of generation %d (%v); want 1", a.Generation, err)
		}
		f.matchesNode("ops")
	}
	t.Run("core-without-txindex", func(t *testing.T) {
		f := newFakeFixture(t, fakenode.Core)
		check(t, f)
		if n := f.fake.Calls("TxConfirmations"); n != 0 {
			t.Fatalf("getrawtransaction asked %d times", n)
		}
	})
	t.Run("core-over-rpc", func(t *testing.T) { check(t, newRPCFakeFixture(t, fakenode.Core)) })
	t.Run("btcd", func(t *testing.T) {
		f := newAnyFixture(t)
		withoutTxIndex(f)
		check(t, f)
	})
}

func TestDroppedTransferIsReportedAndRollsBack(t *testing.T) {
	for _, rpc := range []bool{false, true} {
		t.Run(map[bool]string{false: "core", true: "core-over-rpc"}[rpc], func(t *testing.T) {
			f := newFakeFixture(t, fakenode.Core)
			if rpc {
				f = newRPCFakeFixture(t, fakenode.Core)
			}
			droppedRollsBack(t, f)
		})
	}
}

func droppedRollsBack(t *testing.T, f *fixture) {
	f.fundedOps(50_000_000)
	res := f.propose(10_000_000)
	b := f.broadcastOnly(res)
	f.fake.Drop(b.Tx.TxHash())
	s := f.sync()
	if len(s.Dropped) != 1 || s.Dropped[0] != res.Proposal.ID {
		t.Fatalf("dropped %v", s.Dropped)
	}
	f.matchesNode("ops") // the inputs count again, the outputs do not
	c, err := f.app.Cancel(f.ctx, res.Proposal.ID)
	if err != nil || !c.Dropped {
		t.Fatalf("cancel of a dropped proposal: %+v, %v", c, err)
	}
	if f.states("ops") != "g0:cold g1:standby" {
		t.Fatalf("states %s", f.states("ops"))
	}
	f.matchesNode("ops")
}

// hookedChain runs before ahead of every send.
type hookedChain struct {
	app.Chain
	before func(tx *wire.MsgTx)
}

func (h hookedChain) Broadcast(ctx context.Context, tx *wire.MsgTx) (chainhash.Hash, error) {
	h.before(tx)
	return h.Chain.Broadcast(ctx, tx)
}

func hookSends(f *fixture, before func(tx *wire.MsgTx)) {
	dial := f.app.Chain
	f.app.Chain = func(ctx context.Context) (app.Chain, error) {
		c, err := dial(ctx)
		return hookedChain{c, before}, err
	}
}

// A second officer (another App on the same database, as another process
// would be) can neither call a broadcast under way dropped nor cancel it.
func TestCancelWaitsForABroadcastInFlight(t *testing.T) {
	run := func(t *testing.T, f *fixture) {
		f.fundedOps(50_000_000)
		res := f.propose(10_000_000)
		f.collectOnly(res, "alice", "bob")
		other := *f.app
		other.Actor = "officer2"
		entered, release := make(chan struct{}), make(chan struct{})
		hookSends(f, func(*wire.MsgTx) { close(entered); <-release })
		done := make(chan error, 1)
		go func() {
			_, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID})
			done <- err
		}()
		<-entered
		s, err := other.Sync(f.ctx, app.SyncRequest{})
		if err != nil || len(s.Dropped) != 0 {
			t.Fatalf("sync during the send: dropped %v, %v", s, err)
		}
		_, err = other.Cancel(f.ctx, res.Proposal.ID)
		if !errors.Is(err, app.ErrConflict) || !strings.Contains(err.Error(), "being broadcast") {
			t.Fatalf("cancel during the send: %v", err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatalf("Broadcast: %v", err)
		}
		if _, err := other.Cancel(f.ctx, res.Proposal.ID); !errors.Is(err, app.ErrRefused) {
			t.Fatalf("cancel after the send: %v", err)
		}
		f.mine(1)
		f.sync()
		if f.state(res.Proposal.ID) != app.Confirmed {
			t.Fatalf("state %s", f.state(res.Proposal.ID))
		}
		f.matchesNode("ops")
	}
	t.Run("core-without-txindex", func(t *testing.T) { run(t, newFakeFixture(t, fakenode.Core)) })
	t.Run("btcd", func(t *testing.T) { run(t, newAnyFixture(t)) })
}

// A process that dies between recording its intent and learning the
// outcome leaves the marker; once it is stale, the node's answer settles
// it.
func TestStaleBroadcastMarkerIsSettledByTheNode(t *testing.T) {
	for _, reached := range []bool{false, true} {
		name := map[bool]string{false: "never-sent", true: "reached-the-node"}[reached]
		t.Run(name, func(t *testing.T) {
			f := newFakeFixture(t, fakenode.Core)
			f.fundedOps(50_000_000)
			res := f.propose(10_000_000)
			f.collectOnly(res, "alice", "bob")
			f.fake.OnBroadcast(func(_ context.Context, tx *wire.MsgTx) error {
				if reached {
					if err := f.fake.Submit(tx); err != nil {
						t.Error(err)
					}
				}
				runtime.Goexit() // the process dies mid-send
				return nil
			})
			done := make(chan struct{})
			go func() {
				defer close(done)
				f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID})
			}()
			<-done
			f.fake.OnBroadcast(nil)
			if _, err := f.app.Cancel(f.ctx, res.Proposal.ID); !errors.Is(err, app.ErrConflict) {
				t.Fatalf("cancel while the marker is fresh: %v", err)
			}
			later := time.Now().Add(app.SendTimeout + time.Minute)
			f.app.Now = func() time.Time { return later }
			s := f.sync()
			if got := len(s.Dropped) == 1; got == reached {
				t.Fatalf("dropped %v", s.Dropped)
			}
			f.matchesNode("ops")
			_, err := f.app.Cancel(f.ctx, res.Proposal.ID)
			if reached && !errors.Is(err, app.ErrRefused) || !reached && err != nil {
				t.Fatalf("cancel after settling: %v", err)
			}
			f.auditHas("proposal.sent")
		})
	}
}

func TestDroppedTransferSentAgainCountsAtOnce(t *testing.T) {
	f := newFakeFixture(t, fakenode.Core)
	f.fundedOps(50_000_000)
	res := f.propose(10_000_000)
	b := f.broadcastOnly(res)
	f.fake.Drop(b.Tx.TxHash())
	if s := f.sync(); len(s.Dropped) != 1 {
		t.Fatalf("dropped %v", s.Dropped)
	}
	again, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID})
	if err != nil || again.AlreadySent {
		t.Fatalf("send again: %+v, %v", again, err)
	}
	f.matchesNode("ops") // before any sync: the spends and the change are back
	f.mine(1)
	f.sync()
	if f.state(res.Proposal.ID) != app.Confirmed {
		t.Fatalf("state %s", f.state(res.Proposal.ID))
	}
	f.matchesNode("ops")
}

// A send whose outcome is unknown (the node failed the request, then could
// not be asked) keeps the in-flight mark: no one may cancel the proposal
// yet, but sending the very same transaction again is allowed.
func TestUnknownSendOutcomeBlocksCancelNotResend(t *testing.T) {
	f := newFakeFixture(t, fakenode.Core)
	f.fundedOps(50_000_000)
	res := f.propose(10_000_000)
	f.collectOnly(res, "alice", "bob")
	f.fake.OnBroadcast(func(context.Context, *wire.MsgTx) error {
		f.fake.SetDown(errors.New("connection reset by peer"))
		return errors.New("connection reset by peer")
	})
	if _, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID}); err == nil || !strings.Contains(err.Error(), "stays recorded as broadcast") {
		t.Fatalf("broadcast with an unknown outcome: %v", err)
	}
	f.fake.SetDown(nil)
	f.fake.OnBroadcast(nil)
	if _, err := f.app.Cancel(f.ctx, res.Proposal.ID); !errors.Is(err, app.ErrConflict) {
		t.Fatalf("cancel after an unknown outcome: %v", err)
	}
	if s := f.sync(); len(s.Dropped) != 0 {
		t.Fatalf("sync called it dropped: %v", s.Dropped)
	}
	b, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID})
	if err != nil || b.AlreadySent {
		t.Fatalf("send again: %+v, %v", b, err)
	}
	f.mine(1)
	f.sync()
	if f.state(res.Proposal.ID) != app.Confirmed {
		t.Fatalf("state %s", f.state(res.Proposal.ID))
	}
	f.matchesNode("ops")
}
