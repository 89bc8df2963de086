package render

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
	"github.com/okd-ingress/okd-ingress/internal/router/render/rendertest"
)

// FuzzRenderAnnotations gives a plain valid route one of OKD's tuning
// annotations with user-controlled text and checks that annotations never
// reject a route, that whatever they put into the configuration stays in
// the route's backend section, in the shapes the template produces, and
// that HAProxy accepts the result (as FuzzRenderRoute: every seed, and
// while fuzzing per OKD_FUZZ_HAPROXY_CHECK).
//
// key%16 picks the annotation (annotationKeys), kind%4 the termination
// (none, edge, reencrypt, passthrough), without route certificates: edge
// serves the default certificate, reencrypt verifies with the system CAs.

var annotationKeys = [...]string{
	names.TimeoutAnnotation,
	names.TimeoutTunnelAnnotation,
	names.BalanceAnnotation,
	names.HSTSAnnotation,
	names.IPAllowlistAnnotation,
	names.IPWhitelistAnnotation,
	names.PodConcurrentConnectionsAnnotation,
	names.HealthCheckIntervalAnnotation,
	names.RewriteTargetAnnotation,
	names.DisableCookiesAnnotation,
	names.CookieNameAnnotation,
	names.CookieSameSiteAnnotation,
	names.RateLimitAnnotation,
	names.RateLimitConcurrentTCPAnnotation,
	names.RateLimitRateTCPAnnotation,
	names.RateLimitRateHTTPAnnotation,
	names.H1AdjustCaseAnnotation,
}

// annotationIndex is the key argument that picks the annotation name.
func annotationIndex(name string) uint8 {
	for i, k := range annotationKeys {
		if k == name {
			return uint8(i)
		}
	}
	panic("unknown annotation " + name)
}

var annotationTerminations = [...]routev1.TLSTerminationType{"", routev1.TLSTerminationEdge, routev1.TLSTerminationReencrypt, routev1.TLSTerminationPassthrough}

// annotatedRoute is a plain valid route of the given kind with annotations.
func annotatedRoute(kind uint8, annotations map[string]string) *routev1.Route {
	r := newRoute(fuzzNamespace, fuzzName, 1, "fuzz.example.com")
	r.Annotations = annotations
	if t := annotationTerminations[kind%4]; t != "" {
		r.Spec.TLS = &routev1.TLSConfig{Termination: t}
	}
	return r
}

func renderAnnotated(t testing.TB, kind uint8, annotations map[string]string, dir string) rendered {
	t.Helper()
	params := testParams(t, dir, nil)
	m, res := pipeline([]*routev1.Route{annotatedRoute(kind, annotations)}, params.Config, nil)
	files, err := Render(m, params)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return rendered{files: files, res: res}
}

var (
	annotationBaselines sync.Map // kind%4 → rendered without annotations, in fuzzConfigDir
	annotationChecked   sync.Map // digest of files rendered in fuzzConfigDir → HAProxy accepted them
)

// digest identifies a set of files.
func digest(files Files) string {
	h := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(h, "%q %d\n", name, len(files[name]))
		h.Write(files[name])
	}
	return string(h.Sum(nil))
}

func FuzzRenderAnnotations(f *testing.F) {
	add := func(name, value string, kinds ...uint8) {
		if len(kinds) == 0 {
			kinds = []uint8{0}
		}
		for _, k := range kinds {
			f.Add(annotationIndex(name), value, k)
		}
	}
	const (
		plain, edge, reencrypt, passthrough = 0, 1, 2, 3
	)
	all := []uint8{plain, edge, reencrypt, passthrough}
	to, tunnel, balance, hsts := names.TimeoutAnnotation, names.TimeoutTunnelAnnotation, names.BalanceAnnotation, names.HSTSAnnotation
	allow, white := names.IPAllowlistAnnotation, names.IPWhitelistAnnotation
	maxconn, check := names.PodConcurrentConnectionsAnnotation, names.HealthCheckIntervalAnnotation

	// Good values.
	add(to, "5m", all...)
	add(to, "30s")
	add(to, "1500")
	add(tunnel, "1h", plain, passthrough)
	add(balance, "leastconn", all...)
	add(balance, "source", plain, passthrough)
	add(balance, "roundrobin", passthrough)
	add(balance, "random", edge)
	add(hsts, "max-age=31536000", edge, reencrypt)
	add(hsts, "max-age=31536000;includeSubDomains;preload", edge, reencrypt)
	add(hsts, " max-age = 0 ; preload ", edge)
	add(allow, "192.168.1.7 10.0.0.0/8", all...)
	add(allow, "2001:db8::1 2001:db8::/32 ::ffff:192.0.2.1", plain, passthrough)
	add(white, "203.0.113.0/24", all...)
	add(maxconn, "10", all...)
	add(maxconn, "2147483647")
	add(check, "3s", all...)
	add(check, "1500ms", passthrough)
	add(check, "250ms", plain) // below the floor: ignored
	rewrite := names.RewriteTargetAnnotation
	add(rewrite, "/", plain, edge, reencrypt)
	add(rewrite, "/bar", plain, edge)
	add(rewrite, "/bar/", plain, passthrough)
	add(rewrite, "/a%20b/$x(1)*+", plain)
	add(rewrite, `/x\1`, plain)
	add(rewrite, "/%[src]", plain)
	add(rewrite, "/%%", plain)
	add(rewrite, "/a b", edge)
	add(rewrite, "relative", plain)
	add(names.DisableCookiesAnnotation, "true", plain, edge)
	add(names.DisableCookiesAnnotation, "1", reencrypt)
	add(names.H1AdjustCaseAnnotation, "true", plain, passthrough)
	add(names.CookieNameAnnotation, "sticky_1-a", plain, edge, passthrough)
	add(names.CookieNameAnnotation, "a insert", plain)
	add(names.CookieNameAnnotation, "a;b", edge)
	add(names.CookieSameSiteAnnotation, "Lax", plain, edge, reencrypt)
	add(names.CookieSameSiteAnnotation, "none", edge)
	add(names.CookieSameSiteAnnotation, "Lax; Secure", plain)
	add(names.RateLimitAnnotation, "true", plain, passthrough)
	add(names.RateLimitAnnotation, "TRUE", edge)
	add(names.RateLimitConcurrentTCPAnnotation, "10", plain, passthrough)
	add(names.RateLimitRateTCPAnnotation, "100", reencrypt, passthrough)
	add(names.RateLimitRateHTTPAnnotation, "50", plain, edge, passthrough)
	add(names.RateLimitRateHTTPAnnotation, "50 }", plain)
	add(names.RateLimitConcurrentTCPAnnotation, "1 } || { always_true", passthrough)

	// Hostile values: each annotation gets each.
	hostile := []string{
		"", " ", "\t\n", "5s\n  server evil 198.51.100.66:80", "5s\r\n  server evil 198.51.100.66:80",
		"%[src]", "${HOME}", `"5s"`, "'5s'", `5s" "x`, "5s #comment", "5s\\", "5s\x00",
		"99999999999999999999d", "99999999999999999999", "2147483648", "9223372036854775807", "0", "-1", "+5", "00", "007",
		"500us", "1us", "5 s", "5S", "1.5s", "5sec", "١", "５",
		"roundrobin\n  server evil 198.51.100.66:80", "first", "static-rr", "uri", "hdr(host)", "LEASTCONN",
	}
	for i, v := range hostile {
		for k := range annotationKeys {
			f.Add(uint8(k), v, uint8((i+k)%4))
		}
	}
	// HSTS variants.
	for _, v := range []string{
		`max-age="31536000"`, `max-age="1`, "max-age=1; max-age=2", "max-age=1;preload;preload",
		"includeSubDomains; preload", "max-age=1;includesubdomains;PRELOAD", "MAX-AGE=1", "max-age=-1", "max-age=+1",
		"max-age=4294967296", "max-age=1;", ";max-age=1", "max-age=1;;preload", "max-age=1; preload=yes",
		"max-age=1; x\n; x\n", "max-age=1; \x01; \x01", "max-age=1\n  server evil 198.51.100.66:80", "max-age=1; %[src]",
		"max-age=1; ${HOME}", `max-age=1; "`, "max-age\t=\t1\t;\tincludeSubDomains",
	} {
		add(hsts, v, all...)
	}
	// Allowlists.
	many := strings.Repeat("10.0.0.1 ", 1001)
	for _, v := range []string{
		"10.0.0.1 nope", "10.0.0.1,10.0.0.2", "10.0.0.0/33", "10.1.2.3/8", "2001:db8::1/64", "fe80::1%eth0", "fe80::1%eth0/64",
		"::ffff:10.0.0.1/120", "0.0.0.0/0 ::/0", "010.0.0.1", "10.0.0.1/08", many, strings.Repeat("10.0.0.1 ", 1000),
		" \t ", "\u00a0", "10.0.0.1\u00a010.0.0.2", "10.0.0.1\n  server evil 198.51.100.66:80", "10.0.0.1\n#", "%[src]", "${HOME}",
	} {
		add(allow, v, plain, passthrough)
		add(white, v, edge, reencrypt)
	}

	f.Fuzz(func(t *testing.T, key uint8, value string, kind uint8) {
		name := annotationKeys[int(key)%len(annotationKeys)]
		kind %= 4
		annotations := map[string]string{name: value}
		// The rate limits take effect together: the switch with a limit,
		// a limit with the switch on.
		switch name {
		case names.RateLimitAnnotation:
			annotations[names.RateLimitConcurrentTCPAnnotation] = "5"
		case names.RateLimitConcurrentTCPAnnotation, names.RateLimitRateTCPAnnotation, names.RateLimitRateHTTPAnnotation:
			annotations[names.RateLimitAnnotation] = "true"
		}
		got := renderAnnotated(t, kind, annotations, fuzzConfigDir)
		v := got.res.Verdicts[keyOf(fuzzNamespace, fuzzName)]
		if !v.Admitted || len(got.res.Routes) != 1 {
			t.Fatalf("%s=%q rejected the route: %+v", name, value, v)
		}
		if rendertest.HasControl(v.InvalidAnnotations) {
			t.Errorf("InvalidAnnotations has a control character: %q", v.InvalidAnnotations)
		}

		cached, ok := annotationBaselines.Load(kind)
		if !ok {
			r := renderAnnotated(t, kind, nil, fuzzConfigDir)
			if bv := r.res.Verdicts[keyOf(fuzzNamespace, fuzzName)]; !bv.Admitted || bv.InvalidAnnotations != "" {
				t.Fatalf("the route without annotations: %+v", bv)
			}
			cached, _ = annotationBaselines.LoadOrStore(kind, r)
		}
		want := cached.(rendered)

		// haproxy.cfg: the same as without the annotation outside the
		// route's backend, and only template shapes inside.
		route := got.res.Routes[0]
		backend := model.BackendName(route.Route)
		cfg := got.files[ConfigFile]
		if !bytes.Contains(cfg, []byte("\nbackend "+backend+"\n")) {
			t.Fatalf("haproxy.cfg has no backend %s", backend)
		}
		for _, p := range rendertest.ConfigProblems(cfg, rendertest.WithoutBackend(want.files[ConfigFile], backend), route) {
			t.Error(p)
		}
		// An annotation that was not honoured changes nothing, but for an
		// allowlist, which fails closed.
		allowlist := name == names.IPAllowlistAnnotation || name == names.IPWhitelistAnnotation
		if v.InvalidAnnotations != "" && !allowlist && !bytes.Equal(cfg, want.files[ConfigFile]) {
			t.Errorf("%s=%q was not honoured (%s) but changed haproxy.cfg:\n%s", name, value, v.InvalidAnnotations, numbered(cfg))
		}

		// Every file: no control character but line ends; the files
		// besides the baseline's are allowlists, each named in haproxy.cfg
		// and holding one canonical prefix a line.
		for file, data := range got.files {
			for i, c := range data {
				if (c < 0x20 && c != '\n') || c == 0x7f {
					t.Errorf("%s has the control character %q at byte %d", file, c, i)
					break
				}
			}
			if !strings.HasPrefix(file, "allowlists/") {
				if w, ok := want.files[file]; !ok {
					t.Errorf("%s: a file the route without annotations has not", file)
				} else if file != ConfigFile && !bytes.Equal(data, w) {
					t.Errorf("%s differs from the route's without annotations", file)
				}
				continue
			}
			if !allowlist {
				t.Errorf("%s written for %s", file, name)
			}
			ref := " if !{ src -f " + fuzzConfigDir + "/" + file + " }\n"
			if !bytes.Contains(cfg, []byte(ref)) {
				t.Errorf("haproxy.cfg does not check clients against %s", file)
			}
			if len(data) == 0 {
				if v.InvalidAnnotations == "" {
					t.Errorf("%s is empty, though %s=%q was valid", file, name, value)
				}
				continue
			}
			if data[len(data)-1] != '\n' {
				t.Errorf("%s does not end with a newline", file)
			}
			for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
				p, err := netip.ParsePrefix(l)
				switch {
				case err != nil:
					t.Errorf("%s: line %q: %v", file, l, err)
				case p != p.Masked() || p.String() != l:
					t.Errorf("%s: line %q is not a canonical, masked prefix", file, l)
				}
			}
		}
		for file := range want.files {
			if _, ok := got.files[file]; !ok {
				t.Errorf("%s is missing", file)
			}
		}

		if t.Failed() || !rendertest.WantHAProxyCheck(struct {
			Key   uint8
			Value string
			Kind  uint8
		}{key, value, kind}) {
			return
		}
		// Renderings equal in fuzzConfigDir are equal in any directory:
		// HAProxy checks each once (most hostile values change nothing).
		if _, seen := annotationChecked.LoadOrStore(digest(got.files), true); seen {
			return
		}
		// Not t.TempDir(): seed names such as "seed#0" would put a '#' in
		// the path, and render writes paths into haproxy.cfg unquoted.
		dir, err := os.MkdirTemp("", "okd-fuzz-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		mustPassHAProxy(t, dir, renderAnnotated(t, kind, annotations, dir).files)
	})
}

// TestAnnotationsFuzzCheckerCatches feeds FuzzRenderAnnotations' structure
// checks files tampered with what they look for: each must be reported.
func TestAnnotationsFuzzCheckerCatches(t *testing.T) {
	good := renderAnnotated(t, 0, map[string]string{names.IPAllowlistAnnotation: "10.0.0.1"}, fuzzConfigDir)
	base := renderAnnotated(t, 0, nil, fuzzConfigDir)
	route := good.res.Routes[0]
	backend := model.BackendName(route.Route)
	empty := rendertest.WithoutBackend(base.files[ConfigFile], backend)
	if p := rendertest.ConfigProblems(good.files[ConfigFile], empty, route); len(p) != 0 {
		t.Fatalf("a good rendering has problems: %v", p)
	}
	deny := "  http-request deny deny_status 403 if !{ src -f " + fuzzConfigDir + "/allowlists/be_http_fuzz_route.txt }"
	for name, tampered := range map[string]string{
		"a server after the deny line": deny + "\n  server evil 198.51.100.66:80",
		"an unquoted HSTS value":       "  http-response set-header Strict-Transport-Security max-age=1 if { ssl_fc }",
		"an HSTS value off grammar":    `  http-response set-header Strict-Transport-Security "max-age=1;\x20preload;\x20preload" if { ssl_fc }`,
		"HSTS over plain HTTP too":     `  http-response set-header Strict-Transport-Security "max-age=1"`,
		"a timeout with a unit":        "  timeout server 5s",
		"a zero timeout":               "  timeout server 0ms",
		"a relative allowlist path":    "  http-request deny deny_status 403 if !{ src -f allowlists/x.txt }",
		"an allowlist of two files":    deny + " -f /etc/passwd",
		"a pattern instead of a file":  "  http-request deny deny_status 403 if !{ src 0.0.0.0/0 }",
		"a frontend line changed":      deny + "\nfrontend evil",
	} {
		cfg := bytes.Replace(good.files[ConfigFile], []byte(deny), []byte(tampered), 1)
		if bytes.Equal(cfg, good.files[ConfigFile]) {
			t.Fatalf("haproxy.cfg lacks %q", deny)
		}
		if p := rendertest.ConfigProblems(cfg, empty, route); len(p) == 0 {
			t.Errorf("%s: not reported", name)
		}
	}
}
