package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/treasury-dev/treasury/internal/app"
)

// events returns the progress reporter for this invocation: JSON lines with
// --json, readable lines otherwise. Both go to stderr; stdout is for data.
func (c *cli) events() app.Events {
	if c.json {
		return jsonEvents{enc: json.NewEncoder(c.err)}
	}
	return textEvents{w: c.err}
}

type textEvents struct{ w io.Writer }

func (e textEvents) SyncProgress(p app.SyncProgress) {
	fmt.Fprintf(e.w, "sync: block %d of %d (%d/%d, %.0f blocks/s, about %ds left)\n",
		p.Height, p.Tip, p.Done, p.Total, p.BlocksPerSec, p.ETASeconds)
}

func (e textEvents) Notice(kind, msg string) { fmt.Fprintf(e.w, "treasury: %s: %s\n", kind, msg) }

type jsonEvents struct{ enc *json.Encoder }

func (e jsonEvents) SyncProgress(p app.SyncProgress) {
	e.enc.Encode(map[string]any{"event": "sync_progress", "height": p.Height, "tip": p.Tip,
		"done": p.Done, "total": p.Total, "blocks_per_sec": p.BlocksPerSec, "eta_seconds": p.ETASeconds})
}

func (e jsonEvents) Notice(kind, msg string) {
	e.enc.Encode(map[string]any{"event": "notice", "kind": kind, "message": msg})
}
