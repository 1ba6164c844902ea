package psbt

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/vault"
)

// The BIP-370 test vectors are built from the same few key-value pairs, so
// they are written here as those pairs (hex) and assembled; TestBIP370
// checks the assembly against two vectors copied whole from the BIP.
const (
	magic = "70736274ff"
	// Version 0 base: the unsigned transaction of the "PSBTv0 but with
	// ..." cases.
	v0Tx = "01007102000000010b0ad921419c1c8719735d72dc739f9ea9e0638d1fe4c1eef0f9944084815fc80000000000feffffff020008af2f00000000160014c430f64c4756da310dbd1a085572ef299926272c8bbdeb0b00000000160014a07dac8ab6ca942d379ed795f835ba71c9cc688500000000"
	// Input fields: non-witness utxo, witness utxo, final script witness.
	inNonWit  = "0100520200000001c1aa256e214b96a1822f93de42bff3b5f3ff8d0519306e3515d7515a5e805b120000000000ffffffff0118c69a3b00000000160014b0a3af144208412693ca7d166852b52db0aef06e00000000"
	inWit     = "01011f18c69a3b00000000160014b0a3af144208412693ca7d166852b52db0aef06e"
	inFinal   = "01086b02473044022005275a485734e0ae1f3b971237586f0e72dc85833d278c0e474cd23112c0fa5e02206b048c83cebc3c41d0b93cc7da76185cedbd030d005b08018be2b98bbacbdf7b012103760dcca05f3997dc65b293060f7f29f1514c8c527048e12802b041d4fc340a27"
	inTxid    = "010e200b0ad921419c1c8719735d72dc739f9ea9e0638d1fe4c1eef0f9944084815fc8"
	inIndex0  = "010f0400000000"
	inSeq     = "011004feffffff"
	out0Deriv = "220202d601f84846a6755f776be00e3d9de8fb10acc935fb83c45fb0162d4cad5ab79218f69d873e540000800100008000000080000000002a000000"
	out1V0Der = "2202036efe2c255621986553ba9d65c3ddc64165ca1436e05aa35a4c6eb02451cf796d18f69d873e5400008001000080000000800100000062000000"
	out1V2Der = "220202e36fbff53dd534070cf8fd396614680f357a9b85db7340bf1cfa745d2ad7b34018f69d873e5400008001000080000000800100000064000000"
	out0Amt   = "0103080008af2f00000000"
	out0Scr   = "0104160014c430f64c4756da310dbd1a085572ef299926272c"
	out1Amt   = "0103088bbdeb0b00000000"
	out1Scr   = "01041600144dd193ac964a56ac1b9e1cca8454fe2f474f8513"
	// Global fields of version 2.
	gTxVer    = "01020402000000"
	gFallback = "01030400000000"
	gIn1      = "01040101"
	gIn2      = "01040102"
	gOut1     = "01050101"
	gOut2     = "01050102"
	gVer2     = "01fb0402000000"
	// The locktime cases: two inputs and one output.
	ltIn1  = "010e200f758dbfbd4da7c16c8a3309c3c81e1100f561ea646db5b01752c485e1bdde9f010f0401000000"
	ltIn2  = "010e203a1b3b3c837d6489ea7a31d8e6c7dd503c001bef3e06958e7574808d68ca78a5010f0400000000"
	ltOut  = "0103084f9335770000000001041600140b1352cacd03cf6aa1b7f3c8d6388671b34a5e11"
	h10000 = "01120410270000"
	h9000  = "01120428230000"
	t459   = "0111048b8dc462"
	t460   = "0111048c8dc462"
)

// v0Case is a "PSBTv0 but with X" vector: X added to the global map, the
// input map or the first output map.
func v0Case(global, input, output string) string {
	return magic + v0Tx + global + "00" + inNonWit + inWit + inFinal + input + "00" +
		out0Deriv + output + "00" + out1V0Der + "00"
}

// v2Case is a 1-input, 2-output version 2 vector from its parts.
func v2Case(globals, input, out0 string) string {
	return magic + globals + "00" + inNonWit + inWit + input + "00" +
		out0Deriv + out0 + "00" + out1V2Der + out1Amt + out1Scr + "00"
}

// ltCase is a 2-input, 1-output locktime vector.
func ltCase(in1, in2 string) string {
	return magic + gTxVer + gFallback + gIn2 + gOut1 + gVer2 + "00" + ltIn1 + in1 + "00" + ltIn2 + in2 + "00" + ltOut + "00"
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBIP370Assembly(t *testing.T) {
	// Two vectors copied whole from BIP-370, to check the parts above.
	requiredOnly := "70736274ff01020402000000010401010105010201fb040200000000010e200b0ad921419c1c8719735d72dc739f9ea9e0638d1fe4c1eef0f9944084815fc8010f0400000000000103080008af2f000000000104160014c430f64c4756da310dbd1a085572ef299926272c000103088bbdeb0b0000000001041600144dd193ac964a56ac1b9e1cca8454fe2f474f851300"
	if got := magic + gTxVer + gIn1 + gOut2 + gVer2 + "00" + inTxid + inIndex0 + "00" + out0Amt + out0Scr + "00" + out1Amt + out1Scr + "00"; got != requiredOnly {
		t.Fatalf("assembled required-only vector differs:\n%s\n%s", got, requiredOnly)
	}
	allFieldsB64 := "cHNidP8BAgQCAAAAAQMEAAAAAAEEAQEBBQECAQYBBwH7BAIAAAAAAQBSAgAAAAHBqiVuIUuWoYIvk95Cv/O18/+NBRkwbjUV11FaXoBbEgAAAAAA/////wEYxpo7AAAAABYAFLCjrxRCCEEmk8p9FmhStS2wrvBuAAAAAAEBHxjGmjsAAAAAFgAUsKOvFEIIQSaTyn0WaFK1LbCu8G4BDiALCtkhQZwchxlzXXLcc5+eqeBjjR/kwe7w+ZRAhIFfyAEPBAAAAAABEAT+////AREEjI3EYgESBBAnAAAAIgIC1gH4SEamdV93a+AOPZ3o+xCsyTX7g8RfsBYtTK1at5IY9p2HPlQAAIABAACAAAAAgAAAAAAqAAAAAQMIAAivLwAAAAABBBYAFMQw9kxHVtoxDb0aCFVy7ymZJicsACICAuNvv/U91TQHDPj9OWYUaA81epuF23NAvxz6dF0q17NAGPadhz5UAACAAQAAgAAAAIABAAAAZAAAAAEDCIu96wsAAAAAAQQWABRN0ZOslkpWrBueHMqEVP4vR0+FEwA="
	want, _ := base64.StdEncoding.DecodeString(allFieldsB64)
	got := mustHex(t, v2Case(gTxVer+gFallback+gIn1+gOut2+"01060107"+gVer2, inTxid+inIndex0+inSeq+t460+h10000, out0Amt+out0Scr))
	if !bytes.Equal(got, want) {
		t.Fatalf("assembled all-fields vector differs:\n%x\n%x", got, want)
	}
	if v0Case(gVer2, "", "")[:100] != "70736274ff01007102000000010b0ad921419c1c8719735d72dc739f9ea9e0638d1fe4c1eef0f9944084815fc80000000000" {
		t.Fatal("v0 base prefix differs")
	}
	// Without the added field, the v0 base of the invalid cases is valid,
	// so each of them fails for its field alone.
	if _, err := Decode(mustHex(t, v0Case("", "", ""))); err != nil {
		t.Fatalf("v0 base: %v", err)
	}
	if _, err := Decode(mustHex(t, v2Case(gTxVer+gFallback+gIn1+gOut2+gVer2, inTxid+inIndex0+inSeq, out0Amt+out0Scr))); err != nil {
		t.Fatalf("v2 base: %v", err)
	}
}

func TestBIP370Invalid(t *testing.T) {
	noFallback := gTxVer + gIn1 + gOut2 + gVer2
	full := gTxVer + gFallback + gIn1 + gOut2 + gVer2
	inFull := inTxid + inIndex0 + inSeq
	tests := []struct{ name, hex, why string }{
		{"v0 with PSBT_GLOBAL_VERSION 2", v0Case(gVer2, "", ""), "PSBT_GLOBAL_UNSIGNED_TX"},
		{"v0 with PSBT_GLOBAL_TX_VERSION", v0Case(gTxVer, "", ""), "version 0 psbt has version 2"},
		{"v0 with PSBT_GLOBAL_FALLBACK_LOCKTIME", v0Case("01030402000000", "", ""), "version 0 psbt has version 2"},
		{"v0 with PSBT_GLOBAL_INPUT_COUNT", v0Case("01040102", "", ""), "version 0 psbt has version 2"},
		{"v0 with PSBT_GLOBAL_OUTPUT_COUNT", v0Case("01050102", "", ""), "version 0 psbt has version 2"},
		{"v0 with PSBT_GLOBAL_TX_MODIFIABLE", v0Case("01060100", "", ""), "version 0 psbt has version 2"},
		{"v0 with PSBT_IN_PREVIOUS_TXID", v0Case("", inTxid, ""), "version 0 psbt has version 2"},
		{"v0 with PSBT_IN_OUTPUT_INDEX", v0Case("", inIndex0, ""), "version 0 psbt has version 2"},
		{"v0 with PSBT_IN_SEQUENCE", v0Case("", "011004ffffffff", ""), "version 0 psbt has version 2"},
		{"v0 with PSBT_IN_REQUIRED_TIME_LOCKTIME", v0Case("", t460, ""), "version 0 psbt has version 2"},
		{"v0 with PSBT_IN_REQUIRED_HEIGHT_LOCKTIME", v0Case("", h10000, ""), "version 0 psbt has version 2"},
		{"v0 with PSBT_OUT_AMOUNT", v0Case("", "", out0Amt), "version 0 psbt has version 2"},
		{"v0 with PSBT_OUT_SCRIPT", v0Case("", "", "0104160014a07dac8ab6ca942d379ed795f835ba71c9cc6885"), "version 0 psbt has version 2"},
		{"v2 missing PSBT_GLOBAL_INPUT_COUNT", v2Case(gTxVer+gFallback+gOut2+gVer2, inFull, out0Amt+out0Scr), "has no PSBT_GLOBAL"},
		{"v2 missing PSBT_GLOBAL_OUTPUT_COUNT", v2Case(gTxVer+gFallback+gIn1+gVer2, inFull, out0Amt+out0Scr), "has no PSBT_GLOBAL"},
		{"v2 missing PSBT_IN_PREVIOUS_TXID", v2Case(full, inIndex0+inSeq, out0Amt+out0Scr), "missing required field"},
		{"v2 missing PSBT_IN_OUTPUT_INDEX", v2Case(full, inTxid+inSeq, out0Amt+out0Scr), "missing required field"},
		{"v2 missing PSBT_OUT_AMOUNT", v2Case(full, inFull, out0Scr), "PSBT_OUT_AMOUNT"},
		{"v2 missing PSBT_OUT_SCRIPT", v2Case(full, inFull, out0Amt), "missing PSBT_OUT_SCRIPT"},
		{"v2 required time locktime below 500000000", v2Case(noFallback, inTxid+inIndex0+"011104ff64cd1d", out0Amt+out0Scr), "required time locktime"},
		{"v2 required height locktime at 500000000", v2Case(noFallback, inTxid+inIndex0+"0112040065cd1d", out0Amt+out0Scr), "required height locktime"},
		{"v2 incompatible locktimes", ltCase(h10000, t460), "both a height-based and a time-based"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(mustHex(t, tc.hex))
			if !errors.Is(err, ErrInvalidPSBT) || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("Decode = %v, want ErrInvalidPSBT for %q", err, tc.why)
			}
		})
	}
}

func TestBIP370Valid(t *testing.T) {
	noFallback := gTxVer + gIn1 + gOut2 + gVer2
	withFallback := gTxVer + gFallback + gIn1 + gOut2 + gVer2
	outs := out0Amt + out0Scr
	updated := inTxid + inIndex0
	modifiable := func(flags string) string { return gTxVer + gIn1 + gOut2 + "010601" + flags + gVer2 }
	tests := []struct {
		name     string
		hex      string
		seq      uint32
		lockTime uint32
	}{
		{"required fields only", magic + gTxVer + gIn1 + gOut2 + gVer2 + "00" + inTxid + inIndex0 + "00" + outs + "00" + out1Amt + out1Scr + "00", 0xffffffff, 0},
		{"updated", v2Case(noFallback, updated, outs), 0xffffffff, 0},
		{"updated with sequence", v2Case(noFallback, updated+inSeq, outs), 0xfffffffe, 0},
		{"updated with sequence and all locktimes", v2Case(withFallback, updated+inSeq+t460+h10000, outs), 0xfffffffe, 10000},
		{"inputs modifiable", v2Case(modifiable("01"), updated, outs), 0xffffffff, 0},
		{"outputs modifiable", v2Case(modifiable("02"), updated, outs), 0xffffffff, 0},
		{"has SIGHASH_SINGLE", v2Case(modifiable("04"), updated, outs), 0xffffffff, 0},
		{"undefined flag", v2Case(modifiable("08"), updated, outs), 0xffffffff, 0},
		{"inputs and outputs modifiable", v2Case(modifiable("03"), updated, outs), 0xffffffff, 0},
		{"inputs modifiable and SIGHASH_SINGLE", v2Case(modifiable("05"), updated, outs), 0xffffffff, 0},
		{"outputs modifiable and SIGHASH_SINGLE", v2Case(modifiable("06"), updated, outs), 0xffffffff, 0},
		{"all defined flags", v2Case(modifiable("07"), updated, outs), 0xffffffff, 0},
		{"all possible flags", v2Case(modifiable("ff"), updated, outs), 0xffffffff, 0},
		{"all fields", v2Case(gTxVer+gFallback+gIn1+gOut2+"01060107"+gVer2, updated+inSeq+t460+h10000, outs), 0xfffffffe, 10000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Decode(mustHex(t, tc.hex))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			tx := p.UnsignedTx
			if tx.Version != 2 || tx.LockTime != tc.lockTime || len(tx.TxIn) != 1 || len(tx.TxOut) != 2 {
				t.Fatalf("tx version %d locktime %d, %d in, %d out", tx.Version, tx.LockTime, len(tx.TxIn), len(tx.TxOut))
			}
			in := tx.TxIn[0]
			if in.PreviousOutPoint.String() != "c85f81844094f9f0eec1e41f8d63e0a99e9f73dc725d7319871c9c4121d90a0b:0" || in.Sequence != tc.seq {
				t.Fatalf("input %v sequence %#x", in.PreviousOutPoint, in.Sequence)
			}
			if tx.TxOut[0].Value != 800000000 || tx.TxOut[1].Value != 199998859 {
				t.Fatalf("output values %d, %d", tx.TxOut[0].Value, tx.TxOut[1].Value)
			}
			if strings.Contains(tc.name, "updated") || tc.name != "required fields only" {
				if p.Inputs[0].WitnessUtxo == nil || p.Inputs[0].NonWitnessUtxo == nil || len(p.Outputs[0].Bip32Derivation) != 1 {
					t.Fatal("version 0 fields were not kept")
				}
			}
			// What Decode returns is a valid version 0 PSBT.
			b, err := EncodeBinary(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Decode(b); err != nil {
				t.Fatalf("re-decoding the v0 form: %v", err)
			}
		})
	}
}

func TestBIP370LockTime(t *testing.T) {
	tests := []struct {
		name     string
		in1, in2 string
		want     uint32
	}{
		{"fallback of 0", "", "", 0},
		{"height 10000 and none", h10000, "", 10000},
		{"heights 10000 and 9000", h10000, h9000, 10000},
		{"height 10000; height 9000 and time", h10000, t460 + h9000, 10000},
		{"both on both inputs", t459 + h10000, t460 + h9000, 10000},
		{"time; height and time", t459, t460 + h9000, 1657048460},
		{"height and time; time", t459 + h10000, t460, 1657048460},
		{"none; time", "", t460, 1657048460},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Decode(mustHex(t, ltCase(tc.in1, tc.in2)))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if p.UnsignedTx.LockTime != tc.want {
				t.Fatalf("locktime %d, want %d", p.UnsignedTx.LockTime, tc.want)
			}
		})
	}
}

// toV2 rewrites a version 0 PSBT as version 2 (BIP-370), independently of
// the decoder's conversion, for round-trip tests.
func toV2(t *testing.T, v0 []byte) []byte {
	t.Helper()
	raw, err := parseRaw(v0)
	if err != nil {
		t.Fatal(err)
	}
	tx := raw.tx
	u32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	var b bytes.Buffer
	b.Write(psbtMagic)
	var cnt bytes.Buffer
	writeField(&b, []byte{globalTxVersion}, u32(uint32(tx.Version)))
	writeField(&b, []byte{globalFallbackLock}, u32(tx.LockTime))
	_ = wire.WriteVarInt(&cnt, 0, uint64(len(tx.TxIn)))
	writeField(&b, []byte{globalInputCount}, cnt.Bytes())
	cnt.Reset()
	_ = wire.WriteVarInt(&cnt, 0, uint64(len(tx.TxOut)))
	writeField(&b, []byte{globalOutputCount}, cnt.Bytes())
	writeField(&b, []byte{globalVersion}, u32(2))
	writeMap(&b, raw.global.without(globalUnsignedTx))
	for i, in := range tx.TxIn {
		m := append(kvMap(nil), raw.inputs[i]...)
		m = append(m,
			field{key: []byte{inPreviousTxid}, value: in.PreviousOutPoint.Hash[:]},
			field{key: []byte{inOutputIndex}, value: u32(in.PreviousOutPoint.Index)},
			field{key: []byte{inSequence}, value: u32(in.Sequence)})
		writeMap(&b, m)
	}
	for i, out := range tx.TxOut {
		m := append(kvMap(nil), raw.outputs[i]...)
		m = append(m,
			field{key: []byte{outAmount}, value: binary.LittleEndian.AppendUint64(nil, uint64(out.Value))},
			field{key: []byte{outScript}, value: out.PkScript})
		writeMap(&b, m)
	}
	return b.Bytes()
}

func TestV2RoundTrip(t *testing.T) {
	for _, typ := range []vault.ScriptType{vault.P2WSH, vault.P2SHP2WSH} {
		sc := newScenario(t, typ, 2, 3, 3)
		p := clone(t, sc.p)
		sc.signAll(t, p, 2)
		v0, err := EncodeBinary(p)
		if err != nil {
			t.Fatal(err)
		}
		v2 := toV2(t, v0)
		if bytes.Equal(v2, v0) {
			t.Fatal("toV2 changed nothing")
		}
		got, err := Decode(v2)
		if err != nil {
			t.Fatalf("Decode(v2): %v", err)
		}
		back, err := EncodeBinary(got)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back, v0) {
			t.Fatalf("v0 -> v2 -> v0 differs:\n%x\n%x", back, v0)
		}
		hashes, _ := SigHashes(got)
		for i := range got.Inputs {
			if err := VerifyPartialSig(got, hashes, i, got.Inputs[i].PartialSigs[0]); err != nil {
				t.Fatalf("signature lost its validity through v2: %v", err)
			}
		}
	}
}
