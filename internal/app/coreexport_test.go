package app_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/treasury-dev/treasury/internal/app"
)

// The Core export's timestamp is the time of the generation's birthday
// block, from which Bitcoin Core rescans: not the vault's creation time,
// which may be later and make a recovered wallet miss older deposits.
func TestCoreExportTimestampIsTheBirthdayBlocksTime(t *testing.T) {
	f := newFixture(t)
	f.mine(3)
	f.app.Now = func() time.Time { return time.Now().Add(48 * time.Hour) } // created long after its birthday
	f.createVault("ops", 2, f.keys(0, trio...), f.keys(1, trio...))
	d, err := f.app.ShowVault(f.ctx, "ops")
	if err != nil {
		t.Fatal(err)
	}
	born := d.Generations[0].Birthday
	blocks, err := f.node.Chain().Blocks(f.ctx, born, born)
	if err != nil || born == 0 {
		t.Fatalf("birthday %d: %v", born, err)
	}
	want := blocks[0].Msg.Header.Timestamp.Unix()
	out, err := f.app.Export(f.ctx, app.ExportRequest{Vault: "ops", Format: app.FormatCore, All: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range out {
		var entries []struct {
			Timestamp int64 `json:"timestamp"`
		}
		if err := json.Unmarshal(e.Data, &entries); err != nil {
			t.Fatal(err)
		}
		for _, en := range entries {
			if en.Timestamp != want {
				t.Fatalf("generation %d: timestamp %d, want the birthday block's %d (created %d)", e.Number, en.Timestamp, want, d.Vault.CreatedAt.Unix())
			}
		}
	}
	// Without a node to ask, 0: Core rescans from genesis and misses nothing.
	f.app.Chain = nil
	out, err = f.app.Export(f.ctx, app.ExportRequest{Vault: "ops", Format: app.FormatCore})
	if err != nil {
		t.Fatal(err)
	}
	var entries []struct {
		Timestamp int64 `json:"timestamp"`
	}
	if err := json.Unmarshal(out[0].Data, &entries); err != nil || entries[0].Timestamp != 0 {
		t.Fatalf("without a node: %s (%v)", out[0].Data, err)
	}
}
