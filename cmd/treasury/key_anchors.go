package main

import (
	"fmt"
	"io"
	"time"

	btcpsbt "github.com/btcsuite/btcd/psbt/v2"
	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/psbt"
)

// printAnchor shows the audit head the PSBT carries, which key sign
// records in the key file.
func printAnchor(w io.Writer, p *btcpsbt.Packet) {
	a, ok, err := psbt.AnchorOf(p)
	switch {
	case err != nil:
		fmt.Fprintf(w, "  audit anchor: unreadable (%v); nothing will be recorded\n", err)
	case !ok:
		fmt.Fprintln(w, "  audit anchor: none (the PSBT does not carry the coordinator's audit head)")
	default:
		vault := a.Vault
		if vault == "" {
			vault = "?"
		}
		fmt.Fprintf(w, "  audit anchor: vault %s, entry %d, hash %s (recorded in the key file)\n", vault, a.Seq, a.Hash)
	}
}

type keyAnchorsOptions struct {
	pass passphraseFlags
}

func (c *cli) newKeyAnchorsCmd() *cobra.Command {
	var opts keyAnchorsOptions
	cmd := &cobra.Command{
		Use:   "anchors KEYFILE",
		Short: "Print the audit heads this key recorded from the PSBTs it signed",
		Long: `Print the audit anchors this key file recorded: for every PSBT it signed, the
coordinator's audit log entry (sequence number and hash) the PSBT carried, with
the vault and the time. Give the --json output of every holder to
'treasury audit verify --anchors FILE': it fails unless the coordinator's log
still contains each of them.`,
		Example: `  treasury key anchors alice.key --json > alice.anchors.json
  treasury audit verify --anchors alice.anchors.json --anchors bob.anchors.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.runKeyAnchors(args[0], opts)
		},
	}
	bindPassphrase(cmd, &opts.pass)
	return cmd
}

func (c *cli) runKeyAnchors(path string, opts keyAnchorsOptions) error {
	f, err := c.loadKeyFile(path, opts.pass)
	if err != nil {
		return err
	}
	defer f.Zero()
	as := f.Anchors()
	if c.json {
		type anchorJSON struct {
			Vault      string `json:"vault"`
			Seq        int64  `json:"seq"`
			Hash       string `json:"hash"`
			Proposal   string `json:"proposal"`
			RecordedAt string `json:"recorded_at"`
		}
		out := struct {
			Version     int          `json:"version"`
			Key         string       `json:"key"`
			Fingerprint string       `json:"fingerprint"`
			Anchors     []anchorJSON `json:"anchors"`
		}{jsonVersion, f.Name, f.Fingerprint.String(), []anchorJSON{}}
		for _, a := range as {
			out.Anchors = append(out.Anchors, anchorJSON{a.Vault, a.Seq, a.Hash, a.TxID, a.RecordedAt.UTC().Format(time.RFC3339)})
		}
		return c.printJSON(out)
	}
	if len(as) == 0 {
		fmt.Fprintf(c.err, "%s has recorded no anchors yet (it records one each time it signs a PSBT that carries one)\n", f.Name)
		return nil
	}
	t := c.newTable("SEQ", "HASH", "VAULT", "PROPOSAL", "RECORDED")
	for _, a := range as {
		t.row(fmt.Sprint(a.Seq), a.Hash, a.Vault, a.TxID, a.RecordedAt.UTC().Format(time.RFC3339))
	}
	return t.flush()
}

// anchorJSON is an audit anchor as key sign --json reports it.
type anchorJSON struct {
	Vault string `json:"vault"`
	Seq   int64  `json:"seq"`
	Hash  string `json:"hash"`
}

// signedAnchor is the anchor p carries (nil when none).
func signedAnchor(p *btcpsbt.Packet) *anchorJSON {
	a, ok, err := psbt.AnchorOf(p)
	if !ok || err != nil {
		return nil
	}
	return &anchorJSON{a.Vault, a.Seq, a.Hash}
}
