package app_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/vault"
)

// TestParseLabelsBIP329Vector reads BIP-329's test vector: seven records
// of the six types, the output not spendable.
func TestParseLabelsBIP329Vector(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "labels", "bip329-test-vector.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	main, _ := vault.ParseNetwork("mainnet")
	p, err := app.ParseLabels(data, main)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Labels) != 7 || p.Ignored != 0 || p.Truncated != 0 {
		t.Fatalf("%+v", p)
	}
	types := ""
	for _, l := range p.Labels {
		types += l.Type + " "
	}
	if types != "tx addr pubkey input output xpub tx " {
		t.Errorf("types %q", types)
	}
	out := p.Labels[4]
	if out.Spendable == nil || *out.Spendable || *out.Label != "Output" {
		t.Errorf("output record %+v", out)
	}
	if p.Labels[0].Origin != "wpkh([d34db33f/84'/0'/0'])" {
		t.Errorf("origin %q", p.Labels[0].Origin)
	}
	// The same addresses are not regtest ones.
	reg, _ := vault.ParseNetwork("regtest")
	if _, err := app.ParseLabels(data, reg); err == nil || !strings.Contains(err.Error(), "line 2: addr ref") {
		t.Errorf("a mainnet address on regtest: %v", err)
	}
}

// TestParseLabelsRules: BIP-329's field rules, each broken once.
func TestParseLabelsRules(t *testing.T) {
	net, _ := vault.ParseNetwork("mainnet")
	tx := `"f91d0a8a78462bc59398f2c5d7a84fcff491c26ba54c4833478b202796c8aafd"`
	for _, c := range []struct{ line, want string }{
		{`{"type":"tx","label":"x"}`, "needs both type and ref"},
		{`{"ref":` + tx + `}`, "needs both type and ref"},
		{`["tx",` + tx + `]`, "not a JSON object"},
		{`{"type":"tx","ref":"abc"}`, "not a 64-hex-digit transaction id"},
		{`{"type":"output","ref":` + tx + `}`, "is not txid:index"},
		{`{"type":"output","ref":"` + tx[1:65] + `:1","spendable":"false"}`, "spendable is not true or false"},
		{`{"type":"tx","ref":` + tx + `,"spendable":true}`, "spendable belongs to output records only"},
		{`{"type":"tx","ref":` + tx + `,"label":7}`, "label is not a string"},
		{`{"type":"pubkey","ref":"02ab"}`, "not a 32, 33 or 65-byte public key"},
		{`{"type":"xpub","ref":"xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"}`, "not an extended public key"},
	} {
		_, err := app.ParseLabels([]byte(c.line+"\n"), net)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.line, err, c.want)
		}
	}
	long := strings.Repeat("é", 300)
	p, err := app.ParseLabels([]byte(`{"type":"tx","ref":`+tx+`,"label":"`+long+`"}`+"\n"+`{"type":"silent-payment","ref":"x"}`+"\n\n"), net)
	if err != nil || p.Truncated != 1 || p.Ignored != 1 || len([]rune(*p.Labels[0].Label)) != app.MaxLabelLength {
		t.Errorf("truncation and unknown types: %+v, %v", p, err)
	}
}

// checkBIP329 checks an export line by line against BIP-329: UTF-8, one
// JSON object per line, type and ref present, only defined keys (and the
// additional fields keypath and value), spendable a boolean on outputs.
func checkBIP329(t *testing.T, data []byte, net vault.Network) []map[string]any {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\n")) {
		t.Fatal("the export does not end with a newline")
	}
	var recs []map[string]any
	allowed := map[string]bool{"type": true, "ref": true, "label": true, "origin": true, "spendable": true, "keypath": true, "value": true}
	for i, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		var r map[string]any
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("line %d is not a JSON object: %s", i+1, line)
		}
		for k := range r {
			if !allowed[k] {
				t.Errorf("line %d: key %q", i+1, k)
			}
		}
		if _, ok := r["spendable"]; ok {
			if _, isBool := r["spendable"].(bool); !isBool || r["type"] != "output" {
				t.Errorf("line %d: spendable %v on %v", i+1, r["spendable"], r["type"])
			}
		}
		recs = append(recs, r)
	}
	if _, err := app.ParseLabels(data, net); err != nil {
		t.Fatalf("the export fails BIP-329's rules: %v", err)
	}
	return recs
}

func exportJSONL(t *testing.T, f *fixture) []byte {
	t.Helper()
	recs, err := f.app.ExportLabels(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, r := range recs {
		line, _ := json.Marshal(r)
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// TestLabelsRoundTrip: the export of a vault with deposits and a broadcast
// transfer holds its addresses, outputs and the transfer's memo, and
// validates against BIP-329; labels imported from another wallet show on
// utxos and on the proposal, win over the made-up ones, and an export
// imported again changes nothing.
func TestLabelsRoundTrip(t *testing.T) {
	f := newAnyFixture(t)
	f.fundedOps(30_000_000)
	req := f.payRequest(4_000_000)
	req.Memo = "invoice 42"
	res, err := f.app.Propose(f.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	b := f.signAndSend(res, "alice", "bob")

	first := exportJSONL(t, f)
	recs := checkBIP329(t, first, f.net)
	byType := map[string]int{}
	var memo, deposit map[string]any
	for _, r := range recs {
		byType[r["type"].(string)]++
		if r["type"] == "tx" && r["ref"] == b.TxID {
			memo = r
		}
		if r["type"] == "output" && r["spendable"] == nil {
			deposit = r // spent by the transfer
		}
	}
	if byType["addr"] == 0 || byType["output"] < 2 || memo == nil || memo["label"] != "invoice 42" || deposit == nil {
		t.Fatalf("export %v, memo %v:\n%s", byType, memo, first)
	}
	if o, _ := memo["origin"].(string); !strings.HasPrefix(o, "wsh(sortedmulti(2,[") || strings.Contains(o, "tpub") {
		t.Errorf("origin %q is not an abbreviated descriptor", o)
	}

	// Labels from Sparrow: the payee's address and the change output.
	rows, err := f.app.ListUTXOs(f.ctx, app.UTXOsRequest{Vault: "ops"})
	if err != nil || len(rows) == 0 {
		t.Fatalf("utxos: %v", err)
	}
	change := rows[0].OutPoint.String()
	payee := req.Payments[0].Address
	sparrow := `{"type":"addr","ref":"` + payee + `","label":"Supplier X"}` + "\n" +
		`{"type":"output","ref":"` + change + `","label":"cold change","spendable":true}` + "\n" +
		`{"type":"tx","ref":"` + b.TxID + `","label":"Invoice 42 paid"}` + "\n"
	before := f.dump()
	if _, err := f.app.ImportLabels(f.ctx, "bad.jsonl", []byte(sparrow+`{"type":"tx","ref":"nope"}`+"\n")); !errors.Is(err, app.ErrInvalid) || f.dump() != before {
		t.Fatalf("a bad record: %v, or the database changed", err)
	}
	if _, err := f.app.ImportLabels(f.ctx, "sparrow.jsonl", []byte(sparrow)); err != nil {
		t.Fatal(err)
	}
	rows, _ = f.app.ListUTXOs(f.ctx, app.UTXOsRequest{Vault: "ops"})
	if rows[0].Label != "cold change" {
		t.Errorf("utxos label %q", rows[0].Label)
	}
	d, err := f.app.ShowProposal(f.ctx, res.Proposal.ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range d.Proposal.Outputs {
		if o.Address == payee {
			found = d.OutputLabels[o.Index] == "Supplier X"
		}
	}
	if !found || d.TxLabel != "Invoice 42 paid" {
		t.Errorf("proposal labels: tx %q, outputs %v", d.TxLabel, d.OutputLabels)
	}

	second := exportJSONL(t, f)
	checkBIP329(t, second, f.net)
	for _, want := range []string{`"label":"Supplier X"`, `"label":"cold change"`, `"label":"Invoice 42 paid"`} {
		if !bytes.Contains(second, []byte(want)) {
			t.Errorf("the export lacks %s", want)
		}
	}
	if bytes.Contains(second, []byte(`"label":"invoice 42"`)) {
		t.Error("the imported tx label did not replace the memo")
	}
	// Round trip: importing the export changes no label.
	if _, err := f.app.ImportLabels(f.ctx, "again.jsonl", second); err != nil {
		t.Fatal(err)
	}
	if third := exportJSONL(t, f); !bytes.Equal(third, second) {
		t.Errorf("export → import → export changed:\n%s\n---\n%s", second, third)
	}
}

// FuzzParseLabels: whatever a labels file holds, the reader returns
// records of BIP-329's types with a ref and no spendable off outputs, or
// an error; never a panic.
func FuzzParseLabels(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "labels", "bip329-test-vector.jsonl")); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"type":"output","ref":"f91d0a8a78462bc59398f2c5d7a84fcff491c26ba54c4833478b202796c8aafd:1","spendable":true}` + "\n"))
	f.Add([]byte("{}\n\n[]"))
	net, _ := vault.ParseNetwork("mainnet")
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := app.ParseLabels(b, net)
		if err != nil {
			return
		}
		for _, l := range p.Labels {
			if l.Ref == "" || (l.Spendable != nil && l.Type != "output") {
				t.Fatalf("accepted %+v", l)
			}
			if l.Label != nil && len([]rune(*l.Label)) > app.MaxLabelLength {
				t.Fatalf("a label of %d characters", len([]rune(*l.Label)))
			}
		}
	})
}
