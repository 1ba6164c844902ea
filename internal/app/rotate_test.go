package app_test

import (
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

var trio = []string{"alice", "bob", "carol"}

func (f *fixture) standby(vaultName string, gen uint32, m int, names ...string) {
	f.t.Helper()
	if _, err := f.app.RegisterStandby(f.ctx, app.StandbyRequest{Vault: vaultName, Threshold: m, Keys: f.keys(gen, names...)}); err != nil {
		f.t.Fatalf("RegisterStandby: %v", err)
	}
	f.proveStandby(vaultName)
}

func (f *fixture) total(vaultName string) btcutil.Amount {
	f.t.Helper()
	b, err := f.app.Balance(f.ctx, app.BalanceRequest{Vault: vaultName})
	if err != nil {
		f.t.Fatal(err)
	}
	var s btcutil.Amount
	for _, g := range b.Generations {
		s += g.Confirmed + g.Unconfirmed
	}
	return s
}

func TestThreeConsecutiveColdSpends(t *testing.T) {
	f := newAnyFixture(t)
	f.createVault("ops", 2, f.keys(0, trio...), f.keys(1, trio...))
	f.deposit("ops", 5*btcutil.SatoshiPerBitcoin)
	f.mine(1)
	f.sync()
	wantStates := []string{
		"g0:retired g1:cold g2:standby",
		"g0:retired g1:retired g2:cold g3:standby",
		"g0:retired g1:retired g2:retired g3:cold",
	}
	for i, pay := range []btcutil.Amount{100_000_000, 70_000_000, 30_000_000} {
		before := f.total("ops")
		b := f.transfer("ops", pay, 4, trio[i%3], trio[(i+1)%3])
		var out btcutil.Amount
		for _, o := range b.Tx.TxOut {
			out += btcutil.Amount(o.Value)
		}
		cold := i + 1
		if got := f.balance("ops", cold); got != before-pay-(before-out) {
			t.Fatalf("spend %d: new cold g%d holds %d, want %d", i+1, cold, got, before-pay-(before-out))
		}
		if f.total("ops") != got(f, "ops", cold) {
			t.Fatalf("spend %d: funds left outside the new cold generation", i+1)
		}
		if i < 2 {
			f.standby("ops", uint32(cold+1), 2, trio...)
		}
		if s := f.states("ops"); s != wantStates[i] {
			t.Fatalf("spend %d: states %q, want %q", i+1, s, wantStates[i])
		}
	}
	assertAudit(t, f, "proposal.create", "proposal.collect", "proposal.broadcast", "generation.rotate", "proposal.confirmed", "generation.retire", "vault.standby")
}

func got(f *fixture, v string, g int) btcutil.Amount { return f.balance(v, g) }

func assertAudit(t *testing.T, f *fixture, actions ...string) {
	t.Helper()
	log, err := f.app.AuditLog(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range log {
		seen[e.Action] = true
	}
	for _, a := range actions {
		if !seen[a] {
			t.Errorf("audit log has no %q entry", a)
		}
	}
	if _, err := f.app.AuditVerify(f.ctx); err != nil {
		t.Fatalf("audit verify: %v", err)
	}
}

func TestHotFloatAndHotSpend(t *testing.T) {
	f := newFixture(t)
	f.createVault("ops", 2, f.keys(0, trio...), f.keys(1, trio...))
	float := btcutil.Amount(20_000_000)
	if _, err := f.app.SetPolicy(f.ctx, app.PolicyRequest{Vault: "ops", HotFloat: &float}); err != nil {
		t.Fatal(err)
	}
	f.deposit("ops", 100_000_000)
	f.mine(1)
	f.sync()
	f.transfer("ops", 10_000_000, 2, "alice", "bob")
	if s := f.states("ops"); s != "g0:hot g1:cold" {
		t.Fatalf("states %q", s)
	}
	if got := f.balance("ops", 0); got != float {
		t.Fatalf("hot generation keeps %d, want the float %d", got, float)
	}
	// A small transfer from the hot tier, change back to the hot generation.
	res, err := f.app.Propose(f.ctx, app.ProposeRequest{Vault: "ops", From: app.TierHot, FeeRate: psbt.SatPerVByte(2),
		Payments: []app.Payment{{Address: f.node.Address(), Amount: 5_000_000}}})
	if err != nil {
		t.Fatalf("hot spend: %v", err)
	}
	if res.Proposal.Kind != app.KindHot {
		t.Fatalf("kind %s", res.Proposal.Kind)
	}
	f.signAndSend(res, "bob", "carol")
	if s := f.states("ops"); s != "g0:hot g1:cold" {
		t.Fatalf("a hot spend must not rotate: %q", s)
	}
	if got := f.balance("ops", 0); got >= float-5_000_000 || got < float-5_010_000 {
		t.Fatalf("hot generation after paying 0.05: %d", got)
	}
	// Policy: transfers at or above cold-above must come from cold.
	coldAbove := btcutil.Amount(1_000_000)
	if _, err := f.app.SetPolicy(f.ctx, app.PolicyRequest{Vault: "ops", ColdAbove: &coldAbove}); err != nil {
		t.Fatal(err)
	}
	_, err = f.app.Propose(f.ctx, app.ProposeRequest{Vault: "ops", From: app.TierHot, FeeRate: psbt.SatPerVByte(2),
		Payments: []app.Payment{{Address: f.node.Address(), Amount: 2_000_000}}})
	if !errors.Is(err, app.ErrRefused) {
		t.Fatalf("hot spend above cold-above = %v, want refused", err)
	}
}

func TestStandbyWithNewHolderSet(t *testing.T) {
	f := newAnyFixture(t)
	f.createVault("ops", 2, f.keys(0, trio...), nil)
	f.deposit("ops", 60_000_000)
	f.mine(1)
	f.sync()
	// Without a standby, a cold spend is refused with a hint.
	_, err := f.app.Propose(f.ctx, f.payRequest(1_000_000))
	if !errors.Is(err, app.ErrRefused) {
		t.Fatalf("cold spend without standby = %v", err)
	}
	// carol leaves; dave, erin and frank join: 2-of-3 becomes 3-of-5.
	f.standby("ops", 0, 3, "alice", "bob", "dave", "erin", "frank")
	res, err := f.app.Rotate(f.ctx, app.RotateRequest{Vault: "ops", FeeRate: psbt.SatPerVByte(2)})
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if len(res.Proposal.Outputs) != 1 || res.Payments != 0 {
		t.Fatalf("a rotation pays nobody: %+v", res.Proposal.Outputs)
	}
	f.signAndSend(res, "alice", "carol")
	if s := f.states("ops"); s != "g0:retired g1:cold" {
		t.Fatalf("states %q", s)
	}
	d, _ := f.app.ShowVault(f.ctx, "ops")
	if g := d.Generations[1]; g.Threshold != 3 || len(g.Holders) != 5 {
		t.Fatalf("new cold is %d-of-%d", g.Threshold, len(g.Holders))
	}
	if got := f.balance("ops", 1); got < 59_990_000 {
		t.Fatalf("new cold holds %d", got)
	}
}

func TestLateDepositFlaggedThenSwept(t *testing.T) {
	f := newFixture(t)
	f.fundedOps(30_000_000)
	f.transfer("ops", 5_000_000, 2, "alice", "bob")
	// Someone pays an old address of generation 0, now retired.
	if _, err := f.node.FundAddress(f.ctx, f.addressAt("ops", false, 0), 7_000_000); err != nil {
		t.Fatal(err)
	}
	f.mine(1)
	res := f.sync()
	if len(res.Late) != 1 || res.Late[0].Value != 7_000_000 {
		t.Fatalf("late deposits %+v", res.Late)
	}
	b, _ := f.app.Balance(f.ctx, app.BalanceRequest{Vault: "ops"})
	if b.Generations[0].Late != 7_000_000 {
		t.Fatalf("balance does not flag the late deposit: %+v", b.Generations[0])
	}
	g := 0
	sweep, err := f.app.Rotate(f.ctx, app.RotateRequest{Vault: "ops", Generation: &g, FeeRate: psbt.SatPerVByte(2)})
	if err != nil {
		t.Fatalf("sweep: %v", err)
	}
	f.signAndSend(sweep, "bob", "carol")
	if got := f.balance("ops", 0); got != 0 {
		t.Fatalf("swept generation still holds %d", got)
	}
	if s := f.states("ops"); s != "g0:retired g1:cold" {
		t.Fatalf("sweeping a retired generation must not rotate the cold one: %q", s)
	}
}

func TestDroppedRotationRollsBack(t *testing.T) {
	f := newFixture(t)
	f.fundedOps(40_000_000)
	res, err := f.app.Propose(f.ctx, f.payRequest(1_000_000))
	if err != nil {
		t.Fatal(err)
	}
	f.registerAll("ops")
	if _, err := f.app.Collect(f.ctx, f.sign(f.psbtOf(res), "alice", "bob")); err != nil {
		t.Fatal(err)
	}
	first, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID})
	if err != nil {
		t.Fatal(err)
	}
	if s := f.states("ops"); s != "g0:hot g1:cold" {
		t.Fatalf("after broadcast: %q", s)
	}
	// As if the process died after sending: running broadcast again
	// recognizes the transaction and sends nothing new or conflicting.
	again, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID})
	if err != nil || !again.AlreadySent || again.TxID != first.TxID {
		t.Fatalf("second broadcast: %+v, %v", again, err)
	}
	// Still in the mempool: cancelling is refused.
	if _, err := f.app.Cancel(f.ctx, res.Proposal.ID); !errors.Is(err, app.ErrRefused) {
		t.Fatalf("cancel of a live broadcast = %v", err)
	}
	// The node restarts and forgets its mempool: the transaction is dropped.
	if err := f.node.Restart(f.ctx); err != nil {
		t.Fatal(err)
	}
	if sr := f.sync(); len(sr.Dropped) != 1 || sr.Dropped[0] != res.Proposal.ID {
		t.Fatalf("sync did not notice the dropped transaction: %+v", sr.Dropped)
	}
	if _, err := f.app.Cancel(f.ctx, res.Proposal.ID); err != nil {
		t.Fatalf("cancel of a dropped broadcast: %v", err)
	}
	if s := f.states("ops"); s != "g0:cold g1:standby" {
		t.Fatalf("rotation not rolled back: %q", s)
	}
	if got := f.balance("ops", 0); got != 40_000_000 {
		t.Fatalf("cold balance after rollback %d", got)
	}
	// The inputs are free: a new proposal can use them.
	if _, err := f.app.Propose(f.ctx, f.payRequest(1_000_000)); err != nil {
		t.Fatalf("propose after rollback: %v", err)
	}
	assertAudit(t, f, "generation.unrotate", "proposal.cancel")
}

func TestSignerRefusesRedirectedRemainder(t *testing.T) {
	f := newAnyFixture(t)
	f.fundedOps(20_000_000)
	res, err := f.app.Propose(f.ctx, f.payRequest(1_000_000))
	if err != nil {
		t.Fatal(err)
	}
	f.registerAll("ops")
	// An attacker with the coordinator swaps the remainder to a wallet built
	// from the same holders' keys at another account, which nobody
	// registered, keeping plausible derivation hints.
	rogue := f.keys(7, trio...)
	p := res.PSBT
	last := len(p.UnsignedTx.TxOut) - 1
	desc := mustDescriptor(t, f, rogue)
	dv, err := desc.Derive(f.net, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	p.UnsignedTx.TxOut[last].PkScript = dv.PkScript
	p.Outputs[last].WitnessScript = dv.WitnessScript
	_, err = f.holder("alice").Review(p)
	if !errors.Is(err, keys.ErrUnprovenChange) && !errors.Is(err, keys.ErrScriptMismatch) {
		t.Fatalf("Review of a redirected remainder = %v, want a refusal", err)
	}
}

func mustDescriptor(t *testing.T, f *fixture, specs []app.KeySpec) *vault.Descriptor {
	t.Helper()
	var ks []vault.Key
	for _, s := range specs {
		str := string(s)
		for i := range str {
			if str[i] == '=' {
				str = str[i+1:]
				break
			}
		}
		k, err := vault.ParseKey(str)
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, k)
	}
	d, err := vault.NewDescriptor(vault.P2WSH, 2, ks)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestProposalSpentElsewhereFails(t *testing.T) {
	f := newFixture(t)
	f.fundedOps(10_000_000)
	res, err := f.app.Propose(f.ctx, f.payRequest(1_000_000))
	if err != nil {
		t.Fatal(err)
	}
	f.registerAll("ops")
	// The holders sign, outside treasury, a different transaction spending
	// the same output (a higher fee), and someone broadcasts it.
	other, _ := psbt.Decode(f.psbtOf(res))
	last := len(other.UnsignedTx.TxOut) - 1
	other.UnsignedTx.TxOut[last].Value -= 5_000
	raw, _ := psbt.EncodeBinary(other)
	signed := f.sign(raw, "alice", "bob")
	merged, _ := psbt.Decode(signed[0].Data)
	second, _ := psbt.Decode(signed[1].Data)
	if _, err := psbt.Merge(merged, second); err != nil {
		t.Fatal(err)
	}
	final, err := psbt.Finalize(merged, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.node.Chain().Broadcast(f.ctx, final); err != nil {
		t.Fatal(err)
	}
	f.mine(1)
	f.sync()
	d, err := f.app.ShowProposal(f.ctx, res.Proposal.ID)
	if err != nil || d.Proposal.State != app.Failed {
		t.Fatalf("proposal whose input was spent elsewhere: %v, %v", d.Proposal.State, err)
	}
	if _, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID}); !errors.Is(err, app.ErrRefused) {
		t.Fatalf("broadcast of a failed proposal = %v", err)
	}
	assertAudit(t, f, "proposal.failed")
}

// finalizeOutside merges signed copies and finalizes them without
// treasury, as another coordinator would.
func (f *fixture) finalizeOutside(files []app.CollectFile, m int) *wire.MsgTx {
	f.t.Helper()
	merged, err := psbt.Decode(files[0].Data)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, c := range files[1:] {
		p, _ := psbt.Decode(c.Data)
		if _, err := psbt.Merge(merged, p); err != nil {
			f.t.Fatal(err)
		}
	}
	final, err := psbt.Finalize(merged, m)
	if err != nil {
		f.t.Fatal(err)
	}
	return final
}

func TestProposalSentElsewhereIsAdopted(t *testing.T) {
	for _, cancelFirst := range []bool{false, true} {
		t.Run(map[bool]string{false: "still collecting", true: "cancelled here"}[cancelFirst], func(t *testing.T) {
			f := newFixture(t)
			f.createVault("ops", 2, f.keys(0, trio...), f.keys(1, trio...))
			f.deposit("ops", 10_000_000)
			f.mine(1)
			f.sync()
			res, err := f.app.Propose(f.ctx, f.payRequest(1_000_000))
			if err != nil {
				t.Fatal(err)
			}
			f.registerAll("ops")
			files := f.sign(f.psbtOf(res), "alice", "carol")
			if cancelFirst {
				if _, err := f.app.Collect(f.ctx, files); err != nil {
					t.Fatal(err)
				}
				c, err := f.app.Cancel(f.ctx, res.Proposal.ID)
				if err != nil || !c.StillSignable {
					t.Fatalf("cancel of a fully signed proposal: %+v, %v; want a still-signable warning", c, err)
				}
			}
			if _, err := f.node.Chain().Broadcast(f.ctx, f.finalizeOutside(files, 2)); err != nil {
				t.Fatal(err)
			}
			f.mine(1)
			sr := f.sync()
			if len(sr.Confirmed) != 1 || sr.Confirmed[0] != res.Proposal.ID {
				t.Fatalf("confirmed %v, want the proposal", sr.Confirmed)
			}
			if s := f.states("ops"); s != "g0:retired g1:cold" {
				t.Fatalf("the rotation was not applied: %q", s)
			}
		})
	}
}
