package psbt

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"

	"github.com/treasury-dev/treasury/vault"
)

var update = flag.Bool("update", false, "rewrite testdata/interop/unsigned.json from Build")

// The interop files: unsigned.json is written by this test with -update;
// testdata/interop/sign.cjs (bitcoinjs-lib) reads it, signs with two
// holders independently of this package and writes signed.json.
const (
	interopUnsigned = "testdata/interop/unsigned.json"
	interopSigned   = "testdata/interop/signed.json"
)

type interopFile struct {
	Comment string        `json:"comment"`
	Cases   []interopCase `json:"cases"`
}

type interopCase struct {
	Name      string `json:"name"`
	Threshold int    `json:"threshold"`
	Unsigned  string `json:"unsigned"` // base64 from Build
	// HDSigner signs with its master key through the PSBT's BIP-32
	// derivations (this checks our fingerprints and paths).
	HDSigner struct {
		Master      string `json:"master"` // tprv
		Fingerprint string `json:"fingerprint"`
	} `json:"hd_signer"`
	// WIFSigner signs each input with a plain key.
	WIFSigner struct {
		WIFs []string `json:"wifs"` // one per input
	} `json:"wif_signer"`
	XPubs []string `json:"xpubs"` // every holder's account xpub
}

type signedCase struct {
	Name        string `json:"name"`
	SignedByHD  string `json:"signed_by_hd"`
	SignedByWIF string `json:"signed_by_wif"`
	FinalTx     string `json:"final_tx"` // hex, finalized by bitcoinjs-lib
}

type signedFile struct {
	Generator string       `json:"generator"`
	Cases     []signedCase `json:"cases"`
}

// interopCases builds the PSBTs the JS signer signs; Build is
// deterministic, so they are the same on every run.
func interopCases(t *testing.T) ([]*scenario, interopFile) {
	f := interopFile{Comment: "written by go test -run TestInterop -update; signed by sign.cjs"}
	var scs []*scenario
	for _, c := range []struct {
		name string
		typ  vault.ScriptType
	}{{"p2wsh-2of3", vault.P2WSH}, {"p2sh-p2wsh-2of3", vault.P2SHP2WSH}} {
		sc := newScenario(t, c.typ, 2, 3, 2)
		b64, err := EncodeBase64(sc.p)
		if err != nil {
			t.Fatal(err)
		}
		ic := interopCase{Name: c.name, Threshold: 2, Unsigned: b64}
		ic.HDSigner.Master = sc.holders[0].master.String()
		ic.HDSigner.Fingerprint = sc.holders[0].fp.String()
		for i := range sc.p.Inputs {
			w, err := btcutil.NewWIF(sc.privs[i][2], &chaincfg.RegressionNetParams, true)
			if err != nil {
				t.Fatal(err)
			}
			ic.WIFSigner.WIFs = append(ic.WIFSigner.WIFs, w.String())
		}
		for _, h := range sc.holders {
			ic.XPubs = append(ic.XPubs, h.key.XPub.String())
		}
		f.Cases = append(f.Cases, ic)
		scs = append(scs, sc)
	}
	return scs, f
}

func TestInterop(t *testing.T) {
	scs, want := interopCases(t)
	wantJSON, err := json.MarshalIndent(want, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	wantJSON = append(wantJSON, '\n')
	if *update {
		if err := os.WriteFile(interopUnsigned, wantJSON, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s; now run: node %s", interopUnsigned, filepath.Join("testdata", "interop", "sign.cjs"))
		return
	}
	got, err := os.ReadFile(interopUnsigned)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, wantJSON) {
		t.Fatalf("%s is stale: Build's output changed; rerun with -update and sign.cjs", interopUnsigned)
	}
	raw, err := os.ReadFile(interopSigned)
	if err != nil {
		t.Fatal(err)
	}
	var signed signedFile
	if err := json.Unmarshal(raw, &signed); err != nil {
		t.Fatal(err)
	}
	if len(signed.Cases) != len(scs) {
		t.Fatalf("%d signed cases, want %d", len(signed.Cases), len(scs))
	}
	for n, sc := range scs {
		sc, js := sc, signed.Cases[n]
		t.Run(js.Name, func(t *testing.T) {
			base := clone(t, sc.p)
			hashes, err := SigHashes(base)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{js.SignedByHD, js.SignedByWIF} {
				p, err := Decode([]byte(s))
				if err != nil {
					t.Fatalf("Decode JS-signed psbt: %v", err)
				}
				for i := range p.Inputs {
					if len(p.Inputs[i].PartialSigs) != 1 {
						t.Fatalf("input %d has %d signatures from JS, want 1", i, len(p.Inputs[i].PartialSigs))
					}
					if err := VerifyPartialSig(base, hashes, i, p.Inputs[i].PartialSigs[0]); err != nil {
						t.Fatalf("JS signature refused: %v", err)
					}
				}
				added, err := Merge(base, p)
				if err != nil || added != len(base.Inputs) {
					t.Fatalf("Merge = %d, %v", added, err)
				}
			}
			tx, err := Finalize(base, 2)
			if err != nil {
				t.Fatal(err)
			}
			engineAccepts(t, base, tx)
			var buf bytes.Buffer
			if err := tx.Serialize(&buf); err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(buf.Bytes()) != js.FinalTx {
				t.Fatalf("our finalized tx differs from bitcoinjs-lib's:\n%x\n%s", buf.Bytes(), js.FinalTx)
			}
		})
	}
}
