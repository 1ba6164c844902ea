package main

import (
	"github.com/spf13/cobra"
)

func (c *cli) newAuditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Read and verify the hash-chained audit log",
	}
	cmd.AddCommand(c.newAuditLogCmd(), c.newAuditVerifyCmd(), c.newAuditHeadCmd())
	return cmd
}
