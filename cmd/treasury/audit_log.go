package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
)

func (c *cli) newAuditLogCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "log",
		Short: "Print every audit entry in order",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				entries, err := a.AuditLog(cmd.Context())
				if err != nil {
					return err
				}
				if c.json {
					type entryJSON struct {
						Seq      int64           `json:"seq"`
						Time     string          `json:"time"`
						Actor    string          `json:"actor"`
						Action   string          `json:"action"`
						Payload  json.RawMessage `json:"payload"`
						Digest   string          `json:"payload_digest"`
						PrevHash string          `json:"prev_hash"`
						Hash     string          `json:"hash"`
					}
					out := struct {
						Version int         `json:"version"`
						Entries []entryJSON `json:"entries"`
					}{Version: jsonVersion, Entries: []entryJSON{}}
					for _, e := range entries {
						p := json.RawMessage(e.Payload)
						if !json.Valid(p) {
							p, _ = json.Marshal(string(e.Payload))
						}
						out.Entries = append(out.Entries, entryJSON{e.Seq, e.Time, e.Actor, e.Action, p, e.PayloadDigest, e.PrevHash, e.Hash})
					}
					return c.printJSON(out)
				}
				t := c.newTable("SEQ", "TIME", "ACTOR", "ACTION", "DETAILS")
				for _, e := range entries {
					t.row(fmt.Sprint(e.Seq), e.Time, e.Actor, e.Action, string(e.Payload))
				}
				return t.flush()
			})
		},
	}
}
