package app_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/tyler-smith/go-bip39"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/psbt"
)

// bumpFixture is a regtest fixture whose holders come from the BIP-39 test
// mnemonics, so the independent signer (bitcoinjs-lib) can sign as them.
func bumpFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	f.useInteropHolders()
	return f
}

// signJS has bitcoinjs-lib sign raw as name (testdata/interop/cosign.cjs).
// It fails the test when the signer is not installed and TREASURY_INTEROP
// is set (CI); otherwise it falls back to our own signer, and says so.
func (f *fixture) signJS(raw []byte, name string) app.CollectFile {
	f.t.Helper()
	nodeBin, dir, err := findJS("bitcoinjs-lib")
	if err != nil {
		if os.Getenv("TREASURY_INTEROP") != "" {
			f.t.Fatalf("independent signer not installed: %v", err)
		}
		f.t.Logf("independent signer not installed (%v); %s signs with treasury's signer", err, name)
		return f.sign(raw, name)[0]
	}
	p, err := psbt.Decode(raw)
	if err != nil {
		f.t.Fatal(err)
	}
	b64, err := psbt.EncodeBase64(p)
	if err != nil {
		f.t.Fatal(err)
	}
	master, err := hdkeychain.NewMaster(bip39.NewSeed(interopMnemonics[name], ""), f.net.Params)
	if err != nil {
		f.t.Fatal(err)
	}
	out, err := runJS(f.ctx, nodeBin, dir, []byte(b64), "cosign.cjs", master.String())
	if err != nil {
		f.t.Fatalf("bitcoinjs-lib signer for %s: %v", name, err)
	}
	return app.CollectFile{Source: name + "-bitcoinjs.psbt", Data: out}
}

// sentColdSpend funds vault ops with 0.5 BTC, registers it with every
// holder, proposes a 0.1 BTC cold spend at rate (0: payRequest's) and
// sends it, signed by alice and bob: the stuck transaction a bump starts
// from.
func (f *fixture) sentColdSpend(rate psbt.FeeRate) (*app.ProposeResult, *app.BroadcastResult) {
	f.t.Helper()
	f.fundedOps(50_000_000)
	f.registerAll("ops")
	req := f.payRequest(10_000_000)
	if rate != 0 {
		req.FeeRate = rate
	}
	first, err := f.app.Propose(f.ctx, req)
	if err != nil {
		f.t.Fatalf("propose at %s: %v", req.FeeRate, err)
	}
	return first, f.send(first.Proposal.ID, f.sign(f.psbtOf(first), "alice", "bob"))
}

// hotOps creates vault ops with a hot float, funds it with 1 BTC and
// sends a 0.1 BTC transfer from cold, signed by alice and bob, so that the
// hot generation holds what float leaves; it returns the transfer.
func (f *fixture) hotOps(float btcutil.Amount) *app.BroadcastResult {
	f.t.Helper()
	f.createVault("ops", 2, f.keys(0, trio...), f.keys(1, trio...))
	if _, err := f.app.SetPolicy(f.ctx, app.PolicyRequest{Vault: "ops", HotFloat: &float}); err != nil {
		f.t.Fatal(err)
	}
	f.deposit("ops", 100_000_000)
	f.mine(1)
	f.sync()
	return f.transfer("ops", 10_000_000, 2, "alice", "bob")
}

// bumpAndResign bumps id to rate, checks the replacement keeps the
// payments, the inputs and the remainder's address, has alice (treasury's
// signer, whose review must name the replaced proposal) and carol
// (bitcoinjs-lib) sign it, and broadcasts it.
func (f *fixture) bumpAndResign(id string, rate psbt.FeeRate) (*app.BumpResult, *app.BroadcastResult) {
	f.t.Helper()
	old, err := f.app.ShowProposal(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	res, err := f.app.Bump(f.ctx, app.BumpRequest{ID: id[:10], FeeRate: rate})
	if err != nil {
		f.t.Fatalf("Bump: %v", err)
	}
	oldTx, newTx := old.PSBT.UnsignedTx, res.PSBT.UnsignedTx
	for i, in := range oldTx.TxIn {
		if newTx.TxIn[i].PreviousOutPoint != in.PreviousOutPoint || newTx.TxIn[i].Sequence != psbt.SequenceRBF {
			f.t.Fatalf("input %d: %v seq %x; want %v signalling", i, newTx.TxIn[i].PreviousOutPoint, newTx.TxIn[i].Sequence, in.PreviousOutPoint)
		}
	}
	if len(newTx.TxOut) != len(oldTx.TxOut) {
		f.t.Fatalf("%d outputs, want %d", len(newTx.TxOut), len(oldTx.TxOut))
	}
	var oldOut, newOut btcutil.Amount
	for i, o := range oldTx.TxOut {
		n := newTx.TxOut[i]
		oldOut, newOut = oldOut+btcutil.Amount(o.Value), newOut+btcutil.Amount(n.Value)
		if !bytes.Equal(n.PkScript, o.PkScript) {
			f.t.Fatalf("output %d goes elsewhere", i)
		}
		if old.Proposal.Outputs[i].GenerationID == 0 && n.Value != o.Value {
			f.t.Fatalf("payment %d changed: %d → %d", i, o.Value, n.Value)
		}
	}
	extra := oldOut - newOut
	if extra <= 0 || res.Proposal.Fee != res.OldFee+extra || res.FeeRate != rate || res.Replaces.ID != id {
		f.t.Fatalf("fee %d, old fee %d, extra %d, rate %s", res.Proposal.Fee, res.OldFee, extra, res.FeeRate)
	}
	if res.Proposal.Fee < res.OldFee+psbt.Fee(res.Proposal.VSize, app.MinFeeRate) {
		f.t.Fatalf("fee %d does not beat %d by the incremental relay fee on %d vB (BIP-125 rule 4)", res.Proposal.Fee, res.OldFee, res.Proposal.VSize)
	}
	raw := f.psbtOf(&res.ProposeResult)
	p, _ := psbt.Decode(raw)
	r, err := f.holder("alice").Review(p)
	if err != nil {
		f.t.Fatalf("alice reviews the bump: %v", err)
	}
	if r.Replaces == nil || r.Replaces.Replaces.String() != id {
		f.t.Fatalf("alice's review does not say it replaces %s: %+v", id, r.Replaces)
	}
	b := f.send(res.Proposal.ID, []app.CollectFile{f.sign(raw, "alice")[0], f.signJS(raw, "carol")})
	return res, b
}

// inMempool reports whether the node's mempool holds txid.
func (f *fixture) inMempool(txid string) bool {
	f.t.Helper()
	h, _ := chainhash.NewHashFromStr(txid)
	confs, pool, err := f.node.Chain().TxConfirmations(f.ctx, *h)
	return err == nil && confs == 0 && pool
}

// paidIn counts the outputs of the last block paying amt to addr.
func (f *fixture) paidInTip(addr string, amt btcutil.Amount) int {
	f.t.Helper()
	tip, _, err := f.node.Chain().Tip(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	bs, err := f.node.Chain().Blocks(f.ctx, tip, tip)
	if err != nil {
		f.t.Fatal(err)
	}
	script := mustPayScript(f, addr)
	n := 0
	for _, tx := range bs[0].Msg.Transactions {
		for _, o := range tx.TxOut {
			if bytes.Equal(o.PkScript, script) && o.Value == int64(amt) {
				n++
			}
		}
	}
	return n
}

// checkNodeView checks every unspent output recorded for the vault is
// unspent on the node with the same value, and the total is want.
func (f *fixture) checkNodeView(vaultName string, want btcutil.Amount) {
	f.t.Helper()
	f.checkNodeViewPending(vaultName, want)
	var us []app.UTXO
	err := f.db.View(f.ctx, func(tx app.Tx) error {
		var err error
		us, err = tx.UTXOs(app.UTXOFilter{Unspent: true})
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	var sum btcutil.Amount
	for _, u := range us {
		sum += u.Value
		var out *struct {
			Value json.Number `json:"value"`
		}
		if err := f.node.Chain().Call(f.ctx, "gettxout", &out, u.OutPoint.Hash.String(), u.OutPoint.Index, true); err != nil {
			f.t.Fatal(err)
		}
		if out == nil {
			f.t.Fatalf("recorded output %s (%d sat) is not in the node's UTXO set", u.OutPoint, u.Value)
		}
		v, err := app.ParseAmount(out.Value.String())
		if err != nil || v != u.Value {
			f.t.Fatalf("output %s: node says %s BTC, we say %d sat", u.OutPoint, out.Value, u.Value)
		}
	}
	if sum != want {
		f.t.Fatalf("recorded outputs sum to %d, want %d", sum, want)
	}
}

// mineSettles mines a block, syncs, and checks that winner is the one
// proposal confirmed and each of replaced is marked replaced.
func (f *fixture) mineSettles(winner string, replaced ...string) {
	f.t.Helper()
	f.mine(1)
	if sr := f.sync(); len(sr.Confirmed) != 1 || sr.Confirmed[0] != winner {
		f.t.Fatalf("confirmed %v, want only %s", sr.Confirmed, winner[:12])
	}
	for _, id := range replaced {
		if st := f.state(id); st != app.Replaced {
			f.t.Fatalf("%s is %s, want replaced", id[:12], st)
		}
	}
}

func (f *fixture) state(id string) app.ProposalState {
	f.t.Helper()
	d, err := f.app.ShowProposal(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return d.Proposal.State
}

func (f *fixture) auditHas(actions ...string) {
	f.t.Helper()
	es, err := f.app.AuditLog(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	have := map[string]int{}
	for _, e := range es {
		have[e.Action]++
	}
	for _, a := range actions {
		if have[a] == 0 {
			f.t.Fatalf("audit log lacks %s: %v", a, have)
		}
	}
}

// TestBumpColdSpend: a cold spend stuck at 1 sat/vB is bumped to 5 sat/vB,
// re-signed by alice (treasury) and carol (bitcoinjs-lib), sent, mined. The
// payee is paid exactly once, the first proposal is replaced, the rotation
// stands (g0 spent and retired, g1 cold) and our records equal the node's UTXO set.
func TestBumpColdSpend(t *testing.T) {
	f := bumpFixture(t)
	first, _ := f.sentColdSpend(app.MinFeeRate)
	if s := f.states("ops"); s != "g0:hot g1:cold" {
		t.Fatalf("after the first broadcast: %s", s)
	}
	bump, sent := f.bumpAndResign(first.Proposal.ID, psbt.SatPerVByte(5))
	if !f.inMempool(sent.TxID) || f.inMempool(first.Proposal.ID) {
		t.Fatal("the node should hold the replacement, not the first transaction")
	}
	if sr := f.sync(); len(sr.Dropped) != 0 || f.state(first.Proposal.ID) != app.Broadcast {
		t.Fatalf("before a block: dropped %v, first is %s", sr.Dropped, f.state(first.Proposal.ID))
	}
	f.mineSettles(bump.Proposal.ID, first.Proposal.ID)
	if n := f.paidInTip(f.node.Address(), 10_000_000); n != 1 {
		t.Fatalf("payee paid %d times", n)
	}
	if s := f.states("ops"); s != "g0:retired g1:cold" {
		t.Fatalf("generations after the bump confirmed (g0 spent to the last satoshi): %s", s)
	}
	f.checkNodeView("ops", 50_000_000-10_000_000-bump.Proposal.Fee)
	f.auditHas("proposal.bump", "proposal.replacing", "proposal.replaced", "proposal.confirmed")
}

// TestBumpOfBumpHotSpend: a hot spend at 1 sat/vB is bumped to 3, that
// bump to 6; the third confirms and both others are replaced.
func TestBumpOfBumpHotSpend(t *testing.T) {
	f := bumpFixture(t)
	tr := f.hotOps(20_000_000)
	req := f.payRequest(5_000_000)
	req.From, req.FeeRate = app.TierHot, app.MinFeeRate
	first, err := f.app.Propose(f.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	f.send(first.Proposal.ID, f.sign(f.psbtOf(first), "alice", "bob"))
	second, _ := f.bumpAndResign(first.Proposal.ID, psbt.SatPerVByte(3))
	if _, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(9)}); err == nil || !strings.Contains(err.Error(), "bump "+second.Proposal.ID[:12]+" instead") {
		t.Fatalf("bump of the replaced one: %v", err)
	}
	third, sent := f.bumpAndResign(second.Proposal.ID, psbt.SatPerVByte(6))
	if !f.inMempool(sent.TxID) {
		t.Fatal("the node does not hold the bump of the bump")
	}
	f.mineSettles(third.Proposal.ID, first.Proposal.ID, second.Proposal.ID)
	if n := f.paidInTip(f.node.Address(), 5_000_000); n != 1 {
		t.Fatalf("payee paid %d times", n)
	}
	if s := f.states("ops"); s != "g0:hot g1:cold" {
		t.Fatalf("a hot spend rotates nothing: %s", s)
	}
	f.checkNodeView("ops", 100_000_000-10_000_000-tr.Proposal.Fee-5_000_000-third.Proposal.Fee)
}

// TestBumpFirstConfirms: a preview stores nothing and shows the fee the
// bump then gets; the miner takes the first transaction after all (here:
// the replacement is never sent); sync confirms it and marks the
// collecting replacement replaced, releasing what it held.
func TestBumpFirstConfirms(t *testing.T) {
	f := bumpFixture(t)
	first, _ := f.sentColdSpend(0)
	before := f.dump()
	preview, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(4), DryRun: true})
	if err != nil || f.dump() != before {
		t.Fatalf("a preview must store nothing: %v", err)
	}
	bump, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(4)})
	if err != nil {
		t.Fatal(err)
	}
	if preview.Proposal.Fee != bump.Proposal.Fee || preview.Proposal.VSize != bump.Proposal.VSize || preview.OldFee != bump.OldFee {
		t.Fatalf("preview fee %d (%d vB), bump fee %d (%d vB)", preview.Proposal.Fee, preview.Proposal.VSize, bump.Proposal.Fee, bump.Proposal.VSize)
	}
	f.mineSettles(first.Proposal.ID, bump.Proposal.ID)
	if s := f.states("ops"); s != "g0:retired g1:cold" {
		t.Fatalf("generations: %s", s)
	}
	f.checkNodeView("ops", 50_000_000-10_000_000-first.Proposal.Fee)
}

// TestCPFPConfirmsWithParent: a cold spend stuck at 1 sat/vB gets a child
// spending its remainder, signed by the new cold generation's holders, so
// that the package pays 10 sat/vB; both confirm in the same block, and the
// child rotates nothing.
func TestCPFPConfirmsWithParent(t *testing.T) {
	f := bumpFixture(t)
	parent, sentParent := f.sentColdSpend(app.MinFeeRate)
	child, err := f.app.BumpCPFP(f.ctx, app.BumpRequest{ID: parent.Proposal.ID, FeeRate: psbt.SatPerVByte(10)})
	if err != nil {
		t.Fatalf("BumpCPFP: %v", err)
	}
	d, _ := f.app.ShowProposal(f.ctx, child.Proposal.ID)
	if d.Source.Number != 1 || child.Proposal.Kind != app.KindCPFP || len(child.PSBT.UnsignedTx.TxIn) != 1 ||
		child.PSBT.UnsignedTx.TxIn[0].PreviousOutPoint.Hash.String() != sentParent.TxID {
		t.Fatalf("child spends %v from generation %d", child.PSBT.UnsignedTx.TxIn, d.Source.Number)
	}
	raw := f.psbtOf(&child.ProposeResult)
	sentChild := f.send(child.Proposal.ID, []app.CollectFile{f.sign(raw, "bob")[0], f.signJS(raw, "carol")})
	if !f.inMempool(sentParent.TxID) || !f.inMempool(sentChild.TxID) {
		t.Fatal("parent and child should both wait in the mempool")
	}
	pkg := int64(child.ParentFee+child.Proposal.Fee) * 1000 / (vsize(sentParent.Tx) + vsize(sentChild.Tx))
	if pkg < int64(psbt.SatPerVByte(10)) {
		t.Fatalf("package pays %d sat/kvB, want at least 10 sat/vB", pkg)
	}
	f.mine(1)
	sr := f.sync()
	if len(sr.Confirmed) != 2 {
		t.Fatalf("confirmed %v, want parent and child", sr.Confirmed)
	}
	p, _ := f.app.ShowProposal(f.ctx, parent.Proposal.ID)
	c, _ := f.app.ShowProposal(f.ctx, child.Proposal.ID)
	if p.Proposal.State != app.Confirmed || c.Proposal.State != app.Confirmed || p.Proposal.Height != c.Proposal.Height {
		t.Fatalf("parent %s at %d, child %s at %d", p.Proposal.State, p.Proposal.Height, c.Proposal.State, c.Proposal.Height)
	}
	if s := f.states("ops"); s != "g0:retired g1:cold" {
		t.Fatalf("generations: %s", s)
	}
	// The vault's history shows the child paying back into generation 1.
	v, err := f.app.ShowVault(f.ctx, "ops")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range v.Moves {
		if m.Proposal == child.Proposal.ID && (m.From != 1 || m.To != 1) {
			t.Fatalf("child moves g%d -> g%d, want g1 -> g1", m.From, m.To)
		}
	}
	f.checkNodeView("ops", 50_000_000-10_000_000-parent.Proposal.Fee-child.Proposal.Fee)
}

// TestBumpReviewRefusesChangedPayment: a coordinator that moves value from
// a payment to the remainder while claiming a fee bump is caught by the
// holder's review; the id the review names is the txid of the transaction
// the PSBT carries, whatever else it claims.
func TestBumpReviewRefusesChangedPayment(t *testing.T) {
	f := bumpFixture(t)
	first, _ := f.sentColdSpend(0)
	bump, err := f.app.Bump(f.ctx, app.BumpRequest{ID: first.Proposal.ID, FeeRate: psbt.SatPerVByte(6)})
	if err != nil {
		t.Fatal(err)
	}
	raw := f.psbtOf(&bump.ProposeResult)
	p, _ := psbt.Decode(raw)
	p.UnsignedTx.TxOut[0].Value -= 1000 // the payment
	p.UnsignedTx.TxOut[1].Value += 1000 // the remainder
	if _, err := f.holder("alice").Review(p); !errors.Is(err, keys.ErrBadReplacement) {
		t.Fatalf("review of a bump that lowers a payment: %v", err)
	}
	p, _ = psbt.Decode(raw)
	other := p.UnsignedTx.Copy()
	other.LockTime++
	if err := psbt.SetReplaces(p, other); err != nil {
		t.Fatal(err)
	}
	r, err := f.holder("alice").Review(p)
	if err != nil || r.Replaces.Replaces != other.TxHash() {
		t.Fatalf("review: %v, %+v", err, r)
	}
}
