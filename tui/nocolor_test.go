package tui

import (
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

var sgr = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)

// colourCodes counts SGR parameters that set a colour (not resets).
func colourCodes(out string) int {
	n := 0
	for _, m := range sgr.FindAllStringSubmatch(out, -1) {
		for _, p := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' }) {
			switch {
			case len(p) == 2 && (p[0] == '3' || p[0] == '4' || p[0] == '9') && p[1] <= '8' && p != "39" && p != "49",
				len(p) == 3 && p[:2] == "10":
				n++
			}
		}
	}
	return n
}

// TestNoColor checks that NO_COLOR removes every colour from what the
// program writes, and that the same screen has colours without it (so
// the check can fail).
func TestNoColor(t *testing.T) {
	for _, tc := range []struct {
		env        []string
		wantColour bool
	}{
		{[]string{"TERM=xterm-256color", "TTY_FORCE=1"}, true},
		{[]string{"TERM=xterm-256color", "TTY_FORCE=1", "NO_COLOR=1"}, false},
	} {
		t.Run(strings.Join(tc.env, " "), func(t *testing.T) {
			s := newScreensSeed(t)
			a := *s.app
			a.Chain = unreachable
			m := New(context.Background(), &a, Options{Now: func() time.Time { return tuiNow }})
			d := drive(t, m, 80, 24, tea.WithEnvironment(tc.env))
			d.waitFor("node unreachable", "legacy")
			d.finish()
			out, err := io.ReadAll(d.tm.FinalOutput(t, teatest.WithFinalTimeout(30*time.Second)))
			if err != nil {
				t.Fatal(err)
			}
			if got := colourCodes(string(out)) > 0; got != tc.wantColour {
				t.Errorf("colour codes present: %v, want %v", got, tc.wantColour)
			}
		})
	}
}
