package regtest

import "testing"

// StartT starts a node for a test and stops it in t.Cleanup. btcd's output
// goes to t.Log only when the test fails or runs with -v. It never skips:
// callers decide, for example with testing.Short.
func StartT(t testing.TB) *Node {
	t.Helper()
	n, err := Start(t.Context(), Options{Log: testLog{t}})
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
type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Helper()
	l.t.Log(string(p))
	return len(p), nil
}
