package keys

import (
	"encoding/binary"

	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
)

// Extended public key version bytes (BIP-32 and SLIP-132) by network class.
var (
	mainnetXPubVersions = map[uint32]bool{
		0x0488b21e: true, // xpub
		0x049d7cb2: true, // ypub
		0x04b24746: true, // zpub
		0x0295b43f: true, // Ypub
		0x02aa7ed3: true, // Zpub
	}
	testnetXPubVersions = map[uint32]bool{
		0x043587cf: true, // tpub
		0x044a5262: true, // upub
		0x045f1cf6: true, // vpub
		0x024289ef: true, // Upub
		0x02575483: true, // Vpub
	}
)

// checkPSBTNetwork refuses a PSBT whose global xpubs, or whose BIP-48
// derivations for this seed, belong to the other network class (mainnet
// versus the test networks). Unknown versions and non-BIP-48 paths say
// nothing and pass.
func (f *File) checkPSBTNetwork(p *btcpsbt.Packet) error {
	mainnet := f.net.IsMainnet()
	for _, x := range p.XPubs {
		if len(x.ExtendedKey) < 4 {
			continue
		}
		v := binary.BigEndian.Uint32(x.ExtendedKey)
		if (mainnet && testnetXPubVersions[v]) || (!mainnet && mainnetXPubVersions[v]) {
			return refuse(ErrNetworkMismatch, "its global xpubs are for %s but this key file is for %s",
				networkClass(!mainnet), f.Network)
		}
	}
	for i := range p.Inputs {
		if coin, ok := f.wrongCoin(p.Inputs[i].Bip32Derivation); ok {
			return refuseInput(i, ErrNetworkMismatch, "it is derived with BIP-48 coin type %d' but this key file is for %s", coin, f.Network)
		}
	}
	for j := range p.Outputs {
		if coin, ok := f.wrongCoin(p.Outputs[j].Bip32Derivation); ok {
			return refuseOutput(j, ErrNetworkMismatch, "it is derived with BIP-48 coin type %d' but this key file is for %s", coin, f.Network)
		}
	}
	return nil
}

// wrongCoin finds a BIP-48 derivation for this seed whose coin type is not
// the key file's network's.
func (f *File) wrongCoin(hints []*btcpsbt.Bip32Derivation) (uint32, bool) {
	const h = hdkeychain.HardenedKeyStart
	for _, d := range hints {
		if f.Fingerprint.PSBT() != d.MasterKeyFingerprint || len(d.Bip32Path) < 2 || d.Bip32Path[0] != 48+h {
			continue
		}
		if coin := d.Bip32Path[1]; coin != f.net.CoinType()+h {
			return coin &^ h, true
		}
	}
	return 0, false
}
