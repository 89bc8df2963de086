package model

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
)

var base = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

type opt func(*routev1.Route)

func route(ns, name string, created int, host string, opts ...opt) *routev1.Route {
	r := &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: name, UID: types.UID("uid-" + ns + "-" + name),
			CreationTimestamp: metav1.NewTime(base.Add(time.Duration(created) * time.Second)),
		},
		Spec: routev1.RouteSpec{Host: host, To: routev1.RouteTargetReference{Kind: "Service", Name: "svc"}},
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

func path(p string) opt     { return func(r *routev1.Route) { r.Spec.Path = p } }
func pathType(t string) opt { return annotate(names.PathTypeAnnotation, t) }
func wildcard() opt {
	return func(r *routev1.Route) { r.Spec.WildcardPolicy = routev1.WildcardPolicySubdomain }
}
func annotate(k, v string) opt {
	return func(r *routev1.Route) {
		if r.Annotations == nil {
			r.Annotations = map[string]string{}
		}
		r.Annotations[k] = v
	}
}
func termination(t routev1.TLSTerminationType, insecure routev1.InsecureEdgeTerminationPolicyType) opt {
	return func(r *routev1.Route) {
		r.Spec.TLS = &routev1.TLSConfig{Termination: t, InsecureEdgeTerminationPolicy: insecure}
	}
}
func to(name string, weight int32) opt {
	return func(r *routev1.Route) {
		r.Spec.To = routev1.RouteTargetReference{Kind: "Service", Name: name, Weight: &weight}
	}
}
func alt(name string, weight int32) opt {
	return func(r *routev1.Route) {
		r.Spec.AlternateBackends = append(r.Spec.AlternateBackends, routev1.RouteTargetReference{Kind: "Service", Name: name, Weight: &weight})
	}
}
func targetPort(p intstr.IntOrString) opt {
	return func(r *routev1.Route) { r.Spec.Port = &routev1.RoutePort{TargetPort: p} }
}
func setHeader(name, value string) opt {
	return func(r *routev1.Route) {
		r.Spec.HTTPHeaders = &routev1.RouteHTTPHeaders{Actions: routev1.RouteHTTPHeaderActions{
			Request: []routev1.RouteHTTPHeader{{Name: name, Action: routev1.RouteHTTPHeaderActionUnion{
				Type: routev1.Set, Set: &routev1.RouteSetHTTPHeader{Value: value}}}},
		}}
	}
}

// admit admits routes (wildcards allowed, namespaces may share hosts) and
// fails the test if one is rejected: these tests are about the model.
func admit(t *testing.T, routes ...*routev1.Route) []admission.Route {
	t.Helper()
	res := admission.Admit(routes, admission.Policy{AllowWildcards: true, InterNamespaceAllowed: true})
	for k, v := range res.Verdicts {
		if !v.Admitted {
			t.Fatalf("%s rejected: %s: %s", k, v.Reason, v.Message)
		}
	}
	return res.Routes
}

// cluster holds the Services and EndpointSlices of namespace "ns".
type cluster struct {
	services map[types.NamespacedName]*corev1.Service
	slices   map[types.NamespacedName][]*discoveryv1.EndpointSlice
}

func newCluster() *cluster {
	return &cluster{services: map[types.NamespacedName]*corev1.Service{}, slices: map[types.NamespacedName][]*discoveryv1.EndpointSlice{}}
}

func svcPort(name string, port int32, target intstr.IntOrString) corev1.ServicePort {
	return corev1.ServicePort{Name: name, Port: port, TargetPort: target}
}

func epPort(name string, port int32) discoveryv1.EndpointPort {
	p := discoveryv1.EndpointPort{Port: &port}
	if name != "" {
		p.Name = &name
	}
	return p
}

func ready(b bool) *bool { return &b }

func ep(readiness *bool, addrs ...string) discoveryv1.Endpoint {
	return discoveryv1.Endpoint{Addresses: addrs, Conditions: discoveryv1.EndpointConditions{Ready: readiness}}
}

func (c *cluster) service(name string, ports ...corev1.ServicePort) *cluster {
	k := types.NamespacedName{Namespace: "ns", Name: name}
	c.services[k] = &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}, Spec: corev1.ServiceSpec{Ports: ports}}
	return c
}

func (c *cluster) slice(svc string, at discoveryv1.AddressType, ports []discoveryv1.EndpointPort, eps ...discoveryv1.Endpoint) *cluster {
	k := types.NamespacedName{Namespace: "ns", Name: svc}
	c.slices[k] = append(c.slices[k], &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: "ns", Name: fmt.Sprintf("%s-%d", svc, len(c.slices[k]))},
		AddressType: at, Ports: ports, Endpoints: eps,
	})
	return c
}

// web adds a Service with one port "http" 80 → 8080 and n ready endpoints
// 198.18.<octet>.1 … n.
func (c *cluster) web(name string, octet, n int) *cluster {
	c.service(name, svcPort("http", 80, intstr.FromInt32(8080)))
	var eps []discoveryv1.Endpoint
	for i := 1; i <= n; i++ {
		eps = append(eps, ep(nil, fmt.Sprintf("198.18.%d.%d", octet, i)))
	}
	return c.slice(name, discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{epPort("http", 8080)}, eps...)
}

func (c *cluster) input(routes []admission.Route, o Options) Input {
	return Input{Routes: routes, Services: c.services, Slices: c.slices, Options: o}
}

var defaultOptions = Options{BalanceHTTP: "random", BalanceTCP: "source"}

func build(t *testing.T, c *cluster, routes ...*routev1.Route) *Model {
	t.Helper()
	if c == nil {
		c = newCluster()
	}
	return Build(c.input(admit(t, routes...), defaultOptions))
}

type maps map[string][]Entry

func e(k, v string) Entry { return Entry{Key: k, Value: v} }

func checkMaps(t *testing.T, got map[string][]Entry, want maps) {
	t.Helper()
	for _, name := range MapNames {
		g, w := got[name], want[name]
		if len(g) == 0 && len(w) == 0 {
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n got  %v\n want %v", name, g, w)
		}
	}
	if len(got) != len(MapNames) {
		t.Errorf("model has %d maps, want %d", len(got), len(MapNames))
	}
}

func TestMapEntries(t *testing.T) {
	const (
		plain = "be_http:ns:r"
		edge  = "be_edge_http:ns:r"
		re    = "be_secure:ns:r"
		tcp   = "be_tcp:ns:r"
		redir = RedirectValue
	)
	E, P := routev1.TLSTerminationEdge, routev1.TLSTerminationPassthrough
	R := routev1.TLSTerminationReencrypt
	none, allow, redirect := routev1.InsecureEdgeTerminationPolicyNone, routev1.InsecureEdgeTerminationPolicyAllow, routev1.InsecureEdgeTerminationPolicyRedirect
	cases := []struct {
		name  string
		route *routev1.Route
		want  maps
	}{
		{"plain, no path", route("ns", "r", 1, "a.com"),
			maps{MapHTTPPrefix: {e("a.com/", plain)}}},
		{"plain, /", route("ns", "r", 1, "a.com", path("/")),
			maps{MapHTTPPrefix: {e("a.com/", plain)}}},
		{"plain, /foo: exact and below", route("ns", "r", 1, "a.com", path("/foo")),
			maps{MapHTTPExact: {e("a.com/foo", plain)}, MapHTTPPrefix: {e("a.com/foo/", plain)}}},
		{"plain, /foo/ (ImplementationSpecific): only below", route("ns", "r", 1, "a.com", path("/foo/")),
			maps{MapHTTPPrefix: {e("a.com/foo/", plain)}}},
		{"plain, /foo/ Prefix: trimmed, so /foo matches too", route("ns", "r", 1, "a.com", path("/foo/"), pathType("Prefix")),
			maps{MapHTTPExact: {e("a.com/foo", plain)}, MapHTTPPrefix: {e("a.com/foo/", plain)}}},
		{"plain, /foo Exact", route("ns", "r", 1, "a.com", path("/foo"), pathType("Exact")),
			maps{MapHTTPExact: {e("a.com/foo", plain)}}},
		{"plain, / Exact", route("ns", "r", 1, "a.com", path("/"), pathType("Exact")),
			maps{MapHTTPExact: {e("a.com/", plain)}}},
		{"plain, percent-encoded path kept as written", route("ns", "r", 1, "a.com", path("/a%20b")),
			maps{MapHTTPExact: {e("a.com/a%20b", plain)}, MapHTTPPrefix: {e("a.com/a%20b/", plain)}}},
		{"edge, no insecure policy", route("ns", "r", 1, "a.com", termination(E, "")),
			maps{MapHTTPSPrefix: {e("a.com/", edge)}}},
		{"edge, None", route("ns", "r", 1, "a.com", termination(E, none)),
			maps{MapHTTPSPrefix: {e("a.com/", edge)}}},
		{"edge, Allow: both sides", route("ns", "r", 1, "a.com", path("/foo"), termination(E, allow)),
			maps{MapHTTPSExact: {e("a.com/foo", edge)}, MapHTTPSPrefix: {e("a.com/foo/", edge)},
				MapHTTPExact: {e("a.com/foo", edge)}, MapHTTPPrefix: {e("a.com/foo/", edge)}}},
		{"edge, Redirect: HTTP side redirects", route("ns", "r", 1, "a.com", path("/foo"), termination(E, redirect)),
			maps{MapHTTPSExact: {e("a.com/foo", edge)}, MapHTTPSPrefix: {e("a.com/foo/", edge)},
				MapHTTPExact: {e("a.com/foo", redir)}, MapHTTPPrefix: {e("a.com/foo/", redir)}}},
		{"reencrypt", route("ns", "r", 1, "a.com", termination(R, "")),
			maps{MapHTTPSPrefix: {e("a.com/", re)}}},
		{"reencrypt, Redirect", route("ns", "r", 1, "a.com", termination(R, redirect)),
			maps{MapHTTPSPrefix: {e("a.com/", re)}, MapHTTPPrefix: {e("a.com/", redir)}}},
		{"reencrypt, Allow", route("ns", "r", 1, "a.com", termination(R, allow)),
			maps{MapHTTPSPrefix: {e("a.com/", re)}, MapHTTPPrefix: {e("a.com/", re)}}},
		{"passthrough: SNI only", route("ns", "r", 1, "a.com", termination(P, "")),
			maps{MapPassthrough: {e("a.com", tcp)}}},
		{"passthrough, Redirect", route("ns", "r", 1, "a.com", termination(P, redirect)),
			maps{MapPassthrough: {e("a.com", tcp)}, MapHTTPPrefix: {e("a.com/", redir)}}},
		{"wildcard plain: key starts with the parent domain", route("ns", "r", 1, "www.example.com", wildcard()),
			maps{MapHTTPPrefix: {e(".example.com/", plain)}}},
		{"wildcard edge with a path", route("ns", "r", 1, "www.example.com", wildcard(), path("/foo"), termination(E, redirect)),
			maps{MapHTTPSExact: {e(".example.com/foo", edge)}, MapHTTPSPrefix: {e(".example.com/foo/", edge)},
				MapHTTPExact: {e(".example.com/foo", redir)}, MapHTTPPrefix: {e(".example.com/foo/", redir)}}},
		{"wildcard passthrough", route("ns", "r", 1, "www.example.com", wildcard(), termination(P, "")),
			maps{MapPassthrough: {e(".example.com", tcp)}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := build(t, nil, tc.route)
			checkMaps(t, m.Maps, tc.want)
		})
	}
}

func TestMapPrecedence(t *testing.T) {
	cases := []struct {
		name   string
		routes func(t *testing.T) []admission.Route
		want   maps
	}{
		{
			name: "Exact beats Prefix on the same key, even when newer",
			routes: func(t *testing.T) []admission.Route {
				return admit(t,
					route("ns", "prefix", 1, "a.com", path("/foo"), pathType("Prefix")),
					route("ns", "exact", 2, "a.com", path("/foo"), pathType("Exact")))
			},
			want: maps{
				MapHTTPExact:  {e("a.com/foo", "be_http:ns:exact")},
				MapHTTPPrefix: {e("a.com/foo/", "be_http:ns:prefix")},
			},
		},
		{
			name: "the longer path beats the shorter, even when newer",
			routes: func(t *testing.T) []admission.Route {
				return admit(t,
					route("ns", "short", 1, "a.com", path("/foo")),
					route("ns", "long", 2, "a.com", path("/foo/")))
			},
			want: maps{
				MapHTTPExact:  {e("a.com/foo", "be_http:ns:short")},
				MapHTTPPrefix: {e("a.com/foo/", "be_http:ns:long")},
			},
		},
		{
			// Questionable (and OKD's behaviour too): "/" and no path are
			// different claims, and "/" is longer, so a newer route with
			// path "/" takes every request from an older route without one.
			name: "path / beats no path",
			routes: func(t *testing.T) []admission.Route {
				return admit(t,
					route("ns1", "nopath", 1, "a.com"),
					route("ns2", "slash", 2, "a.com", path("/")))
			},
			want: maps{MapHTTPPrefix: {e("a.com/", "be_http:ns2:slash")}},
		},
		{
			name: "the older route beats the newer on an equal key (admission order)",
			routes: func(t *testing.T) []admission.Route {
				// Admission would reject the second; the model must still be
				// deterministic, preferring the first (older) route.
				rs := admit(t, route("ns", "old", 1, "a.com", path("/p")), route("ns", "new", 2, "b.com", path("/p")))
				rs[1].Host = "a.com"
				return rs
			},
			want: maps{
				MapHTTPExact:  {e("a.com/p", "be_http:ns:old")},
				MapHTTPPrefix: {e("a.com/p/", "be_http:ns:old")},
			},
		},
		{
			name: "an exact host and a wildcard of its domain have separate keys; entries sorted by key",
			routes: func(t *testing.T) []admission.Route {
				return admit(t,
					route("ns", "w", 1, "www.example.com", wildcard()),
					route("ns", "z", 2, "z.example.com"),
					route("ns", "a", 3, "a.example.com", path("/x")))
			},
			want: maps{
				MapHTTPExact:  {e("a.example.com/x", "be_http:ns:a")},
				MapHTTPPrefix: {e(".example.com/", "be_http:ns:w"), e("a.example.com/x/", "be_http:ns:a"), e("z.example.com/", "be_http:ns:z")},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := Build(newCluster().input(tc.routes(t), defaultOptions))
			checkMaps(t, m.Maps, tc.want)
		})
	}
}

type srv struct {
	addr   string
	weight int
}

func TestWeights(t *testing.T) {
	P := routev1.TLSTerminationPassthrough
	cases := []struct {
		name    string
		cluster *cluster
		route   *routev1.Route
		want    []srv
		balance string
		mode    Mode
	}{
		{
			name:    "3:1, one endpoint each",
			cluster: newCluster().web("a", 1, 1).web("b", 2, 1),
			route:   route("ns", "r", 1, "x.com", to("a", 3), alt("b", 1)),
			want:    []srv{{"198.18.1.1", 256}, {"198.18.2.1", 85}},
			balance: "roundrobin",
		},
		{
			name:    "1:1 with 1 and 3 endpoints: each service keeps half",
			cluster: newCluster().web("a", 1, 1).web("b", 2, 3),
			route:   route("ns", "r", 1, "x.com", to("a", 50), alt("b", 50)),
			want:    []srv{{"198.18.1.1", 256}, {"198.18.2.1", 85}, {"198.18.2.2", 85}, {"198.18.2.3", 85}},
			balance: "roundrobin",
		},
		{
			name:    "weight 0 service: its servers are kept with weight 0",
			cluster: newCluster().web("a", 1, 2).web("b", 2, 1),
			route:   route("ns", "r", 1, "x.com", to("a", 100), alt("b", 0)),
			want:    []srv{{"198.18.1.1", 1}, {"198.18.1.2", 1}, {"198.18.2.1", 0}},
			balance: "random",
		},
		{
			name:    "all weights 0: every server 0",
			cluster: newCluster().web("a", 1, 1).web("b", 2, 2),
			route:   route("ns", "r", 1, "x.com", to("a", 0), alt("b", 0)),
			want:    []srv{{"198.18.1.1", 0}, {"198.18.2.1", 0}, {"198.18.2.2", 0}},
			balance: "random",
		},
		{
			name:    "one service, several endpoints: the configured balance, weight 1 (random costs memory per weight unit)",
			cluster: newCluster().web("a", 1, 3),
			route:   route("ns", "r", 1, "x.com", to("a", 1)),
			want:    []srv{{"198.18.1.1", 1}, {"198.18.1.2", 1}, {"198.18.1.3", 1}},
			balance: "random",
		},
		{
			name:    "an active service without endpoints still makes the split round robin",
			cluster: newCluster().web("a", 1, 1).web("b", 2, 0),
			route:   route("ns", "r", 1, "x.com", to("a", 10), alt("b", 20)),
			want:    []srv{{"198.18.1.1", 256}},
			balance: "roundrobin",
		},
		{
			name:    "a tiny share rounds up to weight 1, never to 0",
			cluster: newCluster().web("a", 1, 1).web("b", 2, 4),
			route:   route("ns", "r", 1, "x.com", to("a", 256), alt("b", 1)),
			want:    []srv{{"198.18.1.1", 256}, {"198.18.2.1", 1}, {"198.18.2.2", 1}, {"198.18.2.3", 1}, {"198.18.2.4", 1}},
			balance: "roundrobin",
		},
		{
			name:    "a service named twice: one server per endpoint, the last weight (OKD's are per Service)",
			cluster: newCluster().web("a", 1, 1),
			route:   route("ns", "r", 1, "x.com", to("a", 100), alt("a", 0)),
			want:    []srv{{"198.18.1.1", 0}},
			balance: "random",
		},
		{
			name:    "a service named twice, last weight not 0",
			cluster: newCluster().web("a", 1, 2).web("b", 2, 1),
			route:   route("ns", "r", 1, "x.com", to("a", 0), alt("b", 50), alt("a", 50)),
			want:    []srv{{"198.18.1.1", 128}, {"198.18.1.2", 128}, {"198.18.2.1", 256}},
			balance: "roundrobin",
		},
		{
			name:    "a pod of two services gets both shares (OKD writes a server line for each)",
			cluster: newCluster().web("a", 1, 1).web("b", 1, 2),
			route:   route("ns", "r", 1, "x.com", to("a", 50), alt("b", 50)),
			want:    []srv{{"198.18.1.1", 256}, {"198.18.1.2", 85}},
			balance: "roundrobin",
		},
		{
			name:    "a pod of a weight-0 service and of the active one gets the active share",
			cluster: newCluster().web("canary", 1, 1).web("stable", 1, 2),
			route:   route("ns", "r", 1, "x.com", to("canary", 0), alt("stable", 100)),
			want:    []srv{{"198.18.1.1", 1}, {"198.18.1.2", 1}},
			balance: "random",
		},
		{
			name:    "a missing service has no servers",
			cluster: newCluster(),
			route:   route("ns", "r", 1, "x.com", to("a", 100)),
			balance: "random",
		},
		{
			name:    "passthrough: tcp mode and the TCP balance",
			cluster: newCluster().web("a", 1, 2),
			route:   route("ns", "r", 1, "x.com", to("a", 100), termination(P, "")),
			want:    []srv{{"198.18.1.1", 1}, {"198.18.1.2", 1}},
			balance: "source", mode: ModeTCP,
		},
		{
			name:    "passthrough, weighted: round robin",
			cluster: newCluster().web("a", 1, 1).web("b", 2, 1),
			route:   route("ns", "r", 1, "x.com", to("a", 1), alt("b", 1), termination(P, "")),
			want:    []srv{{"198.18.1.1", 256}, {"198.18.2.1", 256}},
			balance: "roundrobin", mode: ModeTCP,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := build(t, tc.cluster, tc.route)
			if len(m.Backends) != 1 {
				t.Fatalf("%d backends", len(m.Backends))
			}
			b := m.Backends[0]
			var got []srv
			for _, s := range b.Servers {
				if s.Port != 8080 {
					t.Errorf("server %s: port %d, want 8080", s.Addr, s.Port)
				}
				got = append(got, srv{s.Addr, s.Weight})
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("servers %v, want %v", got, tc.want)
			}
			if b.Balance != tc.balance {
				t.Errorf("balance %q, want %q", b.Balance, tc.balance)
			}
			if want := tc.mode; want != "" && b.Mode != want || want == "" && b.Mode != ModeHTTP {
				t.Errorf("mode %q", b.Mode)
			}
		})
	}
}

func TestPortSelection(t *testing.T) {
	// Service "svc": http 80 → 8080, metrics 9090 → named target "prom"
	// (9091 on the pods), and an unnamed-target port 443 → 8443.
	full := func() *cluster {
		return newCluster().
			service("svc", svcPort("http", 80, intstr.FromInt32(8080)), svcPort("metrics", 9090, intstr.FromString("prom")),
				svcPort("https", 443, intstr.FromInt32(8443))).
			slice("svc", discoveryv1.AddressTypeIPv4,
				[]discoveryv1.EndpointPort{epPort("http", 8080), epPort("metrics", 9091), epPort("https", 8443)},
				ep(nil, "198.18.0.1"), ep(ready(true), "198.18.0.2"), ep(ready(false), "198.18.0.3"))
	}
	cases := []struct {
		name    string
		cluster *cluster
		port    *intstr.IntOrString
		want    []string
	}{
		{name: "no route port: the Service's first port", cluster: full(),
			want: []string{"198.18.0.1:8080", "198.18.0.2:8080"}},
		{name: "by Service port name", cluster: full(), port: ptr(intstr.FromString("metrics")),
			want: []string{"198.18.0.1:9091", "198.18.0.2:9091"}},
		{name: "by named target port", cluster: full(), port: ptr(intstr.FromString("prom")),
			want: []string{"198.18.0.1:9091", "198.18.0.2:9091"}},
		{name: "by Service port number", cluster: full(), port: ptr(intstr.FromInt32(443)),
			want: []string{"198.18.0.1:8443", "198.18.0.2:8443"}},
		{name: "by endpoint port number", cluster: full(), port: ptr(intstr.FromInt32(9091)),
			want: []string{"198.18.0.1:9091", "198.18.0.2:9091"}},
		{name: "an endpoint port number written as a string (a chart's quoted value), as OKD reads it", cluster: full(),
			port: ptr(intstr.FromString("8080")), want: []string{"198.18.0.1:8080", "198.18.0.2:8080"}},
		{name: "a Service port number written as a string", cluster: full(), port: ptr(intstr.FromString("443")),
			want: []string{"198.18.0.1:8443", "198.18.0.2:8443"}},
		{name: "an unknown port name: no servers", cluster: full(), port: ptr(intstr.FromString("nope"))},
		{name: "a string of digits past the port range is a name: no servers", cluster: full(), port: ptr(intstr.FromString("65536"))},
		{name: "an unknown port number: no servers", cluster: full(), port: ptr(intstr.FromInt32(1234))},
		{
			name: "a Service without ports: no servers",
			cluster: newCluster().service("svc").slice("svc", discoveryv1.AddressTypeIPv4,
				[]discoveryv1.EndpointPort{epPort("", 8080)}, ep(nil, "198.18.0.1")),
		},
		{
			name: "an unnamed single port",
			cluster: newCluster().service("svc", svcPort("", 80, intstr.FromInt32(8080))).slice("svc", discoveryv1.AddressTypeIPv4,
				[]discoveryv1.EndpointPort{epPort("", 8080)}, ep(nil, "198.18.0.1")),
			want: []string{"198.18.0.1:8080"},
		},
		{
			name: "several slices: addresses merged, duplicates once, invalid IPs and FQDN slices dropped, IPv6 kept",
			cluster: newCluster().service("svc", svcPort("http", 80, intstr.FromInt32(8080))).
				slice("svc", discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{epPort("http", 8080)},
					ep(nil, "198.18.0.2", "not-an-ip"), ep(nil, "198.18.0.1")).
				slice("svc", discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{epPort("http", 8080)},
					ep(nil, "198.18.0.1"), ep(ready(false), "198.18.0.9")).
				slice("svc", discoveryv1.AddressTypeFQDN, []discoveryv1.EndpointPort{epPort("http", 8080)},
					ep(nil, "pod.example.com")).
				slice("svc", discoveryv1.AddressTypeIPv6, []discoveryv1.EndpointPort{epPort("http", 8080)},
					ep(nil, "2001:db8::1")),
			want: []string{"198.18.0.1:8080", "198.18.0.2:8080", "[2001:db8::1]:8080"},
		},
		{
			name: "a slice without the selected port contributes nothing",
			cluster: newCluster().service("svc", svcPort("http", 80, intstr.FromInt32(8080))).
				slice("svc", discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{epPort("other", 8080)}, ep(nil, "198.18.0.1")),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := []opt{}
			if tc.port != nil {
				opts = append(opts, targetPort(*tc.port))
			}
			m := build(t, tc.cluster, route("ns", "r", 1, "x.com", opts...))
			var got []string
			for _, s := range m.Backends[0].Servers {
				got = append(got, s.Key())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("servers %v, want %v", got, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestBackendOptions(t *testing.T) {
	h2c := "kubernetes.io/h2c"
	h2cPort := func() discoveryv1.EndpointPort {
		p := epPort("http", 8080)
		p.AppProtocol = &h2c
		return p
	}
	h2cCluster := func() *cluster {
		return newCluster().service("svc", svcPort("http", 80, intstr.FromInt32(8080))).
			slice("svc", discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{h2cPort()}, ep(nil, "198.18.0.1"))
	}
	destCA := func(r *routev1.Route) { r.Spec.TLS.DestinationCACertificate = testCAPEM(t) }
	E, R, P := routev1.TLSTerminationEdge, routev1.TLSTerminationReencrypt, routev1.TLSTerminationPassthrough
	cases := []struct {
		name    string
		cluster *cluster
		route   *routev1.Route
		opts    Options
		check   func(t *testing.T, b *Backend)
	}{
		{"h2c endpoints: plain speaks h2c", h2cCluster(), route("ns", "r", 1, "x.com"), defaultOptions,
			func(t *testing.T, b *Backend) {
				if !b.H2C {
					t.Error("H2C false")
				}
			}},
		{"h2c endpoints: edge speaks h2c", h2cCluster(), route("ns", "r", 1, "x.com", termination(E, "")), defaultOptions,
			func(t *testing.T, b *Backend) {
				if !b.H2C {
					t.Error("H2C false")
				}
			}},
		{"h2c endpoints: not for reencrypt or passthrough", h2cCluster(), route("ns", "r", 1, "x.com", termination(R, "")), defaultOptions,
			func(t *testing.T, b *Backend) {
				if b.H2C {
					t.Error("H2C true on reencrypt")
				}
			}},
		{"h2c endpoints: not for passthrough", h2cCluster(), route("ns", "r", 1, "x.com", termination(P, "")), defaultOptions,
			func(t *testing.T, b *Backend) {
				if b.H2C {
					t.Error("H2C true on passthrough")
				}
			}},
		{"h2c per server: an HTTP/1 service beside an h2c one keeps HTTP/1", h2cCluster().web("web", 1, 1),
			route("ns", "r", 1, "x.com", to("web", 1), alt("svc", 0)), defaultOptions,
			func(t *testing.T, b *Backend) {
				got := map[string]bool{}
				for _, s := range b.Servers {
					got[s.Addr] = s.H2C
				}
				if want := map[string]bool{"198.18.1.1": false, "198.18.0.1": true}; !reflect.DeepEqual(got, want) || !b.H2C {
					t.Errorf("servers' h2c %v, want %v; backend H2C %v (spares must not take it)", got, want, b.H2C)
				}
			}},
		{"endpoints: one listed in two slices is one server (the first's protocol), one address on two ports two", newCluster().
			service("svc", svcPort("http", 80, intstr.FromString("http"))).
			slice("svc", discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{epPort("http", 8080)}, ep(nil, "198.18.0.1", "198.18.0.2")).
			slice("svc", discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{h2cPort()}, ep(nil, "198.18.0.1")).
			slice("svc", discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{epPort("http", 8081)}, ep(nil, "198.18.0.2")),
			route("ns", "r", 1, "x.com"), defaultOptions,
			func(t *testing.T, b *Backend) {
				var got []string
				for _, s := range b.Servers {
					got = append(got, s.Key())
				}
				if want := []string{"198.18.0.1:8080", "198.18.0.2:8080", "198.18.0.2:8081"}; !reflect.DeepEqual(got, want) || b.H2C {
					t.Errorf("servers %v (h2c %v), want %v, none h2c", got, b.H2C, want)
				}
			}},
		{"reencrypt with the route's destination CA", newCluster(), route("ns", "r", 1, "x.com", termination(R, ""), destCA),
			Options{DefaultDestinationCA: "/etc/service-ca.pem"},
			func(t *testing.T, b *Backend) {
				re := b.Reencrypt
				if re == nil || re.CAFile != "cacerts/be_secure_ns_r.pem" || re.ServiceHost != "" || !re.ALPN || !strings.Contains(string(re.CA), "BEGIN CERTIFICATE") {
					t.Errorf("reencrypt %+v", re)
				}
			}},
		{"reencrypt with the default destination CA verifies the service name", newCluster(), route("ns", "r", 1, "x.com", termination(R, "")),
			Options{DefaultDestinationCA: "/etc/service-ca.pem", DisableHTTP2: true},
			func(t *testing.T, b *Backend) {
				want := &Reencrypt{CAFile: "/etc/service-ca.pem", ServiceHost: "svc.ns.svc"}
				if !reflect.DeepEqual(b.Reencrypt, want) {
					t.Errorf("reencrypt %+v, want %+v", b.Reencrypt, want)
				}
			}},
		{"reencrypt without any CA fails closed on the system store", newCluster(), route("ns", "r", 1, "x.com", termination(R, "")), defaultOptions,
			func(t *testing.T, b *Backend) {
				want := &Reencrypt{CAFile: "@system-ca", ALPN: true}
				if !reflect.DeepEqual(b.Reencrypt, want) {
					t.Errorf("reencrypt %+v, want %+v", b.Reencrypt, want)
				}
			}},
		{"edge: no reencrypt settings", newCluster(), route("ns", "r", 1, "x.com", termination(E, "")), defaultOptions,
			func(t *testing.T, b *Backend) {
				if b.Reencrypt != nil {
					t.Errorf("reencrypt %+v", b.Reencrypt)
				}
			}},
		{"header actions are carried", newCluster(), route("ns", "r", 1, "x.com", setHeader("X-A", "b")), defaultOptions,
			func(t *testing.T, b *Backend) {
				want := []HeaderAction{{Name: "X-A", Value: "b"}}
				if !reflect.DeepEqual(b.RequestHeaders, want) || len(b.ResponseHeaders) != 0 {
					t.Errorf("headers %+v / %+v", b.RequestHeaders, b.ResponseHeaders)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			o.BalanceHTTP, o.BalanceTCP = "random", "source"
			m := Build(tc.cluster.input(admit(t, tc.route), o))
			tc.check(t, m.Backends[0])
		})
	}
}

// testCAPEM is a freshly generated CA certificate.
func testCAPEM(t *testing.T) string {
	t.Helper()
	ca, err := certs.NewCA("test-ca", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return string(ca.CertPEM)
}

// slotsOf describes a backend's slots as "s1=addr:weight s2=-".
func slotsOf(b *Backend) string {
	var parts []string
	for _, s := range b.Slots {
		v := "-"
		if s.Server != nil {
			v = fmt.Sprintf("%s/%d", s.Server.Addr, s.Server.Weight)
		}
		parts = append(parts, s.Name+"="+v)
	}
	return strings.Join(parts, " ")
}

func changesOf(cs []ServerChange) string {
	var parts []string
	for _, c := range cs {
		v := "-"
		if c.Server != nil {
			v = fmt.Sprintf("%s/%d", c.Server.Addr, c.Server.Weight)
		}
		add := ""
		if c.Added {
			add = "+"
		}
		parts = append(parts, add+c.Backend.Name+"/"+c.Slot+"="+v)
	}
	return strings.Join(parts, " ")
}

// backendWith is a one-backend model whose servers have the given
// addresses (port 8080) and weights.
func backendWith(name string, servers ...srv) *Model {
	b := &Backend{Name: name, Mode: ModeHTTP}
	for _, s := range servers {
		b.Servers = append(b.Servers, Server{Addr: s.addr, Port: 8080, Weight: s.weight})
	}
	return &Model{Backends: []*Backend{b}}
}

func TestSlotCount(t *testing.T) {
	for n, want := range map[int]int{0: 4, 1: 4, 2: 4, 3: 4, 4: 8, 5: 8, 6: 12, 8: 12, 9: 16, 100: 152} {
		if got := slotCount(n); got != want {
			t.Errorf("slotCount(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestAssignSlots(t *testing.T) {
	const be = "be_http:ns:r"
	a, b, c, d := srv{"198.18.0.1", 256}, srv{"198.18.0.2", 256}, srv{"198.18.0.3", 256}, srv{"198.18.0.4", 256}
	cases := []struct {
		name      string
		prev      *Model // nil: first model
		next      *Model
		wantSlots string
		// wantChanges is ServerChanges(prev, next) after AssignSlots.
		wantChanges string
	}{
		{
			name:      "first model: its servers only",
			next:      backendWith(be, a),
			wantSlots: "s1=198.18.0.1/256",
		},
		{
			name:      "no servers: no slots",
			next:      backendWith(be),
			wantSlots: "",
		},
		{
			name:        "a server goes away: the others stay, its slot empties",
			prev:        backendWith(be, a, b, c),
			next:        backendWith(be, a, c),
			wantSlots:   "s1=198.18.0.1/256 s2=- s3=198.18.0.3/256",
			wantChanges: be + "/s2=-",
		},
		{
			name:        "a server replaces another: it takes the first free slot",
			prev:        backendWith(be, a, b, c),
			next:        backendWith(be, a, c, d),
			wantSlots:   "s1=198.18.0.1/256 s2=198.18.0.4/256 s3=198.18.0.3/256",
			wantChanges: be + "/s2=198.18.0.4/256",
		},
		{
			name:        "a weight changes: only that slot",
			prev:        backendWith(be, a, b),
			next:        backendWith(be, a, srv{"198.18.0.2", 85}),
			wantSlots:   "s1=198.18.0.1/256 s2=198.18.0.2/85",
			wantChanges: be + "/s2=198.18.0.2/85",
		},
		{
			name:      "nothing changes: no changes",
			prev:      backendWith(be, a, b),
			next:      backendWith(be, a, b),
			wantSlots: "s1=198.18.0.1/256 s2=198.18.0.2/256",
		},
		{
			name:      "growth past the capacity: new slots, no runtime changes (reload)",
			prev:      backendWith(be, b, c, d),
			next:      backendWith(be, a, b, c, d, srv{"198.18.0.5", 256}),
			wantSlots: "s1=198.18.0.2/256 s2=198.18.0.3/256 s3=198.18.0.4/256 s4=198.18.0.1/256 s5=198.18.0.5/256",
		},
		{
			name:        "growth within the capacity: four servers got room for eight, the fifth is added",
			prev:        backendWith(be, a, b, c, d),
			next:        backendWith(be, a, b, c, d, srv{"198.18.0.5", 256}),
			wantSlots:   "s1=198.18.0.1/256 s2=198.18.0.2/256 s3=198.18.0.3/256 s4=198.18.0.4/256 s5=198.18.0.5/256",
			wantChanges: "+" + be + "/s5=198.18.0.5/256",
		},
		{
			name:        "shrinking keeps the slots, emptied",
			prev:        backendWith(be, a, b, c, d, srv{"198.18.0.5", 256}),
			next:        backendWith(be, c),
			wantSlots:   "s1=- s2=- s3=198.18.0.3/256 s4=- s5=-",
			wantChanges: be + "/s1=- " + be + "/s2=- " + be + "/s4=- " + be + "/s5=-",
		},
		{
			name:      "a new backend: not a runtime change",
			prev:      backendWith("be_http:ns:other", a),
			next:      backendWith(be, a),
			wantSlots: "s1=198.18.0.1/256",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prev != nil {
				AssignSlots(nil, tc.prev)
			}
			AssignSlots(tc.prev, tc.next)
			if got := slotsOf(tc.next.Backends[0]); got != tc.wantSlots {
				t.Errorf("slots\n got  %s\n want %s", got, tc.wantSlots)
			}
			for _, s := range tc.next.Backends[0].Slots {
				if s.Server != nil && !containsServer(tc.next.Backends[0].Servers, s.Server) {
					t.Errorf("slot %s does not point into Servers", s.Name)
				}
			}
			if tc.prev == nil {
				return
			}
			if got := changesOf(ServerChanges(tc.prev, tc.next)); got != tc.wantChanges {
				t.Errorf("changes\n got  %s\n want %s", got, tc.wantChanges)
			}
		})
	}
}

func containsServer(list []Server, s *Server) bool {
	for i := range list {
		if &list[i] == s {
			return true
		}
	}
	return false
}

// TestSlotsStableAcrossBuilds runs the whole chain twice: endpoint churn
// within the slots keeps each remaining server where it was.
func TestSlotsStableAcrossBuilds(t *testing.T) {
	r := route("ns", "r", 1, "x.com")
	prev := build(t, newCluster().web("svc", 1, 3), r)
	AssignSlots(nil, prev)
	c := newCluster().service("svc", svcPort("http", 80, intstr.FromInt32(8080))).
		slice("svc", discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{epPort("http", 8080)},
			ep(nil, "198.18.1.3"), ep(nil, "198.18.1.9"), ep(ready(false), "198.18.1.1"))
	next := build(t, c, r)
	AssignSlots(prev, next)
	// A dynamic backend keeps its slots, emptied, when endpoints go.
	if got, want := slotsOf(next.Backends[0]), "s1=198.18.1.9/1 s2=- s3=198.18.1.3/1"; got != want {
		t.Errorf("slots %s, want %s", got, want)
	}
	if got, want := changesOf(ServerChanges(prev, next)), "be_http:ns:r/s1=198.18.1.9/1 be_http:ns:r/s2=-"; got != want {
		t.Errorf("changes %s, want %s", got, want)
	}
	if !SameShape(prev, next) {
		t.Error("endpoint churn within the slots changed the shape")
	}
}

// TestDynamicSlots: a backend has no empty server lines; endpoints within
// its capacity are added at runtime, more need a reload.
func TestDynamicSlots(t *testing.T) {
	P, R := routev1.TLSTerminationPassthrough, routev1.TLSTerminationReencrypt
	cases := []struct {
		name            string
		opts            []opt
		before, after   int // ready endpoints
		slots, capacity int // after
		changes         string
		same            bool
	}{
		{"a new plain route: its servers only", nil, 0, 1, 1, 4, "", false},
		{"scaled 1 to 3: servers added at runtime", nil, 1, 3, 3, 4,
			"+be_http:ns:r/s2=198.18.1.2/1 +be_http:ns:r/s3=198.18.1.3/1", true},
		{"scaled 3 to 1: emptied, not removed", nil, 3, 1, 3, 4, "be_http:ns:r/s2=- be_http:ns:r/s3=-", true},
		{"scaled 2 to 5: past its capacity, a reload", nil, 2, 5, 5, 8, "", false},
		{"passthrough balanced by source (consistent hashing by address): servers added at runtime too", []opt{termination(P, "")}, 1, 3, 3, 4,
			"+be_tcp:ns:r/s2=198.18.1.2/1 +be_tcp:ns:r/s3=198.18.1.3/1", true},
		{"reencrypt: servers added at runtime too", []opt{termination(R, "")}, 1, 3, 3, 4,
			"+be_secure:ns:r/s2=198.18.1.2/1 +be_secure:ns:r/s3=198.18.1.3/1", true},
		{"reencrypt without endpoints: no server lines", []opt{termination(R, "")}, 0, 0, 0, 4, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := route("ns", "r", 1, "x.com", tc.opts...)
			var prev *Model
			if tc.before > 0 {
				prev = build(t, newCluster().web("svc", 1, tc.before), r)
				AssignSlots(nil, prev)
			}
			next := build(t, newCluster().web("svc", 1, tc.after), r)
			AssignSlots(prev, next)
			b := next.Backends[0]
			if len(b.Slots) != tc.slots || b.Capacity != tc.capacity {
				t.Errorf("%d slots, capacity %d; want %d, %d", len(b.Slots), b.Capacity, tc.slots, tc.capacity)
			}
			if prev == nil {
				return
			}
			if got := SameShape(prev, next); got != tc.same {
				t.Errorf("SameShape = %v, want %v", got, tc.same)
			}
			if tc.same {
				if got := changesOf(ServerChanges(prev, next)); got != tc.changes {
					t.Errorf("changes %s, want %s", got, tc.changes)
				}
			}
		})
	}
}

// TestServiceCANames: with the service CA, each server checks the name of
// its own Service (a canary's pods are not the route's Service's), and a
// slot never changes name at runtime: HAProxy cannot change a server
// line's verifyhost.
func TestServiceCANames(t *testing.T) {
	R := routev1.TLSTerminationReencrypt
	o := defaultOptions
	o.DefaultDestinationCA = "/etc/service-ca.pem"
	r := route("ns", "r", 1, "x.com", termination(R, ""), to("app", 50), alt("canary", 50))
	buildWith := func(app, canary int) *Model {
		return Build(newCluster().web("app", 1, app).web("canary", 2, canary).input(admit(t, r), o))
	}
	prev := buildWith(2, 1)
	AssignSlots(nil, prev)
	if got, want := namesOf(prev.Backends[0]), "s1=198.18.1.1@app.ns.svc s2=198.18.1.2@app.ns.svc s3=198.18.2.1@canary.ns.svc"; got != want {
		t.Fatalf("first model\n got  %s\n want %s", got, want)
	}
	// An app pod goes and a canary pod comes: the canary's does not take
	// the app's emptied slot, which keeps its name.
	next := buildWith(1, 2)
	AssignSlots(prev, next)
	if got, want := namesOf(next.Backends[0]), "s1=198.18.1.1@app.ns.svc s2=-@app.ns.svc s3=198.18.2.1@canary.ns.svc s4=198.18.2.2@canary.ns.svc"; got != want {
		t.Errorf("after churn\n got  %s\n want %s", got, want)
	}
	var added []string
	for _, c := range ServerChanges(prev, next) {
		if c.Added {
			added = append(added, c.Slot+"@"+c.Line.VerifyHost)
		}
	}
	if got, want := strings.Join(added, " "), "s4@canary.ns.svc"; got != want {
		t.Errorf("added %q, want %q", got, want)
	}
	// Back to the first shape: the app pod takes its old slot again.
	again := buildWith(2, 1)
	AssignSlots(next, again)
	if got, want := namesOf(again.Backends[0]), "s1=198.18.1.1@app.ns.svc s2=198.18.1.2@app.ns.svc s3=198.18.2.1@canary.ns.svc s4=-@canary.ns.svc"; got != want {
		t.Errorf("back\n got  %s\n want %s", got, want)
	}
}

// TestH2CSlots: a slot that speaks HTTP/1 never takes an h2c pod, nor the
// reverse: HAProxy cannot change a server line's protocol at runtime.
func TestH2CSlots(t *testing.T) {
	h2c := "kubernetes.io/h2c"
	r := route("ns", "r", 1, "x.com", to("web", 50), alt("grpc", 50))
	buildWith := func(web, grpc int) *Model {
		c := newCluster().web("web", 1, web).service("grpc", svcPort("http", 80, intstr.FromInt32(8080)))
		p := epPort("http", 8080)
		p.AppProtocol = &h2c
		var eps []discoveryv1.Endpoint
		for i := 1; i <= grpc; i++ {
			eps = append(eps, ep(nil, fmt.Sprintf("198.18.2.%d", i)))
		}
		return Build(c.slice("grpc", discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{p}, eps...).input(admit(t, r), defaultOptions))
	}
	lines := func(b *Backend) string {
		var parts []string
		for _, s := range b.Slots {
			v := "-"
			if s.Server != nil {
				v = s.Server.Addr
			}
			parts = append(parts, fmt.Sprintf("%s=%s@h2c:%v", s.Name, v, s.H2C))
		}
		return strings.Join(parts, " ")
	}
	prev := buildWith(2, 1)
	AssignSlots(nil, prev)
	if got, want := lines(prev.Backends[0]), "s1=198.18.1.1@h2c:false s2=198.18.1.2@h2c:false s3=198.18.2.1@h2c:true"; got != want {
		t.Fatalf("first model\n got  %s\n want %s", got, want)
	}
	next := buildWith(1, 2)
	AssignSlots(prev, next)
	if got, want := lines(next.Backends[0]), "s1=198.18.1.1@h2c:false s2=-@h2c:false s3=198.18.2.1@h2c:true s4=198.18.2.2@h2c:true"; got != want {
		t.Errorf("after churn\n got  %s\n want %s", got, want)
	}
	if !SameShape(prev, next) {
		t.Fatal("the churn needs a reload; want runtime changes")
	}
	for _, c := range ServerChanges(prev, next) {
		if c.Added && (c.Slot != "s4" || !c.Line.H2C) {
			t.Errorf("added %s with line %+v, want s4 speaking h2c", c.Slot, c.Line)
		}
	}
}

// namesOf lists a backend's slots with their servers and checked names.
func namesOf(b *Backend) string {
	var parts []string
	for _, s := range b.Slots {
		v := "-"
		if s.Server != nil {
			v = s.Server.Addr
			if s.Server.VerifyHost != s.VerifyHost {
				v += "(server checks " + s.Server.VerifyHost + ")"
			}
		}
		parts = append(parts, s.Name+"="+v+"@"+s.VerifyHost)
	}
	return strings.Join(parts, " ")
}

func TestSameShape(t *testing.T) {
	edgeCert := func(pem string) func(rs []admission.Route) {
		return func(rs []admission.Route) { rs[0].TLS.Certificate = []byte(pem) }
	}
	type variant struct {
		cluster *cluster
		routes  []*routev1.Route
		opts    Options
		tweak   func([]admission.Route) // changes admitted routes before Build
	}
	one := func() *cluster { return newCluster().web("svc", 1, 2).web("b", 2, 1) }
	plain := func(opts ...opt) []*routev1.Route { return []*routev1.Route{route("ns", "r", 1, "x.com", opts...)} }
	E, R := routev1.TLSTerminationEdge, routev1.TLSTerminationReencrypt
	cases := []struct {
		name string
		a, b variant
		want bool
	}{
		{"identical", variant{cluster: one(), routes: plain()}, variant{cluster: one(), routes: plain()}, true},
		{"endpoints change within the slots",
			variant{cluster: one(), routes: plain()}, variant{cluster: newCluster().web("svc", 7, 3), routes: plain()}, true},
		{"weights change",
			variant{cluster: one(), routes: plain(to("svc", 100), alt("b", 1))}, variant{cluster: one(), routes: plain(to("svc", 100), alt("b", 50))}, true},
		{"only the maps change (path, host, insecure policy)",
			variant{cluster: one(), routes: plain(termination(E, ""))},
			variant{cluster: one(), routes: []*routev1.Route{route("ns", "r", 1, "y.com", path("/p"), termination(E, routev1.InsecureEdgeTerminationPolicyRedirect))}}, true},
		{"endpoints outgrow the slots",
			variant{cluster: one(), routes: plain()}, variant{cluster: newCluster().web("svc", 1, 5), routes: plain()}, false},
		{"a backend is added",
			variant{cluster: one(), routes: plain()},
			variant{cluster: one(), routes: append(plain(), route("ns", "r2", 2, "z.com"))}, false},
		{"a backend changes kind (new name)",
			variant{cluster: one(), routes: plain()}, variant{cluster: one(), routes: plain(termination(E, ""))}, false},
		{"a second service becomes active (balance)",
			variant{cluster: one(), routes: plain(to("svc", 100), alt("b", 0))}, variant{cluster: one(), routes: plain(to("svc", 100), alt("b", 1))}, false},
		{"a header value changes",
			variant{cluster: one(), routes: plain(setHeader("X-A", "1"))}, variant{cluster: one(), routes: plain(setHeader("X-A", "2"))}, false},
		{"a certificate changes",
			variant{cluster: one(), routes: plain(termination(E, "")), tweak: edgeCert("one")},
			variant{cluster: one(), routes: plain(termination(E, "")), tweak: edgeCert("two")}, false},
		{"a certificate is added",
			variant{cluster: one(), routes: plain(termination(E, ""))},
			variant{cluster: one(), routes: plain(termination(E, "")), tweak: edgeCert("one")}, false},
		{"the destination CA changes",
			variant{cluster: one(), routes: plain(termination(R, ""))},
			variant{cluster: one(), routes: plain(termination(R, "")), opts: Options{DefaultDestinationCA: "/ca.pem"}}, false},
		{"an annotated timeout changes",
			variant{cluster: one(), routes: plain(annotate(names.TimeoutAnnotation, "5s"))},
			variant{cluster: one(), routes: plain(annotate(names.TimeoutAnnotation, "6s"))}, false},
		{"an allowlist entry changes",
			variant{cluster: one(), routes: plain(annotate(names.IPAllowlistAnnotation, "192.0.2.1"))},
			variant{cluster: one(), routes: plain(annotate(names.IPAllowlistAnnotation, "192.0.2.2"))}, false},
		{"an invalid annotation is ignored",
			variant{cluster: one(), routes: plain()},
			variant{cluster: one(), routes: plain(annotate(names.TimeoutAnnotation, "soon"))}, true},
		{"ALPN to the backend changes",
			variant{cluster: one(), routes: plain(termination(R, ""))},
			variant{cluster: one(), routes: plain(termination(R, "")), opts: Options{DisableHTTP2: true}}, false},
	}
	mk := func(t *testing.T, v variant, prev *Model) *Model {
		rs := admit(t, v.routes...)
		if v.tweak != nil {
			v.tweak(rs)
		}
		o := v.opts
		o.BalanceHTTP, o.BalanceTCP = "random", "source"
		m := Build(v.cluster.input(rs, o))
		AssignSlots(prev, m)
		return m
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := mk(t, tc.a, nil)
			b := mk(t, tc.b, a)
			if got := SameShape(a, b); got != tc.want {
				t.Errorf("SameShape = %v, want %v", got, tc.want)
			}
			if !SameShape(a, a) {
				t.Error("a model differs from itself")
			}
		})
	}
	if SameShape(nil, &Model{}) || SameShape(&Model{}, nil) {
		t.Error("SameShape with nil is true")
	}
}

// TestBuildDeterministic: the same routes in any order give equal models.
func TestBuildDeterministic(t *testing.T) {
	c := newCluster().web("svc", 1, 3).web("b", 2, 2)
	routes := []*routev1.Route{
		route("ns", "a", 3, "a.com", path("/x"), to("svc", 1), alt("b", 3)),
		route("ns", "b", 1, "b.com", termination(routev1.TLSTerminationEdge, routev1.InsecureEdgeTerminationPolicyRedirect)),
		route("ns", "c", 2, "www.c.com", wildcard(), termination(routev1.TLSTerminationPassthrough, "")),
		route("ns2", "d", 4, "a.com", path("/y")),
	}
	first := Build(c.input(admit(t, routes...), defaultOptions))
	AssignSlots(nil, first)
	for i := 0; i < 3; i++ {
		routes = append(routes[1:], routes[0])
		m := Build(c.input(admit(t, routes...), defaultOptions))
		AssignSlots(nil, m)
		if !reflect.DeepEqual(first, m) {
			t.Fatalf("rotation %d gives a different model", i+1)
		}
	}
	var names []string
	for _, b := range first.Backends {
		names = append(names, b.Name)
	}
	if want := "be_edge_http:ns:b be_http:ns2:d be_http:ns:a be_tcp:ns:c"; strings.Join(names, " ") != want {
		t.Errorf("backends %v, want sorted %s", names, want)
	}
}

// TestCompact: a reload drops the server lines that endpoints left empty
// and numbers the rest anew; capacity stays, so the endpoints that come
// back are added at runtime, without another reload. So too for a
// source-balanced backend, whose servers hash by address (render), so the
// new numbers move no client.
func TestCompact(t *testing.T) {
	only := func(addrs ...string) *cluster {
		c := newCluster()
		c.service("svc", svcPort("http", 80, intstr.FromInt32(8080)))
		var eps []discoveryv1.Endpoint
		for _, a := range addrs {
			eps = append(eps, ep(nil, a))
		}
		return c.slice("svc", discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{epPort("http", 8080)}, eps...)
	}
	slotsOf := func(b *Backend) string {
		var parts []string
		for _, s := range b.Slots {
			v := "-"
			if s.Server != nil {
				v = s.Server.Addr
			}
			parts = append(parts, s.Name+"="+v)
		}
		return strings.Join(parts, " ")
	}
	P := routev1.TLSTerminationPassthrough
	cases := []struct {
		name              string
		opts              []opt
		compacted, regrow string // slots after Compact, then after 3 endpoints again
		changes           string // runtime changes of the regrowth
	}{
		{"plain", nil, "s1=198.18.1.3", "s1=198.18.1.3 s2=198.18.1.1 s3=198.18.1.2",
			"+be_http:ns:r/s2=198.18.1.1/1 +be_http:ns:r/s3=198.18.1.2/1"},
		{"passthrough balanced by source", []opt{termination(P, "")}, "s1=198.18.1.3", "s1=198.18.1.3 s2=198.18.1.1 s3=198.18.1.2",
			"+be_tcp:ns:r/s2=198.18.1.1/1 +be_tcp:ns:r/s3=198.18.1.2/1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := route("ns", "r", 1, "x.com", tc.opts...)
			three := func() *cluster { return only("198.18.1.1", "198.18.1.2", "198.18.1.3") }
			first := build(t, three(), r)
			AssignSlots(nil, first)
			scaled := build(t, only("198.18.1.3"), r)
			AssignSlots(first, scaled)
			capacity := scaled.Backends[0].Capacity
			Compact(scaled)
			if got := slotsOf(scaled.Backends[0]); got != tc.compacted {
				t.Errorf("compacted: %s, want %s", got, tc.compacted)
			}
			if got := scaled.Backends[0].Capacity; got != capacity {
				t.Errorf("capacity %d after Compact, want %d", got, capacity)
			}
			again := build(t, three(), r)
			AssignSlots(scaled, again)
			if got := slotsOf(again.Backends[0]); got != tc.regrow {
				t.Errorf("regrown: %s, want %s", got, tc.regrow)
			}
			if !SameShape(scaled, again) {
				t.Fatal("growing back within capacity needs a reload")
			}
			if got := changesOf(ServerChanges(scaled, again)); got != tc.changes {
				t.Errorf("changes %s, want %s", got, tc.changes)
			}
		})
	}
}

// A namespace and route name at their longest still give files the router
// can write (a Linux file name holds 255 bytes), and distinct ones.
func TestLongNamesFiles(t *testing.T) {
	ca, err := certs.NewCA("test", time.Hour, base)
	if err != nil {
		t.Fatal(err)
	}
	ns := strings.Repeat("n", 63)
	long := func(i int) *routev1.Route {
		host := fmt.Sprintf("x%d.example.com", i)
		kp, err := certs.NewServingCert(ca, []string{host}, nil, time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		r := route(ns, strings.Repeat("a", 250)+fmt.Sprintf(".x%d", i), i, host,
			termination(routev1.TLSTerminationReencrypt, ""), annotate(names.IPAllowlistAnnotation, "198.18.0.0/15"))
		r.Spec.TLS.Certificate, r.Spec.TLS.Key = string(kp.CertPEM), string(kp.KeyPEM)
		r.Spec.TLS.DestinationCACertificate = string(ca.CertPEM)
		return r
	}
	m := build(t, nil, long(1), long(2))
	seen := map[string]bool{}
	file := func(f string) {
		t.Helper()
		base := f[strings.IndexByte(f, '/')+1:]
		if len(base) > 210 || seen[f] {
			t.Errorf("file %s: %d bytes, or named twice", f, len(base))
		}
		seen[f] = true
	}
	for _, c := range m.Certs {
		file(c.File)
	}
	for _, b := range m.Backends {
		if b.AllowList == nil || b.Reencrypt == nil {
			t.Fatalf("backend %s: no allowlist or reencrypt settings", b.Name)
		}
		file(b.AllowList.File)
		file(b.Reencrypt.CAFile)
	}
	if len(seen) != 6 {
		t.Errorf("%d files, want 6: %v", len(seen), seen)
	}
}

func TestServable(t *testing.T) {
	for addr, want := range map[string]bool{
		"198.18.0.1": true, "10.128.0.5": true, "2001:db8::1": true, "fd00::5": true,
		"not-an-ip": false, "": false, "0.0.0.0": false, "::": false, "127.0.0.1": false, "::1": false,
		"169.254.169.254": false, "fe80::1": false, "fe80::1%eth0": false, "224.0.0.1": false, "239.1.2.3": false,
		"ff02::1": false, "ff05::2": false, "::ffff:198.18.0.1": false, "168.63.129.16": false, "fd00:ec2::254": false,
		"fd20:ce::254": false, "100.100.100.200": false, "100.100.100.201": true, "010.0.0.1": false,
	} {
		if got := servable(addr); got != want {
			t.Errorf("servable(%q) = %v, want %v", addr, got, want)
		}
	}
	c := newCluster().service("svc", svcPort("http", 80, intstr.FromInt32(8080))).
		slice("svc", discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{epPort("http", 8080)},
			ep(nil, "198.18.0.1"), ep(nil, "168.63.129.16"), ep(nil, "224.0.0.1"))
	m := build(t, c, route("ns", "r", 1, "x.com", to("svc", 100)))
	if got := m.Backends[0].Servers; len(got) != 1 || got[0].Addr != "198.18.0.1" {
		t.Errorf("servers %+v: want 198.18.0.1 alone", got)
	}
}

// TestExcludeExactHosts: a wildcard route's certificate excludes each host
// under it (one label deeper, not more) that has a certificate of its own,
// once, in route order, within HAProxy's bounds for a crt-list line.
func TestExcludeExactHosts(t *testing.T) {
	certs := []Cert{
		{SNI: "a.wild.example.com"}, {SNI: "*.wild.example.com"}, {SNI: "b.other.com"},
		{SNI: "x.a.wild.example.com"}, {SNI: "a.wild.example.com"}, {SNI: "*.wild.example.com"},
		{SNI: "c.wild.example.com"}, {SNI: "*.other.org"},
	}
	excludeExactHosts(certs)
	want := [][]string{nil, {"a.wild.example.com", "c.wild.example.com"}, nil, nil, nil, {"a.wild.example.com", "c.wild.example.com"}, nil, nil}
	for i, c := range certs {
		if !slices.Equal(c.Exclude, want[i]) {
			t.Errorf("%s (#%d) excludes %q, want %q", c.SNI, i, c.Exclude, want[i])
		}
	}
	for _, tc := range []struct {
		name  string
		label int
		hosts int
	}{{"many short hosts", 3, 1200}, {"long hosts", 200, 400}} {
		many := []Cert{{SNI: "*.wild.example.com"}}
		for i := range tc.hosts {
			many = append(many, Cert{SNI: fmt.Sprintf("%0*d.wild.example.com", tc.label, i)})
		}
		excludeExactHosts(many)
		n := 0
		for _, h := range many[0].Exclude {
			n += len(h) + 2
		}
		each := len(many[1].SNI) + 2
		if want := min(tc.hosts, maxExclusions, maxExclusionBytes/each); len(many[0].Exclude) != want || n > maxExclusionBytes {
			t.Errorf("%s: %d exclusions of %d bytes", tc.name, len(many[0].Exclude), n)
		}
	}
}

// TestWithServersOf: of a next model that needs a reload (a route added,
// another's header changed), the servers of the backends that keep their
// shape go live now; the rest of prev stays as it is.
func TestWithServersOf(t *testing.T) {
	routes := func(header string, more ...*routev1.Route) []admission.Route {
		return admit(t, append([]*routev1.Route{route("ns", "r", 1, "x.com", to("svc", 100)),
			route("ns", "h", 2, "h.com", to("b", 100), setHeader("X-A", header))}, more...)...)
	}
	o := Options{BalanceHTTP: "random", BalanceTCP: "source"}
	prev := Build(newCluster().web("svc", 1, 3).web("b", 2, 2).input(routes("1"), o))
	AssignSlots(nil, prev)
	next := Build(newCluster().web("svc", 1, 1).web("b", 2, 1).input(routes("2", route("ns", "n", 3, "n.com", to("svc", 100))), o))
	AssignSlots(prev, next)
	if SameShape(prev, next) {
		t.Fatal("next must need a reload")
	}
	got := WithServersOf(prev, next)
	if got == nil {
		t.Fatal("nil; want r's servers applied")
	}
	if len(got.Backends) != len(prev.Backends) || !reflect.DeepEqual(got.Maps, prev.Maps) || !SameShape(prev, got) {
		t.Fatalf("not prev's shape: %d backends, maps %v", len(got.Backends), got.Maps)
	}
	changes := ServerChanges(prev, got)
	if len(changes) != 2 || changes[0].Backend.Name != "be_http:ns:r" || changes[0].Server != nil || changes[1].Server != nil {
		t.Errorf("changes: %+v; want r's two departed servers emptied, nothing of h", changes)
	}
	same := Build(newCluster().web("svc", 1, 3).web("b", 2, 2).input(routes("2"), o))
	AssignSlots(prev, same)
	if WithServersOf(prev, same) != nil {
		t.Error("no server changed, yet not nil")
	}
}
