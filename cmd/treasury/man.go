package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func (c *cli) newManCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "man [COMMAND…] [--dir DIR]",
		Short: "Print a command's manual page (roff), or write every page to a directory",
		Long: `Print the manual page of treasury or of one of its commands, made from the
same text as --help, in the roff format man reads. --dir DIR writes one page
per command instead (treasury.1, treasury-vault-create.1, …), for
/usr/local/share/man/man1 or MANPATH.`,
		Example: `  treasury man vault create | man -l -
  treasury man --dir /usr/local/share/man/man1`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			if dir != "" {
				if len(args) > 0 {
					return usagef("give either commands or --dir, not both")
				}
				return writeManPages(root, dir)
			}
			target, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 || !manWorthy(target) {
				return usageError{msg: fmt.Sprintf("unknown command %q", strings.Join(args, " ")),
					hints: []string{"'treasury --help' lists the commands"}}
			}
			_, err = c.out.Write(manPage(target))
			return err
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "write every command's page into DIR (created if missing)")
	return cmd
}

// manWorthy: a page for every command --help lists (not help itself, nor
// hidden ones such as __complete).
func manWorthy(cmd *cobra.Command) bool {
	return cmd.IsAvailableCommand() || !cmd.HasParent()
}

// writeManPages writes the page of root and of every command under it.
func writeManPages(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("unable to create %s: %w", dir, err)
	}
	var walk func(*cobra.Command) error
	walk = func(cmd *cobra.Command) error {
		if !manWorthy(cmd) {
			return nil
		}
		if err := os.WriteFile(filepath.Join(dir, manName(cmd)+".1"), manPage(cmd), 0o644); err != nil {
			return err
		}
		for _, sub := range cmd.Commands() {
			if err := walk(sub); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root)
}

// manName is a command's page name: "treasury-vault-create".
func manName(cmd *cobra.Command) string { return strings.ReplaceAll(cmd.CommandPath(), " ", "-") }

// manPage renders cmd's help as a man(7) page.
func manPage(cmd *cobra.Command) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, ".TH %q \"1\" \"\" \"treasury %s\" \"Treasury Manual\"\n", strings.ToUpper(manName(cmd)), roff(versionString()))
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", roff(manName(cmd)), roff(cmd.Short))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.B %s\n", roff(cmd.UseLine()))
	b.WriteString(".SH DESCRIPTION\n")
	desc := cmd.Long
	if desc == "" {
		desc = cmd.Short
	}
	manParagraphs(&b, desc)
	global := cmd.Root().PersistentFlags()
	manFlags(&b, "OPTIONS", cmd.NonInheritedFlags(), global)
	manFlags(&b, "OPTIONS INHERITED FROM PARENT COMMANDS", cmd.InheritedFlags(), global)
	if cmd.Example != "" {
		b.WriteString(".SH EXAMPLE\n.nf\n.RS\n")
		for _, l := range strings.Split(strings.TrimRight(cmd.Example, "\n"), "\n") {
			b.WriteString(roffLine(l) + "\n")
		}
		b.WriteString(".RE\n.fi\n")
	}
	var see []string
	if cmd.HasParent() {
		see = append(see, fmt.Sprintf("\\fB%s\\fR(1)", roff(manName(cmd.Parent()))))
	}
	for _, sub := range cmd.Commands() {
		if manWorthy(sub) {
			see = append(see, fmt.Sprintf("\\fB%s\\fR(1)", roff(manName(sub))))
		}
	}
	if len(see) > 0 {
		fmt.Fprintf(&b, ".SH SEE ALSO\n%s\n", strings.Join(see, ", "))
	}
	return b.Bytes()
}

// manParagraphs writes text as paragraphs; indented lines (lists, tables,
// commands) keep their line breaks.
func manParagraphs(b *bytes.Buffer, text string) {
	for _, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		lines := strings.Split(para, "\n")
		literal := false
		for _, l := range lines[1:] {
			literal = literal || strings.HasPrefix(l, " ")
		}
		if literal {
			b.WriteString(".PP\n.nf\n")
			for _, l := range lines {
				b.WriteString(roffLine(l) + "\n")
			}
			b.WriteString(".fi\n")
			continue
		}
		b.WriteString(".PP\n")
		for _, l := range lines {
			b.WriteString(roffLine(strings.TrimSpace(l)) + "\n")
		}
	}
}

// manFlags lists flags as tagged paragraphs, as --help shows them. The
// global flags' defaults are left out: they come from this machine's
// environment and user (a page is written once and read anywhere).
func manFlags(b *bytes.Buffer, title string, fs, global *pflag.FlagSet) {
	if !fs.HasAvailableFlags() {
		return
	}
	fmt.Fprintf(b, ".SH %s\n", title)
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		name, usage := pflag.UnquoteUsage(f)
		tag := "\\fB\\-\\-" + roff(f.Name) + "\\fR"
		if f.Shorthand != "" {
			tag = "\\fB\\-" + roff(f.Shorthand) + "\\fR, " + tag
		}
		if name != "" {
			tag += " \\fI" + roff(name) + "\\fR"
		}
		switch {
		case global.Lookup(f.Name) == f:
		case f.DefValue == "", f.DefValue == "false", f.DefValue == "0", f.DefValue == "[]":
		default:
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(b, ".TP\n%s\n%s\n", tag, roffLine(usage))
	})
}

// roff escapes text for a man page: backslashes, hyphens (so that flags
// print as the minus signs a reader can copy) and characters beyond ASCII
// (as \[uXXXX], which man renders without guessing the encoding).
func roff(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\e`)
		case r == '-':
			b.WriteString(`\-`)
		case r > 127:
			fmt.Fprintf(&b, `\[u%04X]`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// roffLine escapes one line of text; a line starting with . or ' would be
// read as a request.
func roffLine(s string) string {
	s = roff(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
