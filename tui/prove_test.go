package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/treasury-dev/treasury/internal/app"
)

// The transfer preview shows the refusal a cold spend into an unproven
// standby meets, with the CLI's sentence and hint; a proven one shows none.
func TestPreviewShowsUnprovenStandby(t *testing.T) {
	s := newScreensSeed(t)
	// "reserve" gets a 2-of-2 standby nobody has proven.
	if _, err := s.app.RegisterStandby(s.ctx, app.StandbyRequest{Vault: "reserve", Keys: s.keySpecs(1, "dave", "erin")}); err != nil {
		t.Fatal(err)
	}
	m := New(context.Background(), s.app, Options{Now: func() time.Time { return tuiNow }, NoSyncOnStart: true})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = settle(t, next.(Model), m.Init())
	preview := func(m Model) string {
		t.Helper()
		m = press(t, typeText(t, m, s.payee("supplier")), "enter")
		m = press(t, typeText(t, m, "0.1btc"), "enter")
		m = press(t, typeText(t, m, "2"), "enter", "enter")
		if m.transfer.stage != stPreview {
			t.Fatalf("stage %d, errors %+v", m.transfer.stage, m.transfer.errs)
		}
		return ansi.Strip(strings.Join(m.previewBody(), "\n"))
	}
	// "reserve" is the third vault.
	got := preview(press(t, m, "down", "down", "n"))
	for _, want := range []string{"refused: standby generation 1 of vault reserve", "proven by 0 of the 2 holders it needs (no holder)", "treasury key prove", "treasury vault prove"} {
		if !strings.Contains(strings.Join(strings.Fields(got), " "), want) {
			t.Errorf("reserve's preview lacks %q:\n%s", want, got)
		}
	}
	// "ops" is proven by every holder. (Its live proposal is cancelled
	// first: the preview is the app's dry run, which would refuse a second
	// cold spend.)
	s.cancel(s.ops)
	if got := preview(press(t, m, "down", "n")); strings.Contains(got, "refused") {
		t.Errorf("ops's preview shows a refusal:\n%s", got)
	}
}
