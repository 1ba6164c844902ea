package keys

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/treasury-dev/treasury/vault"
)

var proofDate = time.Date(2026, 11, 27, 8, 30, 0, 0, time.UTC)

// proven returns a 2-of-3 standby (account 1) registered by all three
// holders, and alice's proof for it.
func proven(t *testing.T) (alice, bob *File, d *vault.Descriptor, p *vault.StandbyProof) {
	t.Helper()
	hs := holders(t, "regtest", "alice", "bob", "carol")
	d = multisig(t, 2, 1, hs...)
	for _, h := range hs {
		if _, err := h.Register(d); err != nil {
			t.Fatal(err)
		}
	}
	p, err := hs[0].ProveStandby(d, proofDate)
	if err != nil {
		t.Fatalf("ProveStandby: %v", err)
	}
	return hs[0], hs[1], d, p
}

func TestProveStandbyVerifies(t *testing.T) {
	alice, _, d, p := proven(t)
	net := mustNetwork(t, "regtest")
	k, date, err := p.Verify(net, d)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if k.Origin.Fingerprint != alice.Fingerprint || !date.Equal(proofDate) {
		t.Fatalf("proved %s at %s, want %s at %s", k.Origin.Fingerprint, date, alice.Fingerprint, proofDate)
	}
	if p.Origin != "m/48'/1'/1'/2'" || p.Fingerprint != alice.Fingerprint.String() || p.Date != "2026-11-27T08:30:00Z" {
		t.Fatalf("proof fields: %+v", p)
	}
	// The file round-trips through its encoding.
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	q, err := vault.ParseStandbyProof(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := q.Verify(net, d); err != nil {
		t.Fatalf("Verify after round trip: %v", err)
	}
	// The same policy written with its keys in another order and h
	// markers is the same descriptor to a proof.
	body, _, _ := strings.Cut(d.String(), "#")
	reordered := strings.ReplaceAll(body, "'", "h")
	keys := append([]vault.Key{}, d.Keys[2], d.Keys[0], d.Keys[1])
	d2, _ := vault.NewDescriptor(d.Type, d.Threshold, keys)
	for _, text := range []string{reordered, d2.String()} {
		o, err := vault.ParseDescriptor(text)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := p.Verify(net, o); err != nil {
			t.Errorf("Verify(%s): %v", text, err)
		}
	}
}

func TestStandbyProofRefusals(t *testing.T) {
	alice, bob, d, good := proven(t)
	regtest, testnet := mustNetwork(t, "regtest"), mustNetwork(t, "testnet")
	other := multisig(t, 2, 2, holders(t, "regtest", "x", "y")[0], alice, bob)
	// bob's proof, for the same descriptor, relabelled as alice's.
	bobs, err := bob.ProveStandby(d, proofDate)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		edit   func(p *vault.StandbyProof)
		net    vault.Network
		desc   *vault.Descriptor
		wantIs error
	}{
		{"other network", nil, testnet, d, vault.ErrProofMismatch},
		{"network field tampered", func(p *vault.StandbyProof) { p.Network = "testnet" }, regtest, d, vault.ErrProofMismatch},
		{"other descriptor", nil, regtest, other, vault.ErrProofMismatch},
		{"date tampered", func(p *vault.StandbyProof) { p.Date = "2026-11-28T08:30:00Z" }, regtest, d, vault.ErrProofSignature},
		{"date not canonical", func(p *vault.StandbyProof) { p.Date = "2026-11-27T09:30:00+01:00" }, regtest, d, vault.ErrProofFormat},
		{"fingerprint of another holder", func(p *vault.StandbyProof) { p.Fingerprint = bob.Fingerprint.String() }, regtest, d, vault.ErrProofSignature},
		{"unknown fingerprint", func(p *vault.StandbyProof) { p.Fingerprint = "00000000" }, regtest, d, vault.ErrProofMismatch},
		{"origin tampered", func(p *vault.StandbyProof) { p.Origin = "m/48'/1'/0'/2'" }, regtest, d, vault.ErrProofMismatch},
		{"checksum tampered", func(p *vault.StandbyProof) { p.Checksum = "qqqqqqqq" }, regtest, d, vault.ErrProofFormat},
		{"wrong key signed", func(p *vault.StandbyProof) { p.PubKey, p.Signature = bobs.PubKey, bobs.Signature }, regtest, d, vault.ErrProofSignature},
		{"signature of the wrong key, pubkey kept", func(p *vault.StandbyProof) { p.Signature = bobs.Signature }, regtest, d, vault.ErrProofSignature},
		{"signature flipped", func(p *vault.StandbyProof) { p.Signature = flipHex(p.Signature) }, regtest, d, vault.ErrProofSignature},
		{"signature not hex", func(p *vault.StandbyProof) { p.Signature = "zz" }, regtest, d, vault.ErrProofFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := *good
			if tc.edit != nil {
				tc.edit(&p)
			}
			_, _, err := p.Verify(tc.net, tc.desc)
			if !errors.Is(err, tc.wantIs) {
				t.Fatalf("Verify = %v, want %v", err, tc.wantIs)
			}
			if strings.Contains(strings.TrimSuffix(err.Error(), "."), ". ") {
				t.Errorf("more than one sentence: %q", err)
			}
		})
	}
}

// A signature by a key that is not in the descriptor fails even when the
// proof claims that key's own public key: the verifier derives the key
// from the xpub it holds.
func TestStandbyProofForgedKey(t *testing.T) {
	_, _, d, good := proven(t)
	stranger := holders(t, "regtest", "mallory")[0]
	priv, err := stranger.derive([]uint32{0, 0})
	if err != nil {
		t.Fatal(err)
	}
	defer priv.Zero()
	ec, _ := priv.ECPrivKey()
	k, _ := stranger.ownKey(multisig(t, 1, 0, stranger))
	h := vault.StandbyProofHash(mustNetwork(t, "regtest"), d, k.Origin.Fingerprint, k.Origin.Path, proofDate)
	sig, err := schnorr.Sign(ec, h[:])
	if err != nil {
		t.Fatal(err)
	}
	p := *good
	p.PubKey = hex.EncodeToString(ec.PubKey().SerializeCompressed())
	p.Signature = hex.EncodeToString(sig.Serialize())
	if _, _, err := p.Verify(mustNetwork(t, "regtest"), d); !errors.Is(err, vault.ErrProofSignature) {
		t.Fatalf("Verify = %v, want ErrProofSignature", err)
	}
}

func TestProveStandbyRefuses(t *testing.T) {
	hs := holders(t, "regtest", "alice", "bob", "carol")
	alice, bob, carol := hs[0], hs[1], hs[2]
	d := multisig(t, 2, 1, alice, bob, carol)
	if _, err := alice.ProveStandby(d, proofDate); !errors.Is(err, ErrNotRegistered) {
		t.Errorf("unregistered: %v, want ErrNotRegistered", err)
	}
	// Registered only as a destination by a holder who is not in it.
	dest := multisig(t, 2, 1, bob, carol, holders(t, "regtest", "dave")[0])
	if _, err := alice.RegisterDestination(dest); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.ProveStandby(dest, proofDate); !errors.Is(err, ErrForeignDescriptor) {
		t.Errorf("destination: %v, want ErrForeignDescriptor", err)
	}
	// A mistyped origin: alice's fingerprint and path with carol's xpub.
	ak, _ := alice.AccountKey(1, vault.P2WSH)
	ck, _ := carol.AccountKey(1, vault.P2WSH)
	ak.XPub = ck.XPub
	bk, _ := bob.AccountKey(1, vault.P2WSH)
	mistyped, err := vault.NewDescriptor(vault.P2WSH, 2, []vault.Key{ak, bk})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.ProveStandby(mistyped, proofDate); !errors.Is(err, ErrFalseOrigin) {
		t.Errorf("mistyped origin: %v, want ErrFalseOrigin", err)
	}
	mainnet := multisig(t, 2, 1, holders(t, "mainnet", "m1", "m2")...)
	if _, err := alice.ProveStandby(mainnet, proofDate); !errors.Is(err, ErrNetworkMismatch) {
		t.Errorf("mainnet descriptor: %v, want ErrNetworkMismatch", err)
	}
}

func TestParseStandbyProofRefuses(t *testing.T) {
	_, _, _, p := proven(t)
	good, _ := p.Encode()
	for name, b := range map[string]string{
		"not json":      "hello",
		"unknown field": strings.Replace(string(good), `"version"`, `"extra": 1, "version"`, 1),
		"other version": strings.Replace(string(good), `"version": 1`, `"version": 2`, 1),
		"other type":    strings.Replace(string(good), vault.StandbyProofType, "psbt", 1),
		"trailing text": string(good) + "{}",
		"too large":     strings.Repeat(" ", vault.MaxStandbyProofSize+1),
	} {
		if _, err := vault.ParseStandbyProof([]byte(b)); !errors.Is(err, vault.ErrProofFormat) {
			t.Errorf("%s: %v, want ErrProofFormat", name, err)
		}
	}
}

func flipHex(s string) string {
	b, _ := hex.DecodeString(s)
	b[len(b)-1] ^= 1
	return hex.EncodeToString(b)
}

func TestRegisteredGeneration(t *testing.T) {
	hs := holders(t, "regtest", "alice", "bob", "carol")
	g0, g1 := multisig(t, 2, 0, hs...), multisig(t, 2, 1, hs...)
	plan, err := hs[0].PlanRegistration([]Candidate{{Descriptor: g0, Vault: "ops", Generation: 0}, {Descriptor: g1, Vault: "ops", Generation: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := hs[0].ApplyRegistration(plan, false); err != nil {
		t.Fatal(err)
	}
	d, err := hs[0].RegisteredGeneration("ops", 1)
	if err != nil || !d.Equal(g1) {
		t.Fatalf("RegisteredGeneration(ops, 1) = %v, %v; want generation 1", d, err)
	}
	for _, tc := range []struct {
		vault string
		gen   int
	}{{"ops", 2}, {"other", 1}} {
		if _, err := hs[0].RegisteredGeneration(tc.vault, tc.gen); !errors.Is(err, ErrNotRegistered) {
			t.Errorf("RegisteredGeneration(%s, %d) = %v, want ErrNotRegistered", tc.vault, tc.gen, err)
		}
	}
}
