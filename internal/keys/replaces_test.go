package keys

import (
	"errors"
	"strings"
	"testing"
	"time"

	btcpsbt "github.com/btcsuite/btcd/psbt/v2"

	"github.com/treasury-dev/treasury/psbt"
)

// TestBumpCountsOnceAgainstTheDailyCap: a fee bump of a transaction the
// holder signed pays the same payment again, and only one of the two can
// confirm: the daily cap counts it once. A bump that changes the payment
// is refused by the review before the policy is asked.
func TestBumpCountsOnceAgainstTheDailyCap(t *testing.T) {
	fx := newFixture(t)
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	fx.alice.SetClock(func() time.Time { return now })
	if _, err := fx.alice.ChangePolicy(PolicyChange{MaxPerDay: amt(paymentSats)}); err != nil {
		t.Fatal(err)
	}
	sign := func(raw []byte) error {
		p, err := psbt.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		r, err := fx.alice.Review(p)
		if err != nil {
			return err
		}
		_, err = fx.alice.Sign(p, r)
		return err
	}
	first := fx.spendSeed(t, 1)
	firstRaw := mustEncode(t, first)
	if err := sign(firstRaw); err != nil {
		t.Fatal(err)
	}
	bump := func(payDelta int64) []byte {
		p, _ := psbt.Decode(firstRaw)
		p.UnsignedTx.TxOut[0].Value += payDelta
		p.UnsignedTx.TxOut[1].Value -= 1000 + payDelta
		if err := psbt.SetReplaces(p, first.UnsignedTx); err != nil {
			t.Fatal(err)
		}
		return mustEncode(t, p)
	}
	if err := sign(bump(1)); !errors.Is(err, ErrBadReplacement) {
		t.Fatalf("a bump that raises the payment: %v", err)
	}
	now = now.Add(time.Hour)
	if err := sign(bump(0)); err != nil {
		t.Fatalf("the bump counted against the cap on top of what it replaces: %v", err)
	}
	if n := len(fx.alice.SignedLog()); n != 1 {
		t.Fatalf("spend log has %d records, want the bump's only", n)
	}
	if err := sign(mustEncode(t, fx.spendSeed(t, 2))); !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), "max-per-day") {
		t.Fatalf("another payment the same day: %v", err)
	}
}

// mustEncode serializes p.
func mustEncode(t testing.TB, p *btcpsbt.Packet) []byte {
	t.Helper()
	raw, err := psbt.EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
