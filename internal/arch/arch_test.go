package arch

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const mod = "github.com/treasury-dev/treasury/"

// forbidden lists, per package, import paths that must not appear anywhere
// in its transitive dependencies; a path ending in "/" forbids everything
// below it.
var forbidden = map[string][]string{
	"vault":          domain,
	"psbt":           domain,
	"quorum":         domain,
	"rotate":         domain,
	"internal/keys":  domain,
	"internal/audit": domain,
	"internal/scan":  domain,
	"internal/app":   {"database/sql", "github.com/mattn/go-sqlite3", "github.com/spf13/cobra", "charm.land/", "net/http", mod + "internal/store", mod + "internal/chain", mod + "tui", mod + "cmd/"},
	// The shipped binary links no test code: no "testing", no test
	// harness libraries, and no btcd rpcclient (the sandbox's node is
	// driven through internal/chain like any other node).
	"cmd/treasury": {"testing", "github.com/btcsuite/btcd/rpcclient", "github.com/btcsuite/btcd/integration/", "github.com/rogpeppe/go-internal/", "github.com/charmbracelet/x/exp/teatest/", mod + "internal/fakenode", mod + "internal/apptest"},
	"tui":          {"database/sql", "github.com/mattn/go-sqlite3", "github.com/spf13/cobra", "net/http", mod + "internal/store", mod + "internal/chain", mod + "cmd/"},
}

var domain = []string{
	"database/sql", "github.com/mattn/go-sqlite3", "github.com/spf13/cobra", "charm.land/", "github.com/charmbracelet/",
	"net/http", "github.com/btcsuite/btcd/rpcclient", "github.com/btcsuite/btcd/btcjson",
	mod + "internal/app", mod + "internal/store", mod + "internal/chain", mod + "tui", mod + "cmd/",
}

func TestDependencyDirection(t *testing.T) {
	for pkg, bad := range forbidden {
		t.Run(pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", mod+pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", pkg, err)
			}
			for _, dep := range strings.Fields(string(out)) {
				for _, b := range bad {
					if dep == b || strings.HasSuffix(b, "/") && strings.HasPrefix(dep, b) {
						t.Errorf("%s depends on %s", pkg, dep)
					}
				}
			}
		})
	}
}

// TestFixturesOnlyInTests checks that internal/apptest, the shared test
// fixtures, is imported by test files alone: no package's own dependencies
// include it.
func TestFixturesOnlyInTests(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, mod+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && slices.Contains(f[1:], mod+"internal/apptest") {
			t.Errorf("%s depends on internal/apptest outside its tests", f[0])
		}
	}
}
