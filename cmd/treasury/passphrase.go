package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// passphraseFlags say where a key file's passphrase comes from. A terminal
// prompt is the normal way. --passphrase-file and TREASURY_PASSPHRASE exist
// for scripts and tests only: they put the secret on disk or in the
// environment, where other processes may read it.
type passphraseFlags struct {
	file string
}

// passphrase returns the passphrase; confirm asks twice on a terminal.
func (c *cli) passphrase(pf passphraseFlags, prompt string, confirm bool) ([]byte, error) {
	if pf.file != "" {
		b, err := readPassphraseFile(pf.file)
		if err != nil {
			return nil, err
		}
		return nonEmpty(bytes.TrimRight(b, "\r\n"))
	}
	if v := c.getenv("TREASURY_PASSPHRASE"); v != "" {
		return nonEmpty([]byte(v))
	}
	f, ok := c.in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, usagef("a passphrase is needed and there is no terminal to ask on; use --passphrase-file (test-only) or TREASURY_PASSPHRASE (test-only)")
	}
	fmt.Fprintf(c.err, "%s: ", prompt)
	p, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(c.err)
	if err != nil {
		return nil, fmt.Errorf("unable to read passphrase: %w", err)
	}
	if confirm {
		fmt.Fprint(c.err, "Repeat it: ")
		again, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.err)
		if err != nil {
			return nil, fmt.Errorf("unable to read passphrase: %w", err)
		}
		if !bytes.Equal(p, again) {
			return nil, errors.New("the two passphrases differ")
		}
	}
	return nonEmpty(p)
}

// maxPassphraseFile bounds what --passphrase-file reads: /dev/zero or a
// huge file is refused at once instead of read until memory runs out.
const maxPassphraseFile = 64 << 10

func readPassphraseFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("unable to read passphrase file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPassphraseFile+1))
	if err != nil {
		return nil, fmt.Errorf("unable to read passphrase file: %w", err)
	}
	if len(b) > maxPassphraseFile {
		return nil, usagef("passphrase file %s is larger than %d bytes; it is no passphrase file", path, maxPassphraseFile)
	}
	return b, nil
}

func nonEmpty(p []byte) ([]byte, error) {
	if len(p) == 0 {
		return nil, errors.New("the passphrase is empty")
	}
	return p, nil
}

// confirm asks a yes/no question on a terminal; without a terminal it
// requires --yes, so a script never signs or broadcasts by accident.
func (c *cli) confirm(question string, yes bool) error {
	if yes {
		return nil
	}
	f, ok := c.in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return usagef("this needs confirmation and there is no terminal; pass --yes")
	}
	fmt.Fprintf(c.err, "%s [y/N] ", question)
	line, _ := bufio.NewReader(f).ReadString('\n')
	if len(line) > 0 && (line[0] == 'y' || line[0] == 'Y') {
		return nil
	}
	return errors.New("cancelled; nothing was changed")
}
