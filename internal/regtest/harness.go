package regtest

import "context"

// TB is the part of testing.TB that StartT uses. It is declared here so
// that this package, which the shipped binary links for the sandbox, does
// not import "testing"; *testing.T and *testing.B satisfy it.
type TB interface {
	Helper()
	Context() context.Context
	Cleanup(func())
	Log(args ...any)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// StartT starts a node for a test and stops it in t.Cleanup. btcd's output
// goes to t.Log only when the test fails or runs with -v. It never skips:
// callers decide, for example with testing.Short.
func StartT(t TB) *Node {
	t.Helper()
	return StartTWith(t, Options{})
}

// StartTWith is StartT with options (extra btcd flags such as
// --minrelaytxfee); opt.Log defaults to the test log.
func StartTWith(t TB, opt Options) *Node {
	t.Helper()
	if opt.Log == nil {
		opt.Log = testLog{t}
	}
	n, err := Start(t.Context(), opt)
	if err != nil {
		t.Fatalf("unable to start regtest node: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Stop(); err != nil {
			t.Errorf("unable to stop regtest node: %v", err)
		}
	})
	return n
}

// testLog writes btcd's output to the test log.
type testLog struct{ t TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Helper()
	l.t.Log(string(p))
	return len(p), nil
}
