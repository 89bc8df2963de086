package model

import (
	"reflect"
	"testing"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
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
