// Command treasury builds, signs and broadcasts M-of-N multisig transfers
// for bitcoin treasuries, and rotates cold vaults after every spend.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
