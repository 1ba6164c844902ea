package keys

import (
	"errors"
	"strings"
	"testing"
	"time"

	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/psbt"
)

// TestReviewRefusesWhatChangesMeaning: each way a PSBT can lose, hide or lock funds is
// refused with its own sentinel and a sentence naming the place.
func TestReviewRefusesWhatChangesMeaning(t *testing.T) {
	fx := newFixture(t)
	opReturn := []byte{txscript.OP_RETURN, txscript.OP_DATA_4, 1, 2, 3, 4}
	tests := []struct {
		name   string
		tamper func(p *btcpsbt.Packet)
		limits *Limits
		want   error
		says   string
	}{
		{"fee rate", func(p *btcpsbt.Packet) { p.UnsignedTx.TxOut[1].Value = 10_000 }, nil,
			ErrFeeRateTooHigh, "above the ceiling of 1000 sat/vB"},
		{"fee share once the rate is allowed", func(p *btcpsbt.Packet) { p.UnsignedTx.TxOut[1].Value = 10_000 },
			&Limits{MaxFeeRate: psbt.SatPerVByte(100_000), MaxFeeShare: DefaultMaxFeeShare}, ErrFeeShareTooHigh, "above the ceiling of 5%"},
		{"fee share", func(p *btcpsbt.Packet) { p.UnsignedTx.TxOut[1].Value -= 60_000 }, nil,
			ErrFeeShareTooHigh, "6.3% of the 0.01000000 BTC it spends"},
		{"version 3", func(p *btcpsbt.Packet) { p.UnsignedTx.Version = 3 }, nil, ErrTxVersion, "version is 3"},
		{"relative lock", func(p *btcpsbt.Packet) { p.UnsignedTx.TxIn[0].Sequence = 0xffff }, nil,
			ErrRelativeLock, "refusing input 0: its nSequence 0x0000ffff sets a relative timelock of 65535 blocks"},
		{"time lock", func(p *btcpsbt.Packet) { p.UnsignedTx.LockTime = 1_900_000_000 }, nil, ErrLockTime, "is a time (2030-03-17"},
		{"far-future height", func(p *btcpsbt.Packet) { p.UnsignedTx.LockTime = 400_000_000 }, nil, ErrLockTime, "block height 400000000, beyond 10000000"},
		{"OP_RETURN with value", func(p *btcpsbt.Packet) { p.UnsignedTx.TxOut[0].PkScript = opReturn }, nil,
			ErrDataWithValue, "refusing output 0: it sends 0.00400000 BTC to an OP_RETURN script"},
		{"anyone can spend", func(p *btcpsbt.Packet) { p.UnsignedTx.TxOut[0].PkScript = []byte{txscript.OP_TRUE} }, nil,
			ErrNonStandardOutput, "refusing output 0: its script 51 is not a standard address type"},
		{"dust", func(p *btcpsbt.Packet) { p.UnsignedTx.TxOut[0].Value = 1 }, nil,
			ErrDustOutput, "refusing output 0: it pays 1 sat to bcrt1q4w46h2at4w46h2at4w46h2at4w46h2atzmxqe2, below the dust threshold of 294 sat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fx.spend(t, 1)
			tt.tamper(p)
			l := DefaultLimits()
			if tt.limits != nil {
				l = *tt.limits
			}
			_, err := fx.alice.ReviewWith(p, l)
			var re *RefusalError
			if !errors.Is(err, tt.want) || !errors.As(err, &re) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("err = %v, want %v saying %q", err, tt.want, tt.says)
			}
		})
	}
}

func TestReviewAccepts(t *testing.T) {
	fx := newFixture(t)
	tests := []struct {
		name   string
		tamper func(p *btcpsbt.Packet)
	}{
		{"anti-fee-sniping height", func(p *btcpsbt.Packet) { p.UnsignedTx.LockTime = 5000 }},
		{"locktime disabled by final sequences", func(p *btcpsbt.Packet) {
			p.UnsignedTx.LockTime = 1_900_000_000
			p.UnsignedTx.TxIn[0].Sequence = SequenceFinal
		}},
		{"version 1", func(p *btcpsbt.Packet) { p.UnsignedTx.Version = 1 }},
		{"OP_RETURN without value", func(p *btcpsbt.Packet) {
			p.UnsignedTx.AddTxOut(wire.NewTxOut(0, []byte{txscript.OP_RETURN, txscript.OP_DATA_1, 7}))
			p.Outputs = append(p.Outputs, btcpsbt.POutput{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fx.spend(t, 1)
			tt.tamper(p)
			if _, err := fx.alice.Review(p); err != nil {
				t.Fatal(err)
			}
		})
	}
	// With both ceilings raised, the expensive PSBT is reviewed.
	p := fx.spend(t, 1)
	p.UnsignedTx.TxOut[1].Value = 10_000
	r, err := fx.alice.ReviewWith(p, Limits{MaxFeeRate: psbt.SatPerVByte(100_000), MaxFeeShare: 10_000})
	if err != nil || r.FeeShare != 5900 {
		t.Fatalf("review %+v, %v", r, err)
	}
}

// TestChangeWindow: change at the last index of the window is internal; one
// past it, or at index 50,000, is refused.
func TestChangeWindow(t *testing.T) {
	fx := newFixture(t)
	r, err := fx.alice.Review(fx.spendTo(t, 1, fx.derive(t, fx.gen1, 1, MaxInternalIndex)))
	if err != nil {
		t.Fatal(err)
	}
	if oc := r.Outputs[1]; !oc.Internal || oc.AddressIndex != MaxInternalIndex || oc.Chain != 1 || !oc.Rotation || oc.Generation != 1 || oc.Role != RoleSigning {
		t.Errorf("change = %+v", oc)
	}
	for _, idx := range []uint32{MaxInternalIndex + 1, 50_000} {
		_, err := fx.alice.Review(fx.spendTo(t, 1, fx.derive(t, fx.gen1, 1, idx)))
		if !errors.Is(err, ErrHiddenChange) || !strings.Contains(err.Error(), "change chain of generation 1, beyond the window of indexes 0 to 1000") {
			t.Errorf("index %d: %v", idx, err)
		}
	}
	// Change back to the spent generation stays; it is no rotation.
	r, err = fx.alice.Review(fx.spendTo(t, 1, fx.derive(t, fx.gen0, 1, 3)))
	if err != nil || r.Outputs[1].Rotation || r.Outputs[1].Generation != 0 {
		t.Fatalf("change to generation 0: %+v, %v", r, err)
	}
}

func TestMaxLockHeight(t *testing.T) {
	defer func(old func() time.Time) { now = old }(now)
	now = func() time.Time { return time.Unix(anchorTime+600*100_000, 0) }
	if got, want := MaxLockHeight(mustNetwork(t, "mainnet")), uint32(840_000+100_000+10_000+4032); got != want {
		t.Errorf("mainnet = %d, want %d", got, want)
	}
	now = func() time.Time { return time.Unix(0, 0) } // a clock that was never set
	if got := MaxLockHeight(mustNetwork(t, "mainnet")); got != 844_032 {
		t.Errorf("mainnet with a 1970 clock = %d", got)
	}
	if got := MaxLockHeight(mustNetwork(t, "signet")); got != MaxTestnetLockHeight {
		t.Errorf("signet = %d", got)
	}
}

// TestDestinationLabelled: an output to a descriptor registered as a
// destination only is internal, but carries that role, so the review can
// tell it from the holder's own wallets.
func TestDestinationLabelled(t *testing.T) {
	fx := newFixture(t)
	if _, err := fx.alice.RegisterDestination(fx.strange); err != nil {
		t.Fatal(err)
	}
	r, err := fx.alice.Review(fx.spendTo(t, 1, fx.derive(t, fx.strange, 0, 4)))
	if err != nil {
		t.Fatal(err)
	}
	if oc := r.Outputs[1]; !oc.Internal || oc.Role != RoleDestination || !oc.Rotation || oc.AddressIndex != 4 {
		t.Errorf("output to the destination = %+v", oc)
	}
	if oc := r.Outputs[0]; oc.Internal || oc.Role != "" {
		t.Errorf("payment = %+v", oc)
	}
}

// TestOtherVaultLabelled: change to a wallet the holder signs for in
// another vault is told apart from a rotation within the vault.
func TestOtherVaultLabelled(t *testing.T) {
	fx := newFixture(t)
	plan, err := fx.alice.PlanRegistration([]Candidate{
		{Descriptor: fx.gen0, Vault: "ops", Generation: 0},
		{Descriptor: fx.gen1, Vault: "payroll", Generation: 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, n, err := fx.alice.ApplyRegistration(plan, false); err != nil || n != 2 {
		t.Fatalf("labelled %d: %v", n, err)
	}
	r, err := fx.alice.Review(fx.spend(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	if oc := r.Outputs[1]; !oc.OtherVault || oc.Vault != "payroll" || r.Inputs[0].Vault != "ops" {
		t.Errorf("change = %+v", oc)
	}
}
