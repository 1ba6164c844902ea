//go:build !linux

package regtest

import "syscall"

// childAttr puts btcd in its own process group: a Ctrl-C meant for the
// parent reaches btcd only through Stop.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
