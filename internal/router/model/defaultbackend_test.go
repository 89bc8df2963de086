package model

import (
	"reflect"
	"testing"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
)

func TestDefaultBackend(t *testing.T) {
	fallback := annotate(names.DefaultBackendAnnotation, "true")
	cases := []struct {
		name   string
		routes []*routev1.Route
		want   string
	}{
		{"none", []*routev1.Route{route("ns", "a", 1, "a.example.com")}, ""},
		{"annotated", []*routev1.Route{route("ns", "a", 1, "a.example.com"), route("ns", "b", 2, "b.example.com", fallback)}, "be_http:ns:b"},
		{"oldest wins", []*routev1.Route{route("ns", "new", 3, "n.example.com", fallback), route("ns", "old", 2, "o.example.com", fallback)}, "be_http:ns:old"},
		{"false is not true", []*routev1.Route{route("ns", "a", 1, "a.example.com", annotate(names.DefaultBackendAnnotation, "false"))}, ""},
		{"edge may", []*routev1.Route{route("ns", "e", 1, "e.example.com", fallback, termination(routev1.TLSTerminationEdge, ""))}, "be_edge_http:ns:e"},
		{"passthrough may not", []*routev1.Route{route("ns", "p", 1, "p.example.com", fallback, termination(routev1.TLSTerminationPassthrough, ""))}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := build(t, newCluster(), tc.routes...)
			if m.DefaultBackend != tc.want {
				t.Errorf("DefaultBackend = %q, want %q", m.DefaultBackend, tc.want)
			}
		})
	}
}

// TestHostsMap: while a route is the default backend, the hosts map names
// every served host (wildcards by their parent domain, passthrough hosts
// too), which the frontends keep away from it; without one it is empty.
func TestHostsMap(t *testing.T) {
	fallback := annotate(names.DefaultBackendAnnotation, "true")
	routes := []*routev1.Route{
		route("ns1", "plain", 1, "a.example.com", path("/app")),
		route("ns1", "edge", 2, "b.example.com", termination(routev1.TLSTerminationEdge, "")),
		route("ns2", "pt", 3, "c.example.com", termination(routev1.TLSTerminationPassthrough, "")),
		route("ns2", "wild", 4, "www.wild.example.com", wildcard()),
		route("ns2", "again", 5, "a.example.com", path("/other")),
	}
	cases := []struct {
		name   string
		routes []*routev1.Route
		want   []Entry
	}{
		{"no default backend: empty", routes, []Entry{}},
		{"a default backend: every host once", append(routes, route("ns3", "catch", 6, "d.example.com", fallback)), []Entry{
			{".wild.example.com", HostValue}, {"a.example.com", HostValue}, {"b.example.com", HostValue},
			{"c.example.com", HostValue}, {"d.example.com", HostValue},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := build(t, newCluster(), tc.routes...).Maps[MapHosts]
			if len(got) != len(tc.want) || len(got) > 0 && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s:\n got  %v\n want %v", MapHosts, got, tc.want)
			}
		})
	}
}

// TestHostsMapHeld: a route that keeps its host but is not served (here its
// certificate is no certificate) still keeps that host from the default
// backend; a route that lost its host to an older one adds nothing.
func TestHostsMapHeld(t *testing.T) {
	broken := func(r *routev1.Route) {
		r.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: "not a certificate", Key: "not a key"}
	}
	res := admission.Admit([]*routev1.Route{
		route("ns1", "catch", 1, "d.example.com", annotate(names.DefaultBackendAnnotation, "true")),
		route("ns2", "shop", 2, "shop.example.com", broken),
		route("ns3", "late", 3, "shop.example.com"),
		route("ns3", "wild", 4, "www.wild.example.com", wildcard(), broken),
	}, admission.Policy{AllowWildcards: true})
	if len(res.Held) != 2 || res.Held[0].Name != "shop" || res.Held[1].Name != "wild" {
		t.Fatalf("held: %v, want shop and wild", res.Held)
	}
	in := newCluster().input(res.Routes, defaultOptions)
	in.Held = res.Held
	m := Build(in)
	want := []Entry{{".wild.example.com", HostValue}, {"d.example.com", HostValue}, {"shop.example.com", HostValue}}
	if got := m.Maps[MapHosts]; !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %v\n want %v", MapHosts, got, want)
	}
	for _, name := range []string{MapHTTPSPrefix, MapHTTPPrefix} {
		for _, e := range m.Maps[name] {
			if e.Key != "d.example.com/" {
				t.Errorf("%s serves %s", name, e.Key)
			}
		}
	}
}
