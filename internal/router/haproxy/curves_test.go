package haproxy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/haproxytest"
)

// openSSLAtLeast35 reports whether the HAProxy under test runs on OpenSSL
// 3.5 or later, the first with the ML-KEM groups.
func openSSLAtLeast35(t *testing.T, bin string) bool {
	t.Helper()
	v, err := RunningOpenSSL(context.Background(), bin)
	if err != nil {
		t.Fatal(err)
	}
	var major, minor int
	if _, err := fmt.Sscanf(v, "OpenSSL %d.%d", &major, &minor); err != nil {
		t.Fatalf("haproxy -vv names no OpenSSL version: %q", v)
	}
	return major > 3 || major == 3 && minor >= 5
}

// TestSupportedCurves probes the real HAProxy: names its OpenSSL takes are
// kept in their order, the others dropped, whichever OpenSSL it runs on.
func TestSupportedCurves(t *testing.T) {
	bin := haproxytest.Binary(t)
	mlkem := openSSLAtLeast35(t, bin)
	t.Logf("OpenSSL with ML-KEM groups: %v", mlkem)
	if1 := func(cond bool, yes, no string) string {
		if cond {
			return yes
		}
		return no
	}
	cases := []struct {
		name, list, kept string
		dropped          []string
	}{
		{name: "groups every OpenSSL 3 has", list: "X25519:secp384r1", kept: "X25519:secp384r1"},
		{name: "a post-quantum group first", list: "X25519MLKEM768:X25519:secp256r1:secp384r1",
			kept:    if1(mlkem, "X25519MLKEM768:X25519:secp256r1:secp384r1", "X25519:secp256r1:secp384r1"),
			dropped: map[bool][]string{false: {"X25519MLKEM768"}}[mlkem]},
		{name: "every group of the API, post-quantum ones among the others",
			list:    "secp521r1:SecP256r1MLKEM768:X25519:SecP384r1MLKEM1024:secp384r1:X25519MLKEM768",
			kept:    if1(mlkem, "secp521r1:SecP256r1MLKEM768:X25519:SecP384r1MLKEM1024:secp384r1:X25519MLKEM768", "secp521r1:X25519:secp384r1"),
			dropped: map[bool][]string{false: {"SecP256r1MLKEM768", "SecP384r1MLKEM1024", "X25519MLKEM768"}}[mlkem]},
		{name: "only groups no OpenSSL has", list: "NoSuchGroup:brainpoolP999r1", dropped: []string{"NoSuchGroup", "brainpoolP999r1"}},
		{name: "a group twice, by one name and another, and one no OpenSSL has",
			list: "secp384r1:X25519:P-384:NoSuchGroup:x25519", kept: "secp384r1:X25519", dropped: []string{"P-384", "NoSuchGroup", "x25519"}},
		{name: "a name that would add a line, dropped unprobed", list: "X25519:secp384r1\n  maxconn 10",
			kept: "X25519", dropped: []string{"secp384r1\n  maxconn 10"}},
		{name: "nothing", list: ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			start := time.Now()
			kept, dropped, err := SupportedCurves(ctx, bin, dir, tc.list)
			t.Logf("probed %q in %v", tc.list, time.Since(start))
			if err != nil {
				t.Fatal(err)
			}
			if kept != tc.kept || !slices.Equal(dropped, tc.dropped) {
				t.Errorf("kept %q, dropped %q; want %q, %q", kept, dropped, tc.kept, tc.dropped)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("the probe left %v behind", left)
			}
			if kept != "" {
				assertTaken(t, ctx, bin, kept)
			}
		})
	}
}

// assertTaken checks, apart from the probe's logic, that HAProxy starts
// with list.
func assertTaken(t *testing.T, ctx context.Context, bin, list string) {
	t.Helper()
	p := curveProbe{binary: bin, dir: t.TempDir()}
	if err := writeProbeCertificate(filepath.Join(p.dir, probeFile)); err != nil {
		t.Fatal(err)
	}
	if ok, out, err := p.check(ctx, "kept", list); err != nil || !ok {
		t.Errorf("haproxy -c refuses the kept list %q (%v):\n%s", list, err, out)
	}
}

// TestSupportedCurvesCannotProbe: a probe that cannot run, or that HAProxy
// refuses whatever the groups, is an error, not a list of dropped groups.
func TestSupportedCurvesCannotProbe(t *testing.T) {
	for name, bin := range map[string]string{
		"no such binary":            filepath.Join(t.TempDir(), "haproxy"),
		"a binary that refuses all": "/bin/false",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			kept, dropped, err := SupportedCurves(context.Background(), bin, dir, "X25519:secp384r1")
			if err == nil {
				t.Fatalf("no error; kept %q, dropped %q", kept, dropped)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("the probe left %v behind", left)
			}
		})
	}
}

// A relative path to HAProxy is the router's, as for the Supervisor, not
// the probe directory's.
func TestSupportedCurvesRelativeBinary(t *testing.T) {
	bin := haproxytest.Binary(t)
	wd := t.TempDir()
	if err := os.Symlink(bin, filepath.Join(wd, "haproxy")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(wd)
	kept, dropped, err := SupportedCurves(context.Background(), "./haproxy", t.TempDir(), "X25519:secp384r1")
	if err != nil || kept != "X25519:secp384r1" || len(dropped) != 0 {
		t.Errorf("kept %q, dropped %q, %v; want both kept", kept, dropped, err)
	}
}
