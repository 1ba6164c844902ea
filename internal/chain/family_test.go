package chain

import (
	"testing"

	"github.com/btcsuite/btcd/chainhash/v2"
)

// TestFamily reads a transaction's mempool family from Bitcoin Core's
// getmempoolentry (the descendant sums, fees in BTC) and, on btcd, which
// lacks that call, from the verbose mempool listing, walking children and
// grandchildren (a child with two parents once) and leaving unrelated
// transactions out; a transaction the mempool does not hold has none, and
// a reply without the figures is an error, never an empty family.
func TestFamily(t *testing.T) {
	root := chainhash.Hash{1}
	id := func(b byte) string { return chainhash.Hash{b}.String() }
	listing := `{"` + id(1) + `":{"fee":0.00000141,"vsize":141,"depends":[]},` +
		`"` + id(2) + `":{"fee":0.00002000,"vsize":100,"depends":["` + id(1) + `"]},` +
		`"` + id(3) + `":{"fee":1e-05,"vsize":200,"depends":["` + id(2) + `"]},` +
		`"` + id(4) + `":{"fee":0.00000500,"vsize":50,"depends":[]},` +
		`"` + id(5) + `":{"fee":0.00003000,"vsize":100,"depends":["` + id(1) + `","` + id(4) + `"]}}`
	notFound := `{"code":-5,"message":"Transaction not in mempool"}`
	unimplemented := `{"code":-1,"message":"Command unimplemented"}`
	tests := []struct {
		name    string
		results map[string]string
		want    Family
		ok      bool
		wantErr bool
	}{
		{"core", map[string]string{"getmempoolentry": `{"vsize":141,"weight":561,"descendantcount":3,"descendantsize":400,"ancestorcount":1,` +
			`"fees":{"base":0.00000141,"modified":0.00000141,"ancestor":0.00000141,"descendant":0.00012141},"depends":[],"spentby":[],"bip125-replaceable":true}`},
			Family{Count: 3, Fees: 12_141, VSize: 400, Fee: 141, TxVSize: 141, Replaceable: true}, true, false},
		{"core, prioritised, not signalling, full RBF", map[string]string{"getmempoolentry": `{"vsize":141,"descendantcount":1,"descendantsize":141,` +
			`"fees":{"base":0.00000141,"modified":0.00010141,"descendant":0.00010141},"bip125-replaceable":false}`, "getmempoolinfo": `{"size":1,"fullrbf":true}`},
			Family{Count: 1, Fees: 10_141, VSize: 141, Fee: 10_141, TxVSize: 141, Replaceable: true}, true, false},
		{"core, not signalling, no full RBF", map[string]string{"getmempoolentry": `{"vsize":141,"descendantcount":1,"descendantsize":141,` +
			`"fees":{"base":0.00000141,"modified":0.00000141,"descendant":0.00000141},"bip125-replaceable":false}`, "getmempoolinfo": `{"size":1,"fullrbf":false}`},
			Family{Count: 1, Fees: 141, VSize: 141, Fee: 141, TxVSize: 141}, true, false},
		{"core, not in the mempool", map[string]string{"getmempoolentry!": notFound}, Family{}, false, false},
		{"core without descendant figures", map[string]string{"getmempoolentry": `{"vsize":141,"fees":{"base":0.00000141}}`}, Family{}, false, true},
		{"core with a malformed fee", map[string]string{"getmempoolentry": `{"vsize":141,"descendantcount":1,"descendantsize":141,"fees":{"modified":0.00000141,"descendant":"x"}}`}, Family{}, false, true},
		{"btcd", map[string]string{"getmempoolentry!": unimplemented, "getrawmempool": listing},
			Family{Count: 4, Fees: 141 + 2_000 + 1_000 + 3_000, VSize: 141 + 100 + 200 + 100, MaxDescendantRate: 30_000, Fee: 141, TxVSize: 141}, true, false},
		{"btcd, not in the mempool", map[string]string{"getmempoolentry!": unimplemented, "getrawmempool": `{"` + id(4) + `":{"fee":0.00000500,"vsize":50,"depends":[]}}`},
			Family{}, false, false},
		{"btcd with a malformed fee", map[string]string{"getmempoolentry!": unimplemented, "getrawmempool": `{"` + id(1) + `":{"fee":"x","vsize":141,"depends":[]}}`},
			Family{}, false, true},
		{"method not found", map[string]string{"getrawmempool": `{"` + id(1) + `":{"fee":0.00000141,"vsize":141,"depends":[]}}`},
			Family{Count: 1, Fees: 141, VSize: 141, Fee: 141, TxVSize: 141}, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := fakeNode(t, tc.results).Family(t.Context(), root)
			if (err != nil) != tc.wantErr || ok != tc.ok || got != tc.want {
				t.Fatalf("Family = %+v, %v, %v; want %+v, %v, error %v", got, ok, err, tc.want, tc.ok, tc.wantErr)
			}
		})
	}
}
