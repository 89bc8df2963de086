package ingress

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/diff"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// TestConvert covers the creation cases of reference §2 (the case number
// leads each name) and this controller's own rules.
func TestConvert(t *testing.T) {
	const termination, destCA = names.TerminationAnnotation, names.DestinationCACertificateSecretAnnotation
	at00 := " at index 0, path index 0"
	cases := []struct {
		name     string
		ing      *networkingv1.Ingress
		want     []*routev1.Route
		problems []string
	}{
		{"01 two paths, nil and ImplementationSpecific pathType",
			newIngress(rule("test.com", path("/deep", nil, "service-1", portName("http")), path("/", implSpec, "service-1", portName("http")))),
			[]*routev1.Route{route(rPath("/deep"), rPathType("ImplementationSpecific")), route(rPathType("ImplementationSpecific"))}, nil},
		{"02 reencrypt with destination CA",
			newIngress(annotate(termination, "reencrypt", destCA, "secret-ca-cert"), tlsFor("secret-1", "test.com"), rule("test.com", stdPath)),
			[]*routev1.Route{route(rAnnotate(termination, "reencrypt", destCA, "secret-ca-cert"), rTLS("reencrypt", "Redirect", "cert", "key", "CAcert"))}, nil},
		{"03 port number gives the service port name",
			newIngress(rule("test.com", path("/", prefix, "service-2", portNum(80)))),
			[]*routev1.Route{route(rService("service-2"), rPort("80-tcp"))}, nil},
		{"04 empty path",
			newIngress(class("openshift-default"), rule("test.com", path("", implSpec, "service-1", portName("http")))),
			[]*routev1.Route{route(rPath(""), rPathType("ImplementationSpecific"))}, nil},
		{"05 labels copied",
			newIngress(label("something", "anything"), rule("test.com", stdPath)),
			[]*routev1.Route{route(rLabel("something", "anything"))}, nil},
		{"08 no host", newIngress(rule("", stdPath)), nil,
			[]string{"Missing host field in rule at index 0"}},
		{"09 empty service name", newIngress(rule("test.com", path("/", prefix, "", portName("http")))), nil,
			[]string{"Missing backend service name in rule at index 0, path index 0"}},
		{"10 no paths", newIngress(rule("test.com")), nil, nil},
		{"11 Exact is converted, not skipped",
			newIngress(rule("test.com", path("/exact", exact, "service-1", portName("http")))),
			[]*routev1.Route{route(rPath("/exact"), rPathType("Exact"))}, nil},
		{"12 service missing", newIngress(rule("test.com", path("/", prefix, "service-3", portNum(80)))), nil,
			[]string{`Backend service "service-3" not found` + at00}},
		{"14 wildcard host",
			newIngress(rule("*.test.com", path("/", prefix, "service-2", portNum(80)))),
			[]*routev1.Route{route(rHost("wildcard.test.com"), rWildcard, rService("service-2"), rPort("80-tcp"))}, nil},
		{"15 wildcard host with TLS",
			newIngress(tlsFor("secret-1", "*.test.com"), rule("*.test.com", stdPath)),
			[]*routev1.Route{route(rHost("wildcard.test.com"), rWildcard, rTLS("edge", "Redirect", "cert", "key"))}, nil},
		{"16 multi-rule",
			newIngress(rule("1.ingress-test.com", path("/test", prefix, "service-1", portNum(80)), path("/other", prefix, "service-2", portNum(80))),
				rule("2.ingress-test.com", path("/", prefix, "service-1", portNum(80))),
				rule("3.ingress-test.com", path("/", prefix, "service-1", portNum(80)))),
			[]*routev1.Route{
				route(rHost("1.ingress-test.com"), rPath("/test")),
				route(rHost("1.ingress-test.com"), rPath("/other"), rService("service-2"), rPort("80-tcp")),
				route(rHost("2.ingress-test.com")),
				route(rHost("3.ingress-test.com")),
			}, nil},
		{"29 reencrypt without spec.tls",
			newIngress(annotate(termination, "reencrypt"), rule("test.com", stdPath)),
			[]*routev1.Route{route(rAnnotate(termination, "reencrypt"), rTLS("reencrypt", "Redirect"))}, nil},
		{"30 reencrypt with destination CA, without spec.tls",
			newIngress(annotate(termination, "reencrypt", destCA, "secret-ca-cert"), rule("test.com", stdPath)),
			[]*routev1.Route{route(rAnnotate(termination, "reencrypt", destCA, "secret-ca-cert"), rTLS("reencrypt", "Redirect", "", "", "CAcert"))}, nil},
		{"31 edge annotation drops the destination CA",
			newIngress(annotate(termination, "edge", destCA, "secret-ca-cert"), rule("test.com", stdPath)),
			[]*routev1.Route{route(rAnnotate(termination, "edge", destCA, "secret-ca-cert"), rTLS("edge", "Redirect"))}, nil},
		{"32 destination CA from an Opaque Secret",
			newIngress(annotate(termination, "reencrypt", destCA, "secret-ca-cert-opaque"), rule("test.com", stdPath)),
			[]*routev1.Route{route(rAnnotate(termination, "reencrypt", destCA, "secret-ca-cert-opaque"), rTLS("reencrypt", "Redirect", "", "", "CAcert-from-opaque"))}, nil},
		{"32 missing destination CA Secret is ignored",
			newIngress(annotate(termination, "reencrypt", destCA, "nope"), rule("test.com", stdPath)),
			[]*routev1.Route{route(rAnnotate(termination, "reencrypt", destCA, "nope"), rTLS("reencrypt", "Redirect"))}, nil},
		{"33 unknown termination value with a secret is edge",
			newIngress(annotate(termination, "Passthrough"), tlsFor("secret-1", "test.com"), rule("test.com", stdPath)),
			[]*routev1.Route{route(rAnnotate(termination, "Passthrough"), rTLS("edge", "Redirect", "cert", "key"))}, nil},
		{"34 unknown termination value without spec.tls is no TLS",
			newIngress(annotate(termination, "Passthrough"), rule("test.com", stdPath)),
			[]*routev1.Route{route(rAnnotate(termination, "Passthrough"))}, nil},
		{"35 empty spec.tls entry: default certificate for every rule",
			newIngress(tlsFor("", "something-else"), tlsFor(""), rule("test.com", stdPath)),
			[]*routev1.Route{route(rTLS("edge", "Redirect"))}, nil},
		{"36 secret with another key", newIngress(tlsFor("secret-1a", "test.com"), rule("test.com", stdPath)),
			[]*routev1.Route{route(rTLS("edge", "Redirect", "cert", "key2"))}, nil},
		{"38a missing TLS secret", newIngress(tlsFor("secret-4", "test.com"), rule("test.com", stdPath)), nil,
			[]string{`Invalid or missing TLS secret for rule host "test.com"` + at00}},
		{"38b Opaque TLS secret", newIngress(tlsFor("secret-0", "test.com"), rule("test.com", stdPath)), nil,
			[]string{`Invalid or missing TLS secret for rule host "test.com"` + at00}},
		{"38c TLS secret without tls.crt", newIngress(tlsFor("secret-2", "test.com"), rule("test.com", stdPath)), nil,
			[]string{`Invalid or missing TLS secret for rule host "test.com"` + at00}},
		{"38 TLS secret with empty values is usable", newIngress(tlsFor("secret-3", "test.com"), rule("test.com", stdPath)),
			[]*routev1.Route{route(rTLS("edge", "Redirect"))}, nil},
		{"38 spec.tls for another host gives no TLS", newIngress(tlsFor("secret-1", "test.com1"), rule("test.com", stdPath)),
			[]*routev1.Route{route()}, nil},
		{"38 a secret without hosts enables nothing", newIngress(tlsFor("secret-1"), rule("test.com", stdPath)),
			[]*routev1.Route{route()}, nil},
		{"39 passthrough keeps router annotations, drops path /",
			newIngress(annotate(termination, "passthrough", "haproxy.router.openshift.io/timeout", "6m"), tlsFor("secret-1", "test.com"), rule("test.com", stdPath)),
			[]*routev1.Route{route(rPath(""), rAnnotate(termination, "passthrough", "haproxy.router.openshift.io/timeout", "6m"), rTLS("passthrough", "Redirect"))}, nil},
		{"40a port number of an unnamed single port gives no port",
			newIngress(rule("test.com", path("/", prefix, "unnamed", portNum(80)))),
			[]*routev1.Route{route(rService("unnamed"), rNoPort)}, nil},
		{"40c spec.tls host without secretName: default certificate",
			newIngress(tlsFor("", "test.com"), rule("test.com", stdPath)),
			[]*routev1.Route{route(rTLS("edge", "Redirect"))}, nil},
		{"missing http", newIngress(func(ing *networkingv1.Ingress) { ing.Spec.Rules = []networkingv1.IngressRule{{Host: "test.com"}} }), nil,
			[]string{"Missing http field in rule at index 0"}},
		{"resource backend", newIngress(rule("test.com", networkingv1.HTTPIngressPath{Path: "/", PathType: prefix,
			Backend: networkingv1.IngressBackend{Resource: &corev1.TypedLocalObjectReference{Kind: "Bucket", Name: "b"}}})), nil,
			[]string{"Missing backend service field in rule at index 0, path index 0"}},
		{"port name not on the service", newIngress(rule("test.com", path("/", prefix, "service-1", portName("https")))), nil,
			[]string{`No valid target port for backend service "service-1"` + at00}},
		{"problems keep rule and path indexes",
			newIngress(rule("a.com", stdPath, path("/x", prefix, "service-1", portName("nope"))), rule(""), rule("b.com", stdPath)),
			[]*routev1.Route{route(rHost("a.com")), route(rHost("b.com"))},
			[]string{`No valid target port for backend service "service-1" at index 0, path index 1`, "Missing host field in rule at index 1"}},
		{"passthrough refuses other paths",
			newIngress(annotate(termination, "passthrough"), rule("test.com", path("/foo", prefix, "service-1", portName("http")), path("/", exact, "service-1", portName("http")))), nil,
			[]string{`Passthrough termination does not support path "/foo" (Prefix): use an empty path` + at00,
				`Passthrough termination does not support path "/" (Exact): use an empty path at index 0, path index 1`}},
		{"path-type and default-backend annotations on the Ingress are overridden",
			newIngress(annotate(names.PathTypeAnnotation, "Exact", names.DefaultBackendAnnotation, "true"), rule("test.com", stdPath)),
			[]*routev1.Route{route()}, nil},
		{"default backend",
			newIngress(annotate("a", "b"), label("l", "v"), defaultBackend("service-2", portNum(80))),
			[]*routev1.Route{route(rHost(""), rPath(""), rService("service-2"), rPort("80-tcp"), rNoAnnotation(names.PathTypeAnnotation),
				rAnnotate("a", "b", names.DefaultBackendAnnotation, "true"), rLabel("l", "v"))}, nil},
		{"default backend after the rules, with an empty spec.tls entry",
			newIngress(tlsFor(""), rule("test.com", stdPath), defaultBackend("service-1", portName("http"))),
			[]*routev1.Route{route(rTLS("edge", "Redirect")), route(rHost(""), rPath(""), rNoAnnotation(names.PathTypeAnnotation),
				rAnnotate(names.DefaultBackendAnnotation, "true"), rTLS("edge", "Redirect"))}, nil},
		{"default backend problems",
			newIngress(defaultBackend("service-3", portNum(80))), nil, []string{`Backend service "service-3" not found in default backend`}},
		{"default backend resource",
			newIngress(func(ing *networkingv1.Ingress) {
				ing.Spec.DefaultBackend = &networkingv1.IngressBackend{Resource: &corev1.TypedLocalObjectReference{Kind: "Bucket", Name: "b"}}
			}), nil, []string{"Missing backend service field in default backend"}},
		{"default backend cannot be passthrough",
			newIngress(annotate(termination, "passthrough"), defaultBackend("service-1", portName("http"))), nil,
			[]string{"Passthrough termination is not supported in default backend: routers never see its requests"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := Convert(input(tc.ing))
			var got []*routev1.Route
			for _, w := range res.Routes {
				got = append(got, w.Route)
			}
			if d := diff.Diff(tc.want, got); len(tc.want)+len(got) > 0 && d != "" {
				t.Errorf("routes (-want +got):\n%s", d)
			}
			if d := diff.Diff(tc.problems, res.Problems); len(tc.problems)+len(res.Problems) > 0 && d != "" {
				t.Errorf("problems (-want +got):\n%s", d)
			}
		})
	}
}

// TestConvertDefaultBackendNotAllowed: outside an allowed namespace,
// spec.defaultBackend gives no Route and no problem, only the flag the
// warning event comes from; the rules are converted as usual.
func TestConvertDefaultBackendNotAllowed(t *testing.T) {
	in := input(newIngress(rule("test.com", stdPath), defaultBackend("service-1", portName("http"))))
	in.DefaultBackendAllowed = false
	res := Convert(in)
	if len(res.Routes) != 1 || res.Routes[0].Route.Annotations[names.DefaultBackendAnnotation] != "" {
		t.Errorf("routes: got %d, want the rule's only", len(res.Routes))
	}
	if !res.DefaultBackendUnused || len(res.Problems) > 0 {
		t.Errorf("DefaultBackendUnused %v, problems %q; want true and none", res.DefaultBackendUnused, res.Problems)
	}
	if in.DefaultBackendAllowed = true; Convert(in).DefaultBackendUnused {
		t.Error("DefaultBackendUnused in an allowed namespace")
	}
}
