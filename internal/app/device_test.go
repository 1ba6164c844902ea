package app_test

import (
	"bytes"
	"testing"

	btcpsbt "github.com/btcsuite/btcd/psbt/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// deviceRefuses plays a hardware signer registered with the wallet desc:
// like Coldcard's firmware it takes an output carrying a derivation of its
// own fingerprint for change, and refuses the PSBT unless that output is
// the registered wallet's script at the derived path; and it wants exactly
// the registered wallet's N global xpubs.
func deviceRefuses(t *testing.T, p *btcpsbt.Packet, desc *vault.Descriptor, fp vault.Fingerprint, net vault.Network) string {
	t.Helper()
	if len(p.XPubs) != desc.N() {
		return "global xpubs are not the registered wallet's"
	}
	for i, o := range p.Outputs {
		for _, d := range o.Bip32Derivation {
			if d.MasterKeyFingerprint != fp.PSBT() {
				continue
			}
			n := len(d.Bip32Path)
			dv, err := desc.Derive(net, d.Bip32Path[n-2], d.Bip32Path[n-1])
			if err != nil || !bytes.Equal(dv.PkScript, p.UnsignedTx.TxOut[i].PkScript) {
				return "fraudulent change output"
			}
		}
	}
	return ""
}

// TestProposalForDevice: the PSBT of a rotation as proposed carries the
// standby's derivations (same seeds, next account) and six global xpubs,
// which a device registered with the cold wallet refuses; the --for-device
// copy does not, keeps the inputs' data, and its signatures collect and
// broadcast. The stored PSBT is not changed.
func TestProposalForDevice(t *testing.T) {
	f := newAnyFixture(t)
	f.fundedOps(40_000_000)
	res, err := f.app.Propose(f.ctx, f.payRequest(5_000_000))
	if err != nil {
		t.Fatal(err)
	}
	det, err := f.app.ShowProposal(f.ctx, res.Proposal.ID)
	if err != nil {
		t.Fatal(err)
	}
	cold, err := vault.ParseDescriptor(det.Source.Descriptor)
	if err != nil {
		t.Fatal(err)
	}
	alice := cold.Keys[0].MasterFingerprint()
	if why := deviceRefuses(t, det.PSBT, cold, alice, f.net); why == "" {
		t.Fatal("the PSBT as proposed passes the device's checks; this test would prove nothing")
	}

	dev, err := f.app.ForDevice(f.ctx, res.Proposal.ID)
	if err != nil {
		t.Fatal(err)
	}
	if why := deviceRefuses(t, dev.PSBT, cold, alice, f.net); why != "" {
		t.Fatalf("the device PSBT is refused: %s", why)
	}
	r := dev.Remainder
	if r == nil || r.Generation != 1 || dev.PSBT.UnsignedTx.TxOut[r.Index].Value != int64(r.Amount) {
		t.Fatalf("remainder %+v", r)
	}
	addrs, err := f.app.GenerationAddresses(f.ctx, app.GenerationAddressesRequest{Vault: "ops", Generation: 1, Change: r.Chain == 1, From: r.AddrIndex, Count: 1})
	if err != nil || addrs[0].Address != r.Address {
		t.Fatalf("the standby's address %d/%d is %v, the remainder pays %s", r.Chain, r.AddrIndex, addrs, r.Address)
	}
	for i, in := range dev.PSBT.Inputs {
		if len(in.Bip32Derivation) != 3 || in.WitnessUtxo == nil || len(in.WitnessScript) == 0 {
			t.Errorf("input %d lost what a signer needs", i)
		}
	}
	if psbt.UnsignedTxID(dev.PSBT) != psbt.UnsignedTxID(det.PSBT) {
		t.Fatal("the device PSBT is another transaction")
	}
	again, _ := f.app.ShowProposal(f.ctx, res.Proposal.ID)
	if len(again.PSBT.XPubs) != 6 {
		t.Errorf("the stored PSBT changed: %d global xpubs", len(again.PSBT.XPubs))
	}

	// Holders sign the device copy; collect and broadcast as usual.
	raw, err := psbt.EncodeBinary(dev.PSBT)
	if err != nil {
		t.Fatal(err)
	}
	f.registerAll("ops")
	if _, err := f.app.Collect(f.ctx, f.sign(raw, "alice", "carol")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID}); err != nil {
		t.Fatal(err)
	}
	f.mine(1)
	f.sync()
	if s := f.states("ops"); s != "g0:hot g1:cold" && s != "g0:retired g1:cold" {
		t.Errorf("after the rotation: %s", s)
	}
}
