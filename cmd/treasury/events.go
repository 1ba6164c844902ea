package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/treasury-dev/treasury/internal/app"
)

// events returns the progress reporter for this invocation: JSON lines with
// --json, readable lines otherwise. Both go to stderr; stdout is for data.
func (c *cli) events() app.Events {
	if c.json {
		return jsonEvents{enc: json.NewEncoder(c.err)}
	}
	if c.progress == nil {
		c.progress = &textEvents{w: c.err, tty: isTerminal(c.err)}
	}
	return c.progress
}

// endProgress ends a progress line left open on the terminal, before
// anything else is printed.
func (c *cli) endProgress() {
	if c.progress != nil {
		c.progress.end()
	}
}

// textEvents prints progress for people: on a terminal one line rewritten
// in place (\r), piped one plain line per report.
type textEvents struct {
	w    io.Writer
	tty  bool
	open bool // a progress line is on the terminal without its newline
}

func (e *textEvents) SyncProgress(p app.SyncProgress) {
	line := fmt.Sprintf("sync: block %d of %d (%d/%d, %.0f blocks/s, about %s left)",
		p.Height, p.Tip, p.Done, p.Total, p.BlocksPerSec, time.Duration(p.ETASeconds)*time.Second)
	if !e.tty {
		fmt.Fprintln(e.w, line)
		return
	}
	if f, ok := e.w.(*os.File); ok {
		// A line wider than the terminal wraps, and \r then rewrites only
		// its last row.
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 1 && len(line) >= w {
			line = line[:w-1]
		}
	}
	fmt.Fprint(e.w, "\r\x1b[K"+line) // back to the column 0, clear the line
	e.open = true
}

func (e *textEvents) Notice(kind, msg string) {
	e.end()
	fmt.Fprintf(e.w, "treasury: %s: %s\n", kind, msg)
}

// end finishes the open progress line, leaving the last report visible.
func (e *textEvents) end() {
	if e.open {
		fmt.Fprintln(e.w)
		e.open = false
	}
}

type jsonEvents struct{ enc *json.Encoder }

func (e jsonEvents) SyncProgress(p app.SyncProgress) {
	e.enc.Encode(map[string]any{"event": "sync_progress", "height": p.Height, "tip": p.Tip,
		"done": p.Done, "total": p.Total, "blocks_per_sec": p.BlocksPerSec, "eta_seconds": p.ETASeconds})
}

func (e jsonEvents) Notice(kind, msg string) {
	e.enc.Encode(map[string]any{"event": "notice", "kind": kind, "message": msg})
}
