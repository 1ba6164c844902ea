package tui

import (
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
)

func TestLeftNoteSaysWhatAColdSpendLeaves(t *testing.T) {
	if got := leftNote(&app.ProposeResult{}); got != "" {
		t.Fatalf("nothing left: %q", got)
	}
	res := &app.ProposeResult{Vault: "ops", Source: 0, Left: app.Left{
		Waiting:    app.LeftOutputs{Outputs: 1, Value: 30_000_000},
		Uneconomic: app.LeftOutputs{Outputs: 2, Value: 800},
	}}
	want := "; it leaves 3 output(s) (0.30000800 BTC) in generation 0: once broadcast, sweep them with treasury rotate ops --generation 0"
	if got := leftNote(res); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}
