package app_test

import (
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/apptest"
	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/psbt"
)

// useInteropHolders makes the holders those of the BIP-39 test mnemonics,
// so the independent signer (bitcoinjs-lib) can sign as them.
func (f *fixture) useInteropHolders() {
	f.t.Helper()
	for name, words := range interopMnemonics {
		kf, err := keys.FromMnemonic(name, f.net, words, "")
		if err != nil {
			f.t.Fatal(err)
		}
		f.holders[name] = kf
	}
}

// BIP-39 test mnemonics (the Trezor vectors, apptest.VectorMnemonics), so
// the independent signer gets its master keys without going through our
// key files.
var interopMnemonics = map[string]string{
	"alice": apptest.VectorMnemonics["alice"],
	"bob":   apptest.VectorMnemonics["bob"],
	"carol": apptest.VectorMnemonics["carol"],
}

// TestInteropBitcoinJSSigns has bitcoinjs-lib, an implementation independent
// of ours, sign a treasury proposal through its BIP-32 derivations; collect
// must accept its signatures and broadcast must get the transaction mined.
// It needs node and the packages in testdata/interop (.ci/run installs
// them with npm ci); without them it skips.
func TestInteropBitcoinJSSigns(t *testing.T) {
	needJS(t, "bitcoinjs-lib")
	f := newFixture(t)
	f.useInteropHolders()
	f.createVault("ops", 2, f.keys(0, trio...), f.keys(1, trio...))
	f.deposit("ops", 90_000_000)
	f.deposit("ops", 10_000_000)
	f.mine(1)
	f.sync()
	res, err := f.app.Propose(f.ctx, app.ProposeRequest{Vault: "ops", FeeRate: psbt.SatPerVByte(3),
		Payments: []app.Payment{{Address: f.node.Address(), Amount: 25_000_000}}})
	if err != nil {
		t.Fatal(err)
	}
	raw := f.psbtOf(res)
	files := []app.CollectFile{f.signJS(raw, "alice"), f.signJS(raw, "carol")}
	col, err := f.app.Collect(f.ctx, files)
	if err != nil {
		t.Fatalf("collect of bitcoinjs-lib signatures: %v", err)
	}
	if col.Added != 2*len(res.PSBT.Inputs) || col.Proposals[0].Proposal.State != app.Ready {
		t.Fatalf("added %d signatures, state %s", col.Added, col.Proposals[0].Proposal.State)
	}
	if _, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID}); err != nil {
		t.Fatalf("broadcast: %v", err)
	}
	f.mine(1)
	if sr := f.sync(); len(sr.Confirmed) != 1 {
		t.Fatalf("not confirmed: %+v", sr)
	}
}
