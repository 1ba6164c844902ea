package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/treasury-dev/treasury/internal/app"
)

// TestAuditShowsLastReconcile: the Audit screen says when the books were
// last reconciled with the node and what that found.
func TestAuditShowsLastReconcile(t *testing.T) {
	m, s := loaded(t)
	m = press(t, m, "3")
	if v := ansi.Strip(m.View().Content); !strings.Contains(v, "books never reconciled with the node") {
		t.Fatalf("no reconcile yet:\n%s", v)
	}
	s.update(func(tx app.Tx) error {
		return tx.SetMeta(app.MetaLastReconcile, `{"at":"2026-03-14T09:30:00Z","differences":2,"lines":["output ab:0 (vault ops g0): the books say 1.50000000 BTC, the node says 0.50000000 BTC","x"]}`)
	})
	m = press(t, m, "1", "3")
	v := ansi.Strip(m.View().Content)
	if !strings.Contains(v, "✗ last reconcile 2026-03-14T09:30:00Z: 2 difference(s): output ab:0 (vault ops") {
		t.Fatalf("differences not shown:\n%s", v)
	}
	s.update(func(tx app.Tx) error {
		return tx.SetMeta(app.MetaLastReconcile, `{"at":"2026-03-14T10:00:00Z","differences":0,"lines":[]}`)
	})
	m = press(t, m, "1", "3")
	if v := ansi.Strip(m.View().Content); !strings.Contains(v, "✓ last reconcile 2026-03-14T10:00:00Z: the books match the node") {
		t.Fatalf("clean reconcile not shown:\n%s", v)
	}
}
