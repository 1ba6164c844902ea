package psbt

import (
	"testing"

	btcpsbt "github.com/btcsuite/btcd/psbt/v2"

	"github.com/treasury-dev/treasury/vault"
)

// BenchmarkSign500Inputs signs every input of a 500-input 2-of-3 PSBT with
// one key: one SigHashes, then 500 SignInput calls.
func BenchmarkSign500Inputs(b *testing.B) { benchmarkSign(b, 500) }

// BenchmarkSign2000Inputs shows that signing is linear in the inputs: it
// should take four times as long as BenchmarkSign500Inputs.
func BenchmarkSign2000Inputs(b *testing.B) { benchmarkSign(b, 2000) }

func benchmarkSign(b *testing.B, n int) {
	sc := newScenario(b, vault.P2WSH, 2, 3, n)
	copies := make([]*btcpsbt.Packet, b.N)
	for i := range copies {
		copies[i] = clone(b, sc.p)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := copies[i]
		hashes, err := SigHashes(p)
		if err != nil {
			b.Fatal(err)
		}
		for in := range p.Inputs {
			if _, err := SignInput(p, hashes, in, sc.privs[in][0]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkFinalize500Inputs finalizes a fully signed 500-input 2-of-3
// PSBT: verifying 1000 signatures and running the script engine 500 times.
func BenchmarkFinalize500Inputs(b *testing.B) {
	sc := newScenario(b, vault.P2WSH, 2, 3, 500)
	p := clone(b, sc.p)
	sc.signAll(b, p, 0)
	sc.signAll(b, p, 2)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Finalize(p, 2); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode500Inputs decodes the base64 of a signed 500-input PSBT.
func BenchmarkDecode500Inputs(b *testing.B) {
	sc := newScenario(b, vault.P2WSH, 2, 3, 500)
	p := clone(b, sc.p)
	sc.signAll(b, p, 0)
	s, err := EncodeBase64(p)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(s)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Decode([]byte(s)); err != nil {
			b.Fatal(err)
		}
	}
}
