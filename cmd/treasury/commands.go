package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// strict makes every command in the tree keep the promises of --help: a
// flag or argument error is a usage error (exit 2) with a hint naming the
// command's help; a command group given an unknown subcommand says so
// (exit 2, on stderr) instead of printing its help and succeeding.
func strict(root *cobra.Command) {
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageError{msg: err.Error(), hints: []string{fmt.Sprintf("'%s --help' lists its flags", cmd.CommandPath())}}
	})
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := cmd.Root().Find(args)
			if err != nil {
				return usageError{msg: err.Error()}
			}
			if len(rest) > 0 {
				return groupRun(target, rest) // an unknown topic is an error too
			}
			return target.Help()
		},
	})
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		cmd.SuggestionsMinimumDistance = 2
		if cmd.HasSubCommands() && !cmd.Runnable() || cmd == root {
			cmd.Args = cobra.ArbitraryArgs
			cmd.RunE = groupRun
		} else if cmd.Args != nil {
			cmd.Args = usageArgs(cmd.Args)
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// groupRun runs a command that only groups others: bare, it prints its
// help; with an argument, that argument is an unknown command.
func groupRun(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	hints := []string{}
	for _, s := range cmd.SuggestionsFor(args[0]) {
		hints = append(hints, fmt.Sprintf("did you mean '%s %s'?", cmd.CommandPath(), s))
	}
	hints = append(hints, fmt.Sprintf("'%s --help' lists its commands", cmd.CommandPath()))
	return usageError{msg: fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath()), hints: hints}
}

// usageArgs turns an argument-count error into a usage error that shows
// how the command is called.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			use := strings.TrimSpace(cmd.UseLine())
			return usageError{msg: fmt.Sprintf("%s: %v", cmd.CommandPath(), err), hints: []string{"usage: " + use}}
		}
		return nil
	}
}
