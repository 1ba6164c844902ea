package app

// Events receives progress from long use cases (sync). The CLI prints it as
// text or JSON lines on stderr; the TUI turns it into messages.
type Events interface {
	// SyncProgress reports blocks scanned so far out of total.
	SyncProgress(p SyncProgress)
	// Notice reports something the user should know that is not an error
	// (a reorg, a deposit to a hot generation).
	Notice(kind, message string)
}

// SyncProgress is one progress report of a sync.
type SyncProgress struct {
	Height, Tip  int32
	Done, Total  int32
	BlocksPerSec float64 // display only; never used for money
	ETASeconds   int64
}

// NopEvents discards every event.
type NopEvents struct{}

// SyncProgress implements Events.
func (NopEvents) SyncProgress(SyncProgress) {}

// Notice implements Events.
func (NopEvents) Notice(string, string) {}
