package tui

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/quorum"
	"github.com/treasury-dev/treasury/vault"
)

// bigModel is a model holding 1,000 proposals and 10,000 outputs, built
// from messages directly (no database), on screen s.
func bigModel(b *testing.B, s screen) Model {
	net, err := vault.ParseNetwork("regtest")
	if err != nil {
		b.Fatal(err)
	}
	m := New(context.Background(), &app.App{Net: net}, Options{Now: func() time.Time { return tuiNow }})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m = next.(Model)
	holders := []quorum.Holder{{Name: "alice"}, {Name: "bob"}, {Name: "carol"}}
	props := make([]app.ProposalDetail, 1000)
	for i := range props {
		q := quorum.New(2, holders, 3)
		q.Signed[0][i%3], q.Signed[1][i%3], q.Signed[2][i%3] = true, true, true
		props[i] = app.ProposalDetail{Vault: app.Vault{Name: "ops"}, Quorum: q, Proposal: app.Proposal{
			ID: fmt.Sprintf("%064x", i), Kind: app.KindTransfer, State: app.Collecting, Memo: "invoice",
			CreatedAt: fixedNow, Outputs: []app.ProposalOutput{{Value: btcutil.Amount(i + 1000)}}}}
	}
	utxos := make([]app.UTXORow, 10000)
	for i := range utxos {
		var h chainhash.Hash
		h[0], h[1] = byte(i), byte(i>>8)
		utxos[i] = app.UTXORow{Vault: "ops", State: app.Cold, UTXO: app.UTXO{OutPoint: wire.OutPoint{Hash: h}, Value: btcutil.Amount(i + 1), Height: int32(i)}}
	}
	next, _ = m.Update(proposalsMsg{list: props})
	m = next.(Model)
	m.utxos.vault = "ops"
	next, _ = m.Update(utxosMsg{vault: "ops", rows: utxos})
	m = next.(Model).show(s)
	m.props.sel, m.utxos.sel = 500, 5000
	return m
}

// BenchmarkUpdateView measures one keypress through Update plus the View
// it leads to, with 1,000 proposals and 10,000 outputs loaded.
func BenchmarkUpdateView(b *testing.B) {
	for _, s := range []struct {
		name string
		scr  screen
	}{{"proposals", scrProposals}, {"utxos", scrUTXOs}} {
		b.Run(s.name, func(b *testing.B) {
			m := bigModel(b, s.scr)
			keys := []tea.KeyPressMsg{keyMsg("down"), keyMsg("up")}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				next, _ := m.Update(keys[i%2])
				m = next.(Model)
				_ = m.View()
			}
		})
	}
}
