package router

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-logr/logr/funcr"

	"github.com/okd-ingress/okd-ingress/internal/haproxytest"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// TestOfferedCurves: the router renders only the groups HAProxy takes,
// logs the ones it drops, says when OpenSSL's defaults remain, and does
// not start when it cannot probe.
func TestOfferedCurves(t *testing.T) {
	// "haproxy" stands for the real HAProxy, looked up in the case that
	// needs it: without one, that case skips (or fails under CI).
	const realHAProxy = "haproxy"
	cases := []struct {
		name, binary, curves, want string
		logs                       []string
		wantErr                    bool
	}{
		{name: "no groups: no probe", binary: filepath.Join(t.TempDir(), "none")},
		{name: "a group no OpenSSL has is dropped and logged", binary: realHAProxy, curves: "NoSuchGroup:secp384r1", want: "secp384r1",
			logs: []string{`"dropping TLS groups this HAProxy's OpenSSL does not support" "dropped"=["NoSuchGroup"] "offered"="secp384r1" "openssl"="OpenSSL `}},
		{name: "groups every OpenSSL 3 has: kept, nothing logged", binary: realHAProxy, curves: "secp384r1:X25519", want: "secp384r1:X25519"},
		{name: "no group supported: OpenSSL's defaults", binary: realHAProxy, curves: "NoSuchGroup",
			logs: []string{`"dropped"=["NoSuchGroup"]`, `"offering OpenSSL's default TLS groups: this HAProxy's OpenSSL supports none of ROUTER_CURVES" "groups"="NoSuchGroup"`}},
		{name: "no HAProxy to probe with", binary: filepath.Join(t.TempDir(), "none"), curves: "X25519", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.binary == realHAProxy {
				tc.binary = haproxytest.Binary(t)
			}
			var log strings.Builder
			logger := funcr.New(func(prefix, args string) { log.WriteString(args + "\n") }, funcr.Options{})
			cfg := config.Defaults()
			cfg.HAProxyBinary, cfg.Curves = tc.binary, tc.curves
			got, err := offeredCurves(cfg, t.TempDir(), logger)
			switch {
			case (err != nil) != tc.wantErr:
				t.Fatalf("error %v, want one: %v", err, tc.wantErr)
			case got != tc.want:
				t.Errorf("offered %q, want %q", got, tc.want)
			}
			for _, l := range tc.logs {
				if !strings.Contains(log.String(), l) {
					t.Errorf("the log lacks %s:\n%s", l, log.String())
				}
			}
			if tc.logs == nil && log.Len() > 0 {
				t.Errorf("logged:\n%s", log.String())
			}
		})
	}
}
