package ingress

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/diff"
	"k8s.io/apimachinery/pkg/util/validation/field"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

func admittedBy(canonical string, status corev1.ConditionStatus) routeMod {
	return func(r *routev1.Route) {
		in := routev1.RouteIngress{Host: r.Spec.Host, RouterCanonicalHostname: canonical}
		if status != "" {
			in.Conditions = []routev1.RouteIngressCondition{{Type: routev1.RouteAdmitted, Status: status}}
		}
		r.Status.Ingress = append(r.Status.Ingress, in)
	}
}

func lbHosts(hosts ...string) []networkingv1.IngressLoadBalancerIngress {
	var out []networkingv1.IngressLoadBalancerIngress
	for _, h := range hosts {
		out = append(out, networkingv1.IngressLoadBalancerIngress{Hostname: h})
	}
	return out
}

// TestLoadBalancer covers case 37 and the status side of case 38.
func TestLoadBalancer(t *testing.T) {
	foo, bar := admittedBy("apps.foo.com", corev1.ConditionTrue), admittedBy("apps.bar.com", corev1.ConditionTrue)
	barRejected := admittedBy("apps.bar.com", corev1.ConditionFalse)
	ip := networkingv1.IngressLoadBalancerIngress{IP: "198.18.0.1"}
	cases := []struct {
		name      string
		current   []networkingv1.IngressLoadBalancerIngress
		routes    []*routev1.Route
		want      []networkingv1.IngressLoadBalancerIngress
		changed   bool
		exclusive bool // the Ingress names our class
	}{
		{"37 admitted and rejected", nil, []*routev1.Route{route(foo, barRejected)}, lbHosts("apps.foo.com"), true, false},
		{"37 both admitted", lbHosts("apps.foo.com"), []*routev1.Route{route(foo, bar)}, lbHosts("apps.bar.com", "apps.foo.com"), true, false},
		{"37 same set in another order", lbHosts("apps.foo.com", "apps.bar.com"), []*routev1.Route{route(foo, bar)}, lbHosts("apps.bar.com", "apps.foo.com"), false, false},
		{"37 only rejected", nil, []*routev1.Route{route(barRejected)}, nil, false, false},
		{"no Admitted condition", nil, []*routev1.Route{route(admittedBy("apps.foo.com", ""))}, nil, false, false},
		{"38 route deleted", lbHosts("apps.foo.com"), nil, nil, true, false},
		{"several routes, one router", nil, []*routev1.Route{route(foo), route(rPath("/x"), foo)}, lbHosts("apps.foo.com"), true, false},
		{"our class: another controller's address goes", []networkingv1.IngressLoadBalancerIngress{ip, {Hostname: "apps.foo.com"}}, []*routev1.Route{route(foo)},
			lbHosts("apps.foo.com"), true, true},
		{"our class: another controller's address goes with the last route", []networkingv1.IngressLoadBalancerIngress{ip}, nil, nil, true, true},
		{"our class: an empty entry goes", []networkingv1.IngressLoadBalancerIngress{{}}, nil, nil, true, true},
		{"a hostname with an IP is rewritten", []networkingv1.IngressLoadBalancerIngress{{Hostname: "apps.foo.com", IP: "198.18.0.1"}},
			[]*routev1.Route{route(foo)}, lbHosts("apps.foo.com"), true, false},
		{"no class: another controller's address is kept, before ours", []networkingv1.IngressLoadBalancerIngress{ip}, []*routev1.Route{route(foo)},
			[]networkingv1.IngressLoadBalancerIngress{ip, {Hostname: "apps.foo.com"}}, true, false},
		{"no class: kept, nothing to write", []networkingv1.IngressLoadBalancerIngress{ip, {Hostname: "apps.foo.com"}}, []*routev1.Route{route(foo)},
			[]networkingv1.IngressLoadBalancerIngress{ip, {Hostname: "apps.foo.com"}}, false, false},
		{"wildcard routes count", nil, []*routev1.Route{route(rHost("wildcard.test.com"), rWildcard, foo)}, lbHosts("apps.foo.com"), true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := LoadBalancer(tc.current, tc.routes, tc.exclusive)
			if changed != tc.changed {
				t.Errorf("changed = %v, want %v", changed, tc.changed)
			}
			if d := diff.Diff(tc.want, got); len(tc.want)+len(got) > 0 && d != "" {
				t.Errorf("status (-want +got):\n%s", d)
			}
		})
	}
}

// TestPlan covers the pairing of case 16 and §1.3: each owned Route pairs
// with one wanted Route of the same host and path, oldest first.
func TestPlan(t *testing.T) {
	named := func(n string) routeMod { return func(r *routev1.Route) { r.Name = n } }
	a, b := route(named("a")), route(named("b"))
	other := route(named("o"), rPath("/other"))
	def := route(named("d"), rHost("gen.apps.example"), rPath(""), rAnnotate(names.DefaultBackendAnnotation, "true"))
	wanted := func(rs ...*routev1.Route) []Wanted {
		var out []Wanted
		for _, r := range rs {
			out = append(out, Wanted{Route: r})
		}
		return out
	}
	wantDef := route(rHost(""), rPath(""), rAnnotate(names.DefaultBackendAnnotation, "true"))
	p := plan(wanted(route(), route(), route(rPath("/new")), wantDef), []*routev1.Route{a, b, other, def})
	if len(p.updates) != 3 || p.updates[0].existing != a || p.updates[1].existing != b || p.updates[2].existing != def {
		t.Errorf("updates pair %v, want a, b and the default backend", ownedNames(p.updates))
	}
	if len(p.creates) != 1 || p.creates[0].Route.Spec.Path != "/new" {
		t.Errorf("creates %d, want the /new route", len(p.creates))
	}
	if len(p.deletes) != 1 || p.deletes[0] != other {
		t.Errorf("deletes %v, want o", p.deletes)
	}
}

// A rule for *.example.com and one for wildcard.example.com give Routes of
// the same host, which cannot turn into each other (wildcardPolicy is
// immutable): a change from one to the other replaces the Route.
func TestPlanWildcardPolicy(t *testing.T) {
	wildcard := func(r *routev1.Route) {
		r.Name, r.Spec.Host, r.Spec.WildcardPolicy = "w", "wildcard.example.com", routev1.WildcardPolicySubdomain
	}
	literal := func(r *routev1.Route) {
		r.Spec.Host, r.Spec.WildcardPolicy = "wildcard.example.com", routev1.WildcardPolicyNone
	}
	old := route(wildcard)
	p := plan([]Wanted{{Route: route(literal)}}, []*routev1.Route{old})
	if len(p.updates) != 0 || len(p.creates) != 1 || len(p.deletes) != 1 || p.deletes[0] != old {
		t.Errorf("updates %v, creates %d, deletes %d: want the wildcard Route replaced", ownedNames(p.updates), len(p.creates), len(p.deletes))
	}
	if p := plan([]Wanted{{Route: route(wildcard)}}, []*routev1.Route{old}); len(p.updates) != 1 || len(p.creates)+len(p.deletes) != 0 {
		t.Errorf("the same wildcard rule does not keep its Route")
	}
}

// The API's refusals of a Route are not retried, a check it could not
// make is, as are other failures.
func TestWriteFailures(t *testing.T) {
	gk := routev1.GroupVersion.WithKind("Route").GroupKind()
	for _, tc := range []struct {
		name                  string
		err                   error
		rejected, failed, try bool
	}{
		{name: "invalid", err: apierrors.NewInvalid(gk, "r", field.ErrorList{field.Invalid(field.NewPath("spec", "host"), "x", "bad")}), rejected: true},
		{name: "forbidden host", err: apierrors.NewInvalid(gk, "r", field.ErrorList{field.Forbidden(field.NewPath("spec", "host"), "no custom-host")}), rejected: true},
		{name: "a permission check that failed", err: apierrors.NewInvalid(gk, "r",
			field.ErrorList{field.InternalError(field.NewPath("spec", "host"), errors.New("checking routes/custom-host: timeout"))}), failed: true},
		{name: "conflict", err: apierrors.NewConflict(schema.GroupResource{Resource: "routes"}, "r", errors.New("modified")), try: true},
		{name: "unavailable", err: apierrors.NewServiceUnavailable("later"), failed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w written
			w.fail(tc.err)
			if got := len(w.rejected) > 0; got != tc.rejected {
				t.Errorf("rejected = %v, want %v", got, tc.rejected)
			}
			if got := w.err != nil; got != tc.failed {
				t.Errorf("failed = %v, want %v", got, tc.failed)
			}
			if w.retry != tc.try {
				t.Errorf("retry = %v, want %v", w.retry, tc.try)
			}
		})
	}
}

// An Ingress's Exact and Prefix paths of one value pair with their own
// Routes whatever order the Routes are listed in.
func TestPlanByPathType(t *testing.T) {
	named := func(n string) routeMod { return func(r *routev1.Route) { r.Name = n } }
	exact, prefix := route(named("e"), rPathType("Exact")), route(named("p"), rPathType("Prefix"))
	want := []Wanted{{Route: route(rPathType("Prefix"))}, {Route: route(rPathType("Exact"))}}
	for _, owned := range [][]*routev1.Route{{exact, prefix}, {prefix, exact}} {
		p := plan(want, owned)
		if len(p.updates) != 2 || p.updates[0].existing != prefix || p.updates[1].existing != exact || len(p.creates)+len(p.deletes) != 0 {
			t.Errorf("owned %v: updates pair %v, want p then e, nothing created or deleted", []string{owned[0].Name, owned[1].Name}, ownedNames(p.updates))
		}
	}
}

// A path type changed between Prefix and ImplementationSpecific, or a
// Route without the annotation (OKD's, or restored), keeps its Route:
// same name, same age, the fields users set. Exact stays apart.
func TestPlanLoosePathTypes(t *testing.T) {
	named := func(n string) routeMod { return func(r *routev1.Route) { r.Name = n } }
	bareMod := func(r *routev1.Route) { delete(r.Annotations, names.PathTypeAnnotation) }
	prefix, bare, exact := route(named("p"), rPathType("Prefix")), route(named("u"), bareMod), route(named("e"), rPathType("Exact"))
	for _, tc := range []struct {
		name    string
		owned   []*routev1.Route
		want    []string // path types wanted, in order
		updates []string // owned Routes they update, in order
		creates int
	}{
		{"Prefix to ImplementationSpecific", []*routev1.Route{prefix}, []string{"ImplementationSpecific"}, []string{"p"}, 0},
		{"a Route without the annotation", []*routev1.Route{bare}, []string{"Prefix"}, []string{"u"}, 0},
		{"Exact to Prefix is a new Route", []*routev1.Route{exact}, []string{"Prefix"}, nil, 1},
		{"Exact pairs with Exact first", []*routev1.Route{prefix, exact}, []string{"Exact", "ImplementationSpecific"}, []string{"e", "p"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []Wanted
			for _, pt := range tc.want {
				want = append(want, Wanted{Route: route(rPathType(pt))})
			}
			p := plan(want, tc.owned)
			if got := ownedNames(p.updates); !slices.Equal(got, tc.updates) || len(p.creates) != tc.creates ||
				len(p.deletes) != len(tc.owned)-len(tc.updates) {
				t.Errorf("updates %v, %d created, %d deleted; want updates %v, %d created, %d deleted", got, len(p.creates),
					len(p.deletes), tc.updates, tc.creates, len(tc.owned)-len(tc.updates))
			}
		})
	}
}

// A blue/green move: two rules on one path, svc-a's Route the older (it
// holds the path), then svc-a's rule removed. The older Route is kept and
// turned to svc-b, rather than deleted for the waiting one: it keeps the
// path, its age (which wins contested hosts) and its users' fields.
func TestPlanKeepsTheHolder(t *testing.T) {
	named := func(n string) routeMod { return func(r *routev1.Route) { r.Name = n } }
	to := func(svc string) routeMod { return func(r *routev1.Route) { r.Spec.To.Name = svc } }
	holder, waiting := route(named("holder"), to("svc-a")), route(named("waiting"), to("svc-b"))
	p := plan([]Wanted{{Route: route(to("svc-b"))}}, []*routev1.Route{holder, waiting})
	if len(p.updates) != 1 || p.updates[0].existing != holder || len(p.deletes) != 1 || p.deletes[0] != waiting || len(p.creates) != 0 {
		t.Errorf("updates %v, deletes %d, creates %d; want holder updated, waiting deleted", ownedNames(p.updates), len(p.deletes), len(p.creates))
	}
}

func ownedNames(ps []pair) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.existing.Name)
	}
	return out
}

func TestClassName(t *testing.T) {
	cases := []struct {
		name  string
		ing   *networkingv1.Ingress
		class string
		named bool
	}{
		{"none", newIngress(), "", false},
		{"spec", newIngress(class("openshift-default")), "openshift-default", true},
		{"40b annotation wins", newIngress(class("openshift-default"), annotate(names.IngressClassAnnotation, "nginx")), "nginx", true},
		{"empty annotation still names a class", newIngress(class("openshift-default"), annotate(names.IngressClassAnnotation, "")), "", true},
	}
	for _, tc := range cases {
		if c, named := className(tc.ing); c != tc.class || named != tc.named {
			t.Errorf("%s: got %q %v, want %q %v", tc.name, c, named, tc.class, tc.named)
		}
	}
}

// TestGenerateName checks OKD's names: <ingress>- cut to 58 characters,
// then 5 random characters of apimachinery's alphabet; shorter where the
// API generates the host from the name and the namespace.
func TestGenerateName(t *testing.T) {
	suffix := regexp.MustCompile(`^[bcdfghjklmnpqrstvwxz2456789]{5}$`)
	long := "a-very-long-ingress-name-that-goes-on-and-on-and-on-past-the-limit"
	withHost := func(ns string) *routev1.Route {
		return &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: ns}, Spec: routev1.RouteSpec{Host: "a.example.com"}}
	}
	generated := func(ns string) *routev1.Route { return &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: ns}} }
	ns32 := "team-payments-production-eu-west"
	for _, tc := range []struct {
		base   string
		rt     *routev1.Route
		prefix string
	}{
		{"1", withHost("default"), "1-"},
		{"frontend", withHost("default"), "frontend-"},
		{long, withHost("default"), long[:58]},
		{long, withHost(ns32), long[:58]},
		// <name>-<namespace> is the generated host's first label.
		{"payments-service-public-ingress", generated(ns32), "payments-service-public-i"},
		{"web", generated(ns32), "web-"},
		{long, generated("default"), long[:63-1-7-5]},
		// A namespace that leaves no room: the API refuses with its reason.
		{long, generated(strings.Repeat("n", 60)), long[:58]},
	} {
		n := generateName(tc.base, hostRoom(tc.rt))
		if !strings.HasPrefix(n, tc.prefix) || len(n) != len(tc.prefix)+5 || !suffix.MatchString(n[len(tc.prefix):]) {
			t.Errorf("generateName(%q) in %s = %q, want %q and 5 characters", tc.base, tc.rt.Namespace, n, tc.prefix)
		}
		if tc.rt.Spec.Host == "" && len(tc.rt.Namespace) < 50 && len(n)+1+len(tc.rt.Namespace) > 63 {
			t.Errorf("%s-%s does not fit a DNS label", n, tc.rt.Namespace)
		}
	}
}

func TestExpectations(t *testing.T) {
	now := time.Unix(1000, 0)
	e := newExpectations(func() time.Time { return now })
	ing := key(newIngress())
	named := func(n string, uid string) *routev1.Route {
		r := route()
		r.Name, r.UID = n, types.UID(uid)
		return r
	}
	if e.Pending(ing) {
		t.Error("pending before any write")
	}
	e.Created(ing, named("1-new", "u1"))
	if !e.Pending(ing) || e.Pending(types.NamespacedName{Namespace: testNS, Name: "other"}) {
		t.Error("a creation the cache lacks is pending for its Ingress only")
	}
	if got := e.Adjust(ing, nil); len(got) != 1 || got[0].Name != "1-new" {
		t.Fatalf("a created Route the cache lacks must count: %v", got)
	}
	if got := e.Adjust(ing, []*routev1.Route{named("1-new", "u1")}); len(got) != 1 {
		t.Fatalf("listed once: %v", got)
	}
	if len(e.created) != 0 {
		t.Errorf("a listed Route is no longer expected")
	}
	old := named("1-old", "u2")
	e.Deleted(ing, old)
	if got := e.Adjust(ing, []*routev1.Route{old}); len(got) != 0 {
		t.Errorf("a deleted Route the cache still shows must not count: %v", got)
	}
	e.Observed(routeName(old), true)
	if len(e.deleted) != 0 || e.Pending(ing) {
		t.Errorf("a delete event settles the deletion")
	}
	e.Created(ing, named("1-lost", "u3"))
	now = now.Add(expectationTTL + time.Second)
	if got := e.Adjust(ing, nil); len(got) != 0 {
		t.Errorf("expired expectations are dropped: %v", got)
	}
	e.Created(ing, named("1-x", "u4"))
	e.Forget(ing)
	if got := e.Adjust(ing, nil); len(got) != 0 {
		t.Errorf("forgotten: %v", got)
	}
}
