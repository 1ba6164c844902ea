package quorum_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/quorum"
	"github.com/treasury-dev/treasury/vault"
)

const h = hdkeychain.HardenedKeyStart

// proposal is a 2-of-3 P2WSH proposal spending one input, with each
// holder's private key for that input and fingerprint.
type proposal struct {
	p     *btcpsbt.Packet
	privs []*btcec.PrivateKey
	fps   []string
}

func newProposal(t *testing.T) proposal {
	t.Helper()
	var (
		origins []string
		accts   []*hdkeychain.ExtendedKey
		fps     []string
	)
	for i := range 3 {
		seed := sha256.Sum256(fmt.Appendf(nil, "quorum test holder %d", i))
		m, err := hdkeychain.NewMaster(seed[:], &chaincfg.RegressionNetParams)
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := m.ECPubKey()
		fp := fmt.Sprintf("%x", address.Hash160(pub.SerializeCompressed())[:4])
		acct := m
		for _, s := range []uint32{48 + h, 1 + h, 0 + h, 2 + h} {
			acct, _ = acct.Derive(s)
		}
		xpub, _ := acct.Neuter()
		origins = append(origins, fmt.Sprintf("[%s/48h/1h/0h/2h]%s/<0;1>/*", fp, xpub))
		accts, fps = append(accts, acct), append(fps, fp)
	}
	desc, err := vault.ParseDescriptor("wsh(sortedmulti(2," + strings.Join(origins, ",") + "))")
	if err != nil {
		t.Fatal(err)
	}
	net, _ := vault.ParseNetwork("regtest")
	d, err := desc.Derive(net, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	prev := wire.NewMsgTx(2)
	var nonce [32]byte
	binary.LittleEndian.PutUint32(nonce[:], 7)
	prev.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: nonce}, Sequence: 0xffffffff})
	prev.AddTxOut(wire.NewTxOut(btcutil.SatoshiPerBitcoin, d.PkScript))
	pay := append([]byte{txscript.OP_0, txscript.OP_DATA_20}, bytes.Repeat([]byte{0xab}, 20)...)
	p, err := psbt.Build(psbt.BuildRequest{
		Inputs:  []psbt.InputSpec{{OutPoint: wire.OutPoint{Hash: prev.TxHash()}, PrevTx: prev, Derived: d}},
		Outputs: []psbt.OutputSpec{{Value: btcutil.SatoshiPerBitcoin - 10_000, PkScript: pay}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var privs []*btcec.PrivateKey
	for _, a := range accts {
		c, _ := a.Derive(0)
		c, _ = c.Derive(0)
		k, err := c.ECPrivKey()
		if err != nil {
			t.Fatal(err)
		}
		privs = append(privs, k)
	}
	return proposal{p: p, privs: privs, fps: fps}
}

func (pr proposal) copy(t *testing.T) *btcpsbt.Packet {
	t.Helper()
	raw, err := psbt.EncodeBinary(pr.p)
	if err != nil {
		t.Fatal(err)
	}
	c, err := psbt.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sign(t *testing.T, p *btcpsbt.Packet, k *btcec.PrivateKey) {
	t.Helper()
	hashes, err := psbt.SigHashes(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := psbt.SignInput(p, hashes, 0, k); err != nil {
		t.Fatal(err)
	}
}

func TestAcceptNamesTheHolder(t *testing.T) {
	pr := newProposal(t)
	in := pr.copy(t)
	sign(t, in, pr.privs[1])
	sigs, err := quorum.Accept(pr.p, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) != 1 || sigs[0].Input != 0 || sigs[0].Fingerprint != pr.fps[1] {
		t.Fatalf("accepted %+v; want one signature by %s", sigs, pr.fps[1])
	}
}

// TestAcceptRefuses: what a file says about the transaction is never
// trusted; only the stored proposal's data decides.
func TestAcceptRefuses(t *testing.T) {
	pr := newProposal(t)
	outsider, _ := btcec.NewPrivateKey()
	tests := []struct {
		name string
		make func(in *btcpsbt.Packet)
		want string
	}{
		{"a holder's signature over a lied amount", func(in *btcpsbt.Packet) {
			addSig(t, in, pr.privs[0], 1) // the signer was told the input is worth 1 sat
		}, "signature refused"},
		{"a valid signature by a key that is not the generation's", func(in *btcpsbt.Packet) {
			addSig(t, in, outsider, btcutil.SatoshiPerBitcoin)
		}, "not in the input's witness script"},
		{"a forged signature", func(in *btcpsbt.Packet) {
			sign(t, in, pr.privs[2])
			in.Inputs[0].PartialSigs[0].Signature[10] ^= 1
		}, "signature refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := pr.copy(t)
			tc.make(in)
			_, err := quorum.Accept(pr.p, in)
			var refused *quorum.RefusedError
			if !errors.As(err, &refused) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Accept: %v; want a refusal saying %q", err, tc.want)
			}
		})
	}
}

// addSig signs input 0 as if it spent amount, bypassing the signer's checks.
func addSig(t *testing.T, in *btcpsbt.Packet, k *btcec.PrivateKey, amount btcutil.Amount) {
	t.Helper()
	fetcher := txscript.NewCannedPrevOutputFetcher(in.Inputs[0].WitnessUtxo.PkScript, int64(amount))
	hashes := txscript.NewTxSigHashes(in.UnsignedTx, fetcher)
	sh, err := txscript.CalcWitnessSigHash(in.Inputs[0].WitnessScript, hashes, txscript.SigHashAll, in.UnsignedTx, 0, int64(amount))
	if err != nil {
		t.Fatal(err)
	}
	sig := append(ecdsa.Sign(k, sh).Serialize(), byte(txscript.SigHashAll))
	in.Inputs[0].PartialSigs = append(in.Inputs[0].PartialSigs,
		&btcpsbt.PartialSig{PubKey: k.PubKey().SerializeCompressed(), Signature: sig})
}
