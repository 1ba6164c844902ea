package quorum

import "testing"

func TestStatus(t *testing.T) {
	holders := []Holder{{"alice", "aaaaaaaa"}, {"bob", "bbbbbbbb"}, {"carol", "cccccccc"}}
	tests := []struct {
		name     string
		marks    [][2]any // input, fingerprint
		count    int
		complete bool
		text     string
		bar      string
	}{
		{"nobody", nil, 0, false, "0 of 2 signatures (2-of-3) — alice ·  bob ·  carol ·", "░░"},
		{"alice on one input only", [][2]any{{0, "aaaaaaaa"}}, 0, false, "0 of 2 signatures (2-of-3) — alice ·  bob ·  carol ·", "░░"},
		{"alice everywhere", [][2]any{{0, "aaaaaaaa"}, {1, "aaaaaaaa"}}, 1, false, "1 of 2 signatures (2-of-3) — alice ✓  bob ·  carol ·", "█░"},
		{"alice and carol", [][2]any{{0, "aaaaaaaa"}, {1, "aaaaaaaa"}, {0, "CCCCCCCC"}, {1, "cccccccc"}}, 2, true, "2 of 2 signatures (2-of-3) — alice ✓  bob ·  carol ✓", "██"},
		{"split signers still complete", [][2]any{{0, "aaaaaaaa"}, {0, "bbbbbbbb"}, {1, "bbbbbbbb"}, {1, "cccccccc"}}, 2, true, "2 of 2 signatures (2-of-3) — alice ·  bob ✓  carol ·", "██"},
		{"stranger ignored", [][2]any{{0, "dddddddd"}, {1, "dddddddd"}}, 0, false, "0 of 2 signatures (2-of-3) — alice ·  bob ·  carol ·", "░░"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(2, holders, 2)
			for _, m := range tt.marks {
				s.Mark(m[0].(int), m[1].(string))
			}
			if s.Count() != tt.count || s.Complete() != tt.complete || s.String() != tt.text || s.Bar() != tt.bar {
				t.Fatalf("got count %d complete %v %q %q", s.Count(), s.Complete(), s.String(), s.Bar())
			}
		})
	}
}

func TestMarkRefusesOutOfRange(t *testing.T) {
	s := New(1, []Holder{{"a", "aaaaaaaa"}}, 1)
	if s.Mark(1, "aaaaaaaa") || s.Mark(-1, "aaaaaaaa") || s.Mark(0, "bbbbbbbb") {
		t.Fatal("Mark accepted an unknown input or holder")
	}
	if New(1, nil, 0).Complete() {
		t.Fatal("a proposal with no inputs is never complete")
	}
}

// Lists read signed of required, never signed of holders: an officer reads
// "1/3" as "needs 3".
func TestShortIsSignedOfRequired(t *testing.T) {
	s := New(2, []Holder{{"alice", "aaaaaaaa"}, {"bob", "bbbbbbbb"}, {"carol", "cccccccc"}}, 2)
	s.Mark(0, "aaaaaaaa")
	s.Mark(1, "aaaaaaaa")
	s.Mark(0, "bbbbbbbb")
	if s.Short() != "1/2" || s.Summary() != "1 of 2 signatures (2-of-3)" || s.InputShort(0) != "2/2" || s.InputShort(1) != "1/2" {
		t.Fatalf("Short %q Summary %q inputs %q %q", s.Short(), s.Summary(), s.InputShort(0), s.InputShort(1))
	}
}
