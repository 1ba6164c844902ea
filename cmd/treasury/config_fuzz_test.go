package main

import (
	"encoding/json"
	"testing"
)

// FuzzParseConfig: config.json is read from disk, where anything may have
// written it. Whatever parses must encode and parse back to itself.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		`{"rpc_url":"http://127.0.0.1:18443","rpc_user":"u","rpc_pass":"p","fallback_fee_rate":2}`,
		`{"rpc_cookie":"/x/.cookie","rpc_tls":true}`, `{}`, `[]`, `null`, ``, `{"fallback_fee_rate":1e400}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := parseConfig(b)
		if err != nil {
			if cfg != (nodeConfig{}) {
				t.Fatalf("error %v with settings %+v", err, cfg)
			}
			return
		}
		out, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		again, err := parseConfig(out)
		if err != nil || again != cfg {
			t.Fatalf("round trip: %+v, %v; was %+v", again, err, cfg)
		}
	})
}
