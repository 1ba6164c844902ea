package audit

import (
	"errors"
	"testing"
	"time"
)

func chain(n int) []Entry {
	var out []Entry
	var prev *Entry
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 0; i < n; i++ {
		e := Next(prev, at.Add(time.Duration(i)*time.Second), "alice", "vault.create", []byte(`{"name":"ops"}`))
		out = append(out, e)
		prev = &out[len(out)-1]
	}
	return out
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func([]Entry) []Entry
		head    func([]Entry) string
		wantSeq int64 // 0: valid
	}{
		{"intact", func(e []Entry) []Entry { return e }, nil, 0},
		{"intact with head", func(e []Entry) []Entry { return e }, func(e []Entry) string { return e[len(e)-1].Hash }, 0},
		{"edited actor", func(e []Entry) []Entry { e[2].Actor = "mallory"; return e }, nil, 3},
		{"edited payload", func(e []Entry) []Entry { e[1].Payload = []byte(`{"name":"x"}`); return e }, nil, 2},
		{"edited payload and digest", func(e []Entry) []Entry {
			e[1].Payload = []byte(`{}`)
			e[1].PayloadDigest = Digest(e[1].Payload)
			return e
		}, nil, 2},
		{"deleted middle row", func(e []Entry) []Entry { return append(e[:2], e[3:]...) }, nil, 3},
		{"deleted first row", func(e []Entry) []Entry { return e[1:] }, nil, 1},
		{"swapped rows", func(e []Entry) []Entry { e[1], e[2] = e[2], e[1]; return e }, nil, 2},
		{"swapped rows renumbered", func(e []Entry) []Entry {
			e[1], e[2] = e[2], e[1]
			e[1].Seq, e[2].Seq = 2, 3
			return e
		}, nil, 2},
		{"inserted row", func(e []Entry) []Entry {
			forged := Next(&e[1], time.Now(), "mallory", "proposal.broadcast", nil)
			out := append([]Entry{}, e[:2]...)
			out = append(out, forged)
			return append(out, e[2:]...)
		}, nil, 4},
		{"truncated tail", func(e []Entry) []Entry { return e[:3] }, nil, 4},
		{"truncated tail, head moved", func(e []Entry) []Entry { return e[:3] }, func(e []Entry) string { return e[2].Hash }, 0},
		{"empty head", func(e []Entry) []Entry { return e }, func([]Entry) string { return "" }, 5},
		{"empty head and truncated tail", func(e []Entry) []Entry { return e[:3] }, func([]Entry) string { return "" }, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := chain(5)
			head := orig[len(orig)-1].Hash
			if tt.head != nil {
				head = tt.head(orig)
			}
			err := Verify(tt.mutate(orig), head)
			if tt.wantSeq == 0 {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			var be *BrokenError
			if !errors.As(err, &be) || !errors.Is(err, ErrBroken) {
				t.Fatalf("Verify = %v, want a BrokenError", err)
			}
			if be.Seq != tt.wantSeq {
				t.Fatalf("first bad entry = %d, want %d (%v)", be.Seq, tt.wantSeq, err)
			}
		})
	}
}

func TestHashIsFieldSeparated(t *testing.T) {
	a := Entry{Seq: 1, Actor: "ab", Action: "c", PrevHash: Genesis}
	b := Entry{Seq: 1, Actor: "a", Action: "bc", PrevHash: Genesis}
	if ComputeHash(a) == ComputeHash(b) {
		t.Fatal("moving text between fields must change the hash")
	}
}
