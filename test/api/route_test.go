package api

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// The API server never parses certificates, so any text stands in for one.
const fakePEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

type routeMod func(*routev1.Route)

func newRoute(ns, name string, mods ...routeMod) *routev1.Route {
	r := &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       routev1.RouteSpec{Host: name + ".example.com", To: routev1.RouteTargetReference{Name: "frontend"}},
	}
	for _, m := range mods {
		m(r)
	}
	return r
}

func host(h string) routeMod      { return func(r *routev1.Route) { r.Spec.Host = h } }
func path(p string) routeMod      { return func(r *routev1.Route) { r.Spec.Path = p } }
func subdomain(s string) routeMod { return func(r *routev1.Route) { r.Spec.Subdomain = s } }
func wildcard(w string) routeMod {
	return func(r *routev1.Route) { r.Spec.WildcardPolicy = routev1.WildcardPolicyType(w) }
}
func weight(w int32) routeMod { return func(r *routev1.Route) { r.Spec.To.Weight = ptr.To(w) } }
func annotate(k, v string) routeMod {
	return func(r *routev1.Route) { r.Annotations = map[string]string{k: v} }
}
func targetPort(p intstr.IntOrString) routeMod {
	return func(r *routev1.Route) { r.Spec.Port = &routev1.RoutePort{TargetPort: p} }
}
func tls(termination string, mods ...func(*routev1.TLSConfig)) routeMod {
	return func(r *routev1.Route) {
		r.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationType(termination)}
		for _, m := range mods {
			m(r.Spec.TLS)
		}
	}
}
func cert(t *routev1.TLSConfig)   { t.Certificate, t.Key = fakePEM, fakePEM }
func destCA(t *routev1.TLSConfig) { t.DestinationCACertificate = fakePEM }
func insecure(p string) func(*routev1.TLSConfig) {
	return func(t *routev1.TLSConfig) {
		t.InsecureEdgeTerminationPolicy = routev1.InsecureEdgeTerminationPolicyType(p)
	}
}
func external(name string) func(*routev1.TLSConfig) {
	return func(t *routev1.TLSConfig) { t.ExternalCertificate = &routev1.LocalObjectReference{Name: name} }
}
func backends(names ...string) routeMod {
	return func(r *routev1.Route) {
		for _, n := range names {
			r.Spec.AlternateBackends = append(r.Spec.AlternateBackends, routev1.RouteTargetReference{Kind: "Service", Name: n})
		}
	}
}
func requestHeader(name, typ, value string) routeMod {
	return func(r *routev1.Route) {
		if r.Spec.HTTPHeaders == nil {
			r.Spec.HTTPHeaders = &routev1.RouteHTTPHeaders{}
		}
		h := routev1.RouteHTTPHeader{Name: name, Action: routev1.RouteHTTPHeaderActionUnion{Type: routev1.RouteHTTPHeaderActionType(typ)}}
		if value != "" {
			h.Action.Set = &routev1.RouteSetHTTPHeader{Value: value}
		}
		r.Spec.HTTPHeaders.Actions.Request = append(r.Spec.HTTPHeaders.Actions.Request, h)
	}
}

// check inspects a route the API accepted.
type check func(t *testing.T, r *routev1.Route)

func wantHost(h string) check {
	return func(t *testing.T, r *routev1.Route) {
		t.Helper()
		if r.Spec.Host != h {
			t.Errorf("spec.host = %q, want %q", r.Spec.Host, h)
		}
	}
}

func wantTermination(term string) check {
	return func(t *testing.T, r *routev1.Route) {
		t.Helper()
		if r.Spec.TLS == nil || string(r.Spec.TLS.Termination) != term {
			t.Errorf("spec.tls = %+v, want termination %q", r.Spec.TLS, term)
		}
	}
}

func wantDefaults(t *testing.T, r *routev1.Route) {
	t.Helper()
	if r.Spec.To.Kind != "Service" || r.Spec.To.Weight == nil || *r.Spec.To.Weight != 100 {
		t.Errorf("spec.to = %+v, want kind Service and weight 100", r.Spec.To)
	}
	for _, b := range r.Spec.AlternateBackends {
		if b.Weight == nil || *b.Weight != 100 {
			t.Errorf("alternate backend %s weight = %v, want 100", b.Name, b.Weight)
		}
	}
	if r.Spec.WildcardPolicy != routev1.WildcardPolicyNone {
		t.Errorf("spec.wildcardPolicy = %q, want None", r.Spec.WildcardPolicy)
	}
}

func TestRouteCreate(t *testing.T) {
	ns := newNamespace(t, "route-create")
	ctx := context.Background()
	must(t, cluster.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "opaque"},
		Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"x": []byte("y")}}))
	must(t, cluster.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tls-unreadable"},
		Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": []byte(fakePEM), "tls.key": []byte(fakePEM)}}))
	must(t, cluster.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tls-readable"},
		Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": []byte(fakePEM), "tls.key": []byte(fakePEM)}}))
	// The router may read these, so the existence and type checks are reached.
	for _, name := range []string{"tls-readable", "opaque", "nope"} {
		grantRouterSecretRead(t, ns, name)
	}

	long := strings.Repeat("a", 64)
	cases := []struct {
		name    string
		mods    []routeMod
		wantErr string // empty: accepted
		checks  []check
	}{
		{name: "minimal", checks: []check{wantDefaults}},
		{name: "generated-host", mods: []routeMod{host("")}, checks: []check{wantHost("generated-host-" + ns + "." + testDomain),
			func(t *testing.T, r *routev1.Route) {
				if r.Annotations[names.HostGeneratedAnnotation] != "true" {
					t.Errorf("annotations = %v, want %s", r.Annotations, names.HostGeneratedAnnotation)
				}
			}}},
		{name: "dotted.name", mods: []routeMod{host("")}, checks: []check{wantHost("dotted-name-" + ns + "." + testDomain)}},
		{name: "subdomain-only", mods: []routeMod{host(""), subdomain("shop")}, checks: []check{wantHost("")}},
		{name: "wildcard", mods: []routeMod{host("wildcard.example.com"), wildcard("Subdomain")}},
		{name: "wildcard-no-host", mods: []routeMod{host(""), wildcard("Subdomain")}, wantErr: "host name not specified for wildcard policy"},
		{name: "wildcard-bogus", mods: []routeMod{wildcard("Bogus")}, wantErr: `Unsupported value: "Bogus"`},
		{name: "host-uppercase", mods: []routeMod{host("WWW.example.com")}, wantErr: "host must conform to DNS 1123 subdomain conventions"},
		{name: "host-underscore", mods: []routeMod{host("a_b.example.com")}, wantErr: "spec.host"},
		{name: "host-leading-dash", mods: []routeMod{host("-a.example.com")}, wantErr: "spec.host"},
		{name: "host-too-long", mods: []routeMod{host(strings.Repeat("a.", 127) + "com")}, wantErr: "spec.host: Too long"},
		{name: "host-long-label", mods: []routeMod{host(long + ".example.com")}, wantErr: "must be no more than 63 characters"},
		{name: "host-long-label-allowed", mods: []routeMod{host(long + ".example.com"),
			annotate(names.AllowNonDNSCompliantHostAnnotation, "true")}, checks: []check{wantHost(long + ".example.com")}},
		{name: "subdomain-uppercase", mods: []routeMod{host(""), subdomain("Shop")}, wantErr: `subdomain label "Shop"`},
		{name: "path", mods: []routeMod{path("/api")}},
		{name: "path-relative", mods: []routeMod{path("api")}, wantErr: "spec.path"},
		{name: "path-passthrough", mods: []routeMod{path("/api"), tls("passthrough")}, wantErr: "passthrough termination does not support paths"},
		{name: "path-edge", mods: []routeMod{path("/api"), tls("edge")}, checks: []check{wantTermination("edge")}},
		{name: "to-name-empty", mods: []routeMod{func(r *routev1.Route) { r.Spec.To.Name = "" }}, wantErr: "spec.to.name"},
		{name: "to-kind-pod", mods: []routeMod{func(r *routev1.Route) { r.Spec.To.Kind = "Pod" }}, wantErr: `Unsupported value: "Pod"`},
		{name: "weight-zero", mods: []routeMod{weight(0)}},
		{name: "weight-256", mods: []routeMod{weight(256)}},
		{name: "weight-257", mods: []routeMod{weight(257)}, wantErr: "spec.to.weight"},
		{name: "weight-negative", mods: []routeMod{weight(-1)}, wantErr: "spec.to.weight"},
		{name: "three-backends", mods: []routeMod{backends("b1", "b2", "b3")}, checks: []check{wantDefaults}},
		{name: "four-backends", mods: []routeMod{backends("b1", "b2", "b3", "b4")}, wantErr: "must have at most 3 items"},
		{name: "duplicate-backends", mods: []routeMod{backends("b1", "b1")}, wantErr: "Duplicate value"},
		{name: "port-name", mods: []routeMod{targetPort(intstr.FromString("http"))}},
		{name: "port-number", mods: []routeMod{targetPort(intstr.FromInt32(8080))}},
		{name: "port-zero", mods: []routeMod{targetPort(intstr.FromInt32(0))}, wantErr: "targetPort must not be 0 or empty"},
		{name: "port-empty", mods: []routeMod{targetPort(intstr.FromString(""))}, wantErr: "targetPort must not be 0 or empty"},
		{name: "termination-capitalised", mods: []routeMod{tls("Passthrough")}, checks: []check{wantTermination("passthrough")}},
		{name: "termination-empty", mods: []routeMod{tls("")}, checks: []check{wantTermination("edge")}},
		{name: "termination-empty-destca", mods: []routeMod{tls("", destCA)}, checks: []check{wantTermination("reencrypt")}},
		{name: "termination-bogus", mods: []routeMod{tls("bogus")}, wantErr: `Unsupported value: "bogus"`},
		{name: "edge-cert", mods: []routeMod{tls("edge", cert)}},
		{name: "reencrypt-destca", mods: []routeMod{tls("reencrypt", cert, destCA)}},
		{name: "passthrough-cert", mods: []routeMod{tls("passthrough", cert)}, wantErr: "passthrough termination does not support certificates"},
		{name: "edge-destca", mods: []routeMod{tls("edge", destCA)}, wantErr: "destinationCACertificate is not allowed with edge termination"},
		{name: "passthrough-allow", mods: []routeMod{tls("passthrough", insecure("Allow"))},
			wantErr: "cannot have both spec.tls.termination: passthrough and spec.tls.insecureEdgeTerminationPolicy: Allow"},
		{name: "passthrough-redirect", mods: []routeMod{tls("passthrough", insecure("Redirect"))}},
		{name: "edge-allow", mods: []routeMod{tls("edge", insecure("Allow"))}},
		{name: "edge-insecure-bogus", mods: []routeMod{tls("edge", insecure("Sometimes"))}, wantErr: `Unsupported value: "Sometimes"`},
		{name: "cert-and-external", mods: []routeMod{tls("edge", cert, external("tls-readable"))},
			wantErr: "cannot have both spec.tls.certificate and spec.tls.externalCertificate"},
		{name: "external-missing", mods: []routeMod{tls("edge", external("nope"))}, wantErr: `spec.tls.externalCertificate: Not found: "nope"`},
		{name: "external-opaque", mods: []routeMod{tls("edge", external("opaque"))}, wantErr: `secret of type "Opaque" is not supported`},
		{name: "external-router-cannot-read", mods: []routeMod{tls("edge", external("tls-unreadable"))},
			wantErr: "router serviceaccount system:serviceaccount:openshift-ingress:router does not have permission to get this secret"},
		{name: "external-ok", mods: []routeMod{tls("edge", external("tls-readable"))}},
		{name: "headers", mods: []routeMod{requestHeader("X-Frame-Options", "Set", "DENY"),
			requestHeader("X-Host", "Set", "%[req.hdr(host),lower]"), requestHeader("X-Remove", "Delete", "")}},
		{name: "headers-passthrough", mods: []routeMod{tls("passthrough"), requestHeader("X-A", "Set", "b")},
			wantErr: "header actions are not permitted when tls termination is passthrough."},
		// OKD's API server takes an empty httpHeaders on a passthrough
		// route; OKD's CRD rule, which ours keeps, does not.
		{name: "headers-empty-passthrough", mods: []routeMod{tls("passthrough"), func(r *routev1.Route) { r.Spec.HTTPHeaders = &routev1.RouteHTTPHeaders{} }},
			wantErr: map[bool]string{true: "", false: "header actions are not permitted when tls termination is passthrough."}[aggregated()]},
		{name: "header-cookie", mods: []routeMod{requestHeader("Cookie", "Delete", "")}, wantErr: "cookie header may not be modified via header actions"},
		{name: "header-name-space", mods: []routeMod{requestHeader("X Bad", "Delete", "")}, wantErr: "spec.httpHeaders.actions.request[0].name"},
		{name: "header-set-without-value", mods: []routeMod{requestHeader("X-A", "Set", "")}, wantErr: "set is required when type is Set, and forbidden otherwise"},
		{name: "header-sample-not-allowed", mods: []routeMod{requestHeader("X-A", "Set", "%[src]")}, wantErr: "HAProxy samples of the form %[req.hdr(<name>)]"},
		{name: "header-response-fetcher-in-request", mods: []routeMod{requestHeader("X-A", "Set", "%[res.hdr(server)]")}, wantErr: "spec.httpHeaders.actions.request[0].action.set.value"},
		{name: "header-newline", mods: []routeMod{requestHeader("X-A", "Set", "a\nhttp-request deny")}, wantErr: "spec.httpHeaders.actions.request[0].action.set.value"},
		{name: "header-too-many", mods: func() []routeMod {
			var m []routeMod
			for i := range 21 {
				m = append(m, requestHeader(fmt.Sprintf("X-H%d", i), "Delete", ""))
			}
			return m
		}(), wantErr: "must have at most 20 items"},
		{name: "Invalid_Name", wantErr: "a lowercase RFC 1123 subdomain"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRoute(ns, tc.name, tc.mods...)
			err := cluster.Client.Create(ctx, r)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("accepted, want an error containing %q", tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %q does not contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("rejected: %v", err)
			}
			var got routev1.Route
			must(t, cluster.Client.Get(ctx, client.ObjectKeyFromObject(r), &got))
			for _, c := range tc.checks {
				c(t, &got)
			}
		})
	}
}

func TestRouteUpdate(t *testing.T) {
	ns := newNamespace(t, "route-update")
	ctx := context.Background()
	long := strings.Repeat("b", 64)
	cases := []struct {
		name    string
		create  []routeMod
		update  routeMod
		wantErr string
	}{
		{name: "wildcard-immutable", update: wildcard("Subdomain"), wantErr: "wildcardPolicy is immutable"},
		{name: "wildcard-unchanged", create: []routeMod{wildcard("Subdomain")}, update: path("/x")},
		{name: "host-change", update: host("other.example.com")},
		{name: "path-change", update: path("/v2")},
		{name: "passthrough-path", create: []routeMod{tls("passthrough")}, update: path("/x"), wantErr: "passthrough termination does not support paths"},
		{name: "host-long-label", update: host(long + ".example.com"), wantErr: "must be no more than 63 characters"},
		{name: "long-label-kept", create: []routeMod{host(long + ".example.com"), annotate(names.AllowNonDNSCompliantHostAnnotation, "true")},
			update: func(r *routev1.Route) { r.Annotations = nil; r.Spec.Path = "/x" }},
		{name: "termination-normalised", update: tls("Edge"), wantErr: ""},
		{name: "weight-too-big", update: weight(300), wantErr: "spec.to.weight"},
		{name: "edge-to-passthrough-with-cert", create: []routeMod{tls("edge", cert)}, update: func(r *routev1.Route) { r.Spec.TLS.Termination = "passthrough" },
			wantErr: "passthrough termination does not support certificates"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRoute(ns, tc.name, tc.create...)
			must(t, cluster.Client.Create(ctx, r))
			tc.update(r)
			err := cluster.Client.Update(ctx, r)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestRouteReplaceWithoutHost: a manifest without spec.host applied again
// by replace (or a controller rebuilding the spec) keeps the host the route
// was given, generated or not, as on OKD; it is not a host change.
func TestRouteReplaceWithoutHost(t *testing.T) {
	ns := newNamespace(t, "route-replace")
	ctx := context.Background()
	for _, tc := range []struct{ name, host, want string }{
		{"generated", "", "generated-" + ns + "." + testDomain},
		{"custom", "shop.example.com", "shop.example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			must(t, cluster.Client.Create(ctx, newRoute(ns, tc.name, host(tc.host))))
			stored := getRoute(t, ns, tc.name)
			replaced := newRoute(ns, tc.name, host(""), path("/v2"))
			replaced.ResourceVersion = stored.ResourceVersion
			must(t, cluster.Client.Update(ctx, replaced))
			got := getRoute(t, ns, tc.name)
			if got.Spec.Host != tc.want || got.Spec.Path != "/v2" {
				t.Errorf("after replace: host %q, path %q; want %q, /v2", got.Spec.Host, got.Spec.Path, tc.want)
			}
		})
	}
}

func TestRouteStatusUpdate(t *testing.T) {
	ns := newNamespace(t, "route-status")
	ctx := context.Background()
	r := newRoute(ns, "status")
	must(t, cluster.Client.Create(ctx, r))
	// Without routerName, as OKD takes it; a condition needs its type.
	r.Status.Ingress = []routev1.RouteIngress{{Host: r.Spec.Host, Conditions: []routev1.RouteIngressCondition{{Status: "True"}}}}
	if err := cluster.Client.Status().Update(ctx, r); err == nil || !strings.Contains(err.Error(), "status.ingress[0].conditions[0].type") {
		t.Fatalf("a condition without type: error %v", err)
	}
	r.Status.Ingress[0].Conditions[0].Type = "Admitted"
	must(t, cluster.Client.Status().Update(ctx, r))
	r.Status.Ingress[0].RouterName = "default"
	must(t, cluster.Client.Status().Update(ctx, r))
	var got routev1.Route
	must(t, cluster.Client.Get(ctx, client.ObjectKeyFromObject(r), &got))
	if len(got.Status.Ingress) != 1 || got.Status.Ingress[0].WildcardPolicy != routev1.WildcardPolicyNone && got.Status.Ingress[0].WildcardPolicy != "" {
		t.Fatalf("status = %+v", got.Status)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// grantRouterSecretRead lets the routers' ServiceAccount read one Secret, as
// a user must before referencing it as an external certificate.
func grantRouterSecretRead(t *testing.T, ns, secret string) {
	t.Helper()
	ctx := context.Background()
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "router-reads-" + secret},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{secret},
			Verbs: []string{"get", "list", "watch"}}}}
	must(t, cluster.Client.Create(ctx, role))
	must(t, cluster.Client.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: role.Name},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: role.Name},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: names.RouterNamespace, Name: "router"}}}))
}

// metadata.generation counts spec changes from 1, whatever a client sends
// (a manifest exported with its generation), as for any custom resource:
// the routers tell a spec change from a status write by it.
func TestRouteGeneration(t *testing.T) {
	ns := newNamespace(t, "route-generation")
	ctx := context.Background()
	r := newRoute(ns, "exported")
	r.Generation = 7
	must(t, cluster.Client.Create(ctx, r))
	expectGeneration := func(step string, want int64) {
		t.Helper()
		var got routev1.Route
		must(t, cluster.Client.Get(ctx, client.ObjectKeyFromObject(r), &got))
		if got.Generation != want {
			t.Fatalf("%s: generation %d, want %d", step, got.Generation, want)
		}
		*r = got
	}
	expectGeneration("created", 1)
	r.Spec.Path = "/changed"
	must(t, cluster.Client.Update(ctx, r))
	expectGeneration("spec changed", 2)
	r.Labels = map[string]string{"team": "a"}
	must(t, cluster.Client.Update(ctx, r))
	expectGeneration("labels changed", 2)
	r.Status.Ingress = []routev1.RouteIngress{{Host: r.Spec.Host, RouterName: "default",
		Conditions: []routev1.RouteIngressCondition{{Type: "Admitted", Status: "True"}}}}
	must(t, cluster.Client.Status().Update(ctx, r))
	expectGeneration("status written", 2)
	r.Generation = 40
	r.Spec.Path = "/again"
	must(t, cluster.Client.Update(ctx, r))
	expectGeneration("spec changed with a generation sent", 3)
}
