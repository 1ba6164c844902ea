package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg/v2"
)

const h = hdkeychain.HardenedKeyStart

// TestBIP383Scripts checks the script builder and the P2SH-P2WSH wrapping
// against BIP-383's vectors (keys derived here as the vectors describe).
func TestBIP383Scripts(t *testing.T) {
	// sortedmulti(2,xpub6ERA…/*,xpub68NZ…/0/0/*): scripts at index 0, 1, 2.
	k1, err := hdkeychain.NewKeyFromString(bip380XPub)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := hdkeychain.NewKeyFromString("xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y")
	if err != nil {
		t.Fatal(err)
	}
	k2, _ = k2.Derive(0)
	k2, _ = k2.Derive(0)
	want := []string{
		"5221025d5fc65ebb8d44a5274b53bac21ff8307fec2334a32df05553459f8b1f7fe1b62102fbd47cc8034098f0e6a94c6aeee8528abf0a2153a5d8e46d325b7284c046784652ae",
		"52210264fd4d1f5dea8ded94c61e9641309349b62f27fbffe807291f664e286bfbe6472103f4ece6dfccfa37b211eb3d0af4d0c61dba9ef698622dc17eecdf764beeb005a652ae",
		"5221022ccabda84c30bad578b13c89eb3b9544ce149787e5b538175b1d1ba259cbb83321024d902e1a2fc7a8755ab5b694c575fce742c48d9ff192e63df5193e4c7afe1f9c52ae",
	}
	ck1, err := newChainKey(k1, Fingerprint{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ck2, err := newChainKey(k2, Fingerprint{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range want {
		keys, err := deriveKeys([]chainKey{ck1, ck2}, uint32(i))
		if err != nil {
			t.Fatal(err)
		}
		ws, err := multisigScript(2, [][]byte{keys[0].PubKey, keys[1].PubKey})
		if err != nil || hex.EncodeToString(ws) != w {
			t.Errorf("index %d: %x, %v; want %s", i, ws, err, w)
		}
	}
	// sh(wsh(multi(16, …))): keys in the given order.
	var pubs [][]byte
	for _, s := range []string{
		"03669b8afcec803a0d323e9a17f3ea8e68e8abe5a278020a929adbec52421adbd0", "0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600",
		"0362a74e399c39ed5593852a30147f2959b56bb827dfa3e60e464b02ccf87dc5e8", "0261345b53de74a4d721ef877c255429961b7e43714171ac06168d7e08c542a8b8",
		"02da72e8b46901a65d4374fe6315538d8f368557dda3a1dcf9ea903f3afe7314c8", "0318c82dd0b53fd3a932d16e0ba9e278fcc937c582d5781be626ff16e201f72286",
		"0297ccef1ef99f9d73dec9ad37476ddb232f1238aff877af19e72ba04493361009", "02e502cfd5c3f972fe9a3e2a18827820638f96b6f347e54d63deb839011fd5765d",
		"03e687710f0e3ebe81c1037074da939d409c0025f17eb86adb9427d28f0f7ae0e9", "02c04d3a5274952acdbc76987f3184b346a483d43be40874624b29e3692c1df5af",
		"02ed06e0f418b5b43a7ec01d1d7d27290fa15f75771cb69b642a51471c29c84acd", "036d46073cbb9ffee90473f3da429abc8de7f8751199da44485682a989a4bebb24",
		"02f5d1ff7c9029a80a4e36b9a5497027ef7f3e73384a4a94fbfe7c4e9164eec8bc", "02e41deffd1b7cce11cde209a781adcffdabd1b91c0ba0375857a2bfd9302419f3",
		"02d76625f7956a7fc505ab02556c23ee72d832f1bac391bcd2d3abce5710a13d06", "0399eb0a5487515802dc14544cf10b3666623762fbed2ec38a3975716e2c29c232",
	} {
		b, _ := hex.DecodeString(s)
		pubs = append(pubs, b)
	}
	ws, err := multisigScript(16, pubs)
	if err != nil {
		t.Fatal(err)
	}
	_, pk, _, err := wrapScript(P2SHP2WSH, ws, &chaincfg.MainNetParams)
	if err != nil || hex.EncodeToString(pk) != "a9147fc63e13dc25e8a95a3cee3d9a714ac3afd96f1e87" {
		t.Errorf("sh(wsh(multi(16,…))) = %x, %v", pk, err)
	}
}

func TestDeriveDetails(t *testing.T) {
	noOrigin := tpubB[23:]
	d := mustParse(t, shwsh(t, "2", tpubA, noOrigin, withH(tpubC)))
	got, err := d.Derive(mustNetwork(t, "regtest"), 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	if got.Chain != 1 || got.Index != 7 || len(got.Keys) != 3 {
		t.Fatalf("%+v", got)
	}
	if !slices.IsSortedFunc(got.Keys, func(a, b DerivedKey) int { return bytes.Compare(a.PubKey, b.PubKey) }) {
		t.Error("keys are not in BIP-67 order")
	}
	own := d.Keys[1].MasterFingerprint()
	for _, k := range got.Keys {
		switch k.Fingerprint.String() {
		case "21de204c", "355c1078":
			if !slices.Equal(k.Path, []uint32{48 + h, 1 + h, 0 + h, 1 + h, 1, 7}) {
				t.Errorf("%s path %s", k.Fingerprint, FormatPath(k.Path))
			}
		case own.String():
			if !slices.Equal(k.Path, []uint32{1, 7}) {
				t.Errorf("key without origin: path %s", FormatPath(k.Path))
			}
		default:
			t.Errorf("unexpected fingerprint %s", k.Fingerprint)
		}
	}
	sum := sha256.Sum256(got.WitnessScript)
	if !bytes.Equal(got.RedeemScript, append([]byte{0, 32}, sum[:]...)) {
		t.Errorf("redeem script %x is not the P2WSH program", got.RedeemScript)
	}
	if want := append(append([]byte{0xa9, 0x14}, address.Hash160(got.RedeemScript)...), 0x87); !bytes.Equal(got.PkScript, want) {
		t.Errorf("pkScript %x", got.PkScript)
	}
	if got.Address[0] != '2' {
		t.Errorf("regtest P2SH address %s", got.Address)
	}
}

func withH(s string) string { return string(bytes.ReplaceAll([]byte(s), []byte("'"), []byte("h"))) }

func TestDeriveP2WSH(t *testing.T) {
	d := mustParse(t, wsh(t, "2", "/<0;1>/*", tpubA, tpubB, tpubC))
	for _, tt := range []struct{ net, prefix string }{{"regtest", "bcrt1q"}, {"testnet", "tb1q"}, {"testnet4", "tb1q"}, {"signet", "tb1q"}} {
		got, err := d.Derive(mustNetwork(t, tt.net), 0, 0)
		if err != nil || got.Address[:len(tt.prefix)] != tt.prefix || got.RedeemScript != nil || len(got.PkScript) != 34 {
			t.Errorf("%s: %+v, %v", tt.net, got, err)
		}
	}
}

func TestDeriveRefuses(t *testing.T) {
	d := mustParse(t, wsh(t, "2", "/<0;1>/*", tpubA, tpubB, tpubC))
	tests := []struct {
		name         string
		net          Network
		chain, index uint32
		want         error
	}{
		{"mainnet for tpubs", mustNetwork(t, "mainnet"), 0, 0, ErrNetworkMismatch},
		{"chain 2", mustNetwork(t, "testnet"), 2, 0, ErrChainUnavailable},
		{"hardened index", mustNetwork(t, "testnet"), 0, h, ErrUnsupportedDerivation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := d.Derive(tt.net, tt.chain, tt.index); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := d.Derive(Network{Name: "x"}, 0, 0); err == nil {
		t.Error("a network without parameters")
	}
	bad := &Descriptor{Type: P2WSH, Threshold: 3, Keys: d.Keys[:2]}
	if _, err := bad.Derive(mustNetwork(t, "testnet"), 0, 0); !errors.Is(err, ErrThreshold) {
		t.Errorf("hand-built invalid descriptor: %v", err)
	}
}

// TestDeriveWithoutCache: a Descriptor built as a literal derives the same.
func TestDeriveWithoutCache(t *testing.T) {
	d := mustParse(t, wsh(t, "2", "/<0;1>/*", tpubA, tpubB, tpubC))
	lit := &Descriptor{Type: d.Type, Threshold: d.Threshold, Keys: d.Keys}
	net := mustNetwork(t, "testnet")
	a, errA := d.Derive(net, 1, 3)
	b, errB := lit.Derive(net, 1, 3)
	if errA != nil || errB != nil || a.Address != b.Address {
		t.Errorf("%v %v / %v %v", a, errA, b, errB)
	}
}

func TestDeriveConcurrent(t *testing.T) {
	d := mustParse(t, wsh(t, "2", "/<0;1>/*", tpubA, tpubB, tpubC))
	ref := mustParse(t, d.String())
	net := mustNetwork(t, "regtest")
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 16 {
				chain, index := uint32(g%2), uint32(i)
				got, err := d.Derive(net, chain, index)
				want, _ := ref.Derive(net, chain, index)
				if err != nil || got.Address != want.Address {
					errs <- errors.New("concurrent Derive differs")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
