package ingress

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/diff"
	"k8s.io/utils/ptr"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// TestMerge covers the update cases of reference §2: an Ingress converted,
// paired with an existing Route, gives the Route to write (nil: no write).
func TestMerge(t *testing.T) {
	const termination, destCA, reconcile = names.TerminationAnnotation, names.DestinationCACertificateSecretAnnotation, names.ReconcileLabelsAnnotation
	std := func(mods ...ingMod) *networkingv1.Ingress {
		return newIngress(append(mods, rule("test.com", stdPath))...)
	}
	weight := func(w int32) routeMod { return func(r *routev1.Route) { r.Spec.To.Weight = ptr.To(w) } }
	caCert := func(r *routev1.Route) { r.Spec.TLS.CACertificate = "ca" }
	cases := []struct {
		name     string
		ing      *networkingv1.Ingress
		existing *routev1.Route
		want     *routev1.Route // nil: unchanged
		drift    string
	}{
		{"17 port drift", std(), existing(route(rPortInt(80))), existing(route()),
			`Target port of "service-1" backend service does not match route target port`},
		{"17 port on a service without named port", newIngress(rule("test.com", path("/", prefix, "unnamed", portNum(80)))),
			existing(route(rService("unnamed"))), existing(route(rService("unnamed"), rNoPort)),
			`Route specifies a port but the backend service "unnamed" has no port`},
		{"18 reconcile-labels true", std(annotate(reconcile, "true"), label("my-label", "somevalue")),
			existing(route(rPortInt(80))), existing(route(rAnnotate(reconcile, "true"), rLabel("my-label", "somevalue"))),
			`Target port of "service-1" backend service does not match route target port`},
		{"19 reconcile-labels true, Ingress without labels", std(annotate(reconcile, "true")),
			existing(route(rAnnotate(reconcile, "true"), rLabel("somelabel", "somevalue"))), existing(route(rAnnotate(reconcile, "true"))), ""},
		{"20 reconcile-labels invalid keeps labels", std(annotate(reconcile, "NotTrue"), label("my-label", "x")),
			existing(route(rLabel("somelabel", "somevalue"))), existing(route(rAnnotate(reconcile, "NotTrue"), rLabel("somelabel", "somevalue"))), ""},
		{"21 no-op", std(), existing(route()), nil, ""},
		{"a migration's creation time is kept", std(), existing(route(rAnnotate(names.CreatedAnnotation, "2020-01-01T00:00:00Z old-uid"))), nil, ""},
		{"a migration's creation time is kept when annotations change", std(annotate("a", "b")),
			existing(route(rAnnotate(names.CreatedAnnotation, "2020-01-01T00:00:00Z old-uid"))),
			existing(route(rAnnotate("a", "b", names.CreatedAnnotation, "2020-01-01T00:00:00Z old-uid"))), ""},
		{"an Ingress cannot set a creation time", std(annotate(names.CreatedAnnotation, "2000-01-01T00:00:00Z forged")), existing(route()), nil, ""},
		{"21 labels are the user's without reconcile-labels", std(label("a", "b")), existing(route(rLabel("c", "d"))), nil, ""},
		{"24 old owner apiVersion", std(), existing(route(func(r *routev1.Route) { r.OwnerReferences[0].APIVersion = "extensions.k8s.io/v1beta1" })),
			existing(route()), ""},
		{"24 owner uid of a re-created Ingress", std(), existing(route(func(r *routev1.Route) { r.OwnerReferences[0].UID = "old" })),
			existing(route()), ""},
		{"25 user-set destination CA kept", std(annotate(termination, "reencrypt"), tlsFor("secret-1", "test.com")),
			existing(route(rAnnotate(termination, "reencrypt"), rTLS("reencrypt", "", "cert", "key", "cert"))), nil, ""},
		{"26 TLS added", std(tlsFor("secret-1", "test.com")), existing(route()),
			existing(route(rTLS("edge", "Redirect", "cert", "key"))), ""},
		{"27 switch to passthrough", newIngress(annotate(termination, "passthrough"), tlsFor("secret-1", "test.com"), rule("test.com", path("", implSpec, "service-1", portName("http")))),
			existing(route(rPath(""), rPathType("ImplementationSpecific"), rTLS("edge", "Redirect", "cert", "key"))),
			existing(route(rPath(""), rPathType("ImplementationSpecific"), rAnnotate(termination, "passthrough"), rTLS("passthrough", "Redirect"))), ""},
		{"28 switch to reencrypt with secret", std(annotate(termination, "reencrypt"), tlsFor("secret-1", "test.com")),
			existing(route(rTLS("edge", "Redirect", "cert", "key"))),
			existing(route(rAnnotate(termination, "reencrypt"), rTLS("reencrypt", "Redirect", "cert", "key"))), ""},
		{"29 reencrypt without spec.tls drops certificates", std(annotate(termination, "reencrypt")),
			existing(route(rTLS("edge", "Redirect", "cert", "key"))),
			existing(route(rAnnotate(termination, "reencrypt"), rTLS("reencrypt", "Redirect"))), ""},
		{"30 reencrypt with destination CA annotation", std(annotate(termination, "reencrypt", destCA, "secret-ca-cert")),
			existing(route(rTLS("edge", "Redirect", "cert", "key"))),
			existing(route(rAnnotate(termination, "reencrypt", destCA, "secret-ca-cert"), rTLS("reencrypt", "Redirect", "", "", "CAcert"))), ""},
		{"31 reencrypt to edge clears the destination CA", std(annotate(termination, "edge")),
			existing(route(rAnnotate(termination, "reencrypt", destCA, "secret-ca-cert"), rTLS("reencrypt", "", "cert", "key", "CACert"))),
			existing(route(rAnnotate(termination, "edge"), rTLS("edge", ""))), ""},
		{"32 destination CA Secret switched", std(annotate(termination, "reencrypt", destCA, "secret-ca-cert-opaque")),
			existing(route(rAnnotate(termination, "reencrypt", destCA, "secret-ca-cert"), rTLS("reencrypt", "Redirect", "", "", "CAcert"))),
			existing(route(rAnnotate(termination, "reencrypt", destCA, "secret-ca-cert-opaque"), rTLS("reencrypt", "Redirect", "", "", "CAcert-from-opaque"))), ""},
		{"32 unusable destination CA Secret clears the field", std(annotate(termination, "reencrypt", destCA, "nope")),
			existing(route(rAnnotate(termination, "reencrypt", destCA, "nope"), rTLS("reencrypt", "Redirect", "", "", "old"))),
			existing(route(rAnnotate(termination, "reencrypt", destCA, "nope"), rTLS("reencrypt", "Redirect"))), ""},
		{"33 invalid termination with secret: no-op", std(annotate(termination, "Passthrough"), tlsFor("secret-1", "test.com")),
			existing(route(rAnnotate(termination, "Passthrough"), rTLS("edge", "Redirect", "cert", "key"))), nil, ""},
		{"34 invalid termination without secret removes TLS", std(annotate(termination, "Passthrough")),
			existing(route(rAnnotate(termination, "Passthrough"), rTLS("edge", "Redirect", "cert", "key"))),
			existing(route(rAnnotate(termination, "Passthrough"))), ""},
		{"35 empty TLS entry", std(tlsFor("", "something-else"), tlsFor("")), existing(route()),
			existing(route(rTLS("edge", "Redirect"))), ""},
		{"36 secret content changed, insecure policy kept", std(tlsFor("secret-1a", "test.com")),
			existing(route(rTLS("edge", "", "cert", "key"))), existing(route(rTLS("edge", "", "cert", "key2"))), ""},
		{"38 spec.tls for another host removes TLS", std(tlsFor("secret-1", "test.com1")),
			existing(route(rTLS("edge", "Redirect", "cert", "key"))), existing(route()), ""},
		{"39 router annotation added", std(annotate("haproxy.router.openshift.io/timeout", "6m")), existing(route()),
			existing(route(rAnnotate("haproxy.router.openshift.io/timeout", "6m"))), ""},
		{"40e alternate backends removed, weight kept", std(),
			existing(route(weight(7), func(r *routev1.Route) {
				r.Spec.AlternateBackends = []routev1.RouteTargetReference{{Kind: "Service", Name: "other", Weight: ptr.To[int32](1)}}
			})), existing(route(weight(7))), ""},
		{"user fields kept: weight, caCertificate, Allow, header actions", std(tlsFor("secret-1", "test.com")),
			existing(route(weight(0), rTLS("edge", "Allow", "cert", "key"), caCert, rHeaders)), nil, ""},
		{"passthrough refuses Allow and header actions", newIngress(annotate(termination, "passthrough"), rule("test.com", path("", implSpec, "service-1", portName("http")))),
			existing(route(rPath(""), rPathType("ImplementationSpecific"), rTLS("edge", "Allow", "cert", "key"), caCert, rHeaders)),
			existing(route(rPath(""), rPathType("ImplementationSpecific"), rAnnotate(termination, "passthrough"), rTLS("passthrough", "Redirect"))), ""},
		{"user annotation removed", std(), existing(route(rAnnotate("user", "x"))), existing(route()), ""},
		{"wildcard route unchanged is a no-op", newIngress(rule("*.test.com", stdPath)), existing(route(rHost("wildcard.test.com"), rWildcard)), nil, ""},
		{"default backend keeps its generated host", newIngress(defaultBackend("service-1", portName("http"))),
			existing(route(rHost("1-abcdef-test.apps.example"), rPath(""), rNoAnnotation(names.PathTypeAnnotation),
				rAnnotate(names.DefaultBackendAnnotation, "true", names.HostGeneratedAnnotation, "true"))), nil, ""},
		{"default backend service changed", newIngress(defaultBackend("service-2", portNum(80))),
			existing(route(rHost("1-abcdef-test.apps.example"), rPath(""), rNoAnnotation(names.PathTypeAnnotation),
				rAnnotate(names.DefaultBackendAnnotation, "true", names.HostGeneratedAnnotation, "true"))),
			existing(route(rHost("1-abcdef-test.apps.example"), rPath(""), rNoAnnotation(names.PathTypeAnnotation), rService("service-2"), rPort("80-tcp"),
				rAnnotate(names.DefaultBackendAnnotation, "true", names.HostGeneratedAnnotation, "true"))),
			`Target port of "service-2" backend service does not match route target port`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := Convert(input(tc.ing))
			if len(res.Routes) != 1 {
				t.Fatalf("Convert gave %d routes, want 1 (problems %q)", len(res.Routes), res.Problems)
			}
			desired := res.Routes[0].Route
			labels, _ := reconcileLabels(tc.ing)
			got, changed := Merge(tc.existing, desired, labels)
			switch {
			case tc.want == nil && changed:
				t.Errorf("changed, want no write; diff (-existing +got):\n%s", diff.Diff(tc.existing, got))
			case tc.want != nil && !changed:
				t.Errorf("no write, want one")
			case tc.want != nil:
				if d := diff.Diff(tc.want, got); d != "" {
					t.Errorf("route (-want +got):\n%s", d)
				}
			}
			if d := portDrift(tc.existing, desired); d != tc.drift {
				t.Errorf("drift = %q, want %q", d, tc.drift)
			}
		})
	}
}

func rHeaders(r *routev1.Route) {
	r.Spec.HTTPHeaders = &routev1.RouteHTTPHeaders{Actions: routev1.RouteHTTPHeaderActions{Response: []routev1.RouteHTTPHeader{
		{Name: "X-Frame-Options", Action: routev1.RouteHTTPHeaderActionUnion{Type: routev1.Set, Set: &routev1.RouteSetHTTPHeader{Value: "DENY"}}},
	}}}
}

func TestReconcileLabels(t *testing.T) {
	for v, want := range map[string]bool{"true": true, " True ": true, "1": true, "false": false, "": false} {
		got, msg := reconcileLabels(newIngress(annotate(names.ReconcileLabelsAnnotation, v)))
		if got != want || (v == "" && msg == "") || (v != "" && msg != "") {
			t.Errorf("%q: got %v %q, want %v", v, got, msg, want)
		}
	}
	_, msg := reconcileLabels(newIngress(annotate(names.ReconcileLabelsAnnotation, "NotTrue")))
	if want := `Invalid value on annotation "route.openshift.io/reconcile-labels" due to: "strconv.ParseBool: parsing \"NotTrue\": invalid syntax"`; msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
}
