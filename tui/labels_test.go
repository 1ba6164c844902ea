package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/vault"
)

// TestLabelsShown: an imported BIP-329 label shows on the utxo line and on
// the proposal's detail (transaction and output).
func TestLabelsShown(t *testing.T) {
	net, _ := vault.ParseNetwork("regtest")
	m := New(context.Background(), &app.App{Net: net}, Options{Now: func() time.Time { return tuiNow }})
	row := app.UTXORow{UTXO: app.UTXO{OutPoint: wire.OutPoint{Index: 1}, Value: btcutil.Amount(5000), Height: 7}, Vault: "ops", Label: "cold change"}
	if line := m.utxoLine(row, false); !strings.Contains(line, `"cold change"`) {
		t.Errorf("utxo line without its label: %q", line)
	}
	row.ReservedBy = strings.Repeat("ab", 32)
	if line := m.utxoLine(row, false); !strings.Contains(line, `reserved by abababababab "cold change"`) {
		t.Errorf("utxo line with a note: %q", line)
	}
	d := app.ProposalDetail{
		Proposal:     app.Proposal{ID: strings.Repeat("cd", 32), Kind: app.KindTransfer, State: app.Collecting, Memo: "invoice 42", CreatedAt: tuiNow, Outputs: []app.ProposalOutput{{Index: 0, Value: 1000, Address: "bcrt1qpayee"}}},
		TxLabel:      "Invoice 42 paid",
		OutputLabels: map[int]string{0: "Supplier X"},
	}
	text := strings.Join(m.detailLines(d), "\n")
	if !strings.Contains(text, `label     "Invoice 42 paid"`) || !strings.Contains(text, `bcrt1qpayee  "Supplier X"`) {
		t.Errorf("detail without the labels:\n%s", text)
	}
}
