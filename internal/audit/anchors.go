package audit

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Anchor is a head of the log that someone outside the database recorded:
// an entry's sequence number and hash. Signers record the anchor each PSBT
// carries; officers record `treasury audit head`.
type Anchor struct {
	Seq    int64  `json:"seq"`
	Hash   string `json:"hash"`
	Source string `json:"-"` // where it was read, for messages
}

// ErrBadAnchors means an anchors file could not be read.
var ErrBadAnchors = errors.New("unreadable anchors")

// maxAnchorsFile bounds an anchors file: a holder's records and an
// officer's heads are a few kilobytes; more is not an anchors file, and is
// refused rather than cut short.
const maxAnchorsFile = 16 << 20

// VerifyAnchored is Verify with the head required and every anchor checked:
// the log must chain from its first entry through each anchored entry, each
// carrying the anchored hash, to the recorded head. A log rewritten with
// recomputed hashes, renumbered after a deletion, truncated with its head
// moved, or rebuilt in a fresh database fails at the first anchor it no
// longer contains.
func VerifyAnchored(entries []Entry, head string, anchors []Anchor) error {
	if err := Verify(entries, head); err != nil {
		return err
	}
	sorted := append([]Anchor(nil), anchors...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Seq < sorted[j].Seq })
	for _, a := range sorted {
		if a.Seq < 1 || a.Seq > int64(len(entries)) {
			return &BrokenError{Seq: a.Seq, Reason: fmt.Sprintf("the log has %d entries, but %s recorded entry %d (the log was cut short or rebuilt)", len(entries), a.source(), a.Seq)}
		}
		if e := entries[a.Seq-1]; !strings.EqualFold(e.Hash, a.Hash) {
			return &BrokenError{Seq: a.Seq, Reason: fmt.Sprintf("its hash %s is not the %s that %s recorded (the log was rewritten)", short(e.Hash), short(a.Hash), a.source())}
		}
	}
	return nil
}

func (a Anchor) source() string {
	if a.Source == "" {
		return "an anchor"
	}
	return "an anchor from " + a.Source
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

// ParseAnchors reads anchors from r, named name in messages. It accepts the
// JSON that `treasury key anchors --json` and `treasury audit head --json`
// print (any number of such documents, one after another, each with an
// "anchors" list or a "seq" and "hash" of its own), or text lines
// "SEQ HASH", with anything after the hash ignored, so that the table
// 'treasury key anchors' prints reads too (blank lines, lines starting with
// # and a "SEQ HASH …" header are skipped).
func ParseAnchors(r io.Reader, name string) ([]Anchor, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxAnchorsFile+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadAnchors, name, err)
	}
	if len(b) > maxAnchorsFile {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes; it is no anchors file", ErrBadAnchors, name, maxAnchorsFile)
	}
	t := bytes.TrimSpace(b)
	var out []Anchor
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		out, err = parseAnchorJSON(t, name)
	} else {
		out, err = parseAnchorLines(t, name)
	}
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s holds no anchors", ErrBadAnchors, name)
	}
	return out, nil
}

type anchorDoc struct {
	Seq     *int64   `json:"seq"`
	Hash    string   `json:"hash"`
	Key     string   `json:"key"`
	Anchors []Anchor `json:"anchors"`
}

func parseAnchorJSON(b []byte, name string) ([]Anchor, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	var out []Anchor
	for n := 1; ; n++ {
		var docs []anchorDoc
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("%w: %s: JSON document %d: %v", ErrBadAnchors, name, n, err)
		}
		if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
			if err := json.Unmarshal(raw, &docs); err != nil {
				return nil, fmt.Errorf("%w: %s: JSON document %d: %v", ErrBadAnchors, name, n, err)
			}
		} else {
			var d anchorDoc
			if err := json.Unmarshal(raw, &d); err != nil {
				return nil, fmt.Errorf("%w: %s: JSON document %d: %v", ErrBadAnchors, name, n, err)
			}
			docs = []anchorDoc{d}
		}
		for _, d := range docs {
			src := name
			if d.Key != "" {
				src = fmt.Sprintf("%s (key %s)", name, d.Key)
			}
			as := d.Anchors
			if d.Seq != nil {
				as = append(as, Anchor{Seq: *d.Seq, Hash: d.Hash})
			}
			for _, a := range as {
				a.Source = src
				if err := checkAnchor(a); err != nil {
					return nil, fmt.Errorf("%w: %s: %v", ErrBadAnchors, name, err)
				}
				out = append(out, a)
			}
		}
	}
}

func parseAnchorLines(b []byte, name string) ([]Anchor, error) {
	var out []Anchor
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) >= 2 && strings.EqualFold(f[0], "SEQ") && strings.EqualFold(f[1], "HASH") {
			continue // the header of 'treasury key anchors' as a table
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("%w: %s line %d: want \"SEQ HASH\"", ErrBadAnchors, name, n)
		}
		seq, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: %s line %d: %q is not a sequence number", ErrBadAnchors, name, n, f[0])
		}
		a := Anchor{Seq: seq, Hash: strings.ToLower(f[1]), Source: name}
		if err := checkAnchor(a); err != nil {
			return nil, fmt.Errorf("%w: %s line %d: %v", ErrBadAnchors, name, n, err)
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v (an anchors file has short \"SEQ HASH\" lines)", ErrBadAnchors, name, err)
	}
	return out, nil
}

func checkAnchor(a Anchor) error {
	if a.Seq < 1 {
		return fmt.Errorf("sequence number %d is not positive", a.Seq)
	}
	if h, err := hex.DecodeString(a.Hash); err != nil || len(h) != 32 {
		return fmt.Errorf("%q is not a 64-character hex hash", a.Hash)
	}
	return nil
}
