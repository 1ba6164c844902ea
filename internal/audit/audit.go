// Package audit keeps the hash chain behind treasury's audit log.
//
// Every state change appends one Entry. An entry's hash covers its sequence
// number, time, actor, action, the digest of its payload and the previous
// entry's hash, so editing, deleting, inserting or reordering any stored row
// breaks the chain at that row, and Verify names the first bad one.
//
// The package is pure: storing entries is the store's job, and the store
// appends in the same database transaction as the change it records.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Genesis is the previous hash of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// TimeFormat is how entry times are written (and hashed): UTC, nanoseconds.
const TimeFormat = time.RFC3339Nano

// Entry is one row of the audit log.
type Entry struct {
	Seq           int64
	Time          string // TimeFormat, UTC
	Actor         string
	Action        string
	Payload       []byte // canonical JSON of what changed; never a secret
	PayloadDigest string // hex SHA-256 of Payload
	PrevHash      string
	Hash          string
}

// Digest returns the hex SHA-256 of a payload.
func Digest(payload []byte) string {
	sum := sha256.Sum256(payload)
	return hex.EncodeToString(sum[:])
}

// ComputeHash returns the hash an entry must carry. Fields are length-prefixed
// so that no two different entries hash alike by shifting text between fields.
func ComputeHash(e Entry) string {
	h := sha256.New()
	for _, f := range []string{strconv.FormatInt(e.Seq, 10), e.Time, e.Actor, e.Action, e.PayloadDigest, e.PrevHash} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Next builds the entry that follows prev (nil for the first entry).
func Next(prev *Entry, at time.Time, actor, action string, payload []byte) Entry {
	e := Entry{Seq: 1, PrevHash: Genesis}
	if prev != nil {
		e.Seq = prev.Seq + 1
		e.PrevHash = prev.Hash
	}
	e.Time = at.UTC().Format(TimeFormat)
	e.Actor = actor
	e.Action = action
	e.Payload = payload
	e.PayloadDigest = Digest(payload)
	e.Hash = ComputeHash(e)
	return e
}

// ErrBroken is matched by every *BrokenError.
var ErrBroken = errors.New("audit log is broken")

// BrokenError names the first entry at which the chain does not hold.
type BrokenError struct {
	Seq    int64 // the stored sequence number of the bad row (or the expected one when rows are missing)
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit log is broken at entry %d: %s", e.Seq, e.Reason)
}

// Is makes errors.Is(err, ErrBroken) true.
func (e *BrokenError) Is(target error) bool { return target == ErrBroken }

// Verify checks entries given in storage order (ascending seq). head is the
// recorded hash the last entry must have (Genesis for an empty log): it
// catches a truncated tail, which a chain alone cannot. An empty head is
// refused when there are entries, so that blanking the head cannot turn the
// tail check off.
func Verify(entries []Entry, head string) error {
	if head == "" && len(entries) > 0 {
		return &BrokenError{Seq: int64(len(entries)), Reason: "the log's recorded head is missing or empty, so rows removed from the end could not be detected"}
	}
	prev := Genesis
	for i, e := range entries {
		want := int64(i + 1)
		switch {
		case e.Seq != want:
			return &BrokenError{Seq: want, Reason: fmt.Sprintf("expected sequence %d, found %d (a row was deleted, inserted or moved)", want, e.Seq)}
		case e.PrevHash != prev:
			return &BrokenError{Seq: e.Seq, Reason: "it does not link to the entry before it (a row was deleted, inserted or moved)"}
		case Digest(e.Payload) != e.PayloadDigest:
			return &BrokenError{Seq: e.Seq, Reason: "its payload does not match its digest (the row was edited)"}
		case ComputeHash(e) != e.Hash:
			return &BrokenError{Seq: e.Seq, Reason: "its hash does not match its contents (the row was edited)"}
		}
		prev = e.Hash
	}
	if head != "" && !strings.EqualFold(head, prev) {
		return &BrokenError{Seq: int64(len(entries) + 1), Reason: "the log ends before its recorded head (rows were removed from the end)"}
	}
	return nil
}
