// Package rotate holds the rules of cold-to-hot rotation, apart from any
// storage: which generation a sweep pays into, which outputs it spends, how
// the remainder of a cold spend splits between the hot float and the next
// cold generation, which outputs are dust, how large the transaction is
// (PlanSweep, over plain values), and how generation states move when a
// rotating transaction is broadcast or rolled back.
//
// The rules (DESIGN.md, principle 4): once a cold generation has signed a
// spend it is hot; the same transaction moves its remainder, above an
// optional hot float, to the standby generation registered in advance,
// which becomes cold. A hot generation that is empty and has nothing
// pending is retired.
package rotate

import (
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/v2"
)

// State is a generation's lifecycle state.
type State string

// States, in the order a generation passes through them.
const (
	Standby State = "standby"
	Cold    State = "cold"
	Hot     State = "hot"
	Retired State = "retired"
)

// ErrNoStandby means a cold generation cannot be spent: nothing is
// registered to receive its remainder.
var ErrNoStandby = errors.New("no standby generation is registered to receive the remainder")

// ErrNotSweepable means the generation cannot be swept (a standby has
// nothing of its own to move).
var ErrNotSweepable = errors.New("only cold, hot or retired generations can be swept")

// SweepTarget says which state of generation receives a sweep of a
// generation in state src: a cold generation rotates into the standby; a
// hot or retired one (late deposits, a float no longer wanted) is swept
// into the current cold generation.
func SweepTarget(src State) (State, error) {
	switch src {
	case Cold:
		return Standby, nil
	case Hot, Retired:
		return Cold, nil
	}
	return "", fmt.Errorf("%w: this one is %s", ErrNotSweepable, src)
}

// KeepsFloat reports whether a sweep of src keeps the vault's hot float in
// the spent generation: only a cold spend with payments does; a rotation
// without payment, and a sweep of a hot generation, take everything.
func KeepsFloat(src State, hasPayments bool) bool { return src == Cold && hasPayments }

// Split divides rest (what is left after payments and fee) between the
// float kept in the spent generation and the remainder that moves on. The
// float is at most hotFloat; the remainder takes the rest.
func Split(rest, hotFloat btcutil.Amount, keepFloat bool) (float, remainder btcutil.Amount) {
	if rest <= 0 {
		return 0, 0
	}
	if keepFloat && hotFloat > 0 {
		float = min(hotFloat, rest)
	}
	return float, rest - float
}

// Transition is a change of state of the source and target generations.
type Transition struct {
	Source, Target State
	Rotated        bool // the cold generation signed: it turned hot and the standby cold
}

// OnBroadcast is what broadcasting a spend from src into tgt does: a
// spend from cold turns it hot and the standby that receives its
// remainder cold. Anything else changes no state.
func OnBroadcast(src, tgt State) Transition {
	if src != Cold {
		return Transition{Source: src, Target: tgt}
	}
	t := Transition{Source: Hot, Target: tgt, Rotated: true}
	if tgt == Standby {
		t.Target = Cold
	}
	return t
}

// ErrRotatedSince means a rotation cannot be rolled back because the
// generation it made cold has signed since: that later rotation must be
// rolled back first.
var ErrRotatedSince = errors.New("the generation it made cold has rotated since")

// Rollback is what rolling back a rotation does: the transition of its
// source and target, and the generations registered as standby since,
// which are retired (never forgotten: anything that reaches them is a late
// deposit), so that the target is the one standby again.
type Rollback struct {
	Transition
	Retire []int
}

// OnRollback undoes OnBroadcast for a cold spend (src was cold when it
// was broadcast, tgt the standby) that was dropped or replaced: the source that turned hot is cold again and the target that
// turned cold is standby again. later are the generations numbered after
// the target: a standby among them is retired; one already retired (by an
// earlier rollback) stays so; any other means a rotation happened since. A spend that did not rotate rolls back nothing.
func OnRollback(src, tgt Gen, later []Gen) (Rollback, error) {
	if src.State != Hot || tgt.Number <= src.Number {
		return Rollback{Transition: Transition{Source: src.State, Target: tgt.State}}, nil
	}
	if tgt.State != Cold {
		return Rollback{}, ErrRotatedSince
	}
	r := Rollback{Transition: Transition{Source: Cold, Target: Standby, Rotated: true}}
	for _, g := range later {
		switch g.State {
		case Standby:
			r.Retire = append(r.Retire, g.Number)
		case Retired: // set aside by an earlier rollback
		default:
			return Rollback{}, ErrRotatedSince
		}
	}
	return r, nil
}

// Retire reports whether a generation should be retired: hot, holding
// nothing, with no spend of it still unconfirmed.
func Retire(s State, unspent int, pendingSpend bool) bool {
	return s == Hot && unspent == 0 && !pendingSpend
}

// Errors of CheckPlanned: a generation is no longer in the state the plan
// assumed.
var (
	ErrSourceMoved = errors.New("the spent generation is no longer in the state the plan assumed")
	ErrTargetMoved = errors.New("the receiving generation is no longer in the state the plan assumed")
)

// CheckPlanned reports whether a sweep planned as a cold spend (rotates)
// or as a sweep of a hot or retired generation still holds: the source in
// a state such a plan spends, and the target in the state SweepTarget
// gives for it. Broadcast re-checks this, since another proposal may have
// rotated either generation since the plan was made.
func CheckPlanned(rotates bool, src, tgt State) error {
	switch {
	case rotates && src != Cold, !rotates && src != Hot && src != Retired:
		return ErrSourceMoved
	}
	if want, _ := SweepTarget(src); tgt != want {
		return ErrTargetMoved
	}
	return nil
}
