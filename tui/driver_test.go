package tui

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// probe publishes the plain text of every frame the program draws, so a
// test can wait for a screen without parsing the renderer's byte stream.
type probe struct {
	Model
	frame *atomic.Pointer[string]
}

// Update implements tea.Model.
func (p probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := p.Model.Update(msg)
	p.Model = m.(Model)
	s := ansi.Strip(p.Model.View().Content)
	p.frame.Store(&s)
	return p, cmd
}

// driver runs a Model in teatest and types at it.
type driver struct {
	t     testing.TB
	tm    *teatest.TestModel
	frame *atomic.Pointer[string]
}

func drive(t testing.TB, m Model, w, h int, opts ...tea.ProgramOption) *driver {
	t.Helper()
	d := &driver{t: t, frame: &atomic.Pointer[string]{}}
	d.tm = teatest.NewTestModel(t, probe{Model: m, frame: d.frame},
		teatest.WithInitialTermSize(w, h), teatest.WithProgramOptions(opts...))
	return d
}

// waitFor polls the last frame until it contains every string, failing
// after a deadline.
func (d *driver) waitFor(want ...string) {
	d.t.Helper()
	deadline := time.Now().Add(30 * time.Second) // generous: CI runs packages side by side on 2 cores
	for {
		f := d.frame.Load()
		if f != nil && containsAll(*f, want) {
			return
		}
		if time.Now().After(deadline) {
			last := "(nothing drawn)"
			if f != nil {
				last = *f
			}
			d.t.Fatalf("screen never showed %q; last frame:\n%s", want, last)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func containsAll(s string, want []string) bool {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// press sends named keys ("enter", "esc", "tab", "down", "up", "left",
// "right", "backspace") or single characters.
func (d *driver) press(keys ...string) {
	for _, k := range keys {
		d.tm.Send(keyMsg(k))
	}
}

func (d *driver) typ(s string) { d.tm.Type(s) }

// finish quits and returns the final frame without colour.
func (d *driver) finish() string {
	d.t.Helper()
	d.tm.Send(keyMsg("ctrl+c"))
	fm := d.tm.FinalModel(d.t, teatest.WithFinalTimeout(30*time.Second))
	return ansi.Strip(fm.(probe).Model.View().Content)
}

// keyMsg builds the key press bubbletea reports for k.
func keyMsg(k string) tea.KeyPressMsg {
	named := map[string]rune{"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "down": tea.KeyDown,
		"up": tea.KeyUp, "left": tea.KeyLeft, "right": tea.KeyRight, "backspace": tea.KeyBackspace}
	switch {
	case k == "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case k == "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case named[k] != 0:
		return tea.KeyPressMsg{Code: named[k]}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}
