package model

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// withSpares is the model a reload serves: routes under their own names
// plus n free spares, slots assigned.
func withSpares(t *testing.T, c *cluster, n int, routes ...*routev1.Route) *Model {
	return spared(build(t, c, routes...), n)
}

// spared adds n free spares to m, configured as a first reload would.
func spared(m *Model, n int) *Model {
	AddSpares(m, n, "random")
	AssignSlots(nil, m)
	return m
}

// holders lists "backend=namespace/route" for every backend, "-" for a free spare.
func holders(m *Model) string {
	var out []string
	for _, b := range m.Backends {
		h := b.Route.String()
		if IsSpare(b.Name) && b.Route.Name == "" {
			h = "-"
		}
		out = append(out, b.Name+"="+h)
	}
	return strings.Join(out, " ")
}

func TestFitSpares(t *testing.T) {
	web := func() *cluster {
		return newCluster().web("svc", 1, 2).web("svc3", 3, 3).web("big", 2, SpareServerLimit+1)
	}
	a := route("ns", "a", 1, "a.com")
	b := route("ns", "b", 2, "b.com")
	c := route("ns", "c", 3, "c.com")
	edge := route("ns", "b", 2, "b.com", termination(routev1.TLSTerminationEdge, routev1.InsecureEdgeTerminationPolicyRedirect))
	// held is a model after b took a spare at runtime.
	held := func(t *testing.T) *Model {
		m, _ := FitSpares(withSpares(t, web(), 2, a), build(t, web(), a, b), "random")
		AssignSlots(withSpares(t, web(), 2, a), m)
		return m
	}
	// freed is a model after b left its spare, the only one, at runtime.
	freed := func(t *testing.T) *Model {
		one := withSpares(t, web(), 1, a)
		took, _ := FitSpares(one, build(t, web(), a, b), "random")
		AssignSlots(one, took)
		m, _ := FitSpares(took, build(t, web(), a), "random")
		AssignSlots(took, m)
		return m
	}
	cases := []struct {
		name        string
		prev        func(*testing.T) *Model
		next        []*routev1.Route
		wantHolders string // "": FitSpares returns nil
		wantPending int
		wantMaps    maps
		wantShape   bool
		wantChanges string
	}{
		{
			name: "a new plain route takes the first free spare", prev: func(t *testing.T) *Model { return withSpares(t, web(), 2, a) },
			next:        []*routev1.Route{a, b},
			wantHolders: "_spare_1=ns/b _spare_2=- be_http:ns:a=ns/a",
			wantMaps:    maps{MapHTTPPrefix: {e("a.com/", "be_http:ns:a"), e("b.com/", "_spare_1")}},
			wantShape:   true, wantChanges: "+_spare_1/s1=198.18.1.1/1 +_spare_1/s2=198.18.1.2/1",
		},
		{
			name: "an edge route without a certificate too, its redirect with it", prev: func(t *testing.T) *Model { return withSpares(t, web(), 1, a) },
			next:        []*routev1.Route{a, edge},
			wantHolders: "_spare_1=ns/b be_http:ns:a=ns/a",
			wantMaps: maps{MapHTTPPrefix: {e("a.com/", "be_http:ns:a"), e("b.com/", RedirectValue)},
				MapHTTPSPrefix: {e("b.com/", "_spare_1")}, MapSecureSpares: {e("_spare_1", HostValue)}},
			wantShape: true, wantChanges: "+_spare_1/s1=198.18.1.1/1 +_spare_1/s2=198.18.1.2/1",
		},
		{
			name: "an edge route served over HTTP too: its cookie is not Secure", prev: func(t *testing.T) *Model { return withSpares(t, web(), 1, a) },
			next:        []*routev1.Route{a, route("ns", "b", 2, "b.com", termination(routev1.TLSTerminationEdge, routev1.InsecureEdgeTerminationPolicyAllow))},
			wantHolders: "_spare_1=ns/b be_http:ns:a=ns/a",
			wantMaps: maps{MapHTTPPrefix: {e("a.com/", "be_http:ns:a"), e("b.com/", "_spare_1")},
				MapHTTPSPrefix: {e("b.com/", "_spare_1")}},
			wantShape: true, wantChanges: "+_spare_1/s1=198.18.1.1/1 +_spare_1/s2=198.18.1.2/1",
		},
		{
			name: "an edge route that gives up its spare takes its Secure mark along", prev: func(t *testing.T) *Model {
				prev := withSpares(t, web(), 1, a)
				m, _ := FitSpares(prev, build(t, web(), a, edge), "random")
				AssignSlots(prev, m)
				return m
			},
			next:        []*routev1.Route{a},
			wantHolders: "_spare_1=- be_http:ns:a=ns/a",
			wantMaps:    maps{MapHTTPPrefix: {e("a.com/", "be_http:ns:a")}},
			wantShape:   true, wantChanges: "_spare_1/s1=- _spare_1/s2=-",
		},
		{
			name: "a route keeps its spare while it changes within it", prev: held,
			next:        []*routev1.Route{a, route("ns", "b", 2, "b.com", path("/x"))},
			wantHolders: "_spare_1=ns/b _spare_2=- be_http:ns:a=ns/a",
			wantMaps:    maps{MapHTTPExact: {e("b.com/x", "_spare_1")}, MapHTTPPrefix: {e("a.com/", "be_http:ns:a"), e("b.com/x/", "_spare_1")}},
			wantShape:   true,
		},
		{
			name: "a route in a spare that scales up gets servers added at runtime", prev: held,
			next:        []*routev1.Route{a, route("ns", "b", 2, "b.com", to("svc3", 1))},
			wantHolders: "_spare_1=ns/b _spare_2=- be_http:ns:a=ns/a",
			wantMaps:    maps{MapHTTPPrefix: {e("a.com/", "be_http:ns:a"), e("b.com/", "_spare_1")}},
			wantShape:   true, wantChanges: "_spare_1/s1=198.18.3.1/1 _spare_1/s2=198.18.3.2/1 +_spare_1/s3=198.18.3.3/1",
		},
		{
			name: "a freed spare keeps its servers, emptied, for the next route", prev: freed,
			next:        []*routev1.Route{a, route("ns", "c", 3, "c.com", to("svc3", 1))},
			wantHolders: "_spare_1=ns/c be_http:ns:a=ns/a",
			wantMaps:    maps{MapHTTPPrefix: {e("a.com/", "be_http:ns:a"), e("c.com/", "_spare_1")}},
			wantShape:   true, wantChanges: "_spare_1/s1=198.18.3.1/1 _spare_1/s2=198.18.3.2/1 +_spare_1/s3=198.18.3.3/1",
		},
		{
			name: "a deleted route frees its spare", prev: held,
			next:        []*routev1.Route{a},
			wantHolders: "_spare_1=- _spare_2=- be_http:ns:a=ns/a",
			wantMaps:    maps{MapHTTPPrefix: {e("a.com/", "be_http:ns:a")}},
			wantShape:   true, wantChanges: "_spare_1/s1=- _spare_1/s2=-",
		},
		{
			name: "more new routes than free spares: a reload, with the count", prev: func(t *testing.T) *Model { return withSpares(t, web(), 1, a) },
			next:        []*routev1.Route{a, b, c},
			wantPending: 2,
		},
		{
			name: "no spares at all", prev: func(t *testing.T) *Model { return withSpares(t, web(), 0, a) },
			next:        []*routev1.Route{a, b},
			wantPending: 1,
		},
		{
			name: "header actions need a backend of their own", prev: func(t *testing.T) *Model { return withSpares(t, web(), 2, a) },
			next: []*routev1.Route{a, route("ns", "b", 2, "b.com", setHeader("X-A", "1"))},
		},
		{
			name: "so does passthrough", prev: func(t *testing.T) *Model { return withSpares(t, web(), 2, a) },
			next: []*routev1.Route{a, route("ns", "b", 2, "b.com", termination(routev1.TLSTerminationPassthrough, ""))},
		},
		{
			name: "and reencrypt", prev: func(t *testing.T) *Model { return withSpares(t, web(), 2, a) },
			next: []*routev1.Route{a, route("ns", "b", 2, "b.com", termination(routev1.TLSTerminationReencrypt, ""))},
		},
		{
			name: "and a split (round robin)", prev: func(t *testing.T) *Model { return withSpares(t, web(), 2, a) },
			next: []*routev1.Route{a, route("ns", "b", 2, "b.com", to("svc", 1), alt("big", 1))},
		},
		{
			name: "and more endpoints than a spare takes", prev: func(t *testing.T) *Model { return withSpares(t, web(), 2, a) },
			next: []*routev1.Route{a, route("ns", "b", 2, "b.com", to("big", 1))},
		},
		{
			name: "and OKD's annotations that add lines to a backend", prev: func(t *testing.T) *Model { return withSpares(t, web(), 2, a) },
			next: []*routev1.Route{a, route("ns", "b", 2, "b.com", annotate(names.TimeoutAnnotation, "5s"))},
		},
		{
			name: "and an allowlist", prev: func(t *testing.T) *Model { return withSpares(t, web(), 2, a) },
			next: []*routev1.Route{a, route("ns", "b", 2, "b.com", annotate(names.IPAllowlistAnnotation, "192.0.2.1"))},
		},
		{
			name: "and another balance than the spares'", prev: func(t *testing.T) *Model { return withSpares(t, web(), 2, a) },
			next: []*routev1.Route{a, route("ns", "b", 2, "b.com", annotate(names.BalanceAnnotation, "leastconn"))},
		},
		{
			name: "a held route annotated later goes back to a reload", prev: held,
			next: []*routev1.Route{a, route("ns", "b", 2, "b.com", annotate(names.PodConcurrentConnectionsAnnotation, "5"))},
		},
		{
			name: "a held route that grows past its spare goes back to a reload", prev: held,
			next: []*routev1.Route{a, route("ns", "b", 2, "b.com", setHeader("X-A", "1"))},
		},
		{
			name:        "the default backend follows its route into the spare (a reload: the frontends name it)",
			prev:        func(t *testing.T) *Model { return withSpares(t, web(), 1, a) },
			next:        []*routev1.Route{a, route("ns", "b", 2, "b.com", annotate(names.DefaultBackendAnnotation, "true"))},
			wantHolders: "_spare_1=ns/b be_http:ns:a=ns/a",
			wantMaps:    maps{MapHTTPPrefix: {e("a.com/", "be_http:ns:a"), e("b.com/", "_spare_1")}, MapHosts: {e("a.com", HostValue), e("b.com", HostValue)}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prev := tc.prev(t)
			next := build(t, web(), tc.next...)
			before := holders(next)
			got, pending := FitSpares(prev, next, "random")
			if holders(next) != before {
				t.Error("FitSpares changed next")
			}
			if pending != tc.wantPending {
				t.Errorf("pending = %d, want %d", pending, tc.wantPending)
			}
			if got == nil {
				if tc.wantHolders != "" {
					t.Fatalf("nil, want %s", tc.wantHolders)
				}
				return
			}
			if h := holders(got); h != tc.wantHolders {
				t.Fatalf("backends\n got  %s\n want %s", h, tc.wantHolders)
			}
			checkMaps(t, got.Maps, tc.wantMaps)
			AssignSlots(prev, got)
			if SameShape(prev, got) != tc.wantShape {
				t.Errorf("SameShape = %v, want %v", !tc.wantShape, tc.wantShape)
			}
			if tc.wantShape {
				if c := changesOf(ServerChanges(prev, got)); c != tc.wantChanges {
					t.Errorf("changes\n got  %s\n want %s", c, tc.wantChanges)
				}
			}
		})
	}
}

func TestAddSparesAndCount(t *testing.T) {
	m := build(t, newCluster().web("svc", 1, 1), route("ns", "a", 1, "a.com"))
	AddSpares(m, 11, "roundrobin")
	if total, free := Spares(m); total != 11 || free != 11 {
		t.Errorf("Spares = %d, %d; want 11, 11", total, free)
	}
	if !sort.SliceIsSorted(m.Backends, func(i, j int) bool { return m.Backends[i].Name < m.Backends[j].Name }) {
		t.Error("backends not sorted by name")
	}
	AssignSlots(nil, m)
	for _, b := range m.Backends {
		if IsSpare(b.Name) && (b.Balance != "roundrobin" || b.Mode != ModeHTTP || len(b.Slots) != 0) {
			t.Errorf("spare %s: %s %s, %d slots", b.Name, b.Mode, b.Balance, len(b.Slots))
		}
	}
	if total, free := Spares(nil); total != 0 || free != 0 {
		t.Error("Spares(nil) is not 0, 0")
	}
	if got, _ := FitSpares(nil, m, "random"); got != nil {
		t.Error("FitSpares without a previous model fitted")
	}
}

func TestSpareCandidates(t *testing.T) {
	web := newCluster().web("svc", 1, 1).web("big", 2, SpareServerLimit+1)
	prev := withSpares(t, web, 2, route("ns", "a", 1, "a.com"))
	next := build(t, web, route("ns", "a", 1, "a.com"), route("ns", "b", 2, "b.com"), route("ns", "c", 3, "c.com"),
		route("ns", "d", 4, "d.com"), route("ns", "h", 5, "h.com", setHeader("X-A", "1")),
		route("ns", "p", 6, "p.com", termination(routev1.TLSTerminationPassthrough, "")), route("ns", "x", 7, "x.com", to("big", 1)))
	names := func(set map[types.NamespacedName]bool) string {
		var out []string
		for k := range set {
			out = append(out, k.Name)
		}
		sort.Strings(out)
		return strings.Join(out, " ")
	}
	// The order is admission's, oldest first: the routes that waited longest
	// get the spares when they are short.
	var order []types.NamespacedName
	for _, name := range []string{"x", "d", "p", "a", "h", "c", "b"} {
		order = append(order, types.NamespacedName{Namespace: "ns", Name: name})
	}
	for n, want := range map[int]string{0: "", 1: "d", 2: "c d", 10: "b c d"} {
		if got := names(SpareCandidates(prev, next, "random", n, order)); got != want {
			t.Errorf("SpareCandidates(%d) = %q, want %q (new routes a spare can serve, in the given order, the route already served left out)", n, got, want)
		}
	}
}

// With "source" for HTTP routes, a spare balances by source too, and a
// new route takes one like any other.
func TestSparesWithSourceBalance(t *testing.T) {
	c := newCluster().web("svc", 1, 1)
	o := defaultOptions
	o.BalanceHTTP = "source"
	a, b := route("ns", "a", 1, "a.com"), route("ns", "b", 2, "b.com")
	prev := Build(c.input(admit(t, a), o))
	AddSpares(prev, 2, "source")
	AssignSlots(nil, prev)
	next := Build(c.input(admit(t, a, b), o))
	got, pending := FitSpares(prev, next, "source")
	if got == nil || pending != 0 {
		t.Fatalf("FitSpares = %v, %d; want b in a spare", got, pending)
	}
	for _, be := range got.Backends {
		if IsSpare(be.Name) && be.Balance != "source" {
			t.Errorf("spare %s balances by %s", be.Name, be.Balance)
		}
	}
}

// TestWithServersOfSpare: a route that holds a spare keeps it while a
// reload waits, and its servers change there.
func TestWithServersOfSpare(t *testing.T) {
	a, b := route("ns", "a", 1, "a.com"), route("ns", "b", 2, "b.com", to("svc3", 100))
	tuned := route("ns", "t", 3, "t.com", setHeader("X-A", "1"))
	before := func() *cluster { return newCluster().web("svc", 1, 2).web("svc3", 3, 1) }
	start := withSpares(t, before(), 2, a)
	prev, _ := FitSpares(start, build(t, before(), a, b), "random")
	AssignSlots(start, prev)
	next := build(t, newCluster().web("svc", 1, 2).web("svc3", 3, 2), a, b, tuned)
	next = KeepSpares(prev, next)
	AssignSlots(prev, next)
	got := WithServersOf(prev, next)
	if got == nil {
		t.Fatal("nil; want b's new server in its spare")
	}
	changes := ServerChanges(prev, got)
	if len(changes) != 1 || changes[0].Backend.Name != "_spare_1" || changes[0].Server == nil || changes[0].Server.Addr != "198.18.3.2" {
		t.Errorf("changes %+v; want 198.18.3.2 added to b's spare", changes)
	}
}

// TestKeepSparesSecure: while a reload waits, an edge route kept in its
// spare stays named in MapSecureSpares, so its cookie keeps Secure.
func TestKeepSparesSecure(t *testing.T) {
	web := func() *cluster { return newCluster().web("svc", 1, 2) }
	a := route("ns", "a", 1, "a.com")
	edge := route("ns", "b", 2, "b.com", termination(routev1.TLSTerminationEdge, ""))
	start := withSpares(t, web(), 1, a)
	prev, _ := FitSpares(start, build(t, web(), a, edge), "random")
	AssignSlots(start, prev)
	tuned := route("ns", "t", 3, "t.com", setHeader("X-A", "1"))
	got := KeepSpares(prev, build(t, web(), a, edge, tuned))
	want := []Entry{e("_spare_1", HostValue)}
	if m := got.Maps[MapSecureSpares]; !reflect.DeepEqual(m, want) {
		t.Errorf("%s = %v, want %v", MapSecureSpares, m, want)
	}
}
