package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/treasury-dev/treasury/internal/app"
)

// settle runs cmd and every command its messages lead to, synchronously,
// feeding the messages to m. Spinner ticks are dropped: they only animate.
func settle(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 100 {
			t.Fatal("commands never settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case spinner.TickMsg, nil, tea.QuitMsg:
		default:
			next, more := m.Update(msg)
			m, queue = next.(Model), append(queue, more)
		}
	}
	return m
}

// loaded is a model over the screens' seed with every list loaded.
func loaded(t *testing.T) (Model, *seed) {
	t.Helper()
	s := newScreensSeed(t)
	m := New(context.Background(), s.app, Options{Now: func() time.Time { return tuiNow }, NoSyncOnStart: true})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return settle(t, next.(Model), m.Init()), s
}

// press feeds keys to m and settles the commands they start.
func press(t *testing.T, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		next, cmd := m.Update(keyMsg(k))
		m = settle(t, next.(Model), cmd)
	}
	return m
}

func typeText(t *testing.T, m Model, s string) Model {
	t.Helper()
	for _, r := range s {
		next, cmd := m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		m = settle(t, next.(Model), cmd)
	}
	return m
}

func TestNavigation(t *testing.T) {
	m, _ := loaded(t)
	tests := []struct {
		keys []string
		want screen
	}{
		{[]string{"2"}, scrProposals},
		{[]string{"3"}, scrAudit},
		{[]string{"2", "1"}, scrVaults},
		{[]string{"down", "u"}, scrUTXOs},
		{[]string{"down", "u", "esc"}, scrVaults},
		{[]string{"2", "enter"}, scrDetail},
		{[]string{"2", "enter", "esc"}, scrProposals},
		{[]string{"n"}, scrTransfer},
		{[]string{"n", "esc"}, scrVaults},
		{[]string{"2", "i"}, scrImport},
		{[]string{"2", "b"}, scrConfirm},
		{[]string{"r"}, scrConfirm},
		{[]string{"n", "q"}, scrTransfer}, // q types into the form
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.keys, ","), func(t *testing.T) {
			if got := press(t, m, tt.keys...).screen; got != tt.want {
				t.Errorf("screen %d, want %d", got, tt.want)
			}
		})
	}
}

func TestQuitAndHelp(t *testing.T) {
	m, _ := loaded(t)
	for _, k := range []string{"q", "ctrl+c"} {
		_, cmd := m.Update(keyMsg(k))
		if cmd == nil {
			t.Fatalf("%s returns no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s does not quit", k)
		}
	}
	if m = press(t, m, "?"); !m.help.ShowAll {
		t.Error("? does not show every key")
	}
	if m = press(t, m, "?"); m.help.ShowAll {
		t.Error("? does not hide the keys again")
	}
}

func TestSelectionStaysInRange(t *testing.T) {
	m, _ := loaded(t)
	if m = press(t, m, "up"); m.vaults.sel != 0 {
		t.Errorf("sel %d after up at the top", m.vaults.sel)
	}
	if m = press(t, m, "down", "down", "down", "down"); m.vaults.sel != 2 {
		t.Errorf("sel %d after moving past the end of 3 vaults", m.vaults.sel)
	}
	if got := m.selectedVault(); got != "reserve" {
		t.Errorf("selected %q", got)
	}
}

func TestTransferForm(t *testing.T) {
	m, s := loaded(t)
	s.cancel(s.ops) // a cold spend waits for the live one
	m = press(t, m, "down", "n")
	if m.transfer.vaults[m.transfer.vault] != "ops" || m.transfer.focus != fDest {
		t.Fatalf("form opens on %q focus %d", m.transfer.vaults[m.transfer.vault], m.transfer.focus)
	}
	m = press(t, typeText(t, m, "tb1qnotours"), "enter")
	if m.transfer.errs[fDest] == "" || m.transfer.focus != fDest {
		t.Fatalf("a mainnet-style bad address passes: %+v", m.transfer.errs)
	}
	for range len("tb1qnotours") {
		m = press(t, m, "backspace")
	}
	m = press(t, typeText(t, m, s.payee("x")), "enter")
	if m.transfer.errs[fDest] != "" || m.transfer.focus != fAmount {
		t.Fatalf("a good address is refused: %q", m.transfer.errs[fDest])
	}
	m = typeText(t, m, "1.000000001")
	if !strings.Contains(m.transfer.errs[fAmount], "more than 8 decimals") {
		t.Fatalf("amount error %q", m.transfer.errs[fAmount])
	}
	m = press(t, m, "backspace", "backspace")
	if m.transfer.errs[fAmount] != "" {
		t.Fatalf("1.0000000 still refused: %q", m.transfer.errs[fAmount])
	}
	m = press(t, typeText(t, press(t, m, "enter"), "0"), "enter")
	if m.transfer.errs[fFee] == "" {
		t.Fatal("a zero fee rate passes")
	}
	m = press(t, typeText(t, press(t, m, "backspace"), "2.5"), "enter", "enter")
	if m.transfer.stage != stPreview {
		t.Fatalf("stage %d after the last field, errors %+v, status %q", m.transfer.stage, m.transfer.errs, m.status.text)
	}
	req := m.transfer.req
	if req.Vault != "ops" || req.Payments[0].Amount != 100_000_000 || req.FeeRate != 2500 {
		t.Fatalf("request %+v", req)
	}
	if m = press(t, m, "esc"); m.transfer.stage != stEdit {
		t.Fatal("esc does not return to the form")
	}
}

func TestConfirmMatches(t *testing.T) {
	id := "d7670b0d3ab2a6a716090ec5c03d925c4a9962ad1d7d8ee82b67f85bfe8ebe10"
	prop := confirmForm{act: actBroadcast, d: app.ProposalDetail{Proposal: app.Proposal{ID: id}}}
	rot := confirmForm{act: actRotate, vault: app.VaultDetail{Vault: app.Vault{Name: "Ops"}}}
	tests := []struct {
		name  string
		f     confirmForm
		typed string
		want  bool
	}{
		{"8 chars", prop, "d7670b0d", true},
		{"whole id", prop, id, true},
		{"upper case", prop, "D7670B0D3A", true},
		{"7 chars", prop, "d7670b0", false},
		{"wrong id", prop, "d7670b0e", false},
		{"empty", prop, "", false},
		{"vault name", rot, "ops", true},
		{"vault prefix", rot, "op", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.matches(tt.typed); got != tt.want {
				t.Errorf("matches(%q) = %v", tt.typed, got)
			}
		})
	}
}

func TestBroadcastNeedsTheID(t *testing.T) {
	m, s := loaded(t)
	m = press(t, m, "2", "down", "b")
	m = press(t, typeText(t, m, s.ops[:7]), "enter")
	if m.confirm.working || !strings.Contains(m.status.text, "8 characters") {
		t.Fatalf("7 characters start a broadcast: working %v, err %q", m.confirm.working, m.status.text)
	}
	m = press(t, typeText(t, m, s.ops[7:8]), "enter")
	// The app refuses (one signature of two, and no node): the refusal is
	// shown as one sentence and the screen stays.
	if m.screen != scrConfirm || m.status.text == "" || strings.Contains(m.status.text, "\n") {
		t.Fatalf("screen %d err %q", m.screen, m.status.text)
	}
}

func TestCompleteWith(t *testing.T) {
	tests := []struct {
		input string
		names []string
		want  string
		cands int
	}{
		{"b", nil, "b", 0},
		{"b", []string{"bob.psbt"}, "bob.psbt", 0},
		{"sig/b", []string{"bob.psbt", "bob.signed.psbt"}, "sig/bob.", 2},
		{"", []string{"a/", "b/"}, "", 2},
		{"x/é", []string{"éa", "éb"}, "x/é", 2},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			got, cands := completeWith(tt.input, tt.names)
			if got != tt.want || len(cands) != tt.cands {
				t.Errorf("completeWith = %q, %d candidates; want %q, %d", got, len(cands), tt.want, tt.cands)
			}
		})
	}
}

func TestWindow(t *testing.T) {
	tests := []struct{ top, sel, n, total, want int }{
		{0, 0, 10, 5, 0},
		{0, 9, 10, 100, 0},
		{0, 10, 10, 100, 1},
		{50, 40, 10, 100, 40},
		{95, 99, 10, 100, 90},
	}
	for _, tt := range tests {
		if got := window(tt.top, tt.sel, tt.n, tt.total); got != tt.want {
			t.Errorf("window(%d, %d, %d, %d) = %d, want %d", tt.top, tt.sel, tt.n, tt.total, got, tt.want)
		}
	}
}

func TestSyncStates(t *testing.T) {
	m, _ := loaded(t)
	m.hasNet = true
	m2, cmd := m.startSync()
	if !m2.sync.running || cmd == nil {
		t.Fatal("s does not start a sync")
	}
	if again, cmd := m2.startSync(); cmd != nil || !again.sync.running {
		t.Error("a second sync starts while one runs")
	}
	next, _ := m2.Update(syncDoneMsg{err: errors.New("connection refused")})
	if got := next.(Model); got.sync.running || got.sync.err != "connection refused" || !strings.Contains(got.header(), "node unreachable") {
		t.Fatalf("failed sync: %+v", got.sync)
	}
	next, _ = m2.Update(syncDoneMsg{res: &app.SyncResult{Tip: 321, Confirmed: []string{"d7670b0d3ab2a6"}}})
	got := next.(Model)
	if got.sync.err != "" || !got.sync.last.Equal(tuiNow) || !strings.Contains(got.header(), "height 321") || !strings.Contains(got.status.text, "d7670b0d3ab2 confirmed") {
		t.Fatalf("good sync: %+v note %q header %q", got.sync, got.status.text, got.header())
	}
}

func TestResizeFitsEveryScreen(t *testing.T) {
	m, _ := loaded(t)
	for _, keys := range [][]string{{"1"}, {"2"}, {"2", "enter"}, {"3"}, {"n"}, {"2", "i"}, {"r"}, {"?"}} {
		for _, size := range [][2]int{{80, 24}, {120, 40}, {60, 15}} {
			next, _ := press(t, m, keys...).Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			lines := strings.Split(next.(Model).View().Content, "\n")
			if len(lines) != size[1] {
				t.Errorf("%v at %v: %d lines", keys, size, len(lines))
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Errorf("%v at %v: line %d is %d wide", keys, size, i, w)
				}
			}
		}
	}
}

func TestOlderRepliesDoNotOverwriteNewerOnes(t *testing.T) {
	var m Model
	newer := &app.ProposalDetail{Proposal: app.Proposal{ID: "new"}}
	older := &app.ProposalDetail{Proposal: app.Proposal{ID: "old"}}
	m = m.gotDetail(detailMsg{d: newer, seq: 5})
	m = m.gotDetail(detailMsg{d: older, seq: 3})
	if m.detail.d != newer {
		t.Fatalf("a reply issued earlier replaced a newer one: %s", m.detail.d.Proposal.ID)
	}
	m = m.gotProposals(proposalsMsg{list: []app.ProposalDetail{*newer}, seq: 7})
	m = m.gotProposals(proposalsMsg{list: nil, seq: 6})
	if len(m.props.list) != 1 {
		t.Fatal("an earlier proposal list replaced a newer one")
	}
}

// The form says what is wrong with an address in the CLI's words, and never
// suggests a corrected checksum (BIP-173).
func TestTransferAddressErrors(t *testing.T) {
	m, s := loaded(t)
	good := s.payee("x")
	last := good[len(good)-1]
	typo := good[:len(good)-1] + string("qp"[map[bool]int{true: 1}[last == 'q']])
	for _, tc := range []struct{ addr, want string }{
		{typo, "has a wrong checksum"},
		{"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "is a mainnet address; this treasury is on regtest"},
		{"hello", "is not a bitcoin address"},
	} {
		m := press(t, m, "down", "n")
		m = press(t, typeText(t, m, tc.addr), "enter")
		got := m.transfer.errs[fDest]
		if !strings.Contains(got, tc.want) || strings.Contains(got, "expected") || strings.Contains(got, good[len(good)-6:]) {
			t.Errorf("%s: error %q, want %q and no correction", tc.addr, got, tc.want)
		}
	}
}

// A status message belongs to the action that produced it: a newer success
// replaces an old error, and another screen drops it.
func TestStatusBelongsToItsAction(t *testing.T) {
	m, _ := loaded(t)
	m = press(t, m, "2")
	m.fail(errors.New("unable to create proposal.psbt: file exists"))
	if !strings.Contains(ansi.Strip(strings.Join(m.messageLines(), "\n")), "file exists") {
		t.Fatalf("error not shown: %q", m.messageLines())
	}
	m.succeed(scrProposals, "PSBT written to x.psbt")
	if got := ansi.Strip(strings.Join(m.messageLines(), "\n")); strings.Contains(got, "file exists") || !strings.Contains(got, "written") {
		t.Fatalf("after a success the line reads %q", got)
	}
	m = press(t, m, "3")
	if got := ansi.Strip(strings.Join(m.messageLines(), "")); got != "" {
		t.Fatalf("the Proposals screen's message follows to Audit: %q", got)
	}
	m = press(t, m, "2")
	if got := ansi.Strip(strings.Join(m.messageLines(), "")); got != "" {
		t.Fatalf("an old message comes back: %q", got)
	}
	// A long error wraps; it is never cut with "…".
	m.failText(strings.Repeat("word ", 40) + "end")
	lines := m.messageLines()
	if len(lines) < 3 || !strings.Contains(ansi.Strip(lines[len(lines)-1]), "end") {
		t.Fatalf("long error: %q", lines)
	}
}

// Cancelling a proposal with enough signatures warns, like the CLI, that
// the signed files can still send it, and says how to make the cancel final.
func TestCancelWarnsWhenStillSignable(t *testing.T) {
	m, s := loaded(t)
	s.signFully(s.ops)
	m = press(t, m, "2")
	var ops int
	for i, d := range m.props.list {
		if d.Proposal.ID == s.ops {
			ops = i
		}
	}
	m.props.sel = ops
	m = press(t, m, "x")
	body := ansi.Strip(strings.Join(m.confirmBody(), " "))
	for _, want := range []string{"enough signatures", "can still send it until one of its inputs is spent", "make the cancel final"} {
		if !strings.Contains(strings.Join(strings.Fields(body), " "), want) {
			t.Errorf("confirmation lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "no longer needed") {
		t.Error("the confirmation says the signatures are no longer needed")
	}
	m = press(t, typeText(t, m, s.ops[:12]), "enter")
	line := strings.Join(strings.Fields(ansi.Strip(strings.Join(m.messageLines(), " "))), " ")
	if m.screen != scrProposals || m.status.kind != stWarn || !strings.Contains(line, "can still send it") || !strings.Contains(line, "make the cancel final") {
		t.Fatalf("after the cancel: screen %d, line %q", m.screen, line)
	}
}

// At 80 columns and more the short help bar always ends with how to see
// every key and how to quit, on every screen; below 80 columns the lists
// drop columns rather than cut the amount off.
func TestHelpBarAndNarrowColumns(t *testing.T) {
	m, _ := loaded(t)
	for _, w := range []int{80, 100, 120} {
		next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
		m = next.(Model)
		for _, keys := range [][]string{{"1"}, {"2"}, {"2", "enter"}, {"3"}, {"1", "down", "u"}} {
			got := ansi.Strip(press(t, m, keys...).helpBar())
			if !strings.HasSuffix(got, "? more keys • q quit") || ansi.StringWidth(got) > w {
				t.Errorf("%d columns, keys %v: help bar %q", w, keys, got)
			}
		}
		got := ansi.Strip(press(t, m, "1", "down", "n").helpBar())
		if !strings.Contains(got, "ctrl+c quit") || ansi.StringWidth(got) > w {
			t.Errorf("%d columns, transfer form: help bar %q", w, got)
		}
	}
	next, _ := m.Update(tea.WindowSizeMsg{Width: 60, Height: 24})
	m = press(t, next.(Model), "2")
	body := ansi.Strip(strings.Join(fit(m.body(), 60, 20), "\n"))
	if !strings.Contains(body, "0.40000000 BTC") || !strings.Contains(body, "1/2") || strings.Contains(body, "…") {
		t.Fatalf("proposals at 60 columns:\n%s", body)
	}
	m = press(t, m, "3")
	if body := ansi.Strip(strings.Join(fit(m.body(), 60, 20), "\n")); strings.Contains(body, "…") {
		t.Fatalf("audit at 60 columns:\n%s", body)
	}
}

// A fee the guards refuse is confirmed in the TUI itself: on the preview
// with a, on the rotation by typing the vault name under the warning.
func TestHighFeeIsConfirmedInTheTUI(t *testing.T) {
	m, s := loaded(t)
	s.cancel(s.ops)
	m = press(t, m, "down", "r")
	m = press(t, typeText(t, press(t, m, "tab"), "2500"), "enter")
	if m.confirm.plan.highFee == "" || !strings.Contains(m.confirm.plan.highFee, "above 1000 sat/vB") {
		t.Fatalf("rotation plan at 2500 sat/vB: %+v", m.confirm.plan)
	}
	if strings.Contains(ansi.Strip(strings.Join(m.confirmBody(), " ")), "--allow-high-fee") {
		t.Fatal("the TUI tells its user to add a command-line flag")
	}
	m = press(t, typeText(t, m, "ops"), "enter")
	ps, err := s.app.ListProposals(s.ctx, "ops")
	if err != nil {
		t.Fatal(err)
	}
	var rotated bool
	for _, d := range ps {
		if d.Proposal.Kind == app.KindRotation && d.Proposal.State == app.Collecting && int64(d.Proposal.Fee)*1000/d.Proposal.VSize >= 2_499_000 { // sat/kvB: the rate asked for
			rotated = true
		}
	}
	if !rotated {
		t.Fatalf("no rotation at 2500 sat/vB was proposed; status %q", m.status.text)
	}
}
