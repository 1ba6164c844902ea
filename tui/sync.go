package tui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/treasury-dev/treasury/internal/app"
)

// syncMsg handles the background sync's messages; ok is false for any
// other message.
func (m Model) syncMsg(msg tea.Msg) (Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case syncTickMsg:
		m, cmd := m.startSync()
		return m, cmd, true
	case syncProgressMsg:
		p := app.SyncProgress(msg)
		m.sync.progress = &p
		return m, nil, true
	case noticeMsg:
		m.warnOn(m.screen, msg.kind+": "+oneSentence(msg.text))
		return m, nil, true
	case syncDoneMsg:
		m, cmd := m.syncDone(msg)
		return m, cmd, true
	}
	return m, nil, false
}

// startSync starts a sync unless one is running; the screen stays live.
func (m Model) startSync() (Model, tea.Cmd) {
	if !m.hasNet {
		m.failText("no node is configured for this data directory; set one with treasury config --rpc-url")
		return m, nil
	}
	if m.sync.running {
		return m, nil
	}
	m.sync.running, m.sync.progress = true, nil
	return m, tea.Batch(m.be.sync(), m.sync.spin.Tick)
}

// syncDone records the outcome, reloads what a sync can change and
// schedules the next one.
func (m Model) syncDone(msg syncDoneMsg) (Model, tea.Cmd) {
	m.sync.running, m.sync.progress = false, nil
	if msg.err != nil {
		m.sync.err = oneSentence(msg.err.Error())
	} else {
		m.sync.err, m.sync.last, m.sync.height = "", m.now(), msg.res.Tip
		for _, id := range msg.res.Confirmed {
			m.succeed(m.screen, fmt.Sprintf("proposal %s confirmed", short(id)))
		}
		if msg.res.Behind {
			m.sync.height = msg.res.Cursor
			m.warnOn(m.screen, fmt.Sprintf("node is behind at %d, we are at %d; waiting (nothing changed)", msg.res.Tip, msg.res.Cursor))
		}
	}
	cmds := []tea.Cmd{m.be.loadVaults(), m.be.loadProposals()}
	if m.screen == scrDetail && m.detail.d != nil {
		cmds = append(cmds, m.be.loadDetail(m.detail.d.Proposal.ID))
	}
	if m.every > 0 {
		cmds = append(cmds, tea.Tick(m.every, func(time.Time) tea.Msg { return syncTickMsg{} }))
	}
	return m, tea.Batch(cmds...)
}
