package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/atomicfile"
	"github.com/treasury-dev/treasury/psbt"
)

type keySignOptions struct {
	out    string
	binary bool
	yes    bool
	limits limitsFlags
	pass   passphraseFlags
}

func (c *cli) newKeySignCmd() *cobra.Command {
	var opts keySignOptions
	cmd := &cobra.Command{
		Use:   "sign KEYFILE PSBT -o OUT [--yes]",
		Short: "Review and sign a PSBT offline; write the signed copy to a new file",
		Long: `Check the PSBT against the descriptors registered in the key file: every input
must come from a registered vault (recomputed, not taken from the PSBT's
hints), with its full previous transaction; every output that claims to be
ours must be derivable from a registered descriptor at an index no higher than
1000. Refused: a fee rate above 1000 sat/vB or a fee above 5% of the value
spent (raise either with --max-fee-rate / --max-fee-share, naming the figure);
a transaction version other than 1 or 2; a relative timelock; a time-based
locktime or a height beyond the current one by more than a few weeks (test
networks: beyond 10,000,000); outputs that are not p2pkh, p2sh, p2wpkh, p2wsh
or p2tr, below dust, or OP_RETURN with value. Show every input and output
(generation, receive/change and index of the vault's own, destination-only
descriptors marked), the fee against its ceilings, the locktime and unusual
nSequence values; ask for confirmation (--yes without a terminal), sign only
this holder's inputs with SIGHASH_ALL, and write OUT. The input file is never
modified.`,
		Example: `  treasury key sign alice.key proposal.psbt -o proposal.alice.psbt`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.out == "" {
				return usagef("give -o OUT for the signed copy")
			}
			return c.runKeySign(args[0], args[1], opts)
		},
	}
	cmd.Flags().StringVarP(&opts.out, "output", "o", "", "file to write the signed PSBT to (must not exist)")
	cmd.Flags().BoolVar(&opts.binary, "binary", false, "write raw bytes instead of base64")
	cmd.Flags().BoolVar(&opts.yes, "yes", false, "sign without asking (required without a terminal)")
	cmd.Flags().StringVar(&opts.limits.maxFeeRate, "max-fee-rate", "", "sign a fee rate up to this many sat/vB (default 1000)")
	cmd.Flags().StringVar(&opts.limits.maxFeeShare, "max-fee-share", "", "sign a fee up to this percentage of the value spent (default 5)")
	bindPassphrase(cmd, &opts.pass)
	return cmd
}

func (c *cli) runKeySign(keyPath, psbtPath string, opts keySignOptions) error {
	if same, _ := samePath(psbtPath, opts.out); same {
		return usagef("-o must name a new file, not the PSBT being signed")
	}
	if _, err := os.Stat(opts.out); err == nil {
		return fmt.Errorf("%s already exists; choose another -o", opts.out)
	}
	limits, err := opts.limits.limits()
	if err != nil {
		return err
	}
	raw, err := readInput(c.in, psbtPath)
	if err != nil {
		return err
	}
	p, err := psbt.Decode(raw)
	if err != nil {
		return err
	}
	f, pass, err := c.loadKeyFileToSave(keyPath, opts.pass)
	if err != nil {
		return err
	}
	defer f.Zero()
	review, err := f.ReviewWith(p, limits)
	if err != nil {
		return err
	}
	printReview(c.err, f.Name, review)
	printAnchor(c.err, p)
	if review.Signable == 0 {
		return fmt.Errorf("none of the inputs needs a signature from %s (%s)", f.Name, f.Fingerprint)
	}
	if err := f.CheckPolicy(review); err != nil {
		return err
	}
	if err := c.confirm(fmt.Sprintf("Sign %d input(s) as %s?", review.Signable, f.Name), opts.yes); err != nil {
		return err
	}
	n, err := f.Sign(p, review)
	if err != nil {
		return err
	}
	for _, w := range dropInvalidSigs(p) {
		fmt.Fprintf(c.err, "treasury: warning: %s\n", w)
	}
	// The key file records this signing (for the daily cap) and the PSBT's
	// anchor before the signed copy exists.
	if err := f.Save(keyPath, pass); err != nil {
		return fmt.Errorf("unable to record the signing in the key file, so no signed copy was written: %w", err)
	}
	data, err := encodePSBT(p, opts.binary)
	if err != nil {
		return err
	}
	if err := writeNewFile(opts.out, data); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(struct {
			Version int         `json:"version"`
			TxID    string      `json:"proposal_id"`
			Signed  int         `json:"signed_inputs"`
			Output  string      `json:"output"`
			Anchor  *anchorJSON `json:"anchor,omitempty"`
		}{jsonVersion, review.TxID.String(), n, opts.out, signedAnchor(p)})
	}
	fmt.Fprintf(c.out, "signed %d input(s) of %s as %s; wrote %s\n", n, review.TxID, f.Name, opts.out)
	return nil
}

func encodePSBT(p *btcpsbt.Packet, binary bool) ([]byte, error) {
	if binary {
		return psbt.EncodeBinary(p)
	}
	s, err := psbt.EncodeBase64(p)
	return []byte(s + "\n"), err
}

// readInput reads a PSBT from a file, or stdin for "-", through
// psbt.ReadAll's limit: /dev/zero or a huge file is refused as soon as the
// limit is passed.
func readInput(stdin io.Reader, path string) ([]byte, error) {
	r := stdin
	if path != "-" {
		fh, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("unable to read %s: %w", path, err)
		}
		defer fh.Close()
		r = fh
	}
	b, err := psbt.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("unable to read %s: %w", path, err)
	}
	return b, nil
}

// writeNewFile creates path with data, refusing to overwrite, and leaves no
// partial file on failure.
func writeNewFile(path string, data []byte) error {
	err := atomicfile.WriteNew(path, data, 0o644)
	if errors.Is(err, atomicfile.ErrExists) {
		return fmt.Errorf("%s already exists; choose another name", path)
	}
	return err
}

func samePath(a, b string) (bool, error) {
	aa, err := filepath.Abs(a)
	if err != nil {
		return false, err
	}
	bb, err := filepath.Abs(b)
	return aa == bb, err
}

// dropInvalidSigs removes from p the partial signatures of other keys that
// do not verify (a forged or corrupted one in the file handed over), and
// says which: collect refuses a whole file for one bad signature, so
// carrying it would make the holder's own, valid signature unusable too.
func dropInvalidSigs(p *btcpsbt.Packet) []string {
	hashes, err := psbt.SigHashes(p)
	if err != nil {
		return nil
	}
	var dropped []string
	for i := range p.Inputs {
		kept := p.Inputs[i].PartialSigs[:0]
		for _, ps := range p.Inputs[i].PartialSigs {
			if err := psbt.VerifyPartialSig(p, hashes, i, ps); err != nil {
				dropped = append(dropped, fmt.Sprintf("input %d carried a signature by key %x that does not verify; it is left out of the signed file", i, ps.PubKey))
				continue
			}
			kept = append(kept, ps)
		}
		p.Inputs[i].PartialSigs = kept
	}
	return dropped
}
