// Package tui is treasury's terminal interface for the officers who move a
// company's bitcoin: vaults and their generations, proposals and who has
// signed them, new transfers, signature import, broadcast and rotation
// with typed confirmation, the audit log, and a background sync.
//
// It is a bubbletea program over the same use cases as the CLI
// (internal/app) and never touches the store or the node itself. Update
// and View do no I/O: every call into the app runs in a tea.Cmd that
// returns a typed message. The program draws on the writer it is given
// (the CLI passes stderr), so stdout stays free for data.
package tui

import (
	"context"
	"errors"
	"io"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/treasury-dev/treasury/internal/app"
)

// Options tune a Model; the zero value is ready to use.
type Options struct {
	// Now is the clock for ages and the last sync time; nil: time.Now.
	Now func() time.Time
	// SyncEvery repeats the background sync; 0: only at start and on
	// demand (s).
	SyncEvery time.Duration
	// NoSyncOnStart skips the sync the program starts with.
	NoSyncOnStart bool
	// Dir is where relative PSBT paths are read and written, and where
	// file name completion starts; "": the working directory.
	Dir string
}

// Run opens the TUI on a, reading keys from in and drawing on out, until
// the officer quits or ctx ends. It replaces a.Events so sync progress
// reaches the screen instead of the writer the CLI gave it.
func Run(ctx context.Context, a *app.App, in io.Reader, out io.Writer, opt Options) error {
	ev := &programEvents{}
	a.Events = ev
	p := tea.NewProgram(New(ctx, a, opt), tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out))
	ev.p = p
	_, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// programEvents forwards the app's progress reports to the program as
// messages; the app calls it from the goroutine running a sync.
type programEvents struct{ p *tea.Program }

// SyncProgress implements app.Events.
func (e *programEvents) SyncProgress(p app.SyncProgress) {
	if e.p != nil {
		e.p.Send(syncProgressMsg(p))
	}
}

// Notice implements app.Events.
func (e *programEvents) Notice(kind, message string) {
	if e.p != nil {
		e.p.Send(noticeMsg{kind: kind, text: message})
	}
}
