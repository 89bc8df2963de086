package model

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/types"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

func TestCookie(t *testing.T) {
	E, R, P := routev1.TLSTerminationEdge, routev1.TLSTerminationReencrypt, routev1.TLSTerminationPassthrough
	def := RouteCookieName(types.NamespacedName{Namespace: "ns", Name: "r"})
	cases := []struct {
		name string
		opts []opt
		want *Cookie // nil: no cookie
	}{
		{"plain HTTP", nil, &Cookie{Name: def}},
		{"edge, HTTP redirected: TLS only, SameSite None (OKD's)", []opt{termination(E, routev1.InsecureEdgeTerminationPolicyRedirect)}, &Cookie{Name: def, Secure: true, SameSite: "None"}},
		{"edge without HTTP", []opt{termination(E, "")}, &Cookie{Name: def, Secure: true, SameSite: "None"}},
		{"edge that allows HTTP", []opt{termination(E, routev1.InsecureEdgeTerminationPolicyAllow)}, &Cookie{Name: def}},
		{"reencrypt", []opt{termination(R, "")}, &Cookie{Name: def, Secure: true, SameSite: "None"}},
		{"passthrough: the router never sees the HTTP", []opt{termination(P, "")}, nil},
		{"disabled", []opt{annotate(names.DisableCookiesAnnotation, "true")}, nil},
		{"named, with SameSite", []opt{termination(R, ""), annotate(names.CookieNameAnnotation, "sticky"), annotate(names.CookieSameSiteAnnotation, "strict")},
			&Cookie{Name: "sticky", Secure: true, SameSite: "Strict"}},
		{"no SameSite without Secure", []opt{annotate(names.CookieSameSiteAnnotation, "Lax")}, &Cookie{Name: def}},
		{"an invalid name keeps the default", []opt{annotate(names.CookieNameAnnotation, "a b")}, &Cookie{Name: def}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := build(t, newCluster().web("svc", 1, 1), route("ns", "r", 1, "r.example.com", tc.opts...))
			got := m.Backends[0].Cookie
			if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
				t.Errorf("cookie = %+v, want %+v", got, tc.want)
			}
		})
	}
	if a, b := RouteCookieName(types.NamespacedName{Namespace: "ns", Name: "r"}), RouteCookieName(types.NamespacedName{Namespace: "ns", Name: "r2"}); a == b || len(a) != 32 {
		t.Errorf("cookie names %q and %q: want 32 hex digits, one per route", a, b)
	}
}

// A route in a spare wears the spare's cookie, which a reload cannot
// have changed under it; routes that want another cookie need a reload.
func TestCookieInSpares(t *testing.T) {
	web := func() *cluster { return newCluster().web("svc", 1, 2) }
	a := route("ns", "a", 1, "a.com")
	prev := withSpares(t, web(), 1, a)
	edge := route("ns", "b", 2, "b.com", termination(routev1.TLSTerminationEdge, routev1.InsecureEdgeTerminationPolicyRedirect))
	got := takeSpare(t, prev, build(t, web(), a, edge), "an edge route with the default cookie")
	for _, b := range got.Backends {
		if IsSpare(b.Name) && *b.Cookie != *spareCookie("", b.Name) {
			t.Errorf("%s holds %s with cookie %+v, want the spare's", b.Name, b.Route, b.Cookie)
		}
	}
	for name, opt := range map[string]opt{
		"named": annotate(names.CookieNameAnnotation, "sticky"),
		"SameSite": func(r *routev1.Route) {
			termination(routev1.TLSTerminationEdge, "")(r)
			annotate(names.CookieSameSiteAnnotation, "Lax")(r)
		},
		"disabled": annotate(names.DisableCookiesAnnotation, "true"),
	} {
		if got, _ := FitSpares(prev, build(t, web(), a, route("ns", "b", 2, "b.com", opt)), "random"); got != nil {
			t.Errorf("a route with its cookie %s took a spare", name)
		}
	}
}

// With ROUTER_COOKIE_NAME, every route without cookie_name wears that
// name, and so do the spares: a route that takes one has its own cookie
// from the start.
func TestRouterCookieName(t *testing.T) {
	o := defaultOptions
	o.CookieName = "SESSION"
	web := func() *cluster { return newCluster().web("svc", 1, 2) }
	a := route("ns", "a", 1, "a.com")
	named := route("ns", "n", 3, "n.com", annotate(names.CookieNameAnnotation, "mine"))
	cookies := func(m *Model) map[string]string {
		out := map[string]string{}
		for _, b := range m.Backends {
			out[b.Name] = b.Cookie.Name
		}
		return out
	}
	m := Build(web().input(admit(t, a, named), o))
	if got := cookies(m); got["be_http:ns:a"] != "SESSION" || got["be_http:ns:n"] != "mine" {
		t.Errorf("cookies %v: want SESSION, and mine where cookie_name says so", got)
	}
	prev := spared(Build(web().input(admit(t, a), o)), 1)
	if got := cookies(prev)["_spare_1"]; got != "SESSION" {
		t.Errorf("the spare's cookie is %q, want SESSION", got)
	}
	b := route("ns", "b", 2, "b.com")
	got := takeSpare(t, prev, Build(web().input(admit(t, a, b), o)), "a route with the router's cookie")
	for _, x := range got.Backends {
		if x.Route.Name == "b" && (!IsSpare(x.Name) || x.Cookie.Name != "SESSION") {
			t.Errorf("b is in %s with cookie %q, want a spare with SESSION", x.Name, x.Cookie.Name)
		}
	}
}

// takeSpare fits next, whose new route (what) must take one of prev's
// spares, with no change of shape: no reload.
func takeSpare(t *testing.T, prev, next *Model, what string) *Model {
	t.Helper()
	got, _ := FitSpares(prev, next, "random")
	if got == nil {
		t.Fatalf("%s does not fit a spare", what)
	}
	AssignSlots(prev, got)
	if !SameShape(prev, got) {
		t.Errorf("%s taking the spare changes the backend's shape", what)
	}
	return got
}

// TestSameShapeSeesEveryField changes each field of a Backend in turn:
// every field that reaches haproxy.cfg must make SameShape false, so that
// a field added later cannot go live without the reload it needs.
func TestSameShapeSeesEveryField(t *testing.T) {
	// What the runtime API changes, or the config never shows (H2C sums
	// up the servers' lines, which slots carry).
	runtime := map[string]bool{"Servers": true, "Slots": true, "Capacity": true, "Route": true, "H2C": true}
	base := func() *Backend {
		return &Backend{Name: "be_http:ns:r", Mode: ModeHTTP, Balance: "random", Slots: []Slot{{Name: "s1"}}, Capacity: 4}
	}
	if !SameShape(&Model{Backends: []*Backend{base()}}, &Model{Backends: []*Backend{base()}}) {
		t.Fatal("a backend differs from its copy")
	}
	typ := reflect.TypeOf(Backend{})
	for i := range typ.NumField() {
		f := typ.Field(i)
		if runtime[f.Name] {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			b := base()
			v := reflect.ValueOf(b).Elem().Field(i)
			switch v.Kind() {
			case reflect.String:
				v.SetString(v.String() + "x")
			case reflect.Bool:
				v.SetBool(!v.Bool())
			case reflect.Int, reflect.Int64:
				v.SetInt(v.Int() + 1)
			case reflect.Pointer:
				v.Set(reflect.New(v.Type().Elem()))
			case reflect.Slice:
				v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem())))
			default:
				t.Fatalf("field %s of kind %s: teach this test to change it", f.Name, v.Kind())
			}
			if SameShape(&Model{Backends: []*Backend{base()}}, &Model{Backends: []*Backend{b}}) {
				t.Errorf("a change of %s keeps the shape: it would never reach HAProxy", f.Name)
			}
		})
	}
}
