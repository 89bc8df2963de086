package routeapi_test

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
	"github.com/okd-ingress/okd-ingress/internal/router/render"
	"github.com/okd-ingress/okd-ingress/internal/router/render/rendertest"
)

// FuzzValidateRoute fuzzes the validation boundary: a route built from
// user-controlled text is defaulted and validated as the webhook does.
// Validation must never panic and must name a field in every error; what
// it accepts must be safe for the router: the router's admission either
// rejects it with a reason and a message, or the files rendered for it keep
// the template's structure (rendertest's checkers) — and, for the seed
// corpus (a plain `go test`), pass the real `haproxy -c`; while fuzzing
// only when OKD_FUZZ_HAPROXY_CHECK is set (1: every admitted input, N:
// about one in N).
//
// flags: bit 0 wildcard policy Subdomain, bit 1 the default-backend
// annotation "true", bit 2 validate as an update of a valid route, bit 3 a
// numeric targetPort (the text's length). A non-empty cert is the route's
// certificate, with the key rendertest.FuzzKey, and with reencrypt also its
// destination CA.

const (
	fuzzNS        = "fuzz"
	fuzzName      = "route"
	fuzzConfigDir = "/okd-ingress-fuzz/conf"
	fuzzDomain    = "apps.example.com"
)

type validateInput struct {
	host, subdomain, path, pathType        string
	reqName, reqValue, respName, respValue string
	service, alternate, targetPort         string
	termination, insecure, cert            string
	flags                                  uint8
}

func (in validateInput) route() *routev1.Route {
	r := &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{Namespace: fuzzNS, Name: fuzzName, UID: "uid-fuzz", ResourceVersion: "1",
			CreationTimestamp: metav1.NewTime(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))},
		Spec: routev1.RouteSpec{Host: in.host, Subdomain: in.subdomain, Path: in.path,
			To: routev1.RouteTargetReference{Kind: "Service", Name: in.service}},
	}
	annotate := func(k, v string) {
		if r.Annotations == nil {
			r.Annotations = map[string]string{}
		}
		r.Annotations[k] = v
	}
	if in.pathType != "" {
		annotate(names.PathTypeAnnotation, in.pathType)
	}
	if in.flags&2 != 0 {
		annotate(names.DefaultBackendAnnotation, "true")
	}
	if in.flags&1 != 0 {
		r.Spec.WildcardPolicy = routev1.WildcardPolicySubdomain
	}
	header := func(name, value string) routev1.RouteHTTPHeader {
		if value == "" {
			return routev1.RouteHTTPHeader{Name: name, Action: routev1.RouteHTTPHeaderActionUnion{Type: routev1.Delete}}
		}
		return routev1.RouteHTTPHeader{Name: name, Action: routev1.RouteHTTPHeaderActionUnion{Type: routev1.Set, Set: &routev1.RouteSetHTTPHeader{Value: value}}}
	}
	if in.reqName != "" || in.respName != "" {
		r.Spec.HTTPHeaders = &routev1.RouteHTTPHeaders{}
		if in.reqName != "" {
			r.Spec.HTTPHeaders.Actions.Request = []routev1.RouteHTTPHeader{header(in.reqName, in.reqValue)}
		}
		if in.respName != "" {
			r.Spec.HTTPHeaders.Actions.Response = []routev1.RouteHTTPHeader{header(in.respName, in.respValue)}
		}
	}
	if in.alternate != "" {
		w := int32(50)
		r.Spec.AlternateBackends = []routev1.RouteTargetReference{{Kind: "Service", Name: in.alternate, Weight: &w}}
	}
	switch {
	case in.flags&8 != 0:
		r.Spec.Port = &routev1.RoutePort{TargetPort: intstr.FromInt32(int32(len(in.targetPort)))}
	case in.targetPort != "":
		r.Spec.Port = &routev1.RoutePort{TargetPort: intstr.FromString(in.targetPort)}
	}
	if in.termination != "" || in.insecure != "" || in.cert != "" {
		r.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationType(in.termination),
			InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyType(in.insecure)}
		if in.cert != "" {
			switch strings.ToLower(in.termination) {
			case "passthrough":
			case "reencrypt":
				r.Spec.TLS.DestinationCACertificate = in.cert
				fallthrough
			default:
				r.Spec.TLS.Certificate, r.Spec.TLS.Key = in.cert, rendertest.FuzzKey
			}
		}
	}
	return r
}

// oldRoute is the stored route an update starts from.
func oldRoute() *routev1.Route {
	r := validateInput{host: "old.example.com", service: "web"}.route()
	routeapi.Default(r)
	return r
}

// renderParams are the router's settings for files written to dir; the
// service CA verifies reencrypt routes without a destination CA.
func renderParams(dir string) render.Params {
	cfg := config.Defaults()
	cfg.Threads, cfg.Domain, cfg.AllowWildcards = 1, fuzzDomain, true
	cfg.DefaultDestinationCA = dir + "/service-ca.crt"
	return render.Params{
		Config: cfg, ConfigDir: dir,
		StatsSocket: dir + "/run/stats.sock", MetricsSocket: "abns@fuzz-validate-metrics", TLSSocket: "abns@fuzz-validate-tls",
		DefaultCertificate: []byte(rendertest.FuzzKey + rendertest.FuzzCert), HardStopAfter: time.Hour,
	}
}

// cluster has Services with one ready endpoint for every name the route
// targets (admission lets through DNS labels only).
func cluster(r *routev1.Route) (map[types.NamespacedName]*corev1.Service, map[types.NamespacedName][]*discoveryv1.EndpointSlice) {
	svcs := map[types.NamespacedName]*corev1.Service{}
	slices := map[types.NamespacedName][]*discoveryv1.EndpointSlice{}
	port, name := int32(8080), "http"
	for i, t := range append([]routev1.RouteTargetReference{r.Spec.To}, r.Spec.AlternateBackends...) {
		k := types.NamespacedName{Namespace: r.Namespace, Name: t.Name}
		svcs[k] = &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: k.Namespace, Name: k.Name},
			Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: name, Port: 80, TargetPort: intstr.FromInt32(port)}}}}
		slices[k] = []*discoveryv1.EndpointSlice{{
			ObjectMeta: metav1.ObjectMeta{Namespace: k.Namespace, Name: k.Name + "-1"}, AddressType: discoveryv1.AddressTypeIPv4,
			Ports:     []discoveryv1.EndpointPort{{Name: &name, Port: &port}},
			Endpoints: []discoveryv1.Endpoint{{Addresses: []string{fmt.Sprintf("198.18.1.%d", i+1)}}},
		}}
	}
	return svcs, slices
}

// renderFor runs the router's pipeline on admitted routes, as the router does.
func renderFor(t testing.TB, routes []admission.Route, svcs map[types.NamespacedName]*corev1.Service,
	slices map[types.NamespacedName][]*discoveryv1.EndpointSlice, dir string) render.Files {
	t.Helper()
	p := renderParams(dir)
	m := model.Build(model.Input{Routes: routes, Services: svcs, Slices: slices, Options: model.Options{
		BalanceHTTP: p.Config.BalanceHTTP, BalanceTCP: p.Config.BalanceTCP, DefaultDestinationCA: p.Config.DefaultDestinationCA}})
	model.AssignSlots(nil, m)
	files, err := render.Render(m, p)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return files
}

var emptyConfig = sync.OnceValue(func() []byte {
	return renderFor(&testing.T{}, nil, nil, nil, fuzzConfigDir)[render.ConfigFile]
})

// emptyPassthroughConfig is what any passthrough route adds besides its
// backend: the SNI-inspecting frontend and the hop to the TLS frontend.
var emptyPassthroughConfig = sync.OnceValue(func() []byte {
	r := validateInput{host: "pt.example.com", service: "web", targetPort: "https", termination: "passthrough"}.route()
	routeapi.Default(r)
	res := admission.Admit([]*routev1.Route{r}, admission.Policy{Domain: fuzzDomain})
	svcs, slices := cluster(r)
	cfg := renderFor(&testing.T{}, res.Routes, svcs, slices, fuzzConfigDir)[render.ConfigFile]
	return rendertest.WithoutBackend(cfg, model.BackendName(r))
})

// emptyConfigFor is the config without routes that route's must match outside its backend.
func emptyConfigFor(route admission.Route) []byte {
	if route.TLS != nil && route.TLS.Termination == routev1.TLSTerminationPassthrough {
		return emptyPassthroughConfig()
	}
	return emptyConfig()
}

func FuzzValidateRoute(f *testing.F) {
	cert := rendertest.FuzzCert
	// Benign seeds in code; the hostile ones are in testdata.
	f.Add("app.example.com", "", "", "", "", "", "", "", "web", "", "", "", "", "", uint8(0))
	f.Add("", "sub", "/api", "Prefix", "X-Frame-Options", "DENY", "X-Served-By", "%[res.hdr(server),lower]", "web", "canary", "http", "", "", "", uint8(2))
	f.Add("fuzz.example.com", "", "/", "Exact", "X-Forwarded-Client-Cert", "%{+Q}[ssl_c_der,base64]", "", "", "web", "", "", "edge", "Redirect", cert, uint8(4))
	f.Add("fuzz.example.com", "", "", "", "", "", "", "", "web", "", "https", "Reencrypt", "", cert, uint8(0))
	f.Add("fuzz.example.com", "", "", "", "", "", "", "", "web", "", "https", "reencrypt", "Allow", "", uint8(8))
	f.Add("www.example.com", "", "", "", "", "", "", "", "web", "", "", "passthrough", "Redirect", "", uint8(1))

	old := oldRoute()
	f.Fuzz(func(t *testing.T, host, subdomain, path, pathType, reqName, reqValue, respName, respValue, service, alternate, targetPort, termination, insecure, certPEM string, flags uint8) {
		in := validateInput{host, subdomain, path, pathType, reqName, reqValue, respName, respValue, service, alternate, targetPort, termination, insecure, certPEM, flags}
		r := in.route()
		// The mutating webhook defaults, the validating webhook validates.
		routeapi.Default(r)
		errs := routeapi.Validate(r)
		if flags&4 != 0 {
			errs = routeapi.ValidateUpdate(r, old)
		}
		for _, e := range errs {
			if e.Field == "" {
				t.Errorf("an error names no field: %v", e)
			}
			_ = e.Error()
		}
		if len(errs) > 0 {
			return
		}

		res := admission.Admit([]*routev1.Route{r}, admission.Policy{Domain: fuzzDomain, AllowWildcards: true, VerifyChains: true})
		v := res.Verdicts[types.NamespacedName{Namespace: fuzzNS, Name: fuzzName}]
		if !v.Admitted {
			if v.Reason == "" || v.Message == "" || len(res.Routes) != 0 {
				t.Fatalf("rejected without reason or message, or still served: %+v", v)
			}
			return
		}
		svcs, slices := cluster(r)
		files := renderFor(t, res.Routes, svcs, slices, fuzzConfigDir)
		problems := rendertest.ConfigProblems(files[render.ConfigFile], emptyConfigFor(res.Routes[0]), res.Routes[0])
		problems = append(problems, rendertest.MapProblems(files, res.Routes[0])...)
		problems = append(problems, rendertest.CrtListProblems(files[render.CrtListFile])...)
		for _, p := range problems {
			t.Error(p)
		}
		if t.Failed() || !rendertest.WantHAProxyCheck(in) {
			return
		}
		dir, err := os.MkdirTemp("", "okd-fuzz-validate-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		files = renderFor(t, res.Routes, svcs, slices, dir)
		files["service-ca.crt"] = []byte(rendertest.FuzzCert)
		rendertest.CheckHAProxy(t, dir, files)
	})
}

// TestValidateFuzzCheckerCatchesInjection feeds the checkers files tampered
// with the injections they look for: each must be reported.
func TestValidateFuzzCheckerCatchesInjection(t *testing.T) {
	in := validateInput{host: "fuzz.example.com", path: "/p", reqName: "X-A", reqValue: "v", respName: "X-B", respValue: "w",
		service: "web", alternate: "canary", termination: "edge", insecure: "Allow", cert: rendertest.FuzzCert, flags: 2}
	r := in.route()
	routeapi.Default(r)
	if errs := routeapi.Validate(r); len(errs) > 0 {
		t.Fatal(errs)
	}
	res := admission.Admit([]*routev1.Route{r}, admission.Policy{Domain: fuzzDomain, VerifyChains: true})
	if len(res.Routes) != 1 {
		t.Fatalf("rejected: %+v", res.Verdicts)
	}
	svcs, slices := cluster(r)
	good := renderFor(t, res.Routes, svcs, slices, fuzzConfigDir)
	check := func(files render.Files) []string {
		p := rendertest.ConfigProblems(files[render.ConfigFile], emptyConfig(), res.Routes[0])
		p = append(p, rendertest.MapProblems(files, res.Routes[0])...)
		return append(p, rendertest.CrtListProblems(files[render.CrtListFile])...)
	}
	if p := check(good); len(p) != 0 {
		t.Fatalf("the known-good files have problems: %v", p)
	}
	replace := func(file, old, new string) func(render.Files) {
		return func(f render.Files) {
			if !strings.Contains(string(f[file]), old) {
				t.Fatalf("%s lacks %q", file, old)
			}
			f[file] = []byte(strings.Replace(string(f[file]), old, new, 1))
		}
	}
	mapFile := "maps/" + model.MapHTTPSExact
	for name, tamper := range map[string]func(render.Files){
		"an extra line in the backend":     replace(render.ConfigFile, `"X-A" "v"`, "\"X-A\" \"v\"\n  server evil 198.51.100.1:80"),
		"a directive swapped in place":     replace(render.ConfigFile, `http-request set-header "X-A" "v"`, `http-request set-var(txn.be) str(x)`),
		"an unquoted header value":         replace(render.ConfigFile, `"X-B" "w"`, `"X-B" w`),
		"a changed global line":            replace(render.ConfigFile, "stats timeout 2m", "stats timeout 3m"),
		"another default backend":          replace(render.ConfigFile, "use_backend be_edge_http:fuzz:route if", "use_backend be_http:evil:x if"),
		"a default backend for every host": replace(render.ConfigFile, "default_backend _not_found", "default_backend be_edge_http:fuzz:route"),
		"an extra section":                 replace(render.ConfigFile, "backend _not_found", "listen evil\n  bind :1\n\nbackend _not_found"),
		"a third field in a map":           replace(mapFile, " be_edge_http", " evil be_edge_http"),
		"a map key for another host":       replace(mapFile, "fuzz.example.com", "other.example.com"),
		"a map value of another backend":   replace(mapFile, "be_edge_http:fuzz:route", "be_http:other:x"),
		"a crt-list line with filters":     replace(render.CrtListFile, " fuzz.example.com", " [verify none] fuzz.example.com"),
	} {
		t.Run(name, func(t *testing.T) {
			bad := render.Files{}
			for k, v := range good {
				bad[k] = append([]byte(nil), v...)
			}
			tamper(bad)
			if p := check(bad); len(p) == 0 {
				t.Error("not reported")
			}
		})
	}
}
