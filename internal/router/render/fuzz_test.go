package render

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
	"github.com/okd-ingress/okd-ingress/internal/router/render/rendertest"
)

// The fuzz target builds one route from user-controlled text and checks
// that, whatever admission lets through, the rendered files keep their
// structure: no line of haproxy.cfg that the template cannot produce, map
// and crt-list lines of exactly two fields, and a configuration that the
// real HAProxy accepts.
//
// kind selects what the text cannot: bits 0-1 the termination (none, edge,
// reencrypt, passthrough), kind/4%3 the insecure policy ("", Allow,
// Redirect), kind/12%2 a wildcard route. The certificate text, when not
// empty, is the route's certificate (with the fixed key rendertest.FuzzKey),
// and for reencrypt also its destination CA.
//
// haproxy -c runs for every admitted input of the seed corpus (a plain
// `go test`), and while fuzzing only when OKD_FUZZ_HAPROXY_CHECK is set:
// to 1 for every admitted input, or to N for about one in N.

const (
	fuzzNamespace = "fuzz"
	fuzzName      = "route"
	fuzzConfigDir = "/okd-ingress-fuzz/conf"
)

// fuzzInput is one fuzz case.
type fuzzInput struct {
	host, path, headerName, headerValue, pathType, cert string
	kind                                                uint8
}

func (in fuzzInput) termination() routev1.TLSTerminationType {
	return [...]routev1.TLSTerminationType{"", routev1.TLSTerminationEdge, routev1.TLSTerminationReencrypt, routev1.TLSTerminationPassthrough}[in.kind%4]
}

func (in fuzzInput) insecure() routev1.InsecureEdgeTerminationPolicyType {
	return [...]routev1.InsecureEdgeTerminationPolicyType{"", routev1.InsecureEdgeTerminationPolicyAllow, routev1.InsecureEdgeTerminationPolicyRedirect}[in.kind/4%3]
}

func (in fuzzInput) wildcard() bool { return in.kind/12%2 == 1 }

func (in fuzzInput) route(key string) *routev1.Route {
	r := newRoute(fuzzNamespace, fuzzName, 1, in.host)
	r.Spec.Path = in.path
	if in.pathType != "" {
		r.Annotations = map[string]string{names.PathTypeAnnotation: in.pathType}
	}
	if in.wildcard() {
		r.Spec.WildcardPolicy = routev1.WildcardPolicySubdomain
	}
	if in.headerName != "" {
		h := headerDelete(in.headerName)
		if in.headerValue != "" {
			h = headerSet(in.headerName, in.headerValue)
		}
		r.Spec.HTTPHeaders = &routev1.RouteHTTPHeaders{Actions: routev1.RouteHTTPHeaderActions{Request: []routev1.RouteHTTPHeader{h}}}
	}
	if t := in.termination(); t != "" {
		r.Spec.TLS = &routev1.TLSConfig{Termination: t, InsecureEdgeTerminationPolicy: in.insecure()}
		if in.cert != "" && t != routev1.TLSTerminationPassthrough {
			r.Spec.TLS.Certificate, r.Spec.TLS.Key = in.cert, key
			if t == routev1.TLSTerminationReencrypt {
				r.Spec.TLS.DestinationCACertificate = in.cert
			}
		}
	}
	return r
}

// baseline is a known-good input with the same features as in: the same
// kind, a header action of the same type, a certificate when in has one.
func (in fuzzInput) baseline(cert string) fuzzInput {
	b := fuzzInput{host: "good.example.com", kind: in.kind}
	if in.wildcard() {
		b.host = "www.good.example.com"
	}
	if in.path != "" {
		b.path = "/good"
	}
	if in.headerName != "" {
		b.headerName = "X-Good"
		if in.headerValue != "" {
			b.headerValue = "good"
		}
	}
	if in.cert != "" {
		b.cert = cert
	}
	return b
}

type rendered struct {
	files Files
	res   admission.Result
}

func renderFuzz(t testing.TB, in fuzzInput, dir string) rendered {
	t.Helper()
	params := testParams(t, dir, func(c *config.Config) { c.AllowWildcards = true })
	m, res := pipeline([]*routev1.Route{in.route(rendertest.FuzzKey)}, params.Config, nil)
	files, err := Render(m, params)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return rendered{files: files, res: res}
}

var baselines sync.Map // fuzzInput → rendered, rendered in fuzzConfigDir

// backendLine lists the shapes a line of a route's backend section can take.
var backendLine = rendertest.BackendLine(fuzzNamespace, fuzzName)

// structureProblems compares the fuzz input's files with the baseline's
// and describes every difference the template cannot explain.
func structureProblems(got, want rendered) []string {
	var problems []string
	errorf := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	route := got.res.Routes[0]
	backend := model.BackendName(route.Route)

	gl, wl := lines(got.files[ConfigFile]), lines(want.files[ConfigFile])
	if len(gl) != len(wl) {
		errorf("haproxy.cfg has %d lines, a known-good route with the same features %d:\n%s", len(gl), len(wl), numbered(got.files[ConfigFile]))
		return problems
	}
	inBackend := false
	for i, l := range gl {
		if rendertest.HasControl(l) {
			errorf("haproxy.cfg line %d has a control character: %q", i+1, l)
		}
		switch {
		case l == "backend "+backend:
			inBackend = true
		case l == "" || !strings.HasPrefix(l, " "):
			inBackend = false
		}
		if !inBackend {
			if l != wl[i] {
				errorf("haproxy.cfg line %d is %q, the known-good route's %q", i+1, l, wl[i])
			}
			continue
		}
		if !backendLine.MatchString(l) {
			errorf("haproxy.cfg line %d %q has no shape the template produces", i+1, l)
		}
		if l != wl[i] && !(rendertest.HeaderLine.MatchString(l) && rendertest.HeaderLine.MatchString(wl[i])) {
			errorf("haproxy.cfg line %d is %q, the known-good route's %q", i+1, l, wl[i])
		}
	}

	problems = append(problems, rendertest.MapProblems(got.files, route)...)
	crt := string(got.files[CrtListFile])
	if n, w := strings.Count(crt, "\n"), strings.Count(string(want.files[CrtListFile]), "\n"); n != w {
		errorf("crt-list has %d lines, the known-good route's %d", n, w)
	}
	problems = append(problems, rendertest.CrtListProblems(got.files[CrtListFile])...)
	return problems
}

func FuzzRenderRoute(f *testing.F) {
	cert := rendertest.FuzzCert
	// A few benign seeds in code; the hostile ones are in testdata.
	f.Add("app.example.com", "", "", "", "", "", uint8(0))
	f.Add("app.example.com", "/api", "X-Frame-Options", "DENY", "Prefix", "", uint8(0))
	f.Add("fuzz.example.com", "/", "X-Debug", "", "Exact", cert, uint8(1+4*2))
	f.Add("fuzz.example.com", "", "", "", "", cert, uint8(2))
	f.Add("www.example.com", "", "", "", "", "", uint8(3+4*2+12))

	f.Fuzz(func(t *testing.T, host, path, headerName, headerValue, pathType, certPEM string, kind uint8) {
		in := fuzzInput{host: host, path: path, headerName: headerName, headerValue: headerValue, pathType: pathType, cert: certPEM, kind: kind}
		got := renderFuzz(t, in, fuzzConfigDir)
		v := got.res.Verdicts[keyOf(fuzzNamespace, fuzzName)]
		if !v.Admitted {
			if v.Reason == "" || v.Message == "" || len(got.res.Routes) != 0 {
				t.Fatalf("rejected without reason or message, or still served: %+v", v)
			}
			return
		}

		b := in.baseline(cert)
		cached, ok := baselines.Load(b)
		if !ok {
			r := renderFuzz(t, b, fuzzConfigDir)
			if bv := r.res.Verdicts[keyOf(fuzzNamespace, fuzzName)]; !bv.Admitted {
				t.Fatalf("the known-good route %+v was rejected: %s: %s", b, bv.Reason, bv.Message)
			}
			cached, _ = baselines.LoadOrStore(b, r)
		}
		for _, p := range structureProblems(got, cached.(rendered)) {
			t.Error(p)
		}

		if t.Failed() || !rendertest.WantHAProxyCheck(in) {
			return
		}
		// Not t.TempDir(): seed names such as "seed#0" would put a '#' in
		// the path, and render writes paths into haproxy.cfg unquoted.
		dir, err := os.MkdirTemp("", "okd-fuzz-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		mustPassHAProxy(t, dir, renderFuzz(t, in, dir).files)
	})
}

// TestFuzzCheckerCatchesInjection feeds the fuzz target's checker files
// tampered with the injections it looks for: each must be reported.
func TestFuzzCheckerCatchesInjection(t *testing.T) {
	cert := rendertest.FuzzCert
	in := fuzzInput{host: "fuzz.example.com", path: "/p", headerName: "X-A", headerValue: "v", cert: cert, kind: 1 + 4}
	good := renderFuzz(t, in, fuzzConfigDir)
	if v := good.res.Verdicts[keyOf(fuzzNamespace, fuzzName)]; !v.Admitted {
		t.Fatalf("rejected: %+v", v)
	}
	if p := structureProblems(good, good); len(p) != 0 {
		t.Fatalf("a rendering differs from itself: %v", p)
	}
	replace := func(file, old, new string) func(Files) {
		return func(f Files) {
			if !bytes.Contains(f[file], []byte(old)) {
				t.Fatalf("%s lacks %q", file, old)
			}
			f[file] = bytes.Replace(f[file], []byte(old), []byte(new), 1)
		}
	}
	cases := map[string]func(Files){
		"an extra line in the backend":   replace(ConfigFile, `"X-A" "v"`, "\"X-A\" \"v\"\n  server evil 198.51.100.1:80"),
		"a directive swapped in place":   replace(ConfigFile, `http-request set-header "X-A" "v"`, `http-request set-var(txn.be) str(x)`),
		"an unquoted header value":       replace(ConfigFile, `"X-A" "v"`, `"X-A" v`),
		"a raw space in a quoted word":   replace(ConfigFile, `"X-A" "v"`, `"X-A" "v w"`),
		"a changed global line":          replace(ConfigFile, "stats timeout 2m", "stats timeout 3m"),
		"a third field in a map":         replace("maps/"+model.MapHTTPSExact, " be_edge_http", " evil be_edge_http"),
		"a second map entry on a line":   replace("maps/"+model.MapHTTPSExact, "\n", " x\nb.com/ be_edge_http:fuzz:route\n"),
		"a map key for another host":     replace("maps/"+model.MapHTTPSExact, "fuzz.example.com", "other.example.com"),
		"a control character in a map":   replace("maps/"+model.MapHTTPExact, "/p", "/p\r"),
		"a map value of another backend": replace("maps/"+model.MapHTTPSPrefix, "be_edge_http:fuzz:route", "be_http:other:x"),
		"an extra crt-list line":         replace(CrtListFile, "\n", "\n/etc/passwd evil.com\n"),
		"a crt-list line with filters":   replace(CrtListFile, " fuzz.example.com", " [verify none] fuzz.example.com"),
		"an exclusion not on a wildcard": replace(CrtListFile, " fuzz.example.com", " fuzz.example.com !a.example.com"),
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			bad := rendered{files: Files{}, res: good.res}
			for k, v := range good.files {
				bad.files[k] = append([]byte(nil), v...)
			}
			tamper(bad.files)
			if p := structureProblems(bad, good); len(p) == 0 {
				t.Error("not reported")
			}
		})
	}
}
