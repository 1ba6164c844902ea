package chain

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/v2"
)

// genesisNode answers getblockhash 0 with the regtest genesis hash (all Dial
// asks), failing the first `fail` requests with a server error.
func genesisNode(t *testing.T, fail int32) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		if n <= fail {
			http.Error(w, "warming up", http.StatusServiceUnavailable)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": req.ID, "error": nil, "result": chaincfg.RegressionNetParams.GenesisHash.String(),
		})
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// TestDialerConcurrent is run under -race by CI: the TUI's commands and its
// background sync ask the dialer for the node at the same time, and must
// share one connection without a data race.
func TestDialerConcurrent(t *testing.T) {
	srv, calls := genesisNode(t, 0)
	dial := Dialer(Config{Host: srv.URL, User: "u", Pass: "p"}, &chaincfg.RegressionNetParams)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := dial(context.Background()); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("dial: %v", err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("node asked %d times; want one dial shared by every caller", n)
	}
}

// TestDialerRetriesAfterFailure: a node that was down at the first call is
// dialled again by the next one, not remembered as down.
func TestDialerRetriesAfterFailure(t *testing.T) {
	srv, _ := genesisNode(t, 1)
	dial := Dialer(Config{Host: srv.URL, User: "u", Pass: "p"}, &chaincfg.RegressionNetParams)
	if _, err := dial(context.Background()); err == nil {
		t.Fatal("first dial succeeded against a failing node")
	}
	if _, err := dial(context.Background()); err != nil {
		t.Fatalf("second dial: %v", err)
	}
}
