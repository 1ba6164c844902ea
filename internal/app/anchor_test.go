package app_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/audit"
	"github.com/treasury-dev/treasury/internal/fakenode"
	"github.com/treasury-dev/treasury/psbt"
)

type anchorNotices struct {
	app.NopEvents
	mu   sync.Mutex
	seen []string
}

func (n *anchorNotices) Notice(kind, msg string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.seen = append(n.seen, kind+": "+msg)
}

// TestProposalCarriesItsAuditEntry: a proposal's PSBT carries its own
// proposal.create entry as the anchor (and the vault's name); the log
// verifies against it; collect warns about a returned PSBT whose anchor was
// changed on its way, and still takes its valid signatures.
func TestProposalCarriesItsAuditEntry(t *testing.T) {
	f := newFakeFixture(t, fakenode.Core)
	f.fundedOps(50_000_000)
	res, err := f.app.Propose(f.ctx, f.payRequest(10_000_000))
	if err != nil {
		t.Fatal(err)
	}
	a, ok, err := psbt.AnchorOf(res.PSBT)
	if err != nil || !ok || a.Vault != "ops" {
		t.Fatalf("anchor %+v %v %v", a, ok, err)
	}
	head, err := f.app.AuditHead(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := f.app.AuditLog(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e := entries[a.Seq-1]; e.Action != "proposal.create" || e.Hash != a.Hash || head.Seq != a.Seq {
		t.Fatalf("anchor %+v is not the proposal's entry %+v (head %+v)", a, e, head)
	}
	if _, err := f.app.AuditVerifyAnchored(f.ctx, []audit.Anchor{{Seq: a.Seq, Hash: a.Hash}}); err != nil {
		t.Fatal(err)
	}
	f.registerAll("ops")
	files := f.sign(f.psbtOf(res), "alice")
	p, err := psbt.Decode(files[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := psbt.SetAnchor(p, psbt.Anchor{Seq: 1, Hash: strings.Repeat("ee", 32)}); err != nil {
		t.Fatal(err)
	}
	b64, err := psbt.EncodeBase64(p)
	if err != nil {
		t.Fatal(err)
	}
	files[0].Data = []byte(b64)
	rec := &anchorNotices{}
	f.app.Events = rec
	out, err := f.app.Collect(f.ctx, files)
	if err != nil {
		t.Fatal(err)
	}
	if out.Added == 0 || len(rec.seen) != 1 || !strings.Contains(rec.seen[0], "carries audit anchor entry 1 (eeeeeeeeeeee…), not the proposal's entry") {
		t.Fatalf("collect added %d, anchorNotices %q", out.Added, rec.seen)
	}
}
