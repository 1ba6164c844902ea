package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/treasury-dev/treasury/vault"
)

// ErrUnprovenStandby marks a cold spend refused because fewer than M
// holders of the standby it pays into have proven their keys in it. It
// wraps ErrRefused.
var ErrUnprovenStandby = fmt.Errorf("the standby generation is not proven spendable: %w", ErrRefused)

// ProofFutureSkew is how far ahead of the coordinator's clock a proof's
// date may be (an offline machine's clock drifts); later dates are refused.
const ProofFutureSkew = 24 * time.Hour

// StandbyProof is a recorded, verified standby proof.
type StandbyProof struct {
	GenerationID int64
	Fingerprint  string
	Holder       string // the generation's name for the key
	OriginPath   string
	SignedAt     time.Time // the proof's own date
	RecordedAt   time.Time
	Raw          []byte // the proof file as given
}

// ProofFile is one proof file given to ProveStandby.
type ProofFile struct {
	Source string // file name, for messages
	Data   []byte
}

// ProveRequest asks to verify and record standby proofs of one vault.
type ProveRequest struct {
	Vault string
	Files []ProofFile
}

// ProvedFile says what one file proved.
type ProvedFile struct {
	Source     string
	Generation int
	Proof      StandbyProof
	Added      bool // false: the same proof was recorded before
}

// ProveResult is what ProveStandby recorded and where each generation it
// touched now stands.
type ProveResult struct {
	Vault  string
	Files  []ProvedFile
	Status []ProofStatus
}

// ProofStatus is how many distinct holders have proven a generation.
type ProofStatus struct {
	Generation int
	Proven     []string // holder names, in key order
	Needed     int      // the generation's threshold
}

// ProveStandby verifies each proof file against the vault's stored standby
// generation and records it, audited. Every file must verify: if one is
// refused, nothing is recorded. The proof file is not trusted: the public
// key is derived from the stored xpub and the message recomputed from the
// stored descriptor; only the date comes from the file, and it is signed.
func (a *App) ProveStandby(ctx context.Context, req ProveRequest) (*ProveResult, error) {
	if len(req.Files) == 0 {
		return nil, errorf(ErrInvalid, "give at least one proof file (from treasury key prove)")
	}
	res := &ProveResult{Vault: req.Vault}
	err := a.Store.Update(ctx, func(tx Tx) error {
		v, err := loadVault(tx, req.Vault)
		if err != nil {
			return err
		}
		res.Vault = v.Name
		gens, err := tx.Generations(v.ID)
		if err != nil {
			return err
		}
		touched := map[int64]*Generation{}
		for _, f := range req.Files {
			pf, g, err := a.verifyProofFile(*v, gens, f)
			if err != nil {
				return err
			}
			added, err := tx.PutStandbyProof(&pf.Proof)
			if err != nil {
				return err
			}
			pf.Added, touched[g.ID] = added, g
			res.Files = append(res.Files, pf)
			if added {
				if err := a.auditProof(tx, v.Name, g.Number, pf.Proof); err != nil {
					return err
				}
			}
		}
		res.Status, err = proofStatuses(tx, touched)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// verifyProofFile parses one file and verifies it against the standby
// generation whose descriptor it names.
func (a *App) verifyProofFile(v Vault, gens []Generation, f ProofFile) (ProvedFile, *Generation, error) {
	p, err := vault.ParseStandbyProof(f.Data)
	if err != nil {
		return ProvedFile{}, nil, errorf(ErrInvalid, "%s: %w", f.Source, err)
	}
	g, d, err := proofGeneration(v, gens, p)
	if err != nil {
		return ProvedFile{}, nil, errorf(ErrRefused, "%s: %w", f.Source, err)
	}
	if g.State != Standby {
		return ProvedFile{}, nil, errorf(ErrRefused, "%s: generation %d of vault %s is %s; only a standby generation is proven before it receives a cold spend", f.Source, g.Number, v.Name, g.State)
	}
	k, date, err := p.Verify(a.Net, d)
	if err != nil {
		return ProvedFile{}, nil, errorf(ErrRefused, "%s: %w", f.Source, err)
	}
	if now := a.now(); date.After(now.Add(ProofFutureSkew)) {
		return ProvedFile{}, nil, errorf(ErrRefused, "%s: the proof is dated %s, later than this machine's clock (%s) allows", f.Source, vault.ProofDate(date), vault.ProofDate(now))
	}
	fp := k.Origin.Fingerprint.String()
	sp := StandbyProof{GenerationID: g.ID, Fingerprint: fp, Holder: holderName(g, fp), OriginPath: vault.FormatPath(k.Origin.Path),
		SignedAt: date, RecordedAt: a.now(), Raw: f.Data}
	return ProvedFile{Source: f.Source, Generation: g.Number, Proof: sp}, g, nil
}

// proofGeneration finds the generation of v whose descriptor is the proof's.
func proofGeneration(v Vault, gens []Generation, p *vault.StandbyProof) (*Generation, *vault.Descriptor, error) {
	pd, err := vault.ParseDescriptor(p.Descriptor)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: its descriptor does not parse: %v", vault.ErrProofFormat, err)
	}
	for i := range gens {
		d, err := vault.ParseDescriptor(gens[i].Descriptor)
		if err != nil {
			return nil, nil, fmt.Errorf("generation %d: stored descriptor does not parse: %w", gens[i].Number, err)
		}
		if d.Equal(pd) {
			return &gens[i], d, nil
		}
	}
	return nil, nil, fmt.Errorf("%w: the proof is for descriptor #%s, which is no generation of vault %s", vault.ErrProofMismatch, p.Checksum, v.Name)
}

func holderName(g *Generation, fp string) string {
	for _, h := range g.Holders {
		if h.Fingerprint == fp {
			return h.Name
		}
	}
	return fp
}

func (a *App) auditProof(tx Tx, vaultName string, gen int, p StandbyProof) error {
	sum := sha256.Sum256(p.Raw)
	return a.audit(tx, "vault.prove", map[string]any{"vault": vaultName, "generation": gen, "holder": p.Holder,
		"fingerprint": p.Fingerprint, "origin": p.OriginPath, "date": vault.ProofDate(p.SignedAt), "proof_sha256": hex.EncodeToString(sum[:])})
}

// proofStatuses reports, for each generation, which holders have proven it.
func proofStatuses(tx Tx, gens map[int64]*Generation) ([]ProofStatus, error) {
	var out []ProofStatus
	for _, g := range gens {
		ps, err := tx.StandbyProofs(g.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, ProofStatus{Generation: g.Number, Proven: provenHolders(g, ps), Needed: g.Threshold})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Generation < out[j].Generation })
	return out, nil
}

// provenHolders names the distinct holders of g with a recorded proof, in
// key order. Only fingerprints that are holders of g count.
func provenHolders(g *Generation, ps []StandbyProof) []string {
	have := map[string]bool{}
	for _, p := range ps {
		if p.GenerationID == g.ID {
			have[p.Fingerprint] = true
		}
	}
	var out []string
	for _, h := range g.Holders {
		if have[h.Fingerprint] {
			out = append(out, h.Name)
		}
	}
	return out
}

// requireProvenStandby refuses a plan that pays into a standby generation
// proven by fewer holders than its threshold. With override the plan goes
// ahead and the override is audited (only when it was needed).
func (a *App) requireProvenStandby(tx Tx, p *spendPlan, override bool) error {
	if p == nil || p.target == nil || p.target.State != Standby {
		return nil
	}
	ps, err := tx.StandbyProofs(p.target.ID)
	if err != nil {
		return err
	}
	proven := provenHolders(p.target, ps)
	if len(proven) >= p.target.Threshold {
		return nil
	}
	if override {
		return a.audit(tx, "proposal.unproven_standby", map[string]any{"vault": p.vault.Name, "kind": p.kind,
			"generation": p.source.Number, "standby": p.target.Number, "proven": proven, "needed": p.target.Threshold})
	}
	return unprovenError(p.vault.Name, p.target, proven)
}

// UnprovenStandbyHint says how to prove a standby; the CLI and the TUI
// show it under ErrUnprovenStandby.
const UnprovenStandbyHint = "each holder of the standby runs 'treasury key prove KEYFILE --descriptor D -o FILE' and an officer records the files with 'treasury vault prove VAULT FILE…'"

func unprovenError(vaultName string, g *Generation, proven []string) error {
	who := "no holder"
	if len(proven) > 0 {
		who = strings.Join(proven, ", ")
	}
	return &Error{Kind: ErrUnprovenStandby, Err: fmt.Errorf("standby generation %d of vault %s, which would receive everything a cold spend leaves, is proven by %d of the %d holders it needs (%s)",
		g.Number, vaultName, len(proven), g.Threshold, who)}
}

// StandbyRefusal is the error a cold spend of d's vault would be refused
// with because its standby is not proven, or nil. d must come from
// ListVaults or ShowVault (which fill Proofs).
func StandbyRefusal(d VaultDetail) error {
	for i := range d.Generations {
		g := &d.Generations[i]
		if g.State != Standby {
			continue
		}
		if proven := provenHolders(g, d.Proofs[g.Number]); len(proven) < g.Threshold {
			return unprovenError(d.Vault.Name, g, proven)
		}
	}
	return nil
}

// provenGate wraps a plan function's result with requireProvenStandby
// (once per distinct target), so that Propose and Rotate each add the check
// in one line.
func (a *App) provenGate(tx Tx, override bool) func([]*spendPlan, error) ([]*spendPlan, error) {
	return func(ps []*spendPlan, err error) ([]*spendPlan, error) {
		if err != nil {
			return ps, err
		}
		checked := map[int64]bool{}
		for _, p := range ps {
			if p == nil || p.target == nil || checked[p.target.ID] {
				continue
			}
			checked[p.target.ID] = true
			if err := a.requireProvenStandby(tx, p, override); err != nil {
				return nil, err
			}
		}
		return ps, nil
	}
}

// fillProofs adds each generation's recorded proofs to a vault detail.
func fillProofs(tx Tx, d *VaultDetail) error {
	d.Proofs = map[int][]StandbyProof{}
	for _, g := range d.Generations {
		ps, err := tx.StandbyProofs(g.ID)
		if err != nil {
			return err
		}
		if len(ps) > 0 {
			d.Proofs[g.Number] = ps
		}
	}
	return nil
}

// ProvenHolders names the distinct holders of g among ps, in key order.
func ProvenHolders(g Generation, ps []StandbyProof) []string { return provenHolders(&g, ps) }
