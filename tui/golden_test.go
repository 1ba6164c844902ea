package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
)

// screenCases reach every screen from the start; each waits for what the
// screen must show before the final frame is compared with its golden
// file (go test ./tui -run TestScreens -update rewrites them).
var screenCases = []struct {
	name  string
	steps func(d *driver, s *seed)
}{
	{"vaults", func(d *driver, s *seed) {}},
	{"utxos", func(d *driver, s *seed) { d.press("down", "u"); d.waitFor("Outputs of ops", "unconf") }},
	{"proposals", func(d *driver, s *seed) { d.press("2"); d.waitFor("Proposals  2", "transfer", "legacy") }},
	{"detail", func(d *driver, s *seed) {
		d.press("2")
		d.waitFor("Proposals  2")
		d.press("down", "enter")
		d.waitFor("Signatures", "input 1")
	}},
	{"transfer", func(d *driver, s *seed) {
		d.press("down", "n")
		d.waitFor("New transfer")
		d.typ(s.payee("supplier"))
		d.press("enter")
		d.typ("0.123456789")
		d.waitFor("more than 8 decimals")
	}},
	{"preview", func(d *driver, s *seed) {
		s.cancel(s.ops) // a cold spend waits for the live one
		d.press("down", "n")
		d.waitFor("New transfer")
		d.typ(s.payee("supplier"))
		d.press("enter")
		d.typ("0.25btc")
		d.press("enter")
		d.typ("3.5")
		d.press("enter")
		d.typ("payroll")
		d.press("enter")
		d.waitFor("Preview of the transfer", "payroll", "After broadcast")
	}},
	{"import", func(d *driver, s *seed) {
		d.press("2", "i")
		d.waitFor("Import signatures")
		d.typ("b")
		d.press("tab")
		d.waitFor("bob.psbt", "bob.signed.psbt")
	}},
	{"broadcast", func(d *driver, s *seed) {
		d.press("2")
		d.waitFor("Proposals  2")
		d.press("down", "enter")
		d.waitFor("input 1")
		d.press("b")
		d.waitFor("Broadcast proposal")
		d.typ(s.ops[:4])
		d.press("enter")
		d.waitFor("at least the first 8 characters")
	}},
	{"rotate", func(d *driver, s *seed) {
		s.cancel(s.ops)
		d.press("down", "r")
		d.waitFor("Rotate vault ops", "After broadcast")
	}},
	{"rotate-high-fee", func(d *driver, s *seed) {
		s.cancel(s.ops)
		d.press("down", "r")
		d.waitFor("Rotate vault ops", "After broadcast")
		d.press("tab")
		d.typ("2500")
		d.press("enter")
		d.waitFor("is above 1000 sat/vB", "at this fee anyway")
	}},
	{"preview-high-fee", func(d *driver, s *seed) {
		s.cancel(s.ops)
		d.press("down", "n")
		d.waitFor("New transfer")
		d.typ(s.payee("supplier"))
		d.press("enter")
		d.typ("0.001btc")
		d.press("enter")
		d.typ("300")
		d.press("enter", "enter")
		d.waitFor("is more than 5%", "Press a to")
		d.press("a")
		d.waitFor("After broadcast", "300 sat/vB")
	}},
	{"cancel", func(d *driver, s *seed) {
		d.press("2")
		d.waitFor("Proposals  2")
		d.press("x")
		d.waitFor("Cancel proposal " + s.legacy[:12])
	}},
	{"cancel-signed", func(d *driver, s *seed) {
		s.signFully(s.ops)
		d.press("2")
		d.waitFor("Proposals  2", "ready")
		d.press("down", "x")
		d.waitFor("Cancel proposal "+s.ops[:12], "enough signatures")
	}},
	{"audit", func(d *driver, s *seed) { d.press("3", "v"); d.waitFor("audit log verified") }},
	{"audit-entry", func(d *driver, s *seed) {
		d.press("3")
		d.waitFor("Audit log", "proposal.collect")
		d.press("up", "enter") // the newest but one: the collect
		d.waitFor("action    proposal.collect", "Payload", "file_sha256")
		d.press("down", "down", "down", "down", "down", "down", "down", "down", "down", "down")
		d.waitFor("\"state\": \"collecting\"")
	}},
	{"help", func(d *driver, s *seed) { d.press("?"); d.waitFor("3 audit log") }},
}

func TestScreens(t *testing.T) {
	for _, tc := range screenCases {
		for _, size := range [][2]int{{80, 24}, {120, 40}} {
			t.Run(fmt.Sprintf("%s/%dx%d", tc.name, size[0], size[1]), func(t *testing.T) {
				s := newScreensSeed(t)
				dir := t.TempDir()
				for _, f := range []string{"alice.psbt", "bob.psbt", "bob.signed.psbt", "carol.psbt"} {
					if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				a := *s.app
				a.Chain = unreachable
				header := "node unreachable"
				if plans(tc.name) {
					// A dry run asks the node for its relay floor; with no
					// node configured it uses the defaults.
					a.Chain, header = nil, "no node configured"
				}
				m := New(context.Background(), &a, Options{Now: func() time.Time { return tuiNow }, Dir: dir})
				d := drive(t, m, size[0], size[1])
				d.waitFor(header, "ops", "legacy")
				tc.steps(d, s)
				golden.RequireEqual(t, d.finish())
			})
		}
	}
}

// plans reports a screen that shows the app's dry run of a proposal.
func plans(name string) bool {
	return strings.HasPrefix(name, "preview") || strings.HasPrefix(name, "rotate")
}
