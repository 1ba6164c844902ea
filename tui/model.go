package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/treasury-dev/treasury/internal/app"
)

// screen is what the body shows.
type screen int

const (
	scrVaults screen = iota
	scrUTXOs
	scrProposals
	scrDetail
	scrTransfer
	scrImport
	scrConfirm
	scrAudit
	scrBump
)

// Model is the whole TUI state: a value, copied on every Update. Every
// call into the app goes through be in a command.
type Model struct {
	be     *backend
	now    func() time.Time
	every  time.Duration
	onStrt bool
	hasNet bool // the app has a node to sync with
	net    string

	width, height int
	screen, back  screen
	keys          keyMap
	help          help.Model
	st            styles
	status        status // the message line: the last action's outcome

	vaults   vaultsView
	utxos    utxoView
	props    proposalsView
	detail   detailView
	transfer transferForm
	imp      importForm
	confirm  confirmForm
	bump     bumpForm
	audit    auditView
	sync     syncState
}

// syncState is the background sync as the header shows it.
type syncState struct {
	running  bool
	spin     spinner.Model
	progress *app.SyncProgress
	last     time.Time // when the last sync succeeded
	height   int32
	err      string // the last sync's error: the node is unreachable
}

// New returns the model for a; ctx bounds every app call.
func New(ctx context.Context, a *app.App, opt Options) Model {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	h := help.New()
	h.Styles = help.DefaultDarkStyles()
	return Model{
		be: &backend{ctx: ctx, app: a, dir: opt.Dir}, now: now, every: opt.SyncEvery,
		onStrt: !opt.NoSyncOnStart, hasNet: a.Chain != nil, net: a.Net.Name,
		width: 80, height: 24, keys: newKeyMap(), help: h, st: newStyles(),
		sync:     syncState{spin: spinner.New(spinner.WithSpinner(spinner.Line))},
		transfer: newTransferForm(), imp: newImportForm(), confirm: newConfirmForm(),
	}
}

// Init loads every list and starts the first sync.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.be.loadVaults(), m.be.loadProposals(), m.be.loadAudit()}
	if m.hasNet && m.onStrt {
		cmds = append(cmds, func() tea.Msg { return syncTickMsg{} })
	}
	return tea.Batch(cmds...)
}

// Update applies one message: data messages fill the views, keys go to
// the screen in front.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	case tea.PasteMsg:
		return m.paste(msg)
	case spinner.TickMsg:
		if !m.sync.running {
			return m, nil
		}
		var cmd tea.Cmd
		m.sync.spin, cmd = m.sync.spin.Update(msg)
		return m, cmd
	}
	if m2, cmd, ok := m.syncMsg(msg); ok {
		return m2, cmd
	}
	return m.dataMsg(msg)
}

// key handles the keys every screen shares, then the screen's own.
func (m Model) key(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if k.String() == "ctrl+c" {
		return m, tea.Quit
	}
	if m.typing() {
		return m.screenKey(k)
	}
	m.clearError()
	switch {
	case key.Matches(k, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(k, m.keys.Help):
		m.help.ShowAll = !m.help.ShowAll
		return m, nil
	case key.Matches(k, m.keys.Vaults):
		return m.show(scrVaults), m.be.loadVaults()
	case key.Matches(k, m.keys.Proposals):
		return m.show(scrProposals), m.be.loadProposals()
	case key.Matches(k, m.keys.Audit):
		return m.show(scrAudit), m.be.loadAudit()
	case key.Matches(k, m.keys.Sync):
		return m.startSync()
	}
	return m.screenKey(k)
}

// typing reports a screen whose text input takes every printable key.
func (m Model) typing() bool {
	switch m.screen {
	case scrTransfer, scrImport, scrConfirm, scrBump:
		return true
	}
	return false
}

func (m Model) screenKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch m.screen {
	case scrVaults:
		return m.vaultsKey(k)
	case scrUTXOs:
		return m.utxosKey(k)
	case scrProposals:
		return m.proposalsKey(k)
	case scrDetail:
		return m.detailKey(k)
	case scrTransfer:
		return m.transferKey(k)
	case scrImport:
		return m.importKey(k)
	case scrConfirm:
		return m.confirmKey(k)
	case scrAudit:
		return m.auditKey(k)
	case scrBump:
		return m.bumpKey(k)
	}
	return m, nil
}

func (m Model) paste(p tea.PasteMsg) (tea.Model, tea.Cmd) {
	switch m.screen {
	case scrTransfer, scrImport, scrConfirm:
		return m.screenKeyMsg(p)
	case scrBump:
		var cmd tea.Cmd
		m.bump.input, cmd = m.bump.input.Update(p)
		return m, cmd
	}
	return m, nil
}

// screenKeyMsg hands a message to the focused input of a form screen.
func (m Model) screenKeyMsg(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.screen {
	case scrTransfer:
		m.transfer, cmd = m.transfer.updateInput(msg)
	case scrImport:
		m.imp.input, cmd = m.imp.input.Update(msg)
	case scrConfirm:
		m.confirm, cmd = m.confirm.update(msg)
	}
	return m, cmd
}

// show switches screens, remembering where esc goes back to. The message
// line belongs to the screen it was written for: another screen drops it.
func (m Model) show(s screen) Model {
	if s != m.screen {
		m.back = m.screen
	}
	if m.status.scr != s {
		m.status = status{}
	}
	m.screen = s
	return m
}

// dataMsg stores the outcome of a command.
func (m Model) dataMsg(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case vaultsMsg:
		return m.gotVaults(msg), nil
	case utxosMsg:
		return m.gotUTXOs(msg), nil
	case proposalsMsg:
		return m.gotProposals(msg), nil
	case detailMsg:
		return m.gotDetail(msg), nil
	case auditMsg:
		return m.gotAudit(msg), nil
	case verifyMsg:
		return m.gotVerify(msg), nil
	case proposedMsg, savedMsg:
		return m.transferMsg(msg)
	case collectedMsg, completionMsg:
		return m.importMsg(msg)
	case broadcastMsg, rotatedMsg, cancelledMsg:
		return m.confirmMsg(msg)
	case plannedMsg:
		if m.screen == scrConfirm {
			return m.rotationPlanned(msg), nil
		}
		return m.transferPlanned(msg)
	case bumpMsg:
		return m.bumped(msg)
	}
	return m, nil
}

// oneSentence keeps the first line of a message.
func oneSentence(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// bodyHeight is how many lines the screen's body has.
func (m Model) bodyHeight() int {
	return max(m.height-2-len(m.messageLines())-m.footerHeight(), 1)
}

func (m Model) footerHeight() int {
	return lipgloss.Height(m.helpBar())
}

// View draws the header, the screen's body, the message line and the help
// bar, fitted to the terminal.
func (m Model) View() tea.View {
	var lines []string
	lines = append(lines, m.header(), "")
	lines = append(lines, fit(m.body(), m.width, m.bodyHeight())...)
	lines = append(lines, m.messageLines()...)
	lines = append(lines, strings.Split(m.helpBar(), "\n")...)
	v := tea.NewView(strings.Join(fit(lines, m.width, m.height), "\n"))
	v.AltScreen = true
	v.WindowTitle = "treasury"
	return v
}

func (m Model) body() []string {
	switch m.screen {
	case scrVaults:
		return m.vaultsBody()
	case scrUTXOs:
		return m.utxosBody()
	case scrProposals:
		return m.proposalsBody()
	case scrDetail:
		return m.detailBody()
	case scrTransfer:
		return m.transferBody()
	case scrImport:
		return m.importBody()
	case scrConfirm:
		return m.confirmBody()
	case scrAudit:
		return m.auditBody()
	case scrBump:
		return m.bumpBody()
	}
	return nil
}

// header shows the tabs on the left and the sync state on the right.
func (m Model) header() string {
	tabs := []struct {
		label string
		on    bool
	}{
		{"1 Vaults", m.screen == scrVaults || m.screen == scrUTXOs},
		{"2 Proposals", m.screen == scrProposals || m.screen == scrDetail || m.screen == scrBump},
		{"3 Audit", m.screen == scrAudit},
	}
	left := m.st.title.Render("treasury") + " " + m.st.dim.Render(m.net) + " "
	for _, t := range tabs {
		if t.on {
			left += m.st.tabOn.Render(t.label)
		} else {
			left += m.st.tab.Render(t.label)
		}
	}
	right := m.syncLabel()
	gap := m.width - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return left
	}
	return left + strings.Repeat(" ", gap) + right
}

// syncLabel is the header's account of the node and the last sync.
func (m Model) syncLabel() string {
	s := m.sync
	switch {
	case !m.hasNet:
		return m.st.dim.Render("no node configured")
	case s.running && s.progress != nil && s.progress.Total > 0:
		return fmt.Sprintf("%s syncing %d/%d", s.spin.View(), s.progress.Done, s.progress.Total)
	case s.running:
		return s.spin.View() + " syncing"
	case s.err != "":
		return m.st.warn.Render("⚠ node unreachable")
	case s.last.IsZero():
		return m.st.dim.Render("not synced yet")
	}
	return m.st.dim.Render(fmt.Sprintf("synced %s ago · height %d", age(m.now(), s.last), s.height))
}
