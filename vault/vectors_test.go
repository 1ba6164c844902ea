package vault

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
)

// vectorFile is testdata/vectors/descriptors.json, computed by gen.js with
// two independent JavaScript implementations (@bitcoinerlab/descriptors and
// Caravan's @caravan/bitcoin) that had to agree on every address.
type vectorFile struct {
	Cases []struct {
		Name       string   `json:"name"`
		Type       string   `json:"type"`
		Network    string   `json:"network"`
		Threshold  int      `json:"threshold"`
		Descriptor string   `json:"descriptor"`
		Multipath  bool     `json:"multipath"`
		Keys       []string `json:"keys"`
		Addresses  []struct {
			Chain         uint32 `json:"chain"`
			Index         uint32 `json:"index"`
			Address       string `json:"address"`
			WitnessScript string `json:"witness_script"`
		} `json:"addresses"`
	} `json:"cases"`
	SLIP132 []struct {
		XPub    string `json:"xpub"`
		SLIP132 string `json:"slip132"`
	} `json:"slip132"`
}

func loadVectors(t testing.TB) vectorFile {
	t.Helper()
	raw, err := os.ReadFile("testdata/vectors/descriptors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Cases) < 8 || len(v.SLIP132) == 0 {
		t.Fatalf("vector file has %d cases and %d SLIP-132 pairs", len(v.Cases), len(v.SLIP132))
	}
	return v
}

func TestDeriveVectors(t *testing.T) {
	for _, c := range loadVectors(t).Cases {
		t.Run(c.Name, func(t *testing.T) {
			d, err := ParseDescriptor(c.Descriptor)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.String(); got != c.Descriptor {
				t.Errorf("String()\n got %s\nwant %s", got, c.Descriptor)
			}
			if d.Threshold != c.Threshold || d.N() != len(c.Keys) {
				t.Errorf("policy %d of %d, want %d of %d", d.Threshold, d.N(), c.Threshold, len(c.Keys))
			}
			wantType := map[string]ScriptType{"wsh": P2WSH, "sh-wsh": P2SHP2WSH}[c.Type]
			if d.Type != wantType {
				t.Errorf("type %d, want %d", d.Type, wantType)
			}
			net, err := ParseNetwork(c.Network)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range c.Addresses {
				got, err := d.Derive(net, a.Chain, a.Index)
				if err != nil {
					t.Fatalf("Derive(%d, %d): %v", a.Chain, a.Index, err)
				}
				if got.Address != a.Address {
					t.Errorf("Derive(%d, %d).Address = %s, want %s", a.Chain, a.Index, got.Address, a.Address)
				}
				if ws := hex.EncodeToString(got.WitnessScript); ws != a.WitnessScript {
					t.Errorf("Derive(%d, %d).WitnessScript = %s, want %s", a.Chain, a.Index, ws, a.WitnessScript)
				}
			}
		})
	}
}

func TestSLIP132Vectors(t *testing.T) {
	for _, v := range loadVectors(t).SLIP132 {
		t.Run(v.SLIP132[:4], func(t *testing.T) {
			k, err := ParseKey(v.SLIP132)
			if err != nil {
				t.Fatal(err)
			}
			if got := k.OriginString(); got != v.XPub {
				t.Errorf("ParseKey(%s) = %s, want %s", v.SLIP132, got, v.XPub)
			}
		})
	}
}
