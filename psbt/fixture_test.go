package psbt

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sort"
	"testing"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/vault"
)

const hardened = hdkeychain.HardenedKeyStart

// holder is one test key holder: a master key derived from a fixed seed
// and its BIP-48 account xpub.
type holder struct {
	fp      vault.Fingerprint
	master  *hdkeychain.ExtendedKey
	account *hdkeychain.ExtendedKey // private, at m/48'/1'/0'/2'
	key     vault.Key
}

// testHolders returns n deterministic holders.
func testHolders(t testing.TB, n int) []holder {
	t.Helper()
	hs := make([]holder, n)
	for i := range hs {
		seed := sha256.Sum256([]byte(fmt.Sprintf("treasury psbt test holder %d", i)))
		master, err := hdkeychain.NewMaster(seed[:], &chaincfg.RegressionNetParams)
		if err != nil {
			t.Fatal(err)
		}
		mpub, err := master.ECPubKey()
		if err != nil {
			t.Fatal(err)
		}
		copy(hs[i].fp[:], address.Hash160(mpub.SerializeCompressed())[:4])
		path := []uint32{48 + hardened, 1 + hardened, 0 + hardened, 2 + hardened}
		acct := master
		for _, step := range path {
			if acct, err = acct.Derive(step); err != nil {
				t.Fatal(err)
			}
		}
		xpub, err := acct.Neuter()
		if err != nil {
			t.Fatal(err)
		}
		hs[i].master, hs[i].account = master, acct
		hs[i].key = vault.Key{
			Origin:    &vault.KeyOrigin{Fingerprint: hs[i].fp, Path: path},
			XPub:      xpub,
			Multipath: true,
		}
	}
	return hs
}

// derive returns the Derived script at chain/index for an m-of-len(hs)
// sortedmulti of type typ, and the private key of each holder at that
// position (in holder order).
func derive(t testing.TB, hs []holder, typ vault.ScriptType, m int, chain, index uint32) (*vault.Derived, []*btcec.PrivateKey) {
	t.Helper()
	d := &vault.Derived{Chain: chain, Index: index}
	privs := make([]*btcec.PrivateKey, len(hs))
	var pubs []*address.AddressPubKey
	for i, h := range hs {
		c, err := h.account.Derive(chain)
		if err == nil {
			c, err = c.Derive(index)
		}
		if err != nil {
			t.Fatal(err)
		}
		if privs[i], err = c.ECPrivKey(); err != nil {
			t.Fatal(err)
		}
		pub := privs[i].PubKey().SerializeCompressed()
		apk, err := address.NewAddressPubKey(pub, &chaincfg.RegressionNetParams)
		if err != nil {
			t.Fatal(err)
		}
		pubs = append(pubs, apk)
		path := append(append([]uint32(nil), h.key.Origin.Path...), chain, index)
		d.Keys = append(d.Keys, vault.DerivedKey{PubKey: pub, Fingerprint: h.fp, Path: path})
	}
	sort.Slice(pubs, func(i, j int) bool {
		return bytes.Compare(pubs[i].ScriptAddress(), pubs[j].ScriptAddress()) < 0
	})
	sort.Slice(d.Keys, func(i, j int) bool { return bytes.Compare(d.Keys[i].PubKey, d.Keys[j].PubKey) < 0 })
	ws, err := txscript.MultiSigScript(pubs, m)
	if err != nil {
		t.Fatal(err)
	}
	d.WitnessScript = ws
	wsh := sha256.Sum256(ws)
	program := append([]byte{txscript.OP_0, txscript.OP_DATA_32}, wsh[:]...)
	switch typ {
	case vault.P2WSH:
		d.PkScript = program
	case vault.P2SHP2WSH:
		d.RedeemScript = program
		d.PkScript = append(append([]byte{txscript.OP_HASH160, txscript.OP_DATA_20},
			address.Hash160(program)...), txscript.OP_EQUAL)
	}
	return d, privs
}

// fundingTx returns a transaction paying each value to pkScript; the
// nonce makes its txid unique.
func fundingTx(nonce uint32, pkScript []byte, values ...btcutil.Amount) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	var h [32]byte
	binary.LittleEndian.PutUint32(h[:], nonce)
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: h, Index: 0}, Sequence: 0xffffffff,
		SignatureScript: []byte{txscript.OP_TRUE}})
	for _, v := range values {
		tx.AddTxOut(wire.NewTxOut(int64(v), pkScript))
	}
	return tx
}

// scenario is a built PSBT with its keys.
type scenario struct {
	p       *btcpsbt.Packet
	privs   [][]*btcec.PrivateKey // privs[input][holder]
	holders []holder
	m       int
	typ     vault.ScriptType
	req     BuildRequest
}

// payScript is an external P2WPKH script the tests pay to.
var payScript = append([]byte{txscript.OP_0, txscript.OP_DATA_20}, bytes.Repeat([]byte{0xab}, 20)...)

// newScenario builds an m-of-n PSBT of type typ spending nIn inputs of
// 1 BTC each, paying 0.5 BTC per input out and returning the rest minus a
// fee to a change address of the same vault.
func newScenario(t testing.TB, typ vault.ScriptType, m, n, nIn int) *scenario {
	t.Helper()
	hs := testHolders(t, n)
	sc := &scenario{holders: hs, m: m, typ: typ}
	for _, h := range hs {
		sc.req.GlobalXPubs = append(sc.req.GlobalXPubs, h.key)
	}
	var total btcutil.Amount
	for i := 0; i < nIn; i++ {
		d, privs := derive(t, hs, typ, m, 0, uint32(i))
		prev := fundingTx(uint32(i), d.PkScript, 5000, btcutil.SatoshiPerBitcoin)
		sc.req.Inputs = append(sc.req.Inputs, InputSpec{
			OutPoint: wire.OutPoint{Hash: prev.TxHash(), Index: 1},
			PrevTx:   prev,
			Derived:  d,
		})
		sc.privs = append(sc.privs, privs)
		total += btcutil.SatoshiPerBitcoin
	}
	change, _ := derive(t, hs, typ, m, 1, 7)
	pay := btcutil.Amount(nIn) * btcutil.SatoshiPerBitcoin / 2
	sc.req.Outputs = []OutputSpec{
		{Value: pay, PkScript: payScript},
		{Value: total - pay - 10000, PkScript: change.PkScript, Derived: change},
	}
	sc.req.LockTime = 800000
	p, err := Build(sc.req)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	sc.p = p
	return sc
}

// signAll signs every input of p with holder h's key.
func (sc *scenario) signAll(t testing.TB, p *btcpsbt.Packet, h int) {
	t.Helper()
	hashes, err := SigHashes(p)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Inputs {
		if _, err := SignInput(p, hashes, i, sc.privs[i][h]); err != nil {
			t.Fatalf("SignInput(%d) by holder %d: %v", i, h, err)
		}
	}
}

// clone round-trips p through its serialization.
func clone(t testing.TB, p *btcpsbt.Packet) *btcpsbt.Packet {
	t.Helper()
	b, err := EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
