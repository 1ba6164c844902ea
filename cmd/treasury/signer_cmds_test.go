package main

import (
	"encoding/hex"
	"strconv"

	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/treasury-dev/treasury/vault"
)

// psbt-edit IN OUT WHAT ARGS… writes IN, changed as an attacker would, to
// OUT. An output is named "payment" (the one without derivations) or
// "change" (the one with). WHAT is one of:
//
//	value OUTPUT SATS            the output's value
//	script OUTPUT HEX            the output's script
//	sequence INPUT HEX           input INPUT's nSequence
//	locktime N                   the transaction's nLockTime
//	version N                    the transaction's version
//	change-index DESC CHAIN IDX  the change moves to DESC at CHAIN/IDX, with
//	                             derivations that prove it
//	proprietary BYTES            a global proprietary field of that size
func cmdPSBTEdit(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 4 {
		ts.Fatalf("usage: psbt-edit IN OUT WHAT ARGS…")
	}
	p := readPSBT(ts, args[0])
	what, rest := args[2], args[3:]
	num := func(s string, bits int) uint64 {
		n, err := strconv.ParseUint(s, 0, bits)
		ts.Check(err)
		return n
	}
	switch what {
	case "value":
		p.UnsignedTx.TxOut[outputNamed(ts, p, rest[0])].Value = int64(num(rest[1], 63))
	case "script":
		b, err := hex.DecodeString(rest[1])
		ts.Check(err)
		p.UnsignedTx.TxOut[outputNamed(ts, p, rest[0])].PkScript = b
	case "sequence":
		p.UnsignedTx.TxIn[num(rest[0], 16)].Sequence = uint32(num(rest[1], 32))
	case "locktime":
		p.UnsignedTx.LockTime = uint32(num(rest[0], 32))
	case "version":
		p.UnsignedTx.Version = int32(num(rest[0], 31))
	case "change-index":
		d, err := vault.ParseDescriptor(rest[0])
		ts.Check(err)
		net, err := vault.ParseNetwork("regtest")
		ts.Check(err)
		der, err := d.Derive(net, uint32(num(rest[1], 31)), uint32(num(rest[2], 31)))
		ts.Check(err)
		i := outputNamed(ts, p, "change")
		p.UnsignedTx.TxOut[i].PkScript = der.PkScript
		p.Outputs[i].WitnessScript, p.Outputs[i].RedeemScript = der.WitnessScript, der.RedeemScript
		p.Outputs[i].Bip32Derivation = nil
		for _, k := range der.Keys {
			p.Outputs[i].Bip32Derivation = append(p.Outputs[i].Bip32Derivation, &btcpsbt.Bip32Derivation{
				PubKey: k.PubKey, MasterKeyFingerprint: k.Fingerprint.PSBT(), Bip32Path: k.Path,
			})
		}
	case "proprietary":
		p.Unknowns = append(p.Unknowns, &btcpsbt.Unknown{Key: []byte{0xfc, 0x04, 'e', 'v', 'i', 'l'}, Value: make([]byte, num(rest[0], 31))})
	default:
		ts.Fatalf("psbt-edit: unknown change %q", what)
	}
	writePSBT(ts, args[1], p)
}

// outputNamed finds the payment (no derivations) or the change output.
func outputNamed(ts *testscript.TestScript, p *btcpsbt.Packet, name string) int {
	for i, o := range p.Outputs {
		if (name == "change") == (len(o.Bip32Derivation) > 0) {
			return i
		}
	}
	ts.Fatalf("no %s output", name)
	return -1
}
