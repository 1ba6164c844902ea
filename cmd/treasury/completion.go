package main

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/treasury-dev/treasury/internal/app"
	"github.com/treasury-dev/treasury/internal/store"
	"github.com/treasury-dev/treasury/vault"
)

// completeFunc completes a command's arguments or a flag's value.
type completeFunc func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective)

// addCompletions teaches shell completion ('treasury completion bash|zsh|
// fish|powershell') the names in the data directory: vault names, proposal
// ids (short), generation numbers, key files (*.key), networks and file
// formats. Names are read from the
// database opened read-only; without one nothing is offered.
func (c *cli) addCompletions(root *cobra.Command) {
	vaultArg := c.firstArg(c.completeVaults)
	proposalArg := c.firstArg(c.completeProposals)
	keyArg := c.firstArg(fileExt("key"))
	args := map[string]completeFunc{
		"vault show": vaultArg, "vault address": vaultArg, "vault export": vaultArg, "vault standby": vaultArg,
		"vault policy": vaultArg, "vault prove": c.firstArgThenFiles(c.completeVaults), "rotate": vaultArg,
		"proposal show": proposalArg, "proposal export": proposalArg, "proposal cancel": proposalArg,
		"broadcast": proposalArg, "bump": proposalArg,
		"key show": keyArg, "key xpub": keyArg, "key address": keyArg, "key anchors": keyArg, "key policy": keyArg,
		"key prove": keyArg, "key register": keyArg, "key sign": keySignArgs,
		"collect": fileExt("psbt"),
	}
	var exportFormats []string
	for _, f := range app.ExportFormats {
		exportFormats = append(exportFormats, string(f))
	}
	flags := map[string]map[string]completeFunc{
		"vault export":  {"format": words(exportFormats), "generation": c.completeGenerations},
		"vault import":  {"format": words(slices.Sorted(maps.Keys(app.ImportFormats)))},
		"vault address": {"generation": c.completeGenerations},
		"rotate":        {"generation": c.completeGenerations},
	}
	_ = root.RegisterFlagCompletionFunc("network", words(vault.Networks()))
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		path := strings.TrimPrefix(cmd.CommandPath(), root.Name()+" ")
		if f, ok := args[path]; ok && cmd.ValidArgsFunction == nil {
			cmd.ValidArgsFunction = f
		}
		for name, f := range flags[path] {
			_ = cmd.RegisterFlagCompletionFunc(name, f)
		}
		if cmd.LocalNonPersistentFlags().Lookup("vault") != nil {
			_ = cmd.RegisterFlagCompletionFunc("vault", c.completeVaults)
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// firstArg offers f's names for the first argument and nothing after it.
func (c *cli) firstArg(f completeFunc) completeFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return f(cmd, args, toComplete)
	}
}

// firstArgThenFiles offers f's names for the first argument, files after.
func (c *cli) firstArgThenFiles(f completeFunc) completeFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveDefault
		}
		return f(cmd, args, toComplete)
	}
}

// keySignArgs: key sign KEYFILE PSBT.
func keySignArgs(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	switch len(args) {
	case 0:
		return fileExt("key")(cmd, args, toComplete)
	case 1:
		return fileExt("psbt")(cmd, args, toComplete)
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// words offers a fixed list of values.
func words(ws []string) completeFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return ws, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeGenerations offers the generation numbers of the vault named by
// the first argument, each described by its state.
func (c *cli) completeGenerations(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	_ = c.readOnlyApp(cmd.Context(), func(a *app.App) error {
		d, err := a.ShowVault(cmd.Context(), args[0])
		if err != nil {
			return err
		}
		for _, g := range d.Generations {
			if n := strconv.Itoa(g.Number); strings.HasPrefix(n, toComplete) {
				out = append(out, n+"\t"+string(g.State))
			}
		}
		return nil
	})
	return out, cobra.ShellCompDirectiveNoFileComp
}

// fileExt offers files ending in .ext (and directories).
func fileExt(ext string) completeFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{ext}, cobra.ShellCompDirectiveFilterFileExt
	}
}

// completeVaults offers the vault names in the data directory.
func (c *cli) completeVaults(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	_ = c.readOnlyApp(cmd.Context(), func(a *app.App) error {
		vs, err := a.ListVaults(cmd.Context())
		for _, v := range vs {
			if strings.HasPrefix(v.Vault.Name, toComplete) {
				out = append(out, v.Vault.Name)
			}
		}
		return err
	})
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeProposals offers short proposal ids (as proposal list shows
// them), each described by its state, vault and kind.
func (c *cli) completeProposals(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	_ = c.readOnlyApp(cmd.Context(), func(a *app.App) error {
		ds, err := a.ListProposals(cmd.Context(), "")
		for _, d := range ds {
			id := d.Proposal.ID[:min(12, len(d.Proposal.ID))]
			if strings.HasPrefix(id, toComplete) {
				out = append(out, id+"\t"+string(d.Proposal.State)+" "+d.Proposal.Kind+" of "+d.Vault.Name)
			}
		}
		return err
	})
	return out, cobra.ShellCompDirectiveNoFileComp
}

// readOnlyApp runs fn on the data directory's database opened read-only:
// completion never creates, migrates or writes anything.
func (c *cli) readOnlyApp(ctx context.Context, fn func(*app.App) error) error {
	if ctx == nil {
		ctx = context.Background()
	}
	db, err := store.Open(ctx, c.dbPath(), store.Options{ReadOnly: true, BusyTimeout: c.busyTimeout()})
	if err != nil {
		return err
	}
	defer db.Close()
	net, err := app.StoredNetwork(ctx, db)
	if err != nil {
		return err
	}
	return fn(&app.App{Store: db, Net: net, Actor: c.actor, Events: app.NopEvents{}})
}
