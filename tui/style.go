package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/treasury-dev/treasury/internal/money"
	"github.com/treasury-dev/treasury/psbt"
)

// styles are the few looks the screens use. Colour only repeats what the
// text already says (markers, words), so NO_COLOR loses nothing: the
// program downgrades colours to the terminal's profile and drops them
// when NO_COLOR is set.
type styles struct {
	title, dim, sel, warn, err, ok, tab, tabOn lipgloss.Style
}

func newStyles() styles {
	return styles{
		title: lipgloss.NewStyle().Bold(true),
		dim:   lipgloss.NewStyle().Foreground(lipgloss.Color("8")),
		sel:   lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("12")),
		warn:  lipgloss.NewStyle().Foreground(lipgloss.Color("11")),
		err:   lipgloss.NewStyle().Foreground(lipgloss.Color("9")),
		ok:    lipgloss.NewStyle().Foreground(lipgloss.Color("10")),
		tab:   lipgloss.NewStyle().Padding(0, 1),
		tabOn: lipgloss.NewStyle().Padding(0, 1).Bold(true).Reverse(true),
	}
}

// btc prints an amount with eight decimals, without floats.
func btc(a btcutil.Amount) string { return money.FormatBTC(a) }

// age prints how long ago t was, coarsely, relative to now.
func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return "—"
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(int(d.Seconds()), 0))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// rateOf is the rate a proposal pays.
func rateOf(fee btcutil.Amount, vsize int64) psbt.FeeRate {
	if vsize <= 0 {
		return 0
	}
	return psbt.FeeRate(int64(fee) * 1000 / vsize)
}

// short is the id people see, as the CLI prints it.
func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// pad truncates or pads s to exactly w cells.
func pad(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	return s + strings.Repeat(" ", max(w-ansi.StringWidth(s), 0))
}

// fit cuts lines to w cells and to h lines, padding with empty lines, so
// the frame never scrolls or wraps whatever the terminal size.
func fit(lines []string, w, h int) []string {
	out := make([]string, 0, h)
	for _, l := range lines {
		if len(out) == h {
			break
		}
		out = append(out, ansi.Truncate(l, w, "…"))
	}
	for len(out) < h {
		out = append(out, "")
	}
	return out
}

// window returns the first index of a view of n rows out of total that
// keeps sel visible, given the previous first index top.
func window(top, sel, n, total int) int {
	if n <= 0 || total <= n {
		return 0
	}
	top = min(max(top, sel-n+1), sel)
	return min(max(top, 0), total-n)
}

// wrap breaks s into lines of at most w cells at spaces.
func wrap(s string, w int) []string {
	return strings.Split(ansi.Wordwrap(s, max(w, 10), ""), "\n")
}

// narrowWidth is where list screens start dropping their less needed
// columns, rather than cutting the row's end (the amount) off.
const narrowWidth = 80
