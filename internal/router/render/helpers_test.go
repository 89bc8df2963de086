package render

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/haproxytest"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
)

// writeFiles writes rendered files under dir with their relative layout.
func writeFiles(t testing.TB, dir string, files Files) {
	t.Helper()
	for rel, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// haproxyCheck runs `haproxy -c` on dir/haproxy.cfg and returns its output
// and whether the configuration is valid.
func haproxyCheck(t testing.TB, dir string) (string, bool) {
	t.Helper()
	bin := haproxytest.Binary(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-c", "-f", filepath.Join(dir, ConfigFile))
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// mustPassHAProxy writes files into a fresh directory that must be the
// ConfigDir they were rendered for, and runs the real `haproxy -c` on them.
func mustPassHAProxy(t testing.TB, dir string, files Files) {
	t.Helper()
	writeFiles(t, dir, files)
	out, ok := haproxyCheck(t, dir)
	if !ok {
		t.Fatalf("haproxy -c failed:\n%s\nhaproxy.cfg:\n%s", out, numbered(files[ConfigFile]))
	}
	// A warning is a directive HAProxy ignores or reads differently
	// than the template meant.
	if strings.Contains(out, "[WARNING]") {
		t.Fatalf("haproxy -c warned:\n%s\nhaproxy.cfg:\n%s", out, numbered(files[ConfigFile]))
	}
}

func numbered(cfg []byte) string {
	var b strings.Builder
	for i, l := range strings.Split(string(cfg), "\n") {
		fmt.Fprintf(&b, "%4d %s\n", i+1, l)
	}
	return b.String()
}

// pki is the test certificates, generated once per process.
type pki struct {
	ca          certs.KeyPair
	defaultCert []byte        // key + certificate for *.apps.example.com
	secure      certs.KeyPair // secure.example.com
	wildcard    certs.KeyPair // *.wild.example.com
}

var (
	pkiOnce sync.Once
	testPKI pki
	pkiErr  error
)

func fixtures(t testing.TB) pki {
	t.Helper()
	pkiOnce.Do(func() {
		now := time.Now()
		var p pki
		if p.ca, pkiErr = certs.NewCA("render-test-ca", 24*time.Hour, now); pkiErr != nil {
			return
		}
		var def certs.KeyPair
		if def, pkiErr = certs.NewServingCert(p.ca, []string{"*.apps.example.com"}, nil, 24*time.Hour, now); pkiErr != nil {
			return
		}
		p.defaultCert = append(append([]byte{}, def.KeyPEM...), def.CertPEM...)
		if p.secure, pkiErr = certs.NewServingCert(p.ca, []string{"secure.example.com"}, nil, 24*time.Hour, now); pkiErr != nil {
			return
		}
		if p.wildcard, pkiErr = certs.NewServingCert(p.ca, []string{"*.wild.example.com"}, nil, 24*time.Hour, now); pkiErr != nil {
			return
		}
		testPKI = p
	})
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return testPKI
}

// testParams are the render parameters for files written to dir.
func testParams(t testing.TB, dir string, edit func(*config.Config)) Params {
	cfg := config.Defaults()
	cfg.Threads = 1
	cfg.Domain = "apps.example.com"
	if edit != nil {
		edit(&cfg)
	}
	return Params{
		Config: cfg, ConfigDir: dir,
		StatsSocket:   filepath.Join(dir, "run", "stats.sock"),
		MetricsSocket: "abns@render-test-metrics", TLSSocket: "unix@" + filepath.Join(dir, "run", "tls.sock"),
		DefaultCertificate: fixtures(t).defaultCert, HardStopAfter: time.Hour,
	}
}

var base = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

type opt func(*routev1.Route)

func newRoute(ns, name string, created int, host string, opts ...opt) *routev1.Route {
	r := &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: name, UID: types.UID("uid-" + ns + "-" + name),
			CreationTimestamp: metav1.NewTime(base.Add(time.Duration(created) * time.Second)),
		},
		Spec: routev1.RouteSpec{Host: host, To: routev1.RouteTargetReference{Kind: "Service", Name: "web"}},
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

func withTLS(t routev1.TLSConfig) opt { return func(r *routev1.Route) { r.Spec.TLS = &t } }

func headerSet(name, value string) routev1.RouteHTTPHeader {
	return routev1.RouteHTTPHeader{Name: name, Action: routev1.RouteHTTPHeaderActionUnion{
		Type: routev1.Set, Set: &routev1.RouteSetHTTPHeader{Value: value}}}
}

func headerDelete(name string) routev1.RouteHTTPHeader {
	return routev1.RouteHTTPHeader{Name: name, Action: routev1.RouteHTTPHeaderActionUnion{Type: routev1.Delete}}
}

// testCluster: Service "web" (2 ready endpoints, one unready) and
// Service "other" (1 endpoint), both http 80 → 8080, in every namespace used.
func testCluster(namespaces ...string) (map[types.NamespacedName]*corev1.Service, map[types.NamespacedName][]*discoveryv1.EndpointSlice) {
	svcs := map[types.NamespacedName]*corev1.Service{}
	slices := map[types.NamespacedName][]*discoveryv1.EndpointSlice{}
	port, name := int32(8080), "http"
	notReady := false
	for _, ns := range namespaces {
		for svc, eps := range map[string][]discoveryv1.Endpoint{
			"web": {
				{Addresses: []string{"198.18.0.10"}},
				{Addresses: []string{"198.18.0.11"}},
				{Addresses: []string{"198.18.0.12"}, Conditions: discoveryv1.EndpointConditions{Ready: &notReady}},
			},
			"other": {{Addresses: []string{"198.18.0.20"}}},
		} {
			k := types.NamespacedName{Namespace: ns, Name: svc}
			svcs[k] = &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: svc},
				Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}}}}
			slices[k] = []*discoveryv1.EndpointSlice{{
				ObjectMeta:  metav1.ObjectMeta{Namespace: ns, Name: svc + "-1"},
				AddressType: discoveryv1.AddressTypeIPv4,
				Ports:       []discoveryv1.EndpointPort{{Name: &name, Port: &port}},
				Endpoints:   eps,
			}}
		}
	}
	return svcs, slices
}

// pipeline admits routes, builds the model and assigns slots as the router
// does; it returns the verdicts too.
func pipeline(routes []*routev1.Route, cfg config.Config, prev *model.Model) (*model.Model, admission.Result) {
	res := admission.Admit(routes, admission.Policy{
		Domain: cfg.Domain, InterNamespaceAllowed: cfg.InterNamespaceAllowed,
		AllowWildcards: cfg.AllowWildcards, VerifyChains: cfg.ExtendedValidation,
	})
	nss := map[string]bool{}
	var list []string
	for _, r := range routes {
		if !nss[r.Namespace] {
			nss[r.Namespace] = true
			list = append(list, r.Namespace)
		}
	}
	svcs, slices := testCluster(list...)
	m := model.Build(model.Input{Routes: res.Routes, Services: svcs, Slices: slices, Options: model.Options{
		BalanceHTTP: cfg.BalanceHTTP, BalanceTCP: cfg.BalanceTCP, DisableHTTP2: cfg.DisableHTTP2,
		DefaultDestinationCA: DefaultDestinationCA(cfg),
	}})
	model.AssignSlots(prev, m)
	return m, res
}
