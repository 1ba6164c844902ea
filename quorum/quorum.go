// Package quorum tracks who has signed what: per input, which holders of an
// M-of-N generation have a verified signature, and whether every input has
// reached its threshold.
//
// It decides nothing about validity: signatures reach it only after they
// were verified against their sighash.
package quorum

import (
	"fmt"
	"strings"
)

// Holder is one key holder of the spending generation.
type Holder struct {
	Name        string
	Fingerprint string
}

// Status is the signing state of one proposal.
type Status struct {
	Threshold int
	Holders   []Holder
	// Signed[i][h] is true when holder h has a verified signature on input i.
	Signed [][]bool
}

// New returns an empty status for inputs inputs.
func New(threshold int, holders []Holder, inputs int) Status {
	s := Status{Threshold: threshold, Holders: holders, Signed: make([][]bool, inputs)}
	for i := range s.Signed {
		s.Signed[i] = make([]bool, len(holders))
	}
	return s
}

// Mark records a verified signature by the holder with fingerprint fp on
// input. It reports false when fp is not a holder or input is out of range.
func (s *Status) Mark(input int, fp string) bool {
	if input < 0 || input >= len(s.Signed) {
		return false
	}
	for h, hd := range s.Holders {
		if strings.EqualFold(hd.Fingerprint, fp) {
			s.Signed[input][h] = true
			return true
		}
	}
	return false
}

// InputCount is how many holders signed input i.
func (s Status) InputCount(i int) int {
	n := 0
	for _, ok := range s.Signed[i] {
		if ok {
			n++
		}
	}
	return n
}

// SignedAll reports whether holder h signed every input.
func (s Status) SignedAll(h int) bool {
	if len(s.Signed) == 0 {
		return false
	}
	for i := range s.Signed {
		if !s.Signed[i][h] {
			return false
		}
	}
	return true
}

// Count is the number of signatures every input has at least: the
// proposal's progress towards its threshold.
func (s Status) Count() int {
	if len(s.Signed) == 0 {
		return 0
	}
	least := len(s.Holders)
	for i := range s.Signed {
		least = min(least, s.InputCount(i))
	}
	return least
}

// Complete reports whether every input has at least Threshold signatures.
func (s Status) Complete() bool { return len(s.Signed) > 0 && s.Count() >= s.Threshold }

// Short is the progress as signed of required, for lists: "1/2" when one
// of the two signatures a 2-of-3 needs is on every input. It never counts
// holders: "1/3" would read as "needs 3".
func (s Status) Short() string { return fmt.Sprintf("%d/%d", s.Count(), s.Threshold) }

// Summary is the progress in words: "1 of 2 signatures (2-of-3)".
func (s Status) Summary() string {
	return fmt.Sprintf("%d of %d signatures (%d-of-%d)", s.Count(), s.Threshold, s.Threshold, len(s.Holders))
}

// String is the progress with each holder:
// "1 of 2 signatures (2-of-3) — alice ✓  bob ·  carol ·".
// A holder is ticked when they signed every input.
func (s Status) String() string {
	parts := make([]string, len(s.Holders))
	for h, hd := range s.Holders {
		mark := "·"
		if s.SignedAll(h) {
			mark = "✓"
		}
		parts[h] = hd.Name + " " + mark
	}
	return s.Summary() + " — " + strings.Join(parts, "  ")
}

// InputShort is input i's progress as signed of required: "1/2".
func (s Status) InputShort(i int) string {
	return fmt.Sprintf("%d/%d", s.InputCount(i), s.Threshold)
}

// Bar draws the progress as blocks, one per required signature: "█░" when
// one of the two a 2-of-3 needs is there.
func (s Status) Bar() string {
	n := min(s.Count(), s.Threshold)
	return strings.Repeat("█", n) + strings.Repeat("░", max(s.Threshold-n, 0))
}

// Needed is how many more signatures the least-signed input still needs.
func (s Status) Needed() int { return max(s.Threshold-s.Count(), 0) }
