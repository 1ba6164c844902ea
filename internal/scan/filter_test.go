package scan_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2/gcs/builder"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/scan"
)

type filterVector struct {
	height   int
	hash     chainhash.Hash
	block    *wire.MsgBlock
	prevOuts [][]byte
	filter   []byte
	note     string
}

// bip158Vectors reads Bitcoin Core's BIP-158 vectors (testdata/README.md).
func bip158Vectors(t *testing.T) []filterVector {
	t.Helper()
	raw, err := os.ReadFile("testdata/blockfilters.json")
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		t.Fatal(err)
	}
	var out []filterVector
	for _, row := range rows[1:] {
		var (
			v                  filterVector
			hash, blk, f, note string
			prev               []string
		)
		for i, dst := range []any{&v.height, &hash, &blk, &prev, nil, &f, nil, &note} {
			if dst != nil {
				if err := json.Unmarshal(row[i], dst); err != nil {
					t.Fatal(err)
				}
			}
		}
		h, err := chainhash.NewHashFromStr(hash)
		if err != nil {
			t.Fatal(err)
		}
		v.hash, v.note = *h, note
		b, _ := hex.DecodeString(blk)
		v.block = new(wire.MsgBlock)
		if err := v.block.Deserialize(bytes.NewReader(b)); err != nil {
			t.Fatalf("block %d: %v", v.height, err)
		}
		if v.block.BlockHash() != v.hash {
			t.Fatalf("block %d: hash mismatch", v.height)
		}
		for _, p := range prev {
			s, _ := hex.DecodeString(p)
			v.prevOuts = append(v.prevOuts, s)
		}
		v.filter, _ = hex.DecodeString(f)
		out = append(out, v)
	}
	return out
}

// TestMatchFilterVectors: against the filters Bitcoin Core computes, every
// output script a block creates (but OP_RETURN and empty ones) and every
// script it spends from matches, so a deposit to us or a spend of ours is
// never missed; scripts that are not there do not match.
func TestMatchFilterVectors(t *testing.T) {
	for _, v := range bip158Vectors(t) {
		t.Run(v.note, func(t *testing.T) {
			var want [][]byte
			for _, tx := range v.block.Transactions {
				for _, out := range tx.TxOut {
					if len(out.PkScript) > 0 && out.PkScript[0] != txscript.OP_RETURN {
						want = append(want, out.PkScript)
					}
				}
			}
			want = append(want, v.prevOuts...)
			for _, s := range want {
				w := scan.NewWatch()
				w.AddScript(s, scan.Ref{})
				ok, err := scan.MatchFilter(v.hash, v.filter, w, nil)
				if err != nil || !ok {
					t.Fatalf("block %d: script %x does not match its filter (%v)", v.height, s, err)
				}
				// The same script as an extra (our outputs' scripts).
				ok, err = scan.MatchFilter(v.hash, v.filter, scan.NewWatch(), [][]byte{s})
				if err != nil || !ok {
					t.Fatalf("block %d: extra script %x does not match (%v)", v.height, s, err)
				}
			}
			w := scan.NewWatch()
			for i := range byte(50) {
				w.AddScript(p2wpkh(0xc0+i), scan.Ref{})
			}
			if ok, err := scan.MatchFilter(v.hash, v.filter, w, nil); err != nil || ok {
				t.Fatalf("block %d: 50 absent scripts matched (%v, %v)", v.height, ok, err)
			}
		})
	}
}

// TestMatchFilterBuilt: a filter built by btcd (as its getcfilter serves)
// agrees with Block on a block that pays us, spends from us, or neither.
func TestMatchFilterBuilt(t *testing.T) {
	mine, other := p2wpkh(1), p2wpkh(3)
	held := wire.OutPoint{Hash: chainhash.Hash{0xaa}, Index: 1}
	pays := block(coinbase(wire.NewTxOut(50e8, other)), spend([]wire.OutPoint{{Index: 9}}, wire.NewTxOut(5, mine)))
	spends := block(coinbase(wire.NewTxOut(50e8, other)), spend([]wire.OutPoint{held}, wire.NewTxOut(5, other)))
	neither := block(coinbase(wire.NewTxOut(50e8, other)))
	w := scan.NewWatch()
	w.AddScript(mine, scan.Ref{})
	w.AddOutPoint(held)
	for _, tc := range []struct {
		name string
		b    *wire.MsgBlock
		prev [][]byte
		want bool
	}{
		{"pays us", pays, [][]byte{other}, true},
		{"spends ours", spends, [][]byte{mine}, true},
		{"neither", neither, nil, false},
	} {
		f, err := builder.BuildBasicFilter(tc.b, tc.prev)
		if err != nil {
			t.Fatal(err)
		}
		nb, _ := f.NBytes()
		got, err := scan.MatchFilter(tc.b.BlockHash(), nb, w, nil)
		if err != nil || got != tc.want {
			t.Errorf("%s: match %v, %v; want %v", tc.name, got, err, tc.want)
		}
		if exact := !scan.Block(tc.b, w).Empty(); exact != tc.want {
			t.Errorf("%s: Block says %v", tc.name, exact)
		}
	}
}

// TestMatchFilterMalformed: a filter that does not parse is an error, never
// a silent "no match" that would hide a deposit.
func TestMatchFilterMalformed(t *testing.T) {
	w := scan.NewWatch()
	w.AddScript(p2wpkh(1), scan.Ref{})
	for _, f := range [][]byte{nil, {0xff}, {0xfe, 0x01}} {
		if _, err := scan.MatchFilter(chainhash.Hash{1}, f, w, nil); err == nil {
			t.Errorf("filter %x: no error", f)
		}
	}
}

func FuzzMatchFilter(f *testing.F) {
	f.Add([]byte{0x01, 0x9d, 0xfc, 0xa8})
	f.Add([]byte{0x09, 0x02, 0x7a, 0xce, 0xa6, 0x1b, 0x6c, 0xc3, 0xfb, 0x33})
	w := scan.NewWatch()
	for i := range byte(20) {
		w.AddScript(p2wpkh(i), scan.Ref{})
	}
	f.Fuzz(func(t *testing.T, filter []byte) {
		_, _ = scan.MatchFilter(chainhash.Hash{7}, filter, w, nil)
	})
}

// BenchmarkMatchFilter tests a mainnet-sized basic filter (a block of
// 3,000 transactions, 6,000 distinct output and spent scripts) against a
// watch set of 200 and of 2,000 scripts that it does not contain: the
// per-block cost of a filter sync besides fetching the filter.
func BenchmarkMatchFilter(b *testing.B) {
	blk := block()
	var prev [][]byte
	for i := range 3000 {
		tx := spend([]wire.OutPoint{{Hash: chainhash.Hash{byte(i), byte(i >> 8)}, Index: uint32(i)}},
			wire.NewTxOut(1000, bench32(0xa0, i)))
		blk.AddTransaction(tx)
		prev = append(prev, bench32(0xb0, i))
	}
	f, err := builder.BuildBasicFilter(blk, prev)
	if err != nil {
		b.Fatal(err)
	}
	nb, _ := f.NBytes()
	hash := blk.BlockHash()
	for _, n := range []int{200, 2000} {
		w := scan.NewWatch()
		for i := range n {
			w.AddScript(bench32(0xc0, i), scan.Ref{})
		}
		b.Run(fmt.Sprintf("watch-%d", n), func(b *testing.B) {
			for b.Loop() {
				if ok, err := scan.MatchFilter(hash, nb, w, nil); err != nil || ok {
					b.Fatalf("match %v, %v", ok, err)
				}
			}
			b.ReportMetric(float64(len(nb)), "filter-bytes")
		})
	}
}

// bench32 is a distinct P2WSH-shaped script for (tag, i).
func bench32(tag byte, i int) []byte {
	s := make([]byte, 34)
	s[0], s[1], s[2], s[3], s[4] = 0x00, 0x20, tag, byte(i), byte(i>>8)
	return s
}
