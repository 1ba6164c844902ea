package psbt

import (
	"fmt"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/vault"
)

func TestInputWeight(t *testing.T) {
	tests := []struct {
		typ  vault.ScriptType
		m, n int
		want int64
	}{
		// 41 bytes outside the witness; witness: count, empty item, m
		// pushes of 73-byte signatures, the script with its length.
		{vault.P2WSH, 1, 1, 4*41 + 1 + 1 + 74 + 1 + 37},
		{vault.P2WSH, 2, 3, 4*41 + 1 + 1 + 2*74 + 1 + 105},
		{vault.P2WSH, 3, 5, 4*41 + 1 + 1 + 3*74 + 1 + 173},
		{vault.P2WSH, 5, 8, 4*41 + 1 + 1 + 5*74 + 3 + 275},
		{vault.P2SHP2WSH, 2, 3, 4*(41+35) + 1 + 1 + 2*74 + 1 + 105},
		{vault.P2WSH, 0, 3, 0},
		{vault.P2WSH, 4, 3, 0},
		{vault.P2WSH, 2, 17, 0},
		{vault.ScriptType(99), 2, 3, 0},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("type%d/%dof%d", tc.typ, tc.m, tc.n), func(t *testing.T) {
			if got := InputWeight(tc.typ, tc.m, tc.n); got != tc.want {
				t.Fatalf("InputWeight = %d, want %d", got, tc.want)
			}
		})
	}
	if got := InputVSize(vault.P2WSH, 2, 3); got != 105 {
		t.Fatalf("InputVSize(2-of-3 P2WSH) = %v, want 105", got)
	}
}

// TestEstimateVSizeAgainstSigned compares the estimate with real signed
// transactions: never below, and at most one vbyte above per two
// signatures (signatures are 71 or 72 bytes, counted as 73) plus rounding.
func TestEstimateVSizeAgainstSigned(t *testing.T) {
	tests := []struct {
		typ  vault.ScriptType
		m, n int
		nIn  int
	}{
		{vault.P2WSH, 2, 3, 1},
		{vault.P2WSH, 2, 3, 5},
		{vault.P2SHP2WSH, 2, 3, 3},
		{vault.P2WSH, 3, 5, 4},
		{vault.P2SHP2WSH, 3, 5, 2},
		{vault.P2WSH, 1, 1, 2},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("type%d/%dof%d/%din", tc.typ, tc.m, tc.n, tc.nIn), func(t *testing.T) {
			sc := newScenario(t, tc.typ, tc.m, tc.n, tc.nIn)
			p := clone(t, sc.p)
			for h := 0; h < tc.m; h++ {
				sc.signAll(t, p, h)
			}
			tx, err := Finalize(p, tc.m)
			if err != nil {
				t.Fatal(err)
			}
			weight := int64(tx.SerializeSizeStripped()*3 + tx.SerializeSize())
			actual := (weight + 3) / 4
			shapes := make([]InputShape, tc.nIn)
			for i := range shapes {
				shapes[i] = InputShape{Type: tc.typ, M: tc.m, N: tc.n}
			}
			var outs [][]byte
			for _, o := range tx.TxOut {
				outs = append(outs, o.PkScript)
			}
			est := EstimateVSize(shapes, outs)
			sigs := int64(tc.m * tc.nIn)
			if est < actual || est > actual+(sigs+1)/2+1 {
				t.Fatalf("estimate %d vB, actual %d vB (%d signatures)", est, actual, sigs)
			}
			if w := EstimateWeight(shapes, outs); w < weight {
				t.Fatalf("estimated weight %d below actual %d", w, weight)
			}
		})
	}
}

func TestFeeRate(t *testing.T) {
	tests := []struct {
		in      string
		want    FeeRate
		wantErr bool
		str     string
	}{
		{"12", SatPerVByte(12), false, "12 sat/vB"},
		{"1.5", 1500, false, "1.5 sat/vB"},
		{" 0.001 ", 1, false, "0.001 sat/vB"},
		{"0", 0, false, "0 sat/vB"},
		{"1.0001", 0, true, ""},
		{"-1", 0, true, ""},
		{"+1", 0, true, ""},
		{"", 0, true, ""},
		{"1e3", 0, true, ""},
		{".5", 0, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseFeeRate(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("ParseFeeRate = %d, %v; want %d, error %v", got, err, tc.want, tc.wantErr)
			}
			if !tc.wantErr && got.String() != tc.str {
				t.Fatalf("String = %q, want %q", got.String(), tc.str)
			}
		})
	}
	fees := []struct {
		vsize int64
		rate  FeeRate
		want  btcutil.Amount
	}{
		{141, SatPerVByte(10), 1410},
		{141, 1500, 212}, // 211.5 rounds up
		{0, SatPerVByte(10), 0},
		{1, 1, 1},
	}
	for _, f := range fees {
		if got := Fee(f.vsize, f.rate); got != f.want {
			t.Fatalf("Fee(%d, %s) = %d, want %d", f.vsize, f.rate, got, f.want)
		}
	}
	if got := FeeRate(-1500).String(); got != "-1.5 sat/vB" {
		t.Fatalf("String of a negative rate = %q", got)
	}
	if got := FeeForWeight(421, SatPerVByte(1)); got != 106 {
		t.Fatalf("FeeForWeight(421, 1 sat/vB) = %d, want 106", got)
	}
}

func TestFeeRateDecimal(t *testing.T) {
	for r, want := range map[FeeRate]string{0: "0", 1000: "1", 2500: "2.5", 100: "0.1", 1001: "1.001", 12000: "12", -1500: "-1.5"} {
		if got := r.Decimal(); got != want {
			t.Errorf("FeeRate(%d).Decimal() = %q, want %q", r, got, want)
		}
		if got := r.String(); got != want+" sat/vB" {
			t.Errorf("FeeRate(%d).String() = %q", r, got)
		}
	}
}

func TestDustThreshold(t *testing.T) {
	// Bitcoin Core's values at the default 3 sat/vB dust relay fee.
	p2wpkh := append([]byte{0x00, 0x14}, make([]byte, 20)...)
	p2wsh := append([]byte{0x00, 0x20}, make([]byte, 32)...)
	p2pkh := append(append([]byte{0x76, 0xa9, 0x14}, make([]byte, 20)...), 0x88, 0xac)
	tr := append([]byte{0x51, 0x20}, make([]byte, 32)...)
	for name, c := range map[string]struct {
		s    []byte
		want btcutil.Amount
	}{"p2wpkh": {p2wpkh, 294}, "p2wsh": {p2wsh, 330}, "p2pkh": {p2pkh, 546}, "p2tr": {tr, 330}} {
		if got := DustThreshold(c.s); got != c.want {
			t.Errorf("%s dust = %d, want %d", name, got, c.want)
		}
	}
}
