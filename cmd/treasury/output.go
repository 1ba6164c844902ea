package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/btcsuite/btcd/btcutil/v2"
	"golang.org/x/term"

	"github.com/treasury-dev/treasury/internal/money"
	"github.com/treasury-dev/treasury/psbt"
)

// jsonVersion is the version of every JSON document treasury prints.
const jsonVersion = 1

// printJSON writes v as indented JSON on stdout.
func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// table prints rows aligned for a terminal and tab-separated when piped.
type table struct {
	w    io.Writer
	tw   *tabwriter.Writer
	rows int
}

func (c *cli) newTable(header ...string) *table {
	t := &table{w: c.out}
	if isTerminal(c.out) {
		t.tw = tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
		t.w = t.tw
	}
	if len(header) > 0 {
		t.row(header...)
	}
	return t
}

func (t *table) row(cols ...string) {
	fmt.Fprintln(t.w, strings.Join(cols, "\t"))
	t.rows++
}

func (t *table) flush() error {
	if t.tw != nil {
		return t.tw.Flush()
	}
	return nil
}

// btc formats an amount as BTC with eight decimals, from integer satoshis.
func btc(a btcutil.Amount) string { return money.FormatBTC(a) }

func nowUTC() time.Time { return time.Now().UTC() }

// rateJSON is a fee rate as a JSON number of sat/vB, exact to its three
// decimals (never through a float).
func rateJSON(r psbt.FeeRate) json.Number { return json.Number(r.Decimal()) }
