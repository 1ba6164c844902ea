package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"

	tea "charm.land/bubbletea/v2"
	btcpsbt "github.com/btcsuite/btcd/psbt/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/atomicfile"
	"github.com/treasury-dev/treasury/internal/audit"
	"github.com/treasury-dev/treasury/psbt"
)

// Messages: each is the outcome of one command; err is the app's error,
// shown as one sentence.
type (
	vaultsMsg struct {
		vaults []app.VaultDetail
		bal    *app.BalanceResult
		err    error
	}
	utxosMsg struct {
		vault string
		rows  []app.UTXORow
		err   error
	}
	proposalsMsg struct {
		list []app.ProposalDetail
		err  error
		seq  int64 // issue order; an older reply than the one shown is dropped
	}
	detailMsg struct {
		d   *app.ProposalDetail
		err error
		seq int64
	}
	syncDoneMsg struct {
		res *app.SyncResult
		err error
	}
	syncProgressMsg app.SyncProgress
	noticeMsg       struct{ kind, text string }
	syncTickMsg     struct{}
	proposedMsg     struct {
		res *app.ProposeResult
		err error
	}
	savedMsg struct {
		path string
		err  error
	}
	collectedMsg struct {
		res *app.CollectResult
		err error
	}
	broadcastMsg struct {
		res *app.BroadcastResult
		err error
	}
	rotatedMsg struct {
		res *app.ProposeResult
		err error
	}
	cancelledMsg struct {
		res *app.CancelResult
		err error
	}
	auditMsg struct {
		entries   []audit.Entry
		reconcile *app.ReconcileSummary // nil: no reconcile has run
		err       error
	}
	verifyMsg struct {
		res *app.AuditVerifyResult
		err error
	}
	completionMsg struct {
		input string   // the text completion was asked for
		names []string // entries of its directory matching its base; directories end in "/"
		err   error
	}
)

// backend runs the app's use cases inside commands. It is shared by every
// copy of the Model and never read or written by Update or View.
type backend struct {
	ctx context.Context
	app *app.App
	dir string
	// seq numbers the proposal and detail loads in the order they are
	// issued: their replies can arrive out of order (a background sync's
	// reload after an import's), and only the newest may be shown.
	seq atomic.Int64
}

func (b *backend) loadVaults() tea.Cmd {
	return func() tea.Msg {
		vs, err := b.app.ListVaults(b.ctx)
		if err != nil {
			return vaultsMsg{err: err}
		}
		bal, err := b.app.Balance(b.ctx, app.BalanceRequest{})
		return vaultsMsg{vaults: vs, bal: bal, err: err}
	}
}

func (b *backend) loadUTXOs(vault string) tea.Cmd {
	return func() tea.Msg {
		rows, err := b.app.ListUTXOs(b.ctx, app.UTXOsRequest{Vault: vault})
		return utxosMsg{vault: vault, rows: rows, err: err}
	}
}

func (b *backend) loadProposals() tea.Cmd {
	seq := b.seq.Add(1)
	return func() tea.Msg {
		list, err := b.app.ListProposals(b.ctx, "")
		return proposalsMsg{list: list, err: err, seq: seq}
	}
}

func (b *backend) loadDetail(id string) tea.Cmd {
	seq := b.seq.Add(1)
	return func() tea.Msg {
		d, err := b.app.ShowProposal(b.ctx, id)
		return detailMsg{d: d, err: err, seq: seq}
	}
}

func (b *backend) sync() tea.Cmd {
	return func() tea.Msg {
		res, err := b.app.Sync(b.ctx, app.SyncRequest{})
		return syncDoneMsg{res: res, err: err}
	}
}

func (b *backend) propose(req app.ProposeRequest) tea.Cmd {
	return func() tea.Msg {
		res, err := b.app.Propose(b.ctx, req)
		return proposedMsg{res: res, err: err}
	}
}

func (b *backend) rotate(req app.RotateRequest) tea.Cmd {
	return func() tea.Msg {
		res, err := b.app.Rotate(b.ctx, req)
		return rotatedMsg{res: res, err: err}
	}
}

func (b *backend) broadcast(id string) tea.Cmd {
	return func() tea.Msg {
		res, err := b.app.Broadcast(b.ctx, app.BroadcastRequest{ID: id})
		return broadcastMsg{res: res, err: err}
	}
}

func (b *backend) cancel(id string) tea.Cmd {
	return func() tea.Msg {
		res, err := b.app.Cancel(b.ctx, id)
		return cancelledMsg{res: res, err: err}
	}
}

func (b *backend) loadAudit() tea.Cmd {
	return func() tea.Msg {
		es, err := b.app.AuditLog(b.ctx)
		if err != nil {
			return auditMsg{err: err}
		}
		rec, err := b.app.LastReconcile(b.ctx)
		return auditMsg{entries: es, reconcile: rec, err: err}
	}
}

func (b *backend) verifyAudit() tea.Cmd {
	return func() tea.Msg {
		res, err := b.app.AuditVerify(b.ctx)
		return verifyMsg{res: res, err: err}
	}
}

// path resolves p against the TUI's directory.
func (b *backend) path(p string) string {
	if p == "" || filepath.IsAbs(p) || b.dir == "" {
		return p
	}
	return filepath.Join(b.dir, p)
}

// savePSBT writes p as base64 to a new file; it never replaces one. The
// message carries the resolved path, so the officer is told where it is.
func (b *backend) savePSBT(p *btcpsbt.Packet, path string) tea.Cmd {
	return func() tea.Msg {
		full := b.path(path)
		text, err := psbt.EncodeBase64(p)
		if err != nil {
			return savedMsg{path: full, err: err}
		}
		return savedMsg{path: full, err: writeNew(full, []byte(text+"\n"))}
	}
}

// writeNew creates path and writes data, refusing to replace a file and
// leaving no partly written one.
func writeNew(path string, data []byte) error {
	err := atomicfile.WriteNew(path, data, 0o644)
	if errors.Is(err, atomicfile.ErrExists) {
		return fmt.Errorf("%s already exists; choose another path", path)
	}
	return err
}

// collect hands one signed PSBT to the app: input is a pasted base64 PSBT
// or the path of a file holding one.
func (b *backend) collect(input string) tea.Cmd {
	return func() tea.Msg {
		f, err := b.collectFile(strings.TrimSpace(input))
		if err != nil {
			return collectedMsg{err: err}
		}
		res, err := b.app.Collect(b.ctx, []app.CollectFile{f})
		return collectedMsg{res: res, err: err}
	}
}

func (b *backend) collectFile(input string) (app.CollectFile, error) {
	if looksLikePSBT(input) {
		return app.CollectFile{Source: "pasted PSBT", Data: []byte(input)}, nil
	}
	if input == "" {
		return app.CollectFile{}, errors.New("give the path of a signed PSBT file, or paste one in base64")
	}
	fh, err := os.Open(b.path(input))
	if err != nil {
		return app.CollectFile{}, fmt.Errorf("unable to read %s: %w", input, errors.Unwrap(err))
	}
	defer fh.Close()
	// Through psbt.ReadAll's limit, as the CLI's collect: a device or a
	// huge file is refused instead of read until memory runs out.
	data, err := psbt.ReadAll(fh)
	if err != nil {
		return app.CollectFile{}, fmt.Errorf("unable to read %s: %w", input, err)
	}
	return app.CollectFile{Source: input, Data: data}, nil
}

// looksLikePSBT reports text that is a base64 PSBT (its magic "psbt\xff"
// encodes as "cHNidP").
func looksLikePSBT(s string) bool { return strings.HasPrefix(s, "cHNidP") }

// complete lists the directory of the path being typed for tab completion.
func (b *backend) complete(input string) tea.Cmd {
	return func() tea.Msg {
		dir, base := filepath.Split(input)
		list := dir
		if list == "" {
			list = "."
		}
		entries, err := os.ReadDir(b.path(list))
		if err != nil {
			return completionMsg{input: input, err: fmt.Errorf("unable to list %s: %w", list, errors.Unwrap(err))}
		}
		var names []string
		for _, e := range entries {
			n := e.Name()
			if !strings.HasPrefix(n, base) || (strings.HasPrefix(n, ".") && !strings.HasPrefix(base, ".")) {
				continue
			}
			if e.IsDir() {
				n += "/"
			}
			names = append(names, n)
		}
		sort.Strings(names)
		return completionMsg{input: input, names: names}
	}
}
