package app_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// proveStandby has the holders the fixture holds prove the vault's standby
// (apptest.Env.ProveStandby): tests that are not about proofs get a standby
// a cold spend may pay into.
func (f *fixture) proveStandby(vaultName string) { f.e().ProveStandby(vaultName) }

// proofOf registers desc in kf and returns kf's proof file for it.
func (f *fixture) proofOf(kf *keys.File, desc *vault.Descriptor) app.ProofFile {
	return f.e().Proof(kf, desc, time.Now())
}

func (f *fixture) standbyOf(vaultName string) (app.Generation, *vault.Descriptor) {
	return f.e().Standby(vaultName)
}

// auditActions lists the audit log's actions in order.
func (f *fixture) auditActions() []string {
	f.t.Helper()
	es, err := f.app.AuditLog(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

// mistypedStandby creates vault "ops" whose standby (2-of-3) has carol's
// key with her fingerprint and origin but the xpub of another account: a
// key at that origin that carol's seed does not derive.
func (f *fixture) mistypedStandby() {
	f.t.Helper()
	standby := f.keys(1, "alice", "bob")
	wrong, err := f.holder("carol").AccountKey(11, vault.P2WSH)
	if err != nil {
		f.t.Fatal(err)
	}
	right, _ := f.holder("carol").AccountKey(1, vault.P2WSH)
	wrong.Origin = right.Origin
	standby = append(standby, app.KeySpec("carol="+wrong.OriginString()))
	if _, err := f.app.CreateVault(f.ctx, app.CreateVaultRequest{Name: "ops", Threshold: 2, Keys: f.keys(0, trio...), StandbyKeys: standby, Birthday: -1}); err != nil {
		f.t.Fatal(err)
	}
}

func TestColdSpendWaitsForStandbyProofs(t *testing.T) {
	f := newAnyFixture(t)
	f.mistypedStandby()
	f.deposit("ops", 300_000_000)
	f.mine(1)
	f.sync()
	_, desc := f.standbyOf("ops")

	// carol cannot prove a key she does not hold: the mistyped origin is
	// caught before any money moves.
	if _, err := f.holder("carol").ProveStandby(desc, time.Now()); !errors.Is(err, keys.ErrFalseOrigin) {
		t.Fatalf("carol proves the mistyped standby: %v, want ErrFalseOrigin", err)
	}
	if _, err := f.app.ProveStandby(f.ctx, app.ProveRequest{Vault: "ops", Files: []app.ProofFile{f.proofOf(f.holder("alice"), desc)}}); err != nil {
		t.Fatal(err)
	}

	// One proof of the two needed: propose and rotate refuse, and change
	// nothing.
	before := f.dump()
	_, err := f.app.Propose(f.ctx, f.payRequest(50_000_000))
	if !errors.Is(err, app.ErrUnprovenStandby) || !errors.Is(err, app.ErrRefused) {
		t.Fatalf("Propose with 1 of 2 proofs: %v, want ErrUnprovenStandby", err)
	}
	if !strings.Contains(err.Error(), "proven by 1 of the 2 holders it needs (alice)") {
		t.Errorf("refusal = %q", err)
	}
	if _, err := f.app.Rotate(f.ctx, app.RotateRequest{Vault: "ops", FeeRate: psbt.SatPerVByte(2)}); !errors.Is(err, app.ErrUnprovenStandby) {
		t.Fatalf("Rotate with 1 of 2 proofs: %v, want ErrUnprovenStandby", err)
	}
	if after := f.dump(); after != before {
		t.Fatal("a refused cold spend changed the database")
	}

	// The override goes through and is audited; cancel it again.
	req := f.payRequest(50_000_000)
	req.UnprovenStandby = true
	over, err := f.app.Propose(f.ctx, req)
	if err != nil {
		t.Fatalf("Propose --unproven-standby: %v", err)
	}
	if acts := f.auditActions(); acts[len(acts)-2] != "proposal.unproven_standby" || acts[len(acts)-1] != "proposal.create" {
		t.Fatalf("audit ends %v, want the override then the proposal", acts[len(acts)-2:])
	}
	if _, err := f.app.Cancel(f.ctx, over.Proposal.ID); err != nil {
		t.Fatal(err)
	}

	// bob's proof makes two of two: the cold spend proceeds, the standby
	// receives the remainder, and alice and bob can spend it.
	if _, err := f.app.ProveStandby(f.ctx, app.ProveRequest{Vault: "ops", Files: []app.ProofFile{f.proofOf(f.holder("bob"), desc)}}); err != nil {
		t.Fatal(err)
	}
	res, err := f.app.Propose(f.ctx, f.payRequest(50_000_000))
	if err != nil {
		t.Fatalf("Propose with 2 of 2 proofs: %v", err)
	}
	if acts := f.auditActions(); acts[len(acts)-2] == "proposal.unproven_standby" {
		t.Error("a proven standby still audited an override")
	}
	f.signAndSend(res, "alice", "bob")
	want := res.Proposal.Outputs[len(res.Proposal.Outputs)-1].Value
	if got := f.balance("ops", 1); got != want || got == 0 {
		t.Fatalf("generation 1 holds %s, want the remainder %s", got, want)
	}
	f.spendProvenGeneration()
}

// spendProvenGeneration spends generation 1 of "ops" (now cold) with alice
// and bob, into a proven generation 2: the proven keys really sign.
func (f *fixture) spendProvenGeneration() {
	f.t.Helper()
	f.standby("ops", 2, 2, trio...)
	res, err := f.app.Propose(f.ctx, f.payRequest(10_000_000))
	if err != nil {
		f.t.Fatalf("Propose from generation 1: %v", err)
	}
	b := f.signAndSend(res, "alice", "bob")
	if b.TxID == "" {
		f.t.Fatal("no txid")
	}
	if got := f.states("ops"); got != "g0:retired g1:retired g2:cold" {
		f.t.Fatalf("states %s", got)
	}
}

func TestVaultProveRefusals(t *testing.T) {
	f := newFixtureOn(t, nil)
	f.createVaultUnproven("ops", 2, f.keys(0, trio...), f.keys(1, trio...))
	f.createVaultUnproven("other", 2, f.keys(5, trio...), f.keys(6, trio...))
	_, desc := f.standbyOf("ops")
	_, otherDesc := f.standbyOf("other")
	good := f.proofOf(f.holder("alice"), desc)
	cold, _ := vault.ParseDescriptor(f.generation("ops", 0).Descriptor)
	tampered := retouch(t, good, "tampered.proof", func(p *vault.StandbyProof) { p.Date = "2026-01-02T03:04:05Z" })
	malformed := retouch(t, good, "malformed.proof", func(p *vault.StandbyProof) { p.Date = "yesterday" })
	future := f.proofDated(f.holder("bob"), desc, time.Now().Add(48*time.Hour))
	tests := []struct {
		name  string
		vault string
		files []app.ProofFile
		kind  error
		text  string
	}{
		{"another vault's standby", "ops", []app.ProofFile{f.proofOf(f.holder("alice"), otherDesc)}, vault.ErrProofMismatch, "which is no generation of vault ops"},
		{"the cold generation", "ops", []app.ProofFile{f.proofOf(f.holder("alice"), cold)}, app.ErrRefused, "generation 0 of vault ops is cold"},
		{"a tampered date", "ops", []app.ProofFile{tampered}, vault.ErrProofSignature, "does not match the proof's descriptor, key and date"},
		{"a malformed date", "ops", []app.ProofFile{malformed}, vault.ErrProofFormat, "yesterday"},
		{"a date in the future", "ops", []app.ProofFile{future}, app.ErrRefused, "later than this machine's clock"},
		{"one bad file among good ones", "ops", []app.ProofFile{good, tampered}, vault.ErrProofSignature, "tampered.proof"},
		{"not a proof", "ops", []app.ProofFile{{Source: "x.psbt", Data: []byte("cHNidP8B")}}, vault.ErrProofFormat, "x.psbt"},
		{"no such vault", "nope", []app.ProofFile{good}, app.ErrNotFound, "nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.dump()
			_, err := f.app.ProveStandby(f.ctx, app.ProveRequest{Vault: tc.vault, Files: tc.files})
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("ProveStandby = %v, want %v mentioning %q", err, tc.kind, tc.text)
			}
			if f.dump() != before {
				t.Fatal("a refused proof changed the database")
			}
		})
	}
	// A good proof is recorded once, audited once, and shown.
	for range 2 {
		if _, err := f.app.ProveStandby(f.ctx, app.ProveRequest{Vault: "ops", Files: []app.ProofFile{good}}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, a := range f.auditActions() {
		if a == "vault.prove" {
			n++
		}
	}
	d, _ := f.app.ShowVault(f.ctx, "ops")
	if n != 1 || len(d.Proofs[1]) != 1 || d.Proofs[1][0].Holder != "alice" {
		t.Fatalf("audited %d, shown %+v", n, d.Proofs)
	}
}

// createVaultUnproven creates a vault whose standby nobody has proven.
func (f *fixture) createVaultUnproven(name string, m int, cold, standby []app.KeySpec) {
	f.t.Helper()
	if _, err := f.app.CreateVault(f.ctx, app.CreateVaultRequest{Name: name, Threshold: m, Keys: cold, StandbyKeys: standby, Birthday: -1}); err != nil {
		f.t.Fatalf("CreateVault: %v", err)
	}
}

func (f *fixture) generation(vaultName string, n int) app.Generation {
	return f.e().Generation(vaultName, n)
}

func (f *fixture) proofDated(kf *keys.File, desc *vault.Descriptor, at time.Time) app.ProofFile {
	p := f.e().Proof(kf, desc, at)
	p.Source = kf.Name + "-dated.proof"
	return p
}

// retouch edits a proof file's fields and writes it again.
func retouch(t *testing.T, f app.ProofFile, source string, edit func(*vault.StandbyProof)) app.ProofFile {
	t.Helper()
	p, err := vault.ParseStandbyProof(f.Data)
	if err != nil {
		t.Fatal(err)
	}
	edit(p)
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return app.ProofFile{Source: source, Data: b}
}
