package chain

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestNodeReplyIsBounded: a node that answers without end (hostile or
// broken) is refused after maxReplySize, not read until memory runs out.
func TestNodeReplyIsBounded(t *testing.T) {
	defer func(old int) { maxReplySize = old }(maxReplySize)
	maxReplySize = 1 << 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("0", 64<<10))
		for i := 0; i < 1<<14; i++ { // at most 1 GiB, far past the limit
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	r, err := newRPC(Config{Host: srv.URL, User: "u", Pass: "p"})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	err = r.call(context.Background(), "getblockcount", &n)
	if err == nil || !strings.Contains(err.Error(), "over 1 MiB") {
		t.Fatalf("endless reply: %v; want a refusal over 1 MiB", err)
	}
}

// TestCACertIsBounded: /dev/zero as the CA certificate is refused at once.
func TestCACertIsBounded(t *testing.T) {
	_, err := newRPC(Config{Host: "https://127.0.0.1:1", CACert: "/dev/zero"})
	if err == nil || !strings.Contains(err.Error(), "not a certificate file") {
		t.Fatalf("CA cert /dev/zero: %v", err)
	}
}
