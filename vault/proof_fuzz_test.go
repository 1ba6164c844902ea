package vault

import (
	"testing"
)

// proofFuzzDescriptor is the standby of testdata/script/standby_proofs.txtar
// (alice, bob, and carol's mistyped key), and proofFuzzSeed alice's proof of it.
const (
	proofFuzzDescriptor = "wsh(sortedmulti(2,[73c5da0a/48'/1'/1'/2']tpubDEYM1BmQ5rp2PWKvCgvQxNeUrEv8gu5819xRdmu6S23fYpS8x2icwAeoVaBTLyN3fGWJQcWoaiKMduTXWKtG9bXNpVrZPRF7XVxrANtAEcR/<0;1>/*,[3f635a63/48'/1'/1'/2']tpubDE9cRBoQacWpJ5jrmTtCWtE8wCjUQn8jstHB9iYq35bTAhn7ECbTK5QonoL9fELwPakogYgS3cLf5h8ZnCuLMEybCLS3rtjKaQuxSa88EGs/<0;1>/*,[b8688df1/48'/1'/1'/2']tpubDE2vWdaeMZSJ2BYefPpts3k6bkyJximyULNMw418U4DKoNHfaDud7dnBGGeg4jYAZrW1uXurVJBh6BT4nUxwmWJujUEeXS9B1iZvj25MBeC/<0;1>/*))#822vfyd9"
	proofFuzzSeed       = `{
  "version": 1,
  "type": "treasury-standby-proof",
  "network": "regtest",
  "descriptor": "` + proofFuzzDescriptor + `",
  "checksum": "822vfyd9",
  "fingerprint": "73c5da0a",
  "origin": "m/48'/1'/1'/2'",
  "date": "2026-11-27T08:31:10Z",
  "pubkey": "03eabbaa4e14efb9e37c5c4dfed52bde6c89cf68c3cba2932b9b206fb1db0c50f1",
  "signature": "3bcc7e49a999b68838e2fc667e9ba07085ee5baa0845786cc095ea2b65be8faa3b7ffbdc1cc90332052809a444ce68f1fc1fa4374f1d50b57312d2901d32c0d9"
}`
)

// The seed verifies: the fixed vector is a real proof.
func TestStandbyProofVector(t *testing.T) {
	p, err := ParseStandbyProof([]byte(proofFuzzSeed))
	if err != nil {
		t.Fatal(err)
	}
	k, date, err := p.Verify(mustNetwork(t, "regtest"), mustParse(t, proofFuzzDescriptor))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if k.Origin.Fingerprint.String() != "73c5da0a" || ProofDate(date) != "2026-11-27T08:31:10Z" {
		t.Fatalf("proved %s at %s", k.Origin.Fingerprint, date)
	}
}

// FuzzStandbyProof: a proof file from anyone is parsed and verified without
// panicking, and whatever verifies names a key of the descriptor.
func FuzzStandbyProof(f *testing.F) {
	f.Add([]byte(proofFuzzSeed))
	f.Add([]byte(`{"version":1,"type":"treasury-standby-proof"}`))
	f.Add([]byte(`[]`))
	net := mustNetwork(f, "regtest")
	d := mustParse(f, proofFuzzDescriptor)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseStandbyProof(b)
		if err != nil {
			return
		}
		k, _, err := p.Verify(net, d)
		if err != nil {
			return
		}
		if k.Origin == nil || k.Origin.Fingerprint.String() != p.Fingerprint {
			t.Fatalf("verified a proof naming %s as key %+v", p.Fingerprint, k.Origin)
		}
	})
}
