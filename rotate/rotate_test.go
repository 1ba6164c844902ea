package rotate

import (
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"
)

func TestSweepTarget(t *testing.T) {
	for src, want := range map[State]State{Cold: Standby, Hot: Cold, Retired: Cold} {
		if got, err := SweepTarget(src); err != nil || got != want {
			t.Errorf("SweepTarget(%s) = %s, %v; want %s", src, got, err, want)
		}
	}
	if _, err := SweepTarget(Standby); !errors.Is(err, ErrNotSweepable) {
		t.Errorf("a standby is not sweepable: %v", err)
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name              string
		rest, float       btcutil.Amount
		keep              bool
		wantF, wantRemain btcutil.Amount
	}{
		{"no float", 100, 0, true, 0, 100},
		{"float smaller than rest", 100, 30, true, 30, 70},
		{"float larger than rest", 20, 30, true, 20, 0},
		{"rotation keeps no float", 100, 30, false, 0, 100},
		{"nothing left", 0, 30, true, 0, 0},
		{"negative rest", -5, 30, true, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, r := Split(tt.rest, tt.float, tt.keep)
			if f != tt.wantF || r != tt.wantRemain {
				t.Fatalf("Split = %d, %d; want %d, %d", f, r, tt.wantF, tt.wantRemain)
			}
			if tt.rest > 0 && f+r != tt.rest {
				t.Fatalf("Split lost %d sat", tt.rest-f-r)
			}
		})
	}
}

func TestTransitions(t *testing.T) {
	if tr := OnBroadcast(Cold, Standby); tr != (Transition{Hot, Cold, true}) {
		t.Errorf("cold spend: %+v", tr)
	}
	if tr := OnBroadcast(Hot, Cold); tr.Rotated || tr.Source != Hot || tr.Target != Cold {
		t.Errorf("hot sweep must not rotate: %+v", tr)
	}
	if r, err := OnRollback(Gen{0, Hot}, Gen{1, Cold}, nil); err != nil || r.Transition != (Transition{Cold, Standby, true}) || len(r.Retire) != 0 {
		t.Errorf("rollback: %+v, %v", r, err)
	}
	// A standby registered since is retired, so the target is the one
	// standby again (before, this was refused and the rotation stuck).
	if r, err := OnRollback(Gen{0, Hot}, Gen{1, Cold}, []Gen{{2, Retired}, {3, Standby}}); err != nil || !r.Rotated || len(r.Retire) != 1 || r.Retire[0] != 3 {
		t.Errorf("rollback with a standby registered since: %+v, %v", r, err)
	}
	// A target that rotated since must be rolled back first.
	if _, err := OnRollback(Gen{0, Hot}, Gen{1, Hot}, []Gen{{2, Cold}}); !errors.Is(err, ErrRotatedSince) {
		t.Errorf("target rotated since: %v", err)
	}
	if _, err := OnRollback(Gen{0, Hot}, Gen{1, Cold}, []Gen{{2, Cold}}); !errors.Is(err, ErrRotatedSince) {
		t.Errorf("a later generation is cold: %v", err)
	}
	if r, _ := OnRollback(Gen{1, Retired}, Gen{2, Cold}, nil); r.Rotated {
		t.Errorf("a rollback of something that did not rotate changes nothing: %+v", r)
	}
	if r, _ := OnRollback(Gen{1, Hot}, Gen{0, Cold}, nil); r.Rotated {
		t.Errorf("a sweep into an older generation rotated nothing: %+v", r)
	}
	if !KeepsFloat(Cold, true) || KeepsFloat(Cold, false) || KeepsFloat(Hot, true) {
		t.Error("KeepsFloat")
	}
	if !Retire(Hot, 0, false) || Retire(Hot, 1, false) || Retire(Hot, 0, true) || Retire(Cold, 0, false) {
		t.Error("Retire")
	}
}

func TestCheckPlanned(t *testing.T) {
	tests := []struct {
		rotates  bool
		src, tgt State
		want     error
	}{
		{true, Cold, Standby, nil},
		{true, Hot, Cold, ErrSourceMoved},     // another cold spend rotated it
		{true, Cold, Retired, ErrTargetMoved}, // a rollback set the standby aside
		{false, Hot, Cold, nil},
		{false, Retired, Cold, nil},
		{false, Hot, Hot, ErrTargetMoved}, // the cold generation it pays signed since
		{false, Cold, Standby, ErrSourceMoved},
	}
	for _, tt := range tests {
		if err := CheckPlanned(tt.rotates, tt.src, tt.tgt); !errors.Is(err, tt.want) {
			t.Errorf("CheckPlanned(%v, %s, %s) = %v, want %v", tt.rotates, tt.src, tt.tgt, err, tt.want)
		}
	}
}
