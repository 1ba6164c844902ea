package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/treasury-dev/treasury/internal/keys"
	"github.com/treasury-dev/treasury/psbt"
	"github.com/treasury-dev/treasury/vault"
)

// printReview shows the holder what the transaction does before signing:
// every input and output with where it comes from or goes, the fee against
// the ceilings, the locktime and every nSequence that is not the usual
// replaceable one.
func printReview(w io.Writer, name string, r *keys.Review) {
	fmt.Fprintf(w, "Transaction %s\n", r.TxID)
	fmt.Fprintf(w, "  version %d, %d input(s), %d output(s)\n", r.Version, len(r.Inputs), len(r.Outputs))
	for _, in := range r.Inputs {
		who := ""
		if in.Signable {
			who = "  [" + name + " signs]"
		}
		fmt.Fprintf(w, "  input %d   %s  %s  from %s, %s index %d%s\n", in.Index, btc(in.Value), in.Address,
			regLabel(in.Vault, in.Generation), chainLabel(in.Chain), in.AddressIndex, who)
	}
	for _, o := range r.Outputs {
		fmt.Fprintf(w, "  output %d  %s  %s\n", o.Index, btc(o.Value), reviewOutputLabel(o))
	}
	fmt.Fprintf(w, "  payments %s; fee %s at %s for %d vB (%s of the %s spent)\n",
		btc(r.Payments), btc(r.Fee), r.FeeRate, r.VSize, pct(r.FeeShare), btc(r.InputTotal))
	fmt.Fprintf(w, "  fee ceiling %s and %s of the value spent\n", r.Limits.MaxFeeRate, pct(r.Limits.MaxFeeShare))
	fmt.Fprintf(w, "  locktime: %s\n", lockTimeLabel(r))
	printSequences(w, r)
	if r.Replaces != nil {
		fmt.Fprintf(w, "  a fee bump: replaces proposal %s; payments unchanged (checked against it)\n", r.Replaces.Replaces)
	}
	fmt.Fprintf(w, "  %s can sign %d of %d input(s)\n", name, r.Signable, len(r.Inputs))
}

// reviewOutputLabel says in words where an output's funds go.
func reviewOutputLabel(o keys.OutputClass) string {
	addr := o.Address
	if addr == "" {
		addr = o.Class
	}
	where := fmt.Sprintf("%s index %d", chainLabel(o.Chain), o.AddressIndex)
	switch {
	case o.Class == "OP_RETURN":
		return "OP_RETURN data (no value; nobody can spend it)"
	case !o.Internal:
		return addr + "  LEAVES the vault family (a payment)"
	case o.OtherVault && o.Role == keys.RoleSigning:
		return fmt.Sprintf("%s  moves to %s%s, another vault you sign for; %s", addr, regLabel(o.Vault, o.Generation), policyLabel(o.Descriptor), where)
	case o.Role == keys.RoleDestination:
		return fmt.Sprintf("%s  goes to DESTINATION-ONLY %s%s, which you accepted but hold no key of; %s", addr, regLabel(o.Vault, o.Generation), policyLabel(o.Descriptor), where)
	case o.Rotation:
		return fmt.Sprintf("%s  moves to %s%s (a rotation: it leaves the generation it is spent from); %s", addr, regLabel(o.Vault, o.Generation), policyLabel(o.Descriptor), where)
	default:
		return fmt.Sprintf("%s  stays in %s (the generation it is spent from); %s", addr, regLabel(o.Vault, o.Generation), where)
	}
}

// policyLabel is ", M-of-N keys FP…" for a registered descriptor, so that
// a holder sees who can spend what moves out of the generation (a
// registered wallet of lower threshold, or of other keys, is not the
// same safety); "" if it cannot be read.
func policyLabel(desc string) string {
	d, err := vault.ParseDescriptor(desc)
	if err != nil {
		return ""
	}
	return fmt.Sprintf(", %d-of-%d keys %s", d.Threshold, d.N(), fingerprintList(d.Fingerprints()))
}

// regLabel names a registered descriptor: "generation 1 of vault ops", or
// "generation 1" when its registration gave no vault name.
func regLabel(vaultName string, generation int) string {
	gen := "generation ?"
	if generation >= 0 {
		gen = "generation " + strconv.Itoa(generation)
	}
	if vaultName == "" {
		return gen
	}
	return gen + " of vault " + vaultName
}

func chainLabel(chain uint32) string {
	if chain == 1 {
		return "change"
	}
	return "receive"
}

func lockTimeLabel(r *keys.Review) string {
	final := true
	for _, in := range r.Inputs {
		final = final && in.Sequence == keys.SequenceFinal
	}
	switch lt := r.LockTime; {
	case lt == 0:
		return "none"
	case final:
		return fmt.Sprintf("%d, not enforced (every input's nSequence is final)", lt)
	case lt >= keys.LockTimeThreshold:
		return fmt.Sprintf("time %s UTC", time.Unix(int64(lt), 0).UTC().Format("2006-01-02 15:04"))
	default:
		return fmt.Sprintf("block height %d (valid in blocks from that height on)", lt)
	}
}

// printSequences shows every nSequence other than the replaceable one the
// coordinator writes.
func printSequences(w io.Writer, r *keys.Review) {
	var odd []string
	for _, in := range r.Inputs {
		if in.Sequence == keys.SequenceReplaceable {
			continue
		}
		meaning := "not replaceable"
		if in.Sequence < keys.SequenceLockTime {
			meaning = "replaceable, no relative timelock"
		}
		odd = append(odd, fmt.Sprintf("input %d nSequence %#08x (%s)", in.Index, in.Sequence, meaning))
	}
	if len(odd) == 0 {
		fmt.Fprintf(w, "  nSequence: %#08x on every input (replaceable, no relative timelock)\n", keys.SequenceReplaceable)
		return
	}
	fmt.Fprintf(w, "  nSequence: %s\n", strings.Join(odd, "; "))
}

// pct prints basis points as a percentage ("5%", "0.31%").
func pct(bp int64) string {
	s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%d.%02d", bp/100, bp%100), "0"), ".")
	return s + "%"
}

// parsePercent reads a percentage with at most two decimals ("5", "7.5")
// as basis points.
func parsePercent(s string) (int64, error) {
	whole, frac, _ := strings.Cut(strings.TrimSuffix(strings.TrimSpace(s), "%"), ".")
	if len(frac) > 2 {
		return 0, fmt.Errorf("%q has more than two decimals", s)
	}
	frac += strings.Repeat("0", 2-len(frac))
	w, err1 := strconv.ParseUint(whole, 10, 32)
	f, err2 := strconv.ParseUint(frac, 10, 32)
	if err1 != nil || err2 != nil || w > 100 || (w == 100 && f > 0) {
		return 0, fmt.Errorf("%q is not a percentage between 0 and 100", s)
	}
	return int64(w*100 + f), nil
}

// limitsFlags are key sign's explicit overrides of the fee ceilings.
type limitsFlags struct {
	maxFeeRate, maxFeeShare string
}

func (l limitsFlags) limits() (keys.Limits, error) {
	out := keys.DefaultLimits()
	if l.maxFeeRate != "" {
		r, err := psbt.ParseFeeRate(l.maxFeeRate)
		if err != nil || r <= 0 {
			return out, usagef("--max-fee-rate: give the ceiling in sat/vB, such as 2000")
		}
		out.MaxFeeRate = r
	}
	if l.maxFeeShare != "" {
		bp, err := parsePercent(l.maxFeeShare)
		if err != nil || bp == 0 {
			return out, usagef("--max-fee-share: give the ceiling as a percentage of the value spent, such as 10")
		}
		out.MaxFeeShare = bp
	}
	return out, nil
}
