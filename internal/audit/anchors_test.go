package audit

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// rechain recomputes every hash from the first entry on, as a tamperer with
// write access to the database would.
func rechain(es []Entry) []Entry {
	out := make([]Entry, 0, len(es))
	var prev *Entry
	for _, e := range es {
		at, _ := time.Parse(TimeFormat, e.Time)
		out = append(out, Next(prev, at, e.Actor, e.Action, e.Payload))
		prev = &out[len(out)-1]
	}
	return out
}

func TestVerifyAnchored(t *testing.T) {
	orig := chain(6)
	anchors := []Anchor{{Seq: 2, Hash: orig[1].Hash}, {Seq: 5, Hash: orig[4].Hash, Source: "bob.json"}}
	tests := []struct {
		name    string
		tamper  func([]Entry) []Entry
		wantSeq int64 // 0: valid
	}{
		{"intact", func(e []Entry) []Entry { return e }, 0},
		{"appended after the anchors", func(e []Entry) []Entry {
			return append(e, Next(&e[len(e)-1], time.Now(), "carol", "vault.address", []byte(`{}`)))
		}, 0},
		{"delete and renumber", func(e []Entry) []Entry { return rechain(append(e[:2:2], e[3:]...)) }, 5},
		{"truncate and move the head", func(e []Entry) []Entry { return e[:4] }, 5},
		{"forged insert", func(e []Entry) []Entry {
			out := append([]Entry{}, e[:3]...)
			out = append(out, Entry{Time: e[2].Time, Actor: "mallory", Action: "proposal.broadcast", Payload: []byte(`{}`)})
			return rechain(append(out, e[3:]...))
		}, 5},
		{"edited and rechained", func(e []Entry) []Entry { e[0].Actor = "mallory"; return rechain(e) }, 2},
		{"full rewrite", func(e []Entry) []Entry {
			for i := range e {
				e[i].Time = time.Date(2030, 1, 1, 0, 0, i, 0, time.UTC).Format(TimeFormat)
			}
			return rechain(e)
		}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := tt.tamper(append([]Entry{}, orig...))
			head := es[len(es)-1].Hash // the tamperer moves the head too
			if err := Verify(es, head); err != nil {
				t.Fatalf("without anchors the tamper should pass, got %v", err)
			}
			err := VerifyAnchored(es, head, anchors)
			if tt.wantSeq == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var be *BrokenError
			if !errors.As(err, &be) || be.Seq != tt.wantSeq {
				t.Fatalf("VerifyAnchored = %v, want broken at %d", err, tt.wantSeq)
			}
		})
	}
	if err := VerifyAnchored(orig, "", anchors); err == nil {
		t.Fatal("an empty head passed")
	}
}

func TestParseAnchors(t *testing.T) {
	h1, h2 := strings.Repeat("a", 64), strings.Repeat("B", 64)
	keyJSON := fmt.Sprintf(`{"version":1,"key":"alice","anchors":[{"vault":"ops","seq":3,"hash":%q,"recorded_at":"x"}]}`, h1)
	headJSON := fmt.Sprintf(`{"version":1,"seq":9,"hash":%q}`, h1)
	tests := []struct {
		name, in string
		want     []int64
		bad      bool
	}{
		{"lines", "# officer's notes\n3 " + h1 + "\n\n9 " + h2 + "\n", []int64{3, 9}, false},
		{"one key", keyJSON, []int64{3}, false},
		{"several holders", keyJSON + "\n" + keyJSON + headJSON, []int64{3, 3, 9}, false},
		{"a list", "[" + keyJSON + "," + headJSON + "]", []int64{3, 9}, false},
		{"empty", "", nil, true},
		{"bad hash", "3 abc", nil, true},
		{"bad seq", "x " + h1, nil, true},
		{"zero seq", "0 " + h1, nil, true},
		{"key anchors as a table", "SEQ\tHASH\tVAULT\tPROPOSAL\tRECORDED\n3\t" + h1 + "\tops\tab\t2026-01-01T00:00:00Z\n", []int64{3}, false},
		{"one field", "3", nil, true},
		{"bad json", "{", nil, true},
		{"no anchors", `{"version":1,"anchors":[]}`, nil, true},
		{"a line too long (/dev/zero)", strings.Repeat("\x00", 100_000), nil, true},
		{"too large to be one", "3 " + h1 + "\n" + strings.Repeat("#\n", maxAnchorsFile/2), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAnchors(strings.NewReader(tt.in), "f")
			if tt.bad {
				if !errors.Is(err, ErrBadAnchors) {
					t.Fatalf("err = %v, want ErrBadAnchors", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v", got)
			}
			for i, a := range got {
				if a.Seq != tt.want[i] {
					t.Fatalf("got %v", got)
				}
			}
		})
	}
}
