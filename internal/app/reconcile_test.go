package app_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/fakenode"
	"github.com/treasury-dev/treasury/vault"
)

// coreScanner is a fake Bitcoin Core with scantxoutset: it derives each
// single-chain descriptor's scripts over its range, as Core does, and lists
// the node's unspent outputs paying them.
type coreScanner struct {
	app.Chain
	fake *fakenode.Node
	net  vault.Network
}

func (c coreScanner) ScanDescriptors(ctx context.Context, descs []app.DescriptorRange) ([]app.ScannedOutput, error) {
	want := map[string]bool{}
	for _, dr := range descs {
		d, err := vault.ParseDescriptor(dr.Descriptor)
		if err != nil {
			return nil, err
		}
		chain := uint32(0)
		if strings.Contains(dr.Descriptor, "/1/*") {
			chain = 1
		}
		for i := uint32(0); i <= dr.Range; i++ {
			dv, err := d.Derive(c.net, chain, i)
			if err != nil {
				return nil, err
			}
			want[string(dv.PkScript)] = true
		}
	}
	var out []app.ScannedOutput
	for _, u := range c.fake.UTXOs(false, func(s []byte) bool { return want[string(s)] }) {
		out = append(out, app.ScannedOutput{OutPoint: u.OutPoint, Value: u.Value, PkScript: u.PkScript, Height: u.Height, Coinbase: u.Coinbase})
	}
	return out, nil
}

// TestReconcileWithScanTxOutSet: on a node with scantxoutset, a deposit
// deleted from the books is found; a value edit and an output the node says
// is spent are found on any node; every outcome is recorded for the TUI.
func TestReconcileWithScanTxOutSet(t *testing.T) {
	f := newFakeFixture(t, fakenode.Core)
	dial := f.fake.Dialer()
	f.app.Chain = func(ctx context.Context) (app.Chain, error) {
		c, err := dial(ctx)
		return coreScanner{Chain: c, fake: f.fake, net: f.net}, err
	}
	f.fundedOps(50_000_000)
	res, err := f.app.Reconcile(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Scanned || len(res.Differences) != 0 || res.Unspent != 1 {
		t.Fatalf("clean books: %+v", res)
	}
	db := rawDB(t, f)
	exec := func(q string) {
		t.Helper()
		if _, err := db.ExecContext(f.ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE TABLE bak AS SELECT * FROM utxos`)
	for _, tt := range []struct {
		name, sql, kind, line string
	}{
		{"deleted deposit", `DELETE FROM utxos`, app.DiffMissing, "which the books lack"},
		{"edited value", `UPDATE utxos SET value = value + 100000000`, app.DiffValue, "the books say 1.50000000 BTC, the node says 0.50000000 BTC"},
		{"spent at the node", `UPDATE utxos SET txid = '` + strings.Repeat("ab", 32) + `'`, app.DiffSpentOrMissing, "the node says it is spent or never existed"},
		{"filed under another generation", `UPDATE utxos SET generation_id = generation_id + 1`, app.DiffFiling, "whose script is not the output's"},
		{"filed under another index", `UPDATE utxos SET idx = idx + 1`, app.DiffFiling, "whose script is not the output's"},
		{"filed on the change chain", `UPDATE utxos SET chain = 1`, app.DiffFiling, "whose script is not the output's"},
		{"coinbase flag flipped", `UPDATE utxos SET coinbase = 1 - coinbase`, app.DiffFiling, "the books say coinbase="},
		{"height moved", `UPDATE utxos SET height = height + 1`, app.DiffFiling, "the books say it confirmed in block"},
		{"creating transaction swapped", `UPDATE utxos SET prev_tx = X'00'`, app.DiffFiling, "no readable transaction that created it"},
		{"a spent row's value edited", `UPDATE utxos SET spent_by = '` + strings.Repeat("cd", 32) + `', value = value + 1`, app.DiffFiling, "pays another value or script"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			exec(tt.sql)
			defer exec(`INSERT INTO utxos SELECT * FROM bak`) // runs second
			defer exec(`DELETE FROM utxos`)
			res, err := f.app.Reconcile(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, d := range res.Differences {
				found = found || d.Kind == tt.kind && strings.Contains(d.Line, tt.line)
			}
			if !found {
				t.Fatalf("differences %+v, want a %s naming %q", res.Differences, tt.kind, tt.line)
			}
			last, err := f.app.LastReconcile(f.ctx)
			if err != nil || last == nil || last.Differences != len(res.Differences) || len(last.Lines) == 0 {
				t.Fatalf("last reconcile %+v, %v", last, err)
			}
		})
	}
}

// rawDB opens the fixture's database file directly, as a tamperer would.
func rawDB(t *testing.T, f *fixture) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+f.db.Path()+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
