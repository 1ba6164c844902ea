package keys

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// TestTamperedBitcoinJSPSBTs has bitcoinjs-lib, an implementation
// independent of ours, build the PSBT of a vault spend from a plain
// description, once as is and once per tamper mode an attacker between the
// coordinator and the signer could apply. The untampered one must be
// reviewed and signed; every tampered one refused for its own reason. It
// needs node and the packages in internal/app/testdata/interop (.ci/run
// installs them with npm ci); without them it skips.
func TestTamperedBitcoinJSPSBTs(t *testing.T) {
	dir, _ := filepath.Abs(filepath.Join("..", "app", "testdata", "interop"))
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "bitcoinjs-lib")); err != nil {
		t.Skip("run npm ci in internal/app/testdata/interop to install bitcoinjs-lib")
	}
	fx := newFixture(t)
	spec := tamperSpec(t, fx, fx.spend(t, 2))
	tests := []struct {
		mode string
		want error
	}{
		{"none", nil},
		{"attacker-change", ErrUnprovenChange},
		{"change-script", ErrUnprovenChange},
		{"swapped-witness-script", ErrScriptMismatch},
		{"fee-bump", ErrFeeRateTooHigh},
		{"sighash-none", ErrSighashType},
		{"witness-utxo-lie", ErrPrevTxMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			spec["mode"] = tt.mode
			in, _ := json.Marshal(spec)
			cmd := exec.Command(nodeBin, "build_tampered.cjs")
			cmd.Dir = dir
			cmd.Stdin = bytes.NewReader(in)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("bitcoinjs-lib builder: %v\n%s", err, stderr.String())
			}
			p, err := psbt.Decode(out)
			if err != nil {
				t.Fatalf("decode the bitcoinjs-lib PSBT: %v", err)
			}
			r, err := fx.alice.Review(p)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("untampered PSBT refused: %v", err)
				}
				if n, err := fx.alice.Sign(p, r); err != nil || n != 2 {
					t.Fatalf("signed %d inputs: %v", n, err)
				}
				return
			}
			var re *RefusalError
			if !errors.Is(err, tt.want) || !errors.As(err, &re) {
				t.Fatalf("err = %v, want a refusal for %v", err, tt.want)
			}
			t.Logf("%s: %v", tt.mode, err)
		})
	}
}

// tamperSpec describes p's inputs and outputs as plain data for the
// bitcoinjs-lib builder, with an attacker's multisig and another witness
// script of the vault to swap in.
func tamperSpec(t *testing.T, fx *fixture, p *btcpsbt.Packet) map[string]any {
	t.Helper()
	var inputs, outputs []map[string]any
	for i, in := range p.Inputs {
		var prev bytes.Buffer
		if err := in.NonWitnessUtxo.Serialize(&prev); err != nil {
			t.Fatal(err)
		}
		txin := p.UnsignedTx.TxIn[i]
		inputs = append(inputs, map[string]any{
			"txid": txin.PreviousOutPoint.Hash.String(), "vout": txin.PreviousOutPoint.Index, "sequence": txin.Sequence,
			"prevTx": hex.EncodeToString(prev.Bytes()), "value": in.WitnessUtxo.Value,
			"script": hex.EncodeToString(in.WitnessUtxo.PkScript), "witnessScript": hex.EncodeToString(in.WitnessScript),
			"derivations": derivationsSpec(in.Bip32Derivation),
		})
	}
	for j, out := range p.UnsignedTx.TxOut {
		o := map[string]any{"script": hex.EncodeToString(out.PkScript), "value": out.Value}
		if ds := p.Outputs[j].Bip32Derivation; len(ds) > 0 {
			o["witnessScript"] = hex.EncodeToString(p.Outputs[j].WitnessScript)
			o["derivations"] = derivationsSpec(ds)
		}
		outputs = append(outputs, o)
	}
	attacker := fx.derive(t, fx.strange, 1, 0)
	var pubs []string
	for _, k := range attacker.Keys {
		pubs = append(pubs, hex.EncodeToString(k.PubKey))
	}
	return map[string]any{
		"version": p.UnsignedTx.Version, "locktime": p.UnsignedTx.LockTime,
		"inputs": inputs, "outputs": outputs,
		"attacker": map[string]any{"script": hex.EncodeToString(attacker.PkScript),
			"witnessScript": hex.EncodeToString(attacker.WitnessScript), "pubkeys": pubs},
		"otherWitnessScript": hex.EncodeToString(fx.derive(t, fx.gen0, 0, 7).WitnessScript),
	}
}

func derivationsSpec(ds []*btcpsbt.Bip32Derivation) []map[string]string {
	var out []map[string]string
	for _, d := range ds {
		steps := []string{"m"}
		for _, s := range d.Bip32Path {
			if s >= hdkeychain.HardenedKeyStart {
				steps = append(steps, fmt.Sprintf("%d'", s-hdkeychain.HardenedKeyStart))
			} else {
				steps = append(steps, fmt.Sprint(s))
			}
		}
		out = append(out, map[string]string{
			"fp": vault.FingerprintFromPSBT(d.MasterKeyFingerprint).String(), "path": strings.Join(steps, "/"),
			"pubkey": hex.EncodeToString(d.PubKey),
		})
	}
	return out
}
