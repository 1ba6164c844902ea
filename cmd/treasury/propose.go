package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/psbt"
)

type proposeOptions struct {
	vault        string
	to           []string
	amounts      []string
	feeRate      string
	confTarget   int
	memo         string
	from         string
	allowHighFee bool
	internal     bool
	unproven     bool
	out          string
	binary       bool
}

func (c *cli) newProposeCmd() *cobra.Command {
	var opts proposeOptions
	cmd := &cobra.Command{
		Use:   "propose --vault NAME --to ADDR --amount AMT [--to … --amount …] -o FILE",
		Short: "Propose a transfer: select inputs, build the PSBT, reserve the inputs",
		Long: `Build a BIP-174 PSBT paying each --to its --amount. Amounts take a "btc" or
"sat" suffix; a bare number is BTC; at most 8 decimals. A spend from the cold
generation takes all of its confirmed, mature outputs that are worth their fee
(the largest first, as many as fit one standard transaction): the payments go
out and the remainder moves, in the same transaction, to the standby
generation (which becomes cold at broadcast); the spent generation keeps at
most the vault's hot float. What it leaves is reported, and once it is hot,
swept with treasury rotate VAULT --generation G.
--from hot pays from the hot tier instead. The fee rate is --fee-rate
(sat/vB), else the node's estimate, else the configured fallback.`,
		Example: `  treasury propose --vault ops --to bcrt1q… --amount 1.5btc --fee-rate 12 --memo "invoice 42" -o p.psbt`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req, err := opts.request()
			if err != nil {
				return err
			}
			return c.runPropose(cmd, req, opts.out, opts.binary)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.vault, "vault", "", "vault to pay from")
	f.StringArrayVar(&opts.to, "to", nil, "destination address (repeat with --amount for each payment)")
	f.StringArrayVar(&opts.amounts, "amount", nil, "amount: 0.5btc, 50000000sat or 0.5 (BTC)")
	f.StringVar(&opts.feeRate, "fee-rate", "", "fee rate in sat/vB")
	f.IntVar(&opts.confTarget, "conf-target", 6, "confirmation target in blocks for the node's fee estimate")
	f.StringVar(&opts.memo, "memo", "", "a note kept with the proposal")
	f.StringVar(&opts.from, "from", "", "tier to pay from: cold or hot (default: by the vault's policy; cold when none)")
	f.BoolVar(&opts.allowHighFee, "allow-high-fee", false, "allow a rate above 1000 sat/vB or a fee above 5% of the payments")
	f.BoolVar(&opts.internal, "internal", false, "allow paying to an address of one of our own vaults")
	f.BoolVar(&opts.unproven, "unproven-standby", false, unprovenStandbyUsage)
	f.StringVarP(&opts.out, "output", "o", "", "write the PSBT to FILE (must not exist)")
	f.BoolVar(&opts.binary, "binary", false, "write raw bytes instead of base64")
	return cmd
}

// request turns the flags into a use-case request; it is table-tested.
func (o proposeOptions) request() (app.ProposeRequest, error) {
	req := app.ProposeRequest{Vault: o.vault, ConfTarget: o.confTarget, Memo: o.memo, AllowHighFee: o.allowHighFee, Internal: o.internal,
		UnprovenStandby: o.unproven}
	if o.vault == "" {
		return req, usagef("give --vault NAME")
	}
	if o.confTarget < 1 || o.confTarget > 1008 {
		return req, usagef("--conf-target must be between 1 and 1008 blocks")
	}
	if len(o.to) == 0 || len(o.to) != len(o.amounts) {
		return req, usagef("give one --amount for each --to (%d --to, %d --amount)", len(o.to), len(o.amounts))
	}
	for i, to := range o.to {
		amt, err := app.ParseAmount(o.amounts[i])
		if err != nil {
			return req, usagef("--amount: %v", err)
		}
		req.Payments = append(req.Payments, app.Payment{Address: to, Amount: amt})
	}
	switch o.from {
	case "", "cold", "hot":
		req.From = app.Tier(o.from)
	default:
		return req, usagef("--from must be cold or hot")
	}
	if o.feeRate != "" {
		r, err := parseFeeRateFlag(o.feeRate)
		if err != nil {
			return req, err
		}
		req.FeeRate = r
	}
	return req, nil
}

func (c *cli) runPropose(cmd *cobra.Command, req app.ProposeRequest, out string, binary bool) error {
	if err := checkNewFile(out); err != nil {
		return err
	}
	return c.withApp(cmd.Context(), func(a *app.App) error {
		res, err := a.Propose(cmd.Context(), req)
		if err != nil {
			return err
		}
		return c.reportProposal(a, res, out, binary)
	})
}

// checkNewFile fails early when -o names an existing file or a missing
// directory, before anything is stored.
func checkNewFile(path string) error {
	if path == "" {
		return nil
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s already exists; choose another -o", path)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		return fmt.Errorf("directory %s does not exist", filepath.Dir(path))
	}
	return nil
}

// reportProposal writes the PSBT file and prints the summary of a new
// proposal; for a sweep in several proposals (res.More) it writes each
// one's file (FILE-2, FILE-3, … beside FILE) and prints each.
func (c *cli) reportProposal(a *app.App, res *app.ProposeResult, out string, binary bool) error {
	all := append([]app.ProposeResult{*res}, res.More...)
	files := make([]string, len(all))
	for i := range all {
		files[i] = out
		if i > 0 {
			files[i] = batchFile(out, i+1)
		}
		if err := writeProposalFile(&all[i], files[i], binary); err != nil {
			return err
		}
	}
	if c.json {
		type moreJSON struct {
			Proposal any    `json:"proposal"`
			File     string `json:"file,omitempty"`
		}
		var more []moreJSON
		for i, r := range all[1:] {
			more = append(more, moreJSON{newProposalJSON(r), files[i+1]})
		}
		return c.printJSON(struct {
			Version  int        `json:"version"`
			Proposal any        `json:"proposal"`
			File     string     `json:"file,omitempty"`
			Left     *leftJSON  `json:"left,omitempty"`
			More     []moreJSON `json:"more,omitempty"`
		}{jsonVersion, newProposalJSON(*res), out, leftOf(res.Left), more})
	}
	for i := range all {
		c.printProposal(&all[i], files[i])
	}
	if len(all) > 1 {
		fmt.Fprintf(c.err, "treasury: note: the generation has more outputs than fit one standard transaction: %d proposals sweep it, each signed and broadcast on its own\n", len(all))
	}
	c.reportLeft(res)
	fmt.Fprintf(c.err, "next: each holder runs 'treasury key sign KEYFILE %s -o SIGNED', then 'treasury collect SIGNED…'\n", orDash(out))
	return nil
}

// writeProposalFile writes res's PSBT to out (nothing when out is empty).
func writeProposalFile(res *app.ProposeResult, out string, binary bool) error {
	if out == "" {
		return nil
	}
	id := res.Proposal.ID[:12]
	data, err := encodePSBT(res.PSBT, binary)
	if err != nil {
		return err
	}
	if err := writeNewFile(out, data); err != nil {
		return fmt.Errorf("proposal %s was stored but its PSBT could not be written (%v); write it with: treasury proposal export %s -o FILE", id, err, id)
	}
	return nil
}

// printProposal prints one new proposal's summary.
func (c *cli) printProposal(res *app.ProposeResult, out string) {
	p := res.Proposal
	fmt.Fprintf(c.out, "proposal %s (%s)\n", p.ID[:12], p.Kind)
	fmt.Fprintf(c.out, "  id       %s\n", p.ID)
	for _, o := range p.Outputs {
		fmt.Fprintf(c.out, "  %s  %s  %s\n", outputLabel(o), btc(o.Value), o.Address)
	}
	fmt.Fprintf(c.out, "  inputs   %d (%s)\n  fee      %s at %s, %d vB\n", res.Inputs, btc(res.InputSum), btc(p.Fee), res.FeeRate, p.VSize)
	if out != "" {
		fmt.Fprintf(c.out, "  psbt     %s\n", out)
	}
}

// leftJSON is what a sweep leaves in the generation it spends.
type leftJSON struct {
	WaitingOutputs    int   `json:"waiting_outputs"`
	WaitingSat        int64 `json:"waiting_sat"`
	UneconomicOutputs int   `json:"uneconomic_outputs"`
	UneconomicSat     int64 `json:"uneconomic_sat"`
	OverflowOutputs   int   `json:"overflow_outputs"`
	OverflowSat       int64 `json:"overflow_sat"`
}

func leftOf(l app.Left) *leftJSON {
	if !l.Any() {
		return nil
	}
	return &leftJSON{l.Waiting.Outputs, int64(l.Waiting.Value), l.Uneconomic.Outputs, int64(l.Uneconomic.Value), l.Overflow.Outputs, int64(l.Overflow.Value)}
}

// reportLeft says on stderr what the proposal leaves in the generation it
// spends, and the command that sweeps it.
func (c *cli) reportLeft(res *app.ProposeResult) {
	l := res.Left
	if !l.Any() {
		return
	}
	warn := func(o app.LeftOutputs, why string) {
		if o.Outputs > 0 {
			fmt.Fprintf(c.err, "treasury: warning: %d output(s) of generation %d of %s (%s) %s; this proposal leaves them there\n", o.Outputs, res.Source, res.Vault, btc(o.Value), why)
		}
	}
	warn(l.Waiting, "are not yet spendable (unconfirmed or immature)")
	warn(l.Uneconomic, fmt.Sprintf("are worth less than the fee to spend them at %s", res.FeeRate))
	warn(l.Overflow, "do not fit one standard transaction")
	if l.Waiting.Outputs+l.Overflow.Outputs > 0 {
		fmt.Fprintf(c.err, "treasury: hint: once this is broadcast and they are spendable, sweep them into the cold generation: treasury rotate %s --generation %d\n", res.Vault, res.Source)
	}
}

func orDash(s string) string {
	if s == "" {
		return "PSBT"
	}
	return s
}

func outputLabel(o app.ProposalOutput) string {
	if o.GenerationID != 0 {
		return "internal"
	}
	return "payment "
}

type proposalJSON struct {
	ID        string       `json:"id"`
	Kind      string       `json:"kind"`
	State     string       `json:"state"`
	Memo      string       `json:"memo,omitempty"`
	Fee       int64        `json:"fee_sat"`
	FeeRate   json.Number  `json:"fee_rate,omitempty"` // sat/vB
	VSize     int64        `json:"vsize"`
	Inputs    int          `json:"inputs,omitempty"`
	InputSum  int64        `json:"input_sum_sat,omitempty"`
	Outputs   []outputJSON `json:"outputs"`
	TxID      string       `json:"txid,omitempty"`
	Height    int32        `json:"height,omitempty"`
	CreatedAt string       `json:"created_at"`
	Quorum    *quorumJSON  `json:"quorum,omitempty"`
	Label     string       `json:"label,omitempty"` // BIP-329 label of the transaction
}

// quorumJSON is signing progress as numbers: signed of required, and how
// many holders could sign ({"signed":1,"required":2,"holders":3}).
type quorumJSON struct {
	Signed   int `json:"signed"`
	Required int `json:"required"`
	Holders  int `json:"holders"`
}

type outputJSON struct {
	Index    int    `json:"index"`
	Value    int64  `json:"value_sat"`
	Address  string `json:"address"`
	Internal bool   `json:"internal"`
	Label    string `json:"label,omitempty"` // BIP-329 label of the output or its address
}

// newProposalJSON is a just-made proposal: its summary and its quorum, no
// signature yet of the spent generation's threshold.
func newProposalJSON(r app.ProposeResult) proposalJSON {
	j := proposalSummaryJSON(r.Proposal, r.FeeRate, r.Inputs, r.InputSum)
	if r.Threshold > 0 {
		j.Quorum = &quorumJSON{Signed: 0, Required: r.Threshold, Holders: r.Holders}
	}
	return j
}

func proposalSummaryJSON(p app.Proposal, rate psbt.FeeRate, inputs int, sum btcutil.Amount) proposalJSON {
	j := proposalJSON{ID: p.ID, Kind: p.Kind, State: string(p.State), Memo: p.Memo, Fee: int64(p.Fee), VSize: p.VSize,
		Inputs: inputs, InputSum: int64(sum), TxID: p.TxID, Height: p.Height, CreatedAt: p.CreatedAt.Format("2006-01-02T15:04:05Z"), Outputs: []outputJSON{}}
	if rate <= 0 && p.VSize > 0 {
		rate = psbt.FeeRate(int64(p.Fee) * 1000 / p.VSize) // what it pays
	}
	if rate > 0 {
		j.FeeRate = rateJSON(rate)
	}
	for _, o := range p.Outputs {
		j.Outputs = append(j.Outputs, outputJSON{Index: o.Index, Value: int64(o.Value), Address: o.Address, Internal: o.GenerationID != 0})
	}
	return j
}

func parseFeeRateFlag(s string) (psbt.FeeRate, error) {
	r, err := psbt.ParseFeeRate(s)
	if err != nil {
		return 0, usagef("%v", err)
	}
	if r == 0 {
		return 0, usagef("--fee-rate must be above zero")
	}
	return r, nil
}

// batchFile names the PSBT file of the n-th proposal of a sweep in
// several: FILE-n, before FILE's extension ("sweep.psbt" → "sweep-2.psbt").
func batchFile(out string, n int) string {
	if out == "" {
		return ""
	}
	ext := filepath.Ext(out)
	return fmt.Sprintf("%s-%d%s", strings.TrimSuffix(out, ext), n, ext)
}
