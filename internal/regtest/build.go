package regtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
)

// btcdModule is the module whose main package is the node.
const btcdModule = "github.com/btcsuite/btcd"

// BtcdEnv names an environment variable that, when set, is the path of a
// btcd binary to use instead of building one.
const BtcdEnv = "TREASURY_BTCD"

var (
	buildMu   sync.Mutex
	buildPath string
)

// BuildBtcd returns the path of a btcd binary of the version this module
// pins, building it at most once per process. The binary is cached under
// os.UserCacheDir()/treasury/btcd-VERSION/btcd and reused by later
// processes; concurrent builders each write a temporary file and rename it
// into place, so they never see a half-written binary.
//
// Inside this module's source tree it runs `go build` from the module root,
// so go.mod and go.sum decide what is built. From an installed binary (no
// source tree) it runs `go install btcd@VERSION` with the version recorded
// in the binary's build information. Set TREASURY_BTCD to skip both.
func BuildBtcd(ctx context.Context) (string, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	if buildPath != "" {
		return buildPath, nil
	}
	if p := os.Getenv(BtcdEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("btcd named by %s: %w", BtcdEnv, err)
		}
		buildPath = p
		return p, nil
	}
	p, err := buildBtcd(ctx)
	if err != nil {
		return "", err
	}
	buildPath = p
	return p, nil
}

func buildBtcd(ctx context.Context) (string, error) {
	root, version := moduleRoot()
	if version == "" {
		version = buildInfoVersion()
	}
	if version == "" {
		return "", errors.New("unable to tell which btcd version to build: no go.mod and no build information")
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("unable to find a cache directory for btcd: %w", err)
	}
	dir := filepath.Join(cache, "treasury", "btcd-"+version)
	bin := filepath.Join(dir, "btcd")
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("unable to create btcd cache directory: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", fmt.Errorf("unable to create btcd build directory: %w", err)
	}
	defer os.RemoveAll(tmp)

	var cmd *exec.Cmd
	if root != "" {
		cmd = exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(tmp, "btcd"), btcdModule)
		cmd.Dir = root
	} else {
		cmd = exec.CommandContext(ctx, "go", "install", btcdModule+"@"+version)
		cmd.Dir = tmp
		cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=")
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("unable to build btcd %s (%s): %w\n%s", version, strings.Join(cmd.Args, " "), err, out.String())
	}
	if err := os.Rename(filepath.Join(tmp, "btcd"), bin); err != nil {
		return "", fmt.Errorf("unable to install btcd into the cache: %w", err)
	}
	return bin, nil
}

// moduleRoot finds this module's source tree from this file's compile-time
// path and reads the btcd version its go.mod requires. It returns empty
// strings when the source is not on this machine.
func moduleRoot() (root, version string) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", ""
	}
	for dir := filepath.Dir(file); ; dir = filepath.Dir(dir) {
		if v, found := requiredVersion(filepath.Join(dir, "go.mod")); found {
			return dir, v
		}
		if parent := filepath.Dir(dir); parent == dir {
			return "", ""
		}
	}
}

// requiredVersion returns the version of btcdModule required by the go.mod
// at path; found is false when path is not a go.mod that requires it.
func requiredVersion(path string) (version string, found bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "require "))
		if len(fields) >= 2 && fields[0] == btcdModule {
			return fields[1], true
		}
	}
	return "", false
}

// buildInfoVersion is the btcd version linked into the running binary.
func buildInfoVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, m := range info.Deps {
		if m.Path == btcdModule {
			if m.Replace != nil {
				return m.Replace.Version
			}
			return m.Version
		}
	}
	return ""
}
