package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/audit"
)

func (c *cli) newAuditVerifyCmd() *cobra.Command {
	var anchorFiles []string
	cmd := &cobra.Command{
		Use:   "verify [--anchors FILE]…",
		Short: "Recompute the hash chain; name the first entry that was edited, deleted, inserted or moved",
		Long: `Recompute the hash chain and check it ends at the recorded head; name the first
entry that was edited, deleted, inserted or moved.

A log rewritten with recomputed hashes passes that check. --anchors FILE (any
number of times) also requires the log to contain every anchor a holder or an
officer recorded outside the database, with the same hash, and to chain from
its first entry through each of them to the head. FILE holds the output of
'treasury key anchors KEYFILE --json' or 'treasury audit head --json' (from any
number of holders, one after another), or lines "SEQ HASH" (the table
'treasury key anchors' prints reads as it is).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var anchors []audit.Anchor
			for _, f := range anchorFiles {
				as, err := readAnchors(f)
				if err != nil {
					return err
				}
				anchors = append(anchors, as...)
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				res, err := a.AuditVerifyAnchored(cmd.Context(), anchors)
				if err != nil {
					return err
				}
				if c.json {
					return c.printJSON(struct {
						Version int    `json:"version"`
						OK      bool   `json:"ok"`
						Entries int    `json:"entries"`
						Head    string `json:"head"`
						Anchors int    `json:"anchors"`
						Newest  int64  `json:"newest_anchor,omitempty"`
					}{jsonVersion, true, res.Entries, res.Head, res.Anchors, res.NewestAnchor})
				}
				if res.Anchors > 0 {
					fmt.Fprintf(c.out, "audit log intact: %d entries, head %s, all %d anchors found\n", res.Entries, res.Head, res.Anchors)
					c.noteUnanchored(res)
					return nil
				}
				fmt.Fprintf(c.out, "audit log intact: %d entries, head %s\n", res.Entries, res.Head)
				return nil
			})
		},
	}
	cmd.Flags().StringArrayVar(&anchorFiles, "anchors", nil, "a file of anchors recorded outside the database (repeatable)")
	return cmd
}

// readAnchors reads one --anchors file; a bad file is a usage error.
func readAnchors(path string) ([]audit.Anchor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("unable to read anchors: %w", err)
	}
	defer f.Close()
	as, err := audit.ParseAnchors(f, path)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return as, nil
}

// noteUnanchored says which entries came after the newest anchor: a
// rewrite of them passes every check, so an officer should record the head.
func (c *cli) noteUnanchored(res *app.AuditVerifyResult) {
	if n := int64(res.Entries); res.NewestAnchor < n {
		fmt.Fprintf(c.err, "treasury: note: entries %d to %d come after the newest anchor (%d), so no anchor vouches for them; record 'treasury audit head' elsewhere to cover them\n", res.NewestAnchor+1, n, res.NewestAnchor)
	}
}
