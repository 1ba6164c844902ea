package chain

import (
	"errors"
	"testing"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
)

// TestScanDescriptors reads Bitcoin Core's scantxoutset reply (amounts in
// BTC, exactly) and reports btcd's missing call as app.ErrUnsupported.
func TestScanDescriptors(t *testing.T) {
	core := AppChain{fakeNode(t, map[string]string{"scantxoutset": `{"success":true,"txouts":9,"height":120,
		"unspents":[{"txid":"` + txidA + `","vout":1,"scriptPubKey":"0014` + hash20 + `","desc":"addr(x)","amount":0.12345678,"coinbase":false,"height":110}],
		"total_amount":0.12345678}`})}
	got, err := core.ScanDescriptors(t.Context(), []app.DescriptorRange{{Descriptor: "wsh(x)", Range: 25}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Value != 12_345_678 || got[0].OutPoint.Index != 1 || got[0].Height != 110 || len(got[0].PkScript) != 22 || got[0].OutPoint.Hash.String() != txidA {
		t.Fatalf("ScanDescriptors = %+v", got)
	}
	btcd := AppChain{fakeNode(t, map[string]string{})}
	if _, err := btcd.ScanDescriptors(t.Context(), nil); !errors.Is(err, app.ErrUnsupported) {
		t.Fatalf("btcd: %v, want ErrUnsupported", err)
	}
}

// TestOutputValue reads gettxout's value and script exactly.
func TestOutputValue(t *testing.T) {
	c := fakeNode(t, map[string]string{
		"gettxout":             `{"bestblock":"00","confirmations":3,"value":21.00000001,"scriptPubKey":{"hex":"0014` + hash20 + `"}}`,
		"gettxspendingprevout": `[{"txid":"` + txidA + `","vout":0}]`,
	})
	st, err := c.Output(t.Context(), mustOutPoint(t))
	if err != nil {
		t.Fatal(err)
	}
	if !st.Unspent || st.Value != 2_100_000_001 || st.Confirmations != 3 || len(st.PkScript) != 22 {
		t.Fatalf("Output = %+v", st)
	}
}

const (
	txidA  = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
	hash20 = "1111111111111111111111111111111111111111"
)

func mustOutPoint(t *testing.T) wire.OutPoint {
	t.Helper()
	h, err := chainhash.NewHashFromStr(txidA)
	if err != nil {
		t.Fatal(err)
	}
	return wire.OutPoint{Hash: *h, Index: 0}
}
