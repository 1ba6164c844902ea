package app_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/vault"
)

// rawHex serializes tx as the hex Electrum, Sparrow or Core's finalizepsbt
// print.
func rawHex(t *testing.T, tx *wire.MsgTx) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := tx.Serialize(&b); err != nil {
		t.Fatal(err)
	}
	return []byte(hex.EncodeToString(b.Bytes()) + "\n")
}

// TestCollectSignedRawTx: a transfer signed and finalized elsewhere comes
// back as a raw transaction in hex; collect matches it to the proposal by
// its unsigned txid, takes the signatures from the witnesses, verifies them,
// and the proposal becomes ready and broadcasts. For a nested (P2SH-P2WSH)
// vault the scriptSig must be the push of the redeem script. A raw
// transaction with another output, or a bad signature, is refused and
// changes nothing.
func TestCollectSignedRawTx(t *testing.T) {
	for _, st := range []vault.ScriptType{vault.P2WSH, vault.P2SHP2WSH} {
		t.Run(map[vault.ScriptType]string{vault.P2WSH: "p2wsh", vault.P2SHP2WSH: "p2sh-p2wsh"}[st], func(t *testing.T) {
			f := newAnyFixture(t)
			if _, err := f.app.CreateVault(f.ctx, app.CreateVaultRequest{Name: "ops", Threshold: 2, Keys: f.keysOf(st, 0, trio...), StandbyKeys: f.keysOf(st, 1, trio...), ScriptType: st, Birthday: -1}); err != nil {
				t.Fatal(err)
			}
			f.proveStandby("ops")
			f.deposit("ops", 30_000_000)
			f.deposit("ops", 20_000_000)
			f.mine(1)
			f.sync()
			res, err := f.app.Propose(f.ctx, f.payRequest(12_000_000))
			if err != nil {
				t.Fatal(err)
			}
			f.registerAll("ops")
			signed := f.finalizeOutside(f.sign(f.psbtOf(res), "alice", "carol"), 2)
			if len(signed.TxIn) < 2 {
				t.Fatalf("want a transaction of several inputs, got %d", len(signed.TxIn))
			}
			before := f.dump()

			other := signed.Copy()
			other.TxOut[0].Value--
			bad := signed.Copy()
			sig := bad.TxIn[1].Witness[1]
			sig[10] ^= 1
			wrapped := signed.Copy()
			wrapped.TxIn[0].SignatureScript = append([]byte{0x00}, wrapped.TxIn[0].SignatureScript...)
			for name, tx := range map[string]*wire.MsgTx{"another output": other, "a bad signature": bad, "a wrong scriptSig": wrapped} {
				_, err := f.app.Collect(f.ctx, []app.CollectFile{{Source: "signed.hex", Data: rawHex(t, tx)}})
				if !errors.Is(err, app.ErrRefused) {
					t.Errorf("%s: %v, want a refusal", name, err)
				}
				if name == "another output" && !strings.Contains(err.Error(), "signed.hex is not a signed transaction of any proposal here") {
					t.Errorf("another output: %v", err)
				}
				if f.dump() != before {
					t.Fatalf("%s changed the database", name)
				}
			}

			col, err := f.app.Collect(f.ctx, []app.CollectFile{{Source: "signed.hex", Data: rawHex(t, signed)}})
			if err != nil {
				t.Fatal(err)
			}
			if col.Added != 2*len(signed.TxIn) || len(col.Proposals) != 1 || col.Proposals[0].Proposal.State != app.Ready {
				t.Fatalf("collect of the raw transaction: %d added, %+v", col.Added, col.Proposals)
			}
			var bin bytes.Buffer
			if err := signed.Serialize(&bin); err != nil {
				t.Fatal(err)
			}
			again, err := f.app.Collect(f.ctx, []app.CollectFile{{Source: "signed.bin", Data: bin.Bytes()}})
			if err != nil || again.Added != 0 {
				t.Fatalf("the binary form again: %v, %d added", err, again.Added)
			}
			b, err := f.app.Broadcast(f.ctx, app.BroadcastRequest{ID: res.Proposal.ID})
			if err != nil {
				t.Fatal(err)
			}
			f.mine(1)
			f.sync()
			d, err := f.app.ShowProposal(f.ctx, res.Proposal.ID)
			if err != nil || d.Proposal.State != app.Confirmed {
				t.Fatalf("after broadcast %s and a block: %v, %v", b.TxID, d.Proposal.State, err)
			}
		})
	}
}
