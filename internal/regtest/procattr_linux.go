package regtest

import "syscall"

// childAttr puts btcd in its own process group (a Ctrl-C meant for the
// parent reaches btcd only through Stop) and, on Linux, has the kernel
// send it SIGTERM if the parent dies without stopping it (SIGKILL, a
// crash), so no node outlives the program that started it.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
