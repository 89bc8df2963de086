package rendertest

import (
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/haproxytest"
)

// CheckHAProxy writes files under dir, the config directory they were
// rendered for, and fails t unless the real `haproxy -c` accepts them
// without a warning. Without an HAProxy to run it skips t, or fails it under CI
// (haproxytest.Binary).
func CheckHAProxy(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	bin := haproxytest.Binary(t)
	for rel, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-c", "-f", filepath.Join(dir, ConfigFile))
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	// A warning is a directive HAProxy ignores or reads differently than
	// the template meant: it fails as render's own checks do.
	if err == nil && !strings.Contains(string(out), "[WARNING]") {
		return
	}
	var b strings.Builder
	for i, l := range Lines(files[ConfigFile]) {
		fmt.Fprintf(&b, "%4d %s\n", i+1, l)
	}
	if err != nil {
		t.Fatalf("haproxy -c failed: %v\n%s\nhaproxy.cfg:\n%s", err, out, b.String())
	}
	t.Fatalf("haproxy -c warned:\n%s\nhaproxy.cfg:\n%s", out, b.String())
}

// fuzzing reports whether this process generates inputs (go test -fuzz)
// rather than replaying the seed corpus.
func fuzzing() bool {
	for _, name := range []string{"test.fuzz", "test.fuzzworker"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" && f.Value.String() != "false" {
			return true
		}
	}
	return false
}

// WantHAProxyCheck says whether a fuzz input's rendering should also go
// through the real `haproxy -c`: always when replaying the seed corpus,
// and while fuzzing only when OKD_FUZZ_HAPROXY_CHECK=N is set, for one
// input in N (picked by a hash of the input, so a failure reproduces).
func WantHAProxyCheck(in any) bool {
	if !fuzzing() {
		return true
	}
	n, err := strconv.Atoi(os.Getenv("OKD_FUZZ_HAPROXY_CHECK"))
	if err != nil || n < 1 {
		return false
	}
	h := fnv.New32a()
	fmt.Fprintf(h, "%q", in)
	return h.Sum32()%uint32(n) == 0
}
