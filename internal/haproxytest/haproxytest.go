// Package haproxytest finds the real HAProxy that tests check rendered
// configurations with, and decides what a test does without one.
//
// It imports nothing of this module, so that any package's tests may use
// it (internal/router/config's cannot import rendertest, which imports
// config).
package haproxytest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// EnvVar names the HAProxy binary to test with; make test sets it.
const EnvVar = "OKD_INGRESS_HAPROXY"

// Required reports whether a test that needs HAProxy must fail without it
// rather than skip: under CI (CI set to a true value, as .ci/run and the
// usual CI services do), where a skip would pass a run that checked
// nothing. A developer's bare `go test ./...` still skips.
func Required() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// Binary is the haproxy to test with. A path named by OKD_INGRESS_HAPROXY
// must be there: setting it to nothing usable is a broken setup, and t
// fails. Without the variable it is what `hack/bins.sh haproxy-path`
// reports from the repository root, when that file exists; else t skips,
// or fails when Required.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(EnvVar); p != "" {
		if err := runnable(p); err != nil {
			t.Fatalf("%s=%s: %v (build it with hack/bins.sh haproxy)", EnvVar, p, err)
			return ""
		}
		return p
	}
	p := fromBinsScript()
	if p == "" {
		Missing(t, "no haproxy: set "+EnvVar+" or build it with hack/bins.sh haproxy")
		return ""
	}
	if err := runnable(p); err != nil {
		Missing(t, "haproxy "+p+": "+err.Error()+" (build it with hack/bins.sh haproxy)")
		return ""
	}
	return p
}

// Missing ends t for want of HAProxy: a skip, or a failure when Required.
func Missing(t testing.TB, why string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s; CI=%s needs every HAProxy check to run", why, os.Getenv("CI"))
		return // Fatalf ends a test; returning keeps a stand-in for t honest
	}
	t.Skip(why)
}

func runnable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return &os.PathError{Op: "run", Path: p, Err: os.ErrPermission}
	}
	return nil
}

// fromBinsScript is what `hack/bins.sh haproxy-path` prints, run from the
// repository root (the directory up from here holding go.mod), or "".
var fromBinsScript = sync.OnceValue(func() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	cmd := exec.Command("bash", "hack/bins.sh", "haproxy-path")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
})
