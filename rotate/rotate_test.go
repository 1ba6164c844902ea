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
	if tr, err := OnRollback(Hot, Cold, false); err != nil || tr != (Transition{Cold, Standby, true}) {
		t.Errorf("rollback: %+v, %v", tr, err)
	}
	if _, err := OnRollback(Hot, Cold, true); err == nil {
		t.Error("rollback with a new standby registered must be refused")
	}
	if tr, _ := OnRollback(Retired, Cold, false); tr.Rotated {
		t.Errorf("a rollback of something that did not rotate changes nothing: %+v", tr)
	}
	if !KeepsFloat(Cold, true) || KeepsFloat(Cold, false) || KeepsFloat(Hot, true) {
		t.Error("KeepsFloat")
	}
	if !Retire(Hot, 0, false) || Retire(Hot, 1, false) || Retire(Hot, 0, true) || Retire(Cold, 0, false) {
		t.Error("Retire")
	}
}
