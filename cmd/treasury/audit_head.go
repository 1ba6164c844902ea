package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

func (c *cli) newAuditHeadCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "head",
		Short: "Print the newest audit entry's sequence number and hash, for an officer to record elsewhere",
		Long: `Print the newest audit entry's sequence number and hash. Record it somewhere the
database's owner cannot edit (paper, another machine); 'treasury audit verify
--anchors FILE' later proves the log still contains it. The text output is one
"SEQ HASH" line, which --anchors reads as it is.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				h, err := a.AuditHead(cmd.Context())
				if err != nil {
					return err
				}
				if c.json {
					return c.printJSON(struct {
						Version int    `json:"version"`
						Seq     int64  `json:"seq"`
						Hash    string `json:"hash"`
						Time    string `json:"time"`
					}{jsonVersion, h.Seq, h.Hash, h.Time})
				}
				fmt.Fprintf(c.out, "%d %s\n", h.Seq, h.Hash)
				return nil
			})
		},
	}
}
