package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"

	"github.com/spf13/cobra"
)

// cli carries the streams, the environment and the global flags to every
// command. Nothing in it is package-level state.
type cli struct {
	in     io.Reader
	out    io.Writer // data only
	err    io.Writer // prompts, progress, errors
	getenv func(string) string

	dataDir string
	network string
	json    bool
	actor   string
	node    nodeFlags

	progress *textEvents // the open progress line on the terminal, if any
}

// run executes one treasury invocation and returns its exit code.
func run(args []string, in io.Reader, out, errw io.Writer, getenv func(string) string) int {
	c := &cli{in: in, out: out, err: errw, getenv: getenv, json: wantsJSON(args)}
	root := c.newRootCmd()
	root.SetArgs(args)
	root.SetIn(in)
	root.SetOut(out)
	root.SetErr(errw)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := root.ExecuteContext(ctx)
	c.endProgress()
	return c.report(err)
}

func (c *cli) newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "treasury",
		Short: "M-of-N bitcoin treasury: propose, sign offline, collect, broadcast, rotate",
		Long: `treasury builds PSBTs for large transfers out of M-of-N multisig vaults,
collects the signatures of key holders who sign offline, and after every spend
from a cold vault moves the remainder to a fresh cold generation.

` + exitCodeHelp,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       versionString(),
	}
	root.SetVersionTemplate("treasury {{.Version}}\n")
	pf := root.PersistentFlags()
	pf.StringVar(&c.dataDir, "data-dir", c.envOr("TREASURY_DATA_DIR", defaultDataDir(c.getenv)), "data directory (env TREASURY_DATA_DIR)")
	pf.StringVar(&c.network, "network", c.getenv("TREASURY_NETWORK"), "network for commands that have no data directory: mainnet, testnet, testnet4, signet, regtest (env TREASURY_NETWORK)")
	pf.BoolVar(&c.json, "json", false, "print machine-readable JSON on stdout")
	pf.StringVar(&c.actor, "actor", c.envOr("TREASURY_ACTOR", personOf(c.getenv, user.Current)), "the person acting, for the audit log (env TREASURY_ACTOR; default: the OS user)")
	c.node.bind(pf, c)
	root.AddCommand(
		c.newInitCmd(),
		c.newKeyCmd(),
		c.newVaultCmd(),
		c.newConfigCmd(),
		c.newSyncCmd(),
		c.newBalanceCmd(),
		c.newUTXOsCmd(),
		c.newProposeCmd(),
		c.newProposalCmd(),
		c.newCollectCmd(),
		c.newBroadcastCmd(),
		c.newRotateCmd(),
		c.newBumpCmd(),
		c.newAuditCmd(),
		c.newReconcileCmd(),
		c.newLabelsCmd(),
		c.newTUICmd(),
		c.newSandboxCmd(),
		c.newManCmd(),
	)
	strict(root)
	c.addCompletions(root)
	return root
}

// wantsJSON reports --json among the arguments before any "--", so an
// error found while parsing the flags is reported as JSON too.
func wantsJSON(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "--json", "--json=true", "--json=1":
			return true
		}
	}
	return false
}

func (c *cli) envOr(key, def string) string {
	if v := c.getenv(key); v != "" {
		return v
	}
	return def
}

// defaultDataDir follows the XDG base directory spec.
func defaultDataDir(getenv func(string) string) string {
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "treasury")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "treasury")
	}
	return "treasury-data"
}

// personOf is the person at the keyboard, for the audit log: the user who
// ran sudo rather than root, else the OS account, else $USER or $LOGNAME.
// It is never the name of a program.
func personOf(getenv func(string) string, current func() (*user.User, error)) string {
	u, err := current()
	if err == nil && u.Uid == "0" && getenv("SUDO_USER") != "" {
		return getenv("SUDO_USER")
	}
	if err == nil && u.Username != "" {
		return u.Username
	}
	for _, k := range []string{"USER", "LOGNAME"} {
		if v := getenv(k); v != "" {
			return v
		}
	}
	return "unknown"
}
