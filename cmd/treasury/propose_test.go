package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/psbt"
)

func TestProposeOptionsRequest(t *testing.T) {
	const addr1 = "bcrt1qmv9kucx4tjtyfwddc3698p2flxqvts89n8kllr0hvdv7qs4z476snke6uw"
	const addr2 = "bcrt1q80kfzwjz9cu95wgvpd9qr8pmkasr8en00ldsy4f9fqryhug4swnszqnsl8"
	base := func(amounts ...string) proposeOptions {
		o := proposeOptions{vault: "ops", confTarget: 6}
		for i, a := range amounts {
			o.to = append(o.to, []string{addr1, addr2}[i%2])
			o.amounts = append(o.amounts, a)
		}
		return o
	}
	with := func(o proposeOptions, f func(*proposeOptions)) proposeOptions { f(&o); return o }

	good := []struct {
		name    string
		opts    proposeOptions
		amounts []btcutil.Amount
		from    app.Tier
		rate    psbt.FeeRate
	}{
		{"bare number is btc", base("1.5"), []btcutil.Amount{150_000_000}, "", 0},
		{"btc suffix", base("0.5btc"), []btcutil.Amount{50_000_000}, "", 0},
		{"BTC suffix, upper case", base("2BTC"), []btcutil.Amount{200_000_000}, "", 0},
		{"sat suffix", base("50000sat"), []btcutil.Amount{50_000}, "", 0},
		{"sats suffix", base("1sats"), []btcutil.Amount{1}, "", 0},
		{"space before unit", base("0.001 btc"), []btcutil.Amount{100_000}, "", 0},
		{"8 decimals, one satoshi", base("0.00000001"), []btcutil.Amount{1}, "", 0},
		{"8 decimals", base("0.12345678btc"), []btcutil.Amount{12_345_678}, "", 0},
		{"leading dot", base(".5"), []btcutil.Amount{50_000_000}, "", 0},
		{"21 million", base("21000000"), []btcutil.Amount{btcutil.MaxSatoshi}, "", 0},
		{"two payments", base("1btc", "2500sat"), []btcutil.Amount{100_000_000, 2_500}, "", 0},
		{"from cold", with(base("1"), func(o *proposeOptions) { o.from = "cold" }), []btcutil.Amount{100_000_000}, app.Tier("cold"), 0},
		{"from hot", with(base("1"), func(o *proposeOptions) { o.from = "hot" }), []btcutil.Amount{100_000_000}, app.Tier("hot"), 0},
		{"fee rate", with(base("1"), func(o *proposeOptions) { o.feeRate = "12" }), []btcutil.Amount{100_000_000}, "", 12_000},
		{"fractional fee rate", with(base("1"), func(o *proposeOptions) { o.feeRate = "1.5" }), []btcutil.Amount{100_000_000}, "", 1_500},
		{"three-decimal fee rate", with(base("1"), func(o *proposeOptions) { o.feeRate = "0.123" }), []btcutil.Amount{100_000_000}, "", 123},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			req, err := tc.opts.request()
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			if req.Vault != "ops" || req.ConfTarget != 6 || req.From != tc.from || req.FeeRate != tc.rate {
				t.Errorf("vault %q conf %d from %q rate %v; want ops 6 %q %v", req.Vault, req.ConfTarget, req.From, req.FeeRate, tc.from, tc.rate)
			}
			if len(req.Payments) != len(tc.amounts) {
				t.Fatalf("%d payments, want %d", len(req.Payments), len(tc.amounts))
			}
			for i, p := range req.Payments {
				if p.Amount != tc.amounts[i] || p.Address != tc.opts.to[i] {
					t.Errorf("payment %d: %v to %s, want %v to %s", i, p.Amount, p.Address, tc.amounts[i], tc.opts.to[i])
				}
			}
		})
	}

	bad := []struct {
		name string
		opts proposeOptions
		want string // in the message
	}{
		{"no vault", with(base("1"), func(o *proposeOptions) { o.vault = "" }), "give --vault NAME"},
		{"no payment", base(), "give one --amount for each --to (0 --to, 0 --amount)"},
		{"more --to than --amount", with(base("1"), func(o *proposeOptions) { o.to = append(o.to, addr2) }), "(2 --to, 1 --amount)"},
		{"more --amount than --to", with(base("1"), func(o *proposeOptions) { o.amounts = append(o.amounts, "2") }), "(1 --to, 2 --amount)"},
		{"--amount without --to", proposeOptions{vault: "ops", confTarget: 6, amounts: []string{"1"}}, "(0 --to, 1 --amount)"},
		{"conf target zero", with(base("1"), func(o *proposeOptions) { o.confTarget = 0 }), "--conf-target must be between 1 and 1008"},
		{"9 decimals", base("0.000000001"), "more than 8 decimals"},
		{"9 decimals with btc", base("1.123456789btc"), "more than 8 decimals"},
		{"fraction of a satoshi", base("1.5sat"), "satoshis have no fractions"},
		{"zero", base("0"), "must be above zero"},
		{"zero btc", base("0.00000000btc"), "must be above zero"},
		{"zero sat", base("0sat"), "must be above zero"},
		{"negative", base("-1"), "is negative"},
		{"negative sat", base("-100sat"), "is negative"},
		{"plus sign", base("+1"), "is not a number"},
		{"exponent", base("1e3"), "is not a number"},
		{"comma decimal", base("1,5"), "is not a number"},
		{"empty", base(""), "is not a number"},
		{"unit only", base("btc"), "is not a number"},
		{"lone dot", base("."), "is not a number"},
		{"above 21 million", base("21000000.00000001"), "more than 21 million"},
		{"huge", base("99999999999999999999"), "amount"},
		{"second amount bad", base("1", "0"), "must be above zero"},
		{"bad --from", with(base("1"), func(o *proposeOptions) { o.from = "warm" }), "--from must be cold or hot"},
		{"--from upper case", with(base("1"), func(o *proposeOptions) { o.from = "COLD" }), "--from must be cold or hot"},
		{"fee rate zero", with(base("1"), func(o *proposeOptions) { o.feeRate = "0" }), "--fee-rate must be above zero"},
		{"fee rate negative", with(base("1"), func(o *proposeOptions) { o.feeRate = "-5" }), "not a number of sat/vB"},
		{"fee rate 4 decimals", with(base("1"), func(o *proposeOptions) { o.feeRate = "1.0001" }), "at most 3 decimals"},
		{"fee rate with unit", with(base("1"), func(o *proposeOptions) { o.feeRate = "12sat/vB" }), "not a number of sat/vB"},
		{"fee rate word", with(base("1"), func(o *proposeOptions) { o.feeRate = "fast" }), "not a number of sat/vB"},
		{"fee rate absurd", with(base("1"), func(o *proposeOptions) { o.feeRate = "10000000000" }), "not a number of sat/vB"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.opts.request()
			if err == nil {
				t.Fatal("request accepted it")
			}
			var ue usageError
			if !errors.As(err, &ue) || exitCode(err) != exitUsage {
				t.Errorf("error %v (%T) exits %d, want a usage error (exit %d)", err, err, exitCode(err), exitUsage)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestBatchFileNamesTheNthPSBT(t *testing.T) {
	for _, tt := range []struct{ out, want string }{
		{"sweep.psbt", "sweep-2.psbt"},
		{"dir/sweep", "dir/sweep-2"},
		{"", ""},
	} {
		if got := batchFile(tt.out, 2); got != tt.want {
			t.Errorf("batchFile(%q, 2) = %q, want %q", tt.out, got, tt.want)
		}
	}
}
