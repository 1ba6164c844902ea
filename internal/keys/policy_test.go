package keys

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

func amt(a btcutil.Amount) *btcutil.Amount { return &a }

func TestPolicyCheck(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	base, err := Policy{}.Apply(PolicyChange{Allow: []string{"bcrt1qold"}, AllowAfter: time.Hour}, t0.Add(-48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	base, _ = base.Apply(PolicyChange{Allow: []string{"bcrt1qnew"}, AllowAfter: DefaultAllowAfter, MaxPerTx: amt(1_000_000), MaxPerDay: amt(1_500_000)}, t0.Add(-time.Hour))
	out := func(i int, addr string, v btcutil.Amount) Leaving { return Leaving{Index: i, Address: addr, Value: v} }
	tests := []struct {
		name    string
		outs    []Leaving
		history []Spend
		rule    string // "" fits
		output  int
	}{
		{"fits", []Leaving{out(0, "bcrt1qold", 900_000)}, nil, "", 0},
		{"off the allowlist", []Leaving{out(0, "bcrt1qold", 1), out(1, "bcrt1qmallory", 1)}, nil, "rule allow)", 1},
		{"no address", []Leaving{out(2, "", 1)}, nil, "a script with no address", 2},
		{"added too recently", []Leaving{out(0, "bcrt1qnew", 1)}, nil, "rule allow-after", 0},
		{"above the per-tx cap", []Leaving{out(0, "bcrt1qold", 600_000), out(1, "bcrt1qold", 600_000)}, nil, "rule max-per-tx", 1},
		{"above the daily cap", []Leaving{out(0, "bcrt1qold", 600_000)}, []Spend{{TxID: "a", At: t0.Add(-23 * time.Hour), Amount: 1_000_000}}, "rule max-per-day", 0},
		{"yesterday's spend rolled off", []Leaving{out(0, "bcrt1qold", 600_000)}, []Spend{{TxID: "a", At: t0.Add(-25 * time.Hour), Amount: 1_000_000}}, "", 0},
		{"the same tx is not counted twice", []Leaving{out(0, "bcrt1qold", 600_000)}, []Spend{{TxID: "this", At: t0.Add(-time.Hour), Amount: 1_000_000}}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := base.Check(t0, "this", tt.outs, tt.history)
			if tt.rule == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var re *RefusalError
			if !errors.As(err, &re) || !errors.Is(err, ErrPolicy) || re.Output != tt.output || !strings.Contains(err.Error(), tt.rule) {
				t.Fatalf("Check = %v, want a policy refusal of output %d naming %q", err, tt.output, tt.rule)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("refusal is not one line: %q", err)
			}
		})
	}
	// Re-adding an address never shortens its delay; removing one that is
	// not listed is an error.
	again, _ := base.Apply(PolicyChange{Allow: []string{"bcrt1qnew"}, AllowAfter: 0}, t0)
	if err := again.Check(t0, "x", []Leaving{out(0, "bcrt1qnew", 1)}, nil); !errors.Is(err, ErrPolicy) {
		t.Fatalf("re-added address paid at once: %v", err)
	}
	if _, err := base.Apply(PolicyChange{Remove: []string{"bcrt1qnone"}}, t0); err == nil {
		t.Fatal("removing an unlisted address passed")
	}
	removed, _ := base.Apply(PolicyChange{Remove: []string{"bcrt1qold"}}, t0)
	if err := removed.Check(t0, "x", []Leaving{out(0, "bcrt1qold", 1)}, nil); !errors.Is(err, ErrPolicy) {
		t.Fatalf("removed address still allowed: %v", err)
	}
}

// TestSignEnforcesPolicy signs real PSBTs under a policy: refusals name the
// rule, the daily cap counts across signings, the anchor and the spend are
// recorded and survive a save and a load, and a wrong passphrase cannot
// load the file to change its policy.
func TestSignEnforcesPolicy(t *testing.T) {
	fx := newFixture(t)
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	fx.alice.SetClock(func() time.Time { return now })
	payAddr := addrOf(t, fx, payment)
	sign := func(seed uint32) error {
		p := fx.spendSeed(t, seed)
		if err := psbt.SetAnchor(p, psbt.Anchor{Seq: int64(seed) + 5, Hash: strings.Repeat("c", 64), Vault: "ops"}); err != nil {
			t.Fatal(err)
		}
		r, err := fx.alice.Review(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = fx.alice.Sign(p, r)
		return err
	}
	// Off the allowlist.
	if _, err := fx.alice.ChangePolicy(PolicyChange{Allow: []string{"bcrt1qsomeoneelse"}, AllowAfter: DefaultAllowAfter}); err != nil {
		t.Fatal(err)
	}
	if err := sign(1); !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), "not on the allowlist") {
		t.Fatalf("off the allowlist: %v", err)
	}
	// On it, but added less than its delay ago.
	fx.alice.ChangePolicy(PolicyChange{Allow: []string{payAddr}, AllowAfter: DefaultAllowAfter})
	if err := sign(1); !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), "allow-after") {
		t.Fatalf("too recent: %v", err)
	}
	now = now.Add(DefaultAllowAfter)
	// Above the per-transaction cap.
	fx.alice.ChangePolicy(PolicyChange{MaxPerTx: amt(paymentSats - 1)})
	if err := sign(1); !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), "max-per-tx") {
		t.Fatalf("per-tx cap: %v", err)
	}
	// Fits; then the daily cap across several signings.
	fx.alice.ChangePolicy(PolicyChange{MaxPerTx: amt(paymentSats), MaxPerDay: amt(2 * paymentSats)})
	for seed := uint32(1); seed <= 2; seed++ {
		if err := sign(seed); err != nil {
			t.Fatalf("signing %d: %v", seed, err)
		}
		now = now.Add(time.Hour)
	}
	if err := sign(1); err != nil {
		t.Fatalf("re-signing the same transaction counted it twice: %v", err)
	}
	if err := sign(3); !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), "max-per-day") {
		t.Fatalf("daily cap: %v", err)
	}
	now = now.Add(23 * time.Hour)
	if err := sign(3); err != nil {
		t.Fatalf("after 24 hours: %v", err)
	}
	if got := len(fx.alice.Anchors()); got != 3 {
		t.Fatalf("anchors before save: %+v", fx.alice.Anchors())
	}
	if got := len(fx.alice.SignedLog()); got != 3 {
		t.Fatalf("spend log has %d records, want 3", got)
	}
	path := filepath.Join(t.TempDir(), "alice.key")
	if err := fx.alice.SaveNew(path, []byte("pw")); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, []byte("wrong")); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	back, err := Load(path, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	as := back.Anchors()
	if len(as) != 3 || as[0].Seq != 6 || as[0].Vault != "ops" || as[0].Hash != strings.Repeat("c", 64) {
		t.Fatalf("anchors after reload: %+v", as)
	}
	if p := back.Policy(); p.MaxPerDay != 2*paymentSats || len(p.Allow) != 2 {
		t.Fatalf("policy after reload: %+v", p)
	}
}

func addrOf(t *testing.T, fx *fixture, script []byte) string {
	t.Helper()
	_, addrs, _, err := txscript.ExtractPkScriptAddrs(script, fx.net.Params)
	if err != nil || len(addrs) != 1 {
		t.Fatal(err)
	}
	return addrs[0].String()
}

// spendSeed is spend(t, 1) with a distinct input per seed: generation 0's
// chain 0 index seed, funded by a transaction of its own.
func (fx *fixture) spendSeed(t testing.TB, seed uint32) *btcpsbt.Packet {
	t.Helper()
	d := fx.derive(t, fx.gen0, 0, seed)
	tx := prevTx(seed, inputValue, d.PkScript)
	change := fx.derive(t, fx.gen1, 1, seed)
	p, err := psbt.Build(psbt.BuildRequest{
		LockTime: 100,
		Inputs:   []psbt.InputSpec{{OutPoint: wire.OutPoint{Hash: tx.TxHash(), Index: 1}, PrevTx: tx, Derived: d}},
		Outputs: []psbt.OutputSpec{
			{Value: paymentSats, PkScript: payment},
			{Value: inputValue - paymentSats - fee, PkScript: change.PkScript, Derived: change},
		},
		GlobalXPubs: append(append([]vault.Key(nil), fx.gen0.Keys...), fx.gen1.Keys...),
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSaveRefusesAFileChangedSinceLoad: two commands holding the same key
// file (two signings at once) cannot overwrite each other's records: the
// second save is refused and the file keeps the first.
func TestSaveRefusesAFileChangedSinceLoad(t *testing.T) {
	fx := newFixture(t)
	path := filepath.Join(t.TempDir(), "alice.key")
	if err := fx.alice.SaveNew(path, []byte("pw")); err != nil {
		t.Fatal(err)
	}
	one, err := Load(path, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	two, err := Load(path, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	one.ChangePolicy(PolicyChange{MaxPerDay: amt(5)})
	if err := one.Save(path, []byte("pw")); err != nil {
		t.Fatal(err)
	}
	one.ChangePolicy(PolicyChange{MaxPerTx: amt(3)})
	if err := one.Save(path, []byte("pw")); err != nil {
		t.Fatalf("a second save by the same loader: %v", err)
	}
	two.ChangePolicy(PolicyChange{MaxPerDay: amt(9)})
	if err := two.Save(path, []byte("pw")); !errors.Is(err, ErrChangedOnDisk) {
		t.Fatalf("save over a changed file: %v", err)
	}
	back, err := Load(path, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if p := back.Policy(); p.MaxPerDay != 5 || p.MaxPerTx != 3 {
		t.Fatalf("policy %+v, want the first command's", p)
	}
	// Saving elsewhere (a copy) is not a conflict.
	if err := two.Save(filepath.Join(t.TempDir(), "copy.key"), []byte("pw")); err != nil {
		t.Fatal(err)
	}
}

// TestPolicyCountsDestinationOnlyOutputs: an output to a destination-only
// registration (a wallet this key holds no key of, accepted at any time
// without a delay) leaves the holder's control, so the caps and the
// allowlist apply to it; change to a wallet this key signs for is exempt.
func TestPolicyCountsDestinationOnlyOutputs(t *testing.T) {
	r := &Review{Outputs: []OutputClass{
		{Index: 0, Value: 200_000_000, Internal: true, Role: RoleDestination, Address: "dest"},
		{Index: 1, Value: 100_000_000, Internal: true, Role: RoleSigning},
		{Index: 2, Value: 10_000_000, Address: "pay"},
	}}
	got := LeavingOutputs(r)
	if len(got) != 2 || got[0].Index != 0 || got[1].Index != 2 {
		t.Fatalf("leaving %+v; want outputs 0 (destination only) and 2 (payment)", got)
	}
	err := Policy{MaxPerTx: 100_000_000}.Check(time.Now(), "tx", got, nil)
	if !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), "refusing output 0") {
		t.Fatalf("a 2 BTC output to a destination-only wallet under a 1 BTC cap: %v", err)
	}
}
