package psbt

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/treasury-dev/treasury/vault"
)

// bip174WitnessSerialized is BIP-174's invalid case "PSBT with unsigned tx
// serialized with witness serialization format", which btcd's list lacks.
const bip174WitnessSerialized = "cHNidP8BAHgCAAAAAAEBJoFxNx7f8oXpN63upLN7eAAMBWbLs61kZBcTykIXG/YAAAAAAP7///8C09/1BQAAAAAZdqkU0MWZA8W6woaHYOkP1SGkZlqnZSCIrADh9QUAAAAAF6kUNUXm4zuDLEcFDyTT7rk8nAOUi8eHALMuEwAAAQD9pQEBAAAAAAECiaPHHqtNIOA3G7ukzGmPopXJRjr6Ljl/hTPMti+VZ+UBAAAAFxYAFL4Y0VKpsBIDna89p95PUzSe7LmF/////4b4qkOnHf8USIk6UwpyN+9rRgi7st0tAXHmOuxqSJC0AQAAABcWABT+Pp7xp0XpdNkCxDVZQ6vLNL1TU/////8CAMLrCwAAAAAZdqkUhc/xCX/Z4Ai7NK9wnGIZeziXikiIrHL++E4sAAAAF6kUM5cluiHv1irHU6m80GfWx6ajnQWHAkcwRAIgJxK+IuAnDzlPVoMR3HyppolwuAJf3TskAinwf4pfOiQCIAGLONfc0xTnNMkna9b7QPZzMlvEuqFEyADS8vAtsnZcASED0uFWdJQbrUqZY3LLh+GFbTZSYG2YVi/jnF6efkE/IQUCSDBFAiEA0SuFLYXc2WHS9fSrZgZU327tzHlMDDPOXMMJ/7X85Y0CIGczio4OFyXBl/saiK9Z9R5E5CVbIBZ8hoQDHAXR8lkqASECI7cr7vCWXRC+B3jv7NYfysb3mk6haTkzgHNEZPhPKrMAAAAAAAAA"

type bip174Vector struct {
	Name   string `json:"name"`
	Hex    string `json:"hex"`
	Base64 string `json:"base64"`
}

func loadBIP174(t *testing.T) (valid, invalid []bip174Vector) {
	t.Helper()
	b, err := os.ReadFile("testdata/bip174/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Valid, Invalid []bip174Vector }
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Valid) < 10 || len(v.Invalid) < 20 {
		t.Fatalf("only %d valid and %d invalid vectors", len(v.Valid), len(v.Invalid))
	}
	v.Invalid = append(v.Invalid, bip174Vector{Name: "BIP-174: unsigned tx in witness serialization", Base64: bip174WitnessSerialized})
	return v.Valid, v.Invalid
}

func (v bip174Vector) data() []byte {
	if v.Hex != "" {
		b, _ := hex.DecodeString(v.Hex)
		return b
	}
	return []byte(v.Base64)
}

func TestBIP174Vectors(t *testing.T) {
	valid, invalid := loadBIP174(t)
	// btcd's own unknown-field vectors use key type 0x0f, which BIP-370
	// has since made PSBT_IN_OUTPUT_INDEX and forbids in version 0 (as
	// Bitcoin Core does); we refuse them.
	refused := map[string]bool{"validPsbtHex 5: (btcd)": true, "validPsbtHex 6: (btcd)": true}
	for _, v := range valid {
		if refused[v.Name] {
			invalid = append(invalid, v)
			continue
		}
		t.Run("valid/"+v.Name, func(t *testing.T) {
			p, err := Decode(v.data())
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			// btcd reserializes these byte for byte; so must we.
			got, err := EncodeBinary(p)
			if err != nil {
				t.Fatal(err)
			}
			want := v.data()
			if v.Base64 != "" {
				want, _ = base64.StdEncoding.DecodeString(v.Base64)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("reserialized differently:\n%x\n%x", got, want)
			}
		})
	}
	for _, v := range invalid {
		t.Run("invalid/"+v.Name, func(t *testing.T) {
			if _, err := Decode(v.data()); !errors.Is(err, ErrInvalidPSBT) {
				t.Fatalf("Decode = %v, want ErrInvalidPSBT", err)
			}
		})
	}
}

func TestDecodeForms(t *testing.T) {
	sc := newScenario(t, vault.P2WSH, 2, 3, 2)
	bin, err := EncodeBinary(sc.p)
	if err != nil {
		t.Fatal(err)
	}
	b64, _ := EncodeBase64(sc.p)
	wrapped := ""
	for i := 0; i < len(b64); i += 64 {
		wrapped += b64[i:min(i+64, len(b64))] + "\r\n"
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"binary", bin},
		{"base64", []byte(b64)},
		{"base64 with surrounding whitespace", []byte("\n  " + b64 + " \n")},
		{"base64 wrapped in lines", []byte(wrapped)},
		{"hex", []byte(hex.EncodeToString(bin))},
		{"upper-case hex with newline", []byte(strings.ToUpper(hex.EncodeToString(bin)) + "\n")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Decode(tc.data)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if UnsignedTxID(p) != UnsignedTxID(sc.p) {
				t.Fatal("different transaction")
			}
			got, _ := EncodeBinary(p)
			if !bytes.Equal(got, bin) {
				t.Fatal("different serialization")
			}
		})
	}
}

func TestDecodeGarbage(t *testing.T) {
	sc := newScenario(t, vault.P2WSH, 2, 3, 1)
	bin, _ := EncodeBinary(sc.p)
	tests := []struct {
		name string
		data []byte
	}{
		{"nil", nil},
		{"spaces", []byte("  \n ")},
		{"text", []byte("hello world")},
		{"magic only", []byte("psbt\xff")},
		{"magic and separator", []byte("psbt\xff\x00")},
		{"base64 of garbage", []byte(base64.StdEncoding.EncodeToString([]byte("not a psbt at all")))},
		{"odd hex", []byte(hex.EncodeToString(bin)[1:])},
		{"truncated", bin[:len(bin)-1]},
		{"trailing byte", append(bytes.Clone(bin), 0)},
		{"version 1", append(append([]byte("psbt\xff"), 0x02, 0xfb, 0x00, 0x04, 1, 0, 0, 0), 0x00)},
		{"huge input count", []byte("psbt\xff\x01\x02\x04\x02\x00\x00\x00\x01\x04\x09\xff\xff\xff\xff\xff\xff\xff\xff\x7f\x01\x05\x01\x00\x01\xfb\x04\x02\x00\x00\x00\x00")},
		{"non-canonical key length", append(append([]byte("psbt\xff"), 0xfd, 0x01, 0x00), bin[5:]...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if p, err := Decode(tc.data); !errors.Is(err, ErrInvalidPSBT) {
				t.Fatalf("Decode = %v, %v; want ErrInvalidPSBT", p, err)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	sc := newScenario(f, vault.P2SHP2WSH, 2, 3, 2)
	p := clone(f, sc.p)
	sc.signAll(f, p, 0)
	bin, _ := EncodeBinary(p)
	b64, _ := EncodeBase64(p)
	f.Add(bin)
	f.Add([]byte(b64))
	f.Add([]byte(hex.EncodeToString(bin)))
	f.Add(mustHexF(f, v2Case(gTxVer+gFallback+gIn1+gOut2+"01060107"+gVer2, inTxid+inIndex0+inSeq+t460+h10000, out0Amt+out0Scr)))
	f.Add(mustHexF(f, ltCase(h10000, t460)))
	f.Add(mustHexF(f, v0Case("", "", "")))
	f.Add([]byte("psbt\xff\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidPSBT) {
				t.Fatalf("error does not wrap ErrInvalidPSBT: %v", err)
			}
			return
		}
		b, err := EncodeBinary(p)
		if err != nil {
			return // btcd refuses to write some packets it reads
		}
		if _, err := Decode(b); err != nil {
			t.Fatalf("decoded packet does not decode again: %v", err)
		}
		// Nothing a PSBT says may make signature checks panic.
		if hashes, err := SigHashes(p); err == nil {
			for i := range p.Inputs {
				for _, ps := range p.Inputs[i].PartialSigs {
					_ = VerifyPartialSig(p, hashes, i, ps)
				}
			}
			_, _ = Finalize(p, 2)
		}
	})
}

func mustHexF(f *testing.F, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		f.Fatal(err)
	}
	return b
}
