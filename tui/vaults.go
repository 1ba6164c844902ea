package tui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/app"
)

// vaultsView is the Vaults screen: every vault's generations with their
// balances and warnings.
type vaultsView struct {
	list   []app.VaultDetail
	bal    map[string]app.GenBalance // by genKey
	height int32                     // the last synced block
	sel    int
	loaded bool
}

// utxoView lists one vault's unspent outputs.
type utxoView struct {
	vault    string
	rows     []app.UTXORow
	sel, top int
}

func genKey(vault string, n int) string { return fmt.Sprintf("%s/%d", vault, n) }

func (m Model) gotVaults(msg vaultsMsg) Model {
	if msg.err != nil {
		m.fail(msg.err)
		return m
	}
	v := &m.vaults
	v.list, v.loaded, v.bal = msg.vaults, true, map[string]app.GenBalance{}
	if msg.bal != nil {
		v.height = msg.bal.Height
		for _, b := range msg.bal.Generations {
			v.bal[genKey(b.Vault, b.Generation)] = b
		}
	}
	v.sel = min(v.sel, max(len(v.list)-1, 0))
	return m
}

// selectedVault is the vault under the cursor, or "".
func (m Model) selectedVault() string {
	if len(m.vaults.list) == 0 {
		return ""
	}
	return m.vaults.list[m.vaults.sel].Vault.Name
}

func (m Model) vaultsKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	v := &m.vaults
	switch {
	case key.Matches(k, m.keys.Up):
		v.sel = max(v.sel-1, 0)
	case key.Matches(k, m.keys.Down):
		v.sel = min(v.sel+1, max(len(v.list)-1, 0))
	case key.Matches(k, m.keys.New):
		return m.openTransfer(m.selectedVault())
	case key.Matches(k, m.keys.Rotate) && len(v.list) > 0:
		return m.openRotate(v.list[v.sel])
	case key.Matches(k, m.keys.UTXOs), key.Matches(k, m.keys.Enter):
		if name := m.selectedVault(); name != "" {
			m.utxos = utxoView{vault: name}
			return m.show(scrUTXOs), m.be.loadUTXOs(name)
		}
	}
	return m, nil
}

func (m Model) vaultsBody() []string {
	v := m.vaults
	head := m.st.title.Render("Vaults") + m.st.dim.Render(fmt.Sprintf("  as of block %d", v.height))
	lines := []string{head}
	if m.sync.err != "" {
		lines = append(lines, m.st.warn.Render("⚠ node unreachable: "+m.sync.err))
	}
	if v.loaded && len(v.list) == 0 {
		return append(lines, "", "No vaults yet. Create one with: treasury vault create NAME --threshold M --key …")
	}
	var selStart, selEnd int
	for i, d := range v.list {
		if i == v.sel {
			selStart = len(lines)
		}
		lines = append(lines, m.vaultBlock(d, i == v.sel)...)
		if i == v.sel {
			selEnd = len(lines)
		}
	}
	return scrollTo(lines, selStart, selEnd, m.bodyHeight())
}

// scrollTo drops leading lines so that lines[from:to] fit in h lines,
// keeping the title.
func scrollTo(lines []string, from, to, h int) []string {
	if len(lines) <= h || to <= h {
		return lines
	}
	skip := min(to-h, from-1)
	return append([]string{lines[0]}, lines[1+skip:]...)
}

// vaultBlock is one vault: a summary line, a line per generation, and the
// vault's warnings.
func (m Model) vaultBlock(d app.VaultDetail, selected bool) []string {
	mark, name := "  ", d.Vault.Name
	if selected {
		mark, name = "▸ ", m.st.sel.Render(name)
	}
	var total btcutil.Amount
	for _, g := range d.Generations {
		total += m.vaults.bal[genKey(d.Vault.Name, g.Number)].Confirmed
	}
	head := fmt.Sprintf("%s%s  %s", mark, name, btc(total))
	if p := policy(d.Vault); p != "" {
		head += "  " + m.st.dim.Render(p)
	}
	lines := []string{head}
	for _, g := range d.Generations {
		lines = append(lines, m.genLine(d.Vault.Name, g))
	}
	for _, w := range m.vaultWarnings(d) {
		for i, l := range wrap(w, m.width-6) {
			mark := "⚠ "
			if i > 0 {
				mark = "  "
			}
			lines = append(lines, "    "+m.st.warn.Render(mark+l))
		}
	}
	return lines
}

func policy(v app.Vault) string {
	var parts []string
	if v.HotFloat > 0 {
		parts = append(parts, "hot float "+btc(v.HotFloat))
	}
	if v.ColdAbove > 0 {
		parts = append(parts, "cold from "+btc(v.ColdAbove))
	}
	return strings.Join(parts, " · ")
}

// tierOf names the tier a generation's state belongs to.
func tierOf(s app.GenState) string {
	switch s {
	case app.Cold, app.Standby:
		return "cold tier"
	case app.Hot:
		return "hot tier"
	}
	return "—"
}

func (m Model) genLine(vault string, g app.Generation) string {
	b := m.vaults.bal[genKey(vault, g.Number)]
	names := make([]string, len(g.Holders))
	for i, h := range g.Holders {
		names[i] = h.Name
	}
	line := fmt.Sprintf("    g%-2d %-8s %-9s %d-of-%d  %s", g.Number, g.State, tierOf(g.State), g.Threshold, len(g.Holders), btc(b.Confirmed))
	if b.Unconfirmed > 0 {
		line += fmt.Sprintf("  +%s unconfirmed", strings.TrimSuffix(btc(b.Unconfirmed), " BTC"))
	}
	if b.Immature > 0 {
		line += fmt.Sprintf("  +%s immature", strings.TrimSuffix(btc(b.Immature), " BTC"))
	}
	if b.UTXOs > 0 && m.width >= 100 {
		line += m.st.dim.Render(fmt.Sprintf("  %d output%s", b.UTXOs, plural(b.UTXOs)))
	}
	if m.width >= 110 {
		line += m.st.dim.Render("  " + strings.Join(names, ", "))
	}
	return line
}

// vaultWarnings says what an officer must act on: no standby to rotate
// into, and deposits that reached a generation which has already signed.
func (m Model) vaultWarnings(d app.VaultDetail) []string {
	var out []string
	hasStandby, hasCold := false, false
	for _, g := range d.Generations {
		hasStandby = hasStandby || g.State == app.Standby
		hasCold = hasCold || g.State == app.Cold
		if late := m.vaults.bal[genKey(d.Vault.Name, g.Number)].Late; late > 0 {
			out = append(out, fmt.Sprintf("late deposit of %s to %s generation g%d: sweep it with treasury rotate %s --generation %d", btc(late), g.State, g.Number, d.Vault.Name, g.Number))
		}
	}
	if hasCold && !hasStandby {
		out = append(out, fmt.Sprintf("no standby generation: a cold spend cannot rotate; register one with treasury vault standby %s", d.Vault.Name))
	}
	return out
}

func (m Model) gotUTXOs(msg utxosMsg) Model {
	if msg.err != nil {
		m.fail(msg.err)
		return m
	}
	if msg.vault == m.utxos.vault {
		m.utxos.rows = msg.rows
		m.utxos.sel = min(m.utxos.sel, max(len(msg.rows)-1, 0))
	}
	return m
}

func (m Model) utxosKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	u := &m.utxos
	switch {
	case key.Matches(k, m.keys.Up):
		u.sel = max(u.sel-1, 0)
	case key.Matches(k, m.keys.Down):
		u.sel = min(u.sel+1, max(len(u.rows)-1, 0))
	case key.Matches(k, m.keys.Back):
		return m.show(scrVaults), nil
	}
	u.top = window(u.top, u.sel, m.bodyHeight()-2, len(u.rows))
	return m, nil
}

func (m Model) utxosBody() []string {
	u := m.utxos
	lines := []string{
		m.st.title.Render("Outputs of "+u.vault) + m.st.dim.Render(fmt.Sprintf("  %d unspent", len(u.rows))),
		m.st.dim.Render(fmt.Sprintf("  %-16s %-4s %-8s %16s  %-8s %s", "OUTPOINT", "GEN", "STATE", "VALUE", "HEIGHT", "NOTE")),
	}
	end := min(u.top+max(m.bodyHeight()-2, 1), len(u.rows))
	for i := u.top; i < end; i++ {
		lines = append(lines, m.utxoLine(u.rows[i], i == u.sel))
	}
	return lines
}

func (m Model) utxoLine(r app.UTXORow, selected bool) string {
	mark := "  "
	if selected {
		mark = "▸ "
	}
	op := fmt.Sprintf("%s:%d", short(r.OutPoint.Hash.String()), r.OutPoint.Index)
	height := "unconf"
	if r.Height > 0 {
		height = fmt.Sprint(r.Height)
	}
	note := ""
	switch {
	case r.ReservedBy != "":
		note = "reserved by " + short(r.ReservedBy)
	case r.Immature:
		note = "immature coinbase"
	}
	if r.Label != "" {
		note = strings.TrimSpace(note + " " + strconv.Quote(r.Label))
	}
	return fmt.Sprintf("%s%-16s g%-3d %-8s %16s  %-8s %s", mark, op, r.Generation, r.State, btc(r.Value), height, note)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
