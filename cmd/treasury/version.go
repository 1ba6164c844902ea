package main

import (
	"fmt"
	"runtime/debug"
)

// version may be set at build time (-ldflags "-X main.version=v1.2.3");
// otherwise it comes from the module's build information.
var version = ""

// versionString is what --version prints after "treasury ": the version,
// the commit it was built from (with "+dirty" for uncommitted changes)
// and the Go release, from runtime/debug build information.
func versionString() string {
	v, commit, dirty, goVer := version, "unknown", false, ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = bi.Main.Version
		}
		goVer = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if dirty {
		commit += "+dirty"
	}
	return fmt.Sprintf("%s (commit %s, %s)", v, commit, goVer)
}
