// Package arch holds no code: its test keeps the dependency direction of
// DESIGN.md true. Front ends (cmd, tui) call internal/app; app calls the
// domain packages and reaches storage and the node only through its own
// interfaces; domain packages import btcd and the standard library, never
// a UI, SQL or the network.
package arch
