package model

import (
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
