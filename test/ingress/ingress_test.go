package ingress

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

const (
	termination = names.TerminationAnnotation
	destCA      = names.DestinationCACertificateSecretAnnotation
	reconcile   = names.ReconcileLabelsAnnotation
	timeout     = "haproxy.router.openshift.io/timeout"
	incomplete  = "Normal IncompleteIngressToRouteRules Incomplete ingress to route rules detected: "
	at00        = " at index 0, path index 0"
	existingRT  = "1-abcdef" // 'a' and 'e' are not in the alphabet of generated names
)

// ingressCase is one case of reference §2 (its number leads the name), or
// one this controller adds.
type ingressCase struct {
	name    string
	ingress *networkingv1.Ingress
	// existing Routes are in place, with the admit statuses and the Ingress
	// status lb, before the controller first sees the Ingress.
	existing []*routev1.Route
	admit    map[string][]admission
	lb       []string
	// then changes things after the first sync and checks the steps between.
	then func(e *env)
	// want is the namespace's every Route at the end; a Route without a name
	// has a generated one.
	want []*routev1.Route
	// unchanged: the existing Routes are never written.
	unchanged bool
	events    []string
	// quiet: no event at all about the Ingress.
	quiet bool
	// status, when not nil, is the Ingress's load balancer hostnames at the
	// end; they must hold for a quiet window.
	status []string
	// after runs once the end state has been checked. A case whose end state
	// is its start state passes even if the controller never looked at the
	// Ingress; after makes a change the controller must answer, proving it
	// was watching the Ingress all along.
	after func(e *env)
}

func hosts(h ...string) []string { return append([]string{}, h...) }

func TestIngressToRoute(t *testing.T) {
	existing := func(mods ...routeMod) *routev1.Route { return route(append([]routeMod{rName(existingRT)}, mods...)...) }
	cases := []ingressCase{
		// Creation and filtering.
		{name: "01 two paths (the API requires a pathType: ImplementationSpecific stands for unset)",
			ingress: newIngress(rule("test.com", path("/deep", implSpec, "service-1", portName("http")), path("/", implSpec, "service-1", portName("http")))),
			want:    []*routev1.Route{route(rPath("/deep"), rPathType("ImplementationSpecific")), route(rPathType("ImplementationSpecific"))}, quiet: true},
		{name: "02 reencrypt with destination CA",
			ingress: newIngress(annotate(termination, "reencrypt", destCA, "secret-ca-cert"), tlsFor("secret-1", "test.com"), std),
			want:    []*routev1.Route{route(rAnnotate(termination, "reencrypt", destCA, "secret-ca-cert"), rTLS("reencrypt", "Redirect", "cert", "key", "CAcert"))}},
		{name: "03 port number gives the service port name",
			ingress: newIngress(rule("test.com", path("/", prefix, "service-2", portNum(80)))),
			want:    []*routev1.Route{route(rService("service-2"), rPort("80-tcp"))}},
		{name: "04 class openshift-default, empty path",
			ingress: newIngress(class("openshift-default"), rule("test.com", path("", implSpec, "service-1", portName("http")))),
			want:    []*routev1.Route{route(rPath(""), rPathType("ImplementationSpecific"))}},
		{name: "05 labels copied at creation",
			ingress: newIngress(class("openshift-default"), label("something", "anything"), std),
			want:    []*routev1.Route{route(rLabel("something", "anything"))}},
		{name: "06 custom OpenShift class",
			ingress: newIngress(class("openshift-custom"), std), want: []*routev1.Route{route()}},
		{name: "07 third-party class", ingress: newIngress(class("custom"), std), quiet: true},
		{name: "08 no host", ingress: newIngress(rule("", stdPath)),
			events: []string{incomplete + "Missing host field in rule at index 0"}},
		{name: "08 no http", ingress: newIngress(rule("test.com")),
			events: []string{incomplete + "Missing http field in rule at index 0"}},
		{name: "11 Exact path converted with its path type",
			ingress: newIngress(rule("test.com", path("/exact", exact, "service-1", portName("http")))),
			want:    []*routev1.Route{route(rPath("/exact"), rPathType("Exact"))}, quiet: true},
		{name: "12 service missing", ingress: newIngress(rule("test.com", path("/", prefix, "service-3", portNum(80)))),
			events: []string{incomplete + `Backend service "service-3" not found` + at00}},
		{name: "14 wildcard host", ingress: newIngress(rule("*.test.com", path("/", prefix, "service-2", portNum(80)))),
			want: []*routev1.Route{route(rHost("wildcard.test.com"), rWildcard, rService("service-2"), rPort("80-tcp"))}},
		{name: "15 wildcard host with TLS", ingress: newIngress(tlsFor("secret-1", "*.test.com"), rule("*.test.com", stdPath)),
			want: []*routev1.Route{route(rHost("wildcard.test.com"), rWildcard, rTLS("edge", "Redirect", "cert", "key"))}},
		{name: "16 multi-rule Ingress stabilises",
			ingress: newIngress(named("test-1"),
				rule("1.ingress-test.com", path("/test", prefix, "ingress-endpoint-1", portNum(80)), path("/other", prefix, "ingress-endpoint-2", portNum(80))),
				rule("2.ingress-test.com", path("/", prefix, "ingress-endpoint-1", portNum(80))),
				rule("3.ingress-test.com", path("/", prefix, "ingress-endpoint-1", portNum(80)))),
			want: []*routev1.Route{
				route(owned("test-1"), rHost("1.ingress-test.com"), rPath("/test"), rService("ingress-endpoint-1")),
				route(owned("test-1"), rHost("1.ingress-test.com"), rPath("/other"), rService("ingress-endpoint-2"), rPort("80-tcp")),
				route(owned("test-1"), rHost("2.ingress-test.com"), rService("ingress-endpoint-1")),
				route(owned("test-1"), rHost("3.ingress-test.com"), rService("ingress-endpoint-1")),
			}},
		{name: "16 a burst of Ingress updates creates no duplicate", ingress: newIngress(std),
			then: func(e *env) {
				for i := range 20 {
					e.updateIngress(func(ing *networkingv1.Ingress) { ing.Annotations = map[string]string{"burst": fmt.Sprint(i)} })
				}
			},
			want: []*routev1.Route{route(rAnnotate("burst", "19"))}},

		// Updates and no-ops.
		{name: "17 port drift", ingress: newIngress(std), existing: []*routev1.Route{existing(rPortInt(80))},
			want:   []*routev1.Route{existing()},
			events: []string{incomplete + `Target port of "service-1" backend service does not match route target port` + at00}},
		{name: "18 reconcile-labels true", ingress: newIngress(annotate(reconcile, "true"), label("my-label", "somevalue"), std),
			existing: []*routev1.Route{existing(rPortInt(80))},
			want:     []*routev1.Route{existing(rAnnotate(reconcile, "true"), rLabel("my-label", "somevalue"))}},
		{name: "19 reconcile-labels true, Ingress without labels", ingress: newIngress(annotate(reconcile, "true"), std),
			existing: []*routev1.Route{existing(rLabel("somelabel", "somevalue"))},
			want:     []*routev1.Route{existing(rAnnotate(reconcile, "true"))}},
		{name: "20 reconcile-labels invalid", ingress: newIngress(annotate(reconcile, "NotTrue"), label("my-label", "x"), std),
			existing: []*routev1.Route{existing(rLabel("somelabel", "somevalue"))},
			want:     []*routev1.Route{existing(rAnnotate(reconcile, "NotTrue"), rLabel("somelabel", "somevalue"))},
			events:   []string{`Normal InvalidAnnotationValue Invalid value on annotation "route.openshift.io/reconcile-labels" due to: "strconv.ParseBool: parsing \"NotTrue\": invalid syntax"`}},
		{name: "21 no-op", ingress: newIngress(std), existing: []*routev1.Route{existing()},
			want: []*routev1.Route{existing()}, unchanged: true, quiet: true},
		{name: "22 foreign routes ignored", ingress: newIngress(std),
			existing: []*routev1.Route{existing(), route(rName("1-nocontrol"), rOwners(owner("networking.k8s.io/v1", "1", false))),
				route(rName("2-abcdef"), rOwners(owner("networking.k8s.io/v1", "2", true)))},
			want: []*routev1.Route{existing(), route(rName("1-nocontrol"), rOwners(owner("networking.k8s.io/v1", "1", false))),
				route(rName("2-abcdef"), rOwners(owner("networking.k8s.io/v1", "2", true)))},
			unchanged: true, quiet: true},
		{name: "23 unmanaged Ingress keeps its Route", ingress: newIngress(class("custom"), rule("test.com", path("/foo", prefix, "service-1", portName("http")))),
			existing: []*routev1.Route{existing(rPath("/bar"))}, want: []*routev1.Route{existing(rPath("/bar"))}, unchanged: true, quiet: true},
		{name: "24 old owner apiVersion", ingress: newIngress(std),
			existing: []*routev1.Route{existing(rOwners(owner("extensions.k8s.io/v1beta1", "1", true)))}, want: []*routev1.Route{existing()}},
		{name: "24 extensions/v1beta1 owner", ingress: newIngress(std),
			existing: []*routev1.Route{existing(rOwners(owner("extensions/v1beta1", "1", true)))}, want: []*routev1.Route{existing()}},
		{name: "25 user-set destination CA kept", ingress: newIngress(annotate(termination, "reencrypt"), tlsFor("secret-1", "test.com"), std),
			existing: []*routev1.Route{existing(rAnnotate(termination, "reencrypt"), rTLS("reencrypt", "", "cert", "key", "cert"))},
			admit:    map[string][]admission{existingRT: {fooAdmitted}}, lb: hosts("apps.foo.com"),
			want:      []*routev1.Route{existing(rAnnotate(termination, "reencrypt"), rTLS("reencrypt", "", "cert", "key", "cert"))},
			unchanged: true, quiet: true, status: hosts("apps.foo.com")},
		{name: "26 TLS added", ingress: newIngress(tlsFor("secret-1", "test.com"), std), existing: []*routev1.Route{existing()},
			want: []*routev1.Route{existing(rTLS("edge", "Redirect", "cert", "key"))}},
		{name: "27 switch to passthrough (empty path: the API refuses passthrough paths)",
			ingress:  newIngress(annotate(termination, "passthrough"), tlsFor("secret-1", "test.com"), rule("test.com", path("", implSpec, "service-1", portName("http")))),
			existing: []*routev1.Route{existing(rPath(""), rPathType("ImplementationSpecific"), rTLS("edge", "Redirect", "cert", "key"))},
			want:     []*routev1.Route{existing(rPath(""), rPathType("ImplementationSpecific"), rAnnotate(termination, "passthrough"), rTLS("passthrough", "Redirect"))}},
		{name: "28 switch to reencrypt with secret", ingress: newIngress(annotate(termination, "reencrypt"), tlsFor("secret-1", "test.com"), std),
			existing: []*routev1.Route{existing(rTLS("edge", "Redirect", "cert", "key"))},
			want:     []*routev1.Route{existing(rAnnotate(termination, "reencrypt"), rTLS("reencrypt", "Redirect", "cert", "key"))}},
		{name: "29 reencrypt without spec.tls", ingress: newIngress(annotate(termination, "reencrypt"), std),
			existing: []*routev1.Route{existing(rTLS("edge", "Redirect", "cert", "key"))},
			want:     []*routev1.Route{existing(rAnnotate(termination, "reencrypt"), rTLS("reencrypt", "Redirect"))}},
		{name: "30 reencrypt with destination CA, without spec.tls", ingress: newIngress(annotate(termination, "reencrypt", destCA, "secret-ca-cert"), std),
			existing: []*routev1.Route{existing(rTLS("edge", "Redirect", "cert", "key"))},
			want:     []*routev1.Route{existing(rAnnotate(termination, "reencrypt", destCA, "secret-ca-cert"), rTLS("reencrypt", "Redirect", "", "", "CAcert"))}},
		{name: "31 reencrypt to edge clears the destination CA", ingress: newIngress(annotate(termination, "edge"), std),
			existing: []*routev1.Route{existing(rAnnotate(termination, "reencrypt", destCA, "secret-ca-cert"), rTLS("reencrypt", "", "cert", "key", "CACert"))},
			want:     []*routev1.Route{existing(rAnnotate(termination, "edge"), rTLS("edge", ""))}},
		{name: "32 destination CA Secret switched to Opaque", ingress: newIngress(annotate(termination, "reencrypt", destCA, "secret-ca-cert-opaque"), std),
			existing: []*routev1.Route{existing(rAnnotate(termination, "reencrypt", destCA, "secret-ca-cert"), rTLS("reencrypt", "Redirect", "", "", "CAcert"))},
			want:     []*routev1.Route{existing(rAnnotate(termination, "reencrypt", destCA, "secret-ca-cert-opaque"), rTLS("reencrypt", "Redirect", "", "", "CAcert-from-opaque"))}},
		{name: "32 a destination CA that is no Secret name (other-ns/ca) is ignored, as a missing Secret is (client-go refused to ask for it, and no Route was made)",
			ingress: newIngress(annotate(termination, "reencrypt", destCA, "other-ns/ca"), std),
			want:    []*routev1.Route{route(rAnnotate(termination, "reencrypt", destCA, "other-ns/ca"), rTLS("reencrypt", "Redirect"))}},
		{name: "33 invalid termination value with secret", ingress: newIngress(annotate(termination, "Passthrough"), tlsFor("secret-1", "test.com"), std),
			existing: []*routev1.Route{existing(rAnnotate(termination, "Passthrough"), rTLS("edge", "Redirect", "cert", "key"))},
			want:     []*routev1.Route{existing(rAnnotate(termination, "Passthrough"), rTLS("edge", "Redirect", "cert", "key"))}, unchanged: true},
		{name: "34 invalid termination value without secret", ingress: newIngress(annotate(termination, "Passthrough"), std),
			existing: []*routev1.Route{existing(rAnnotate(termination, "Passthrough"), rTLS("edge", "Redirect", "cert", "key"))},
			want:     []*routev1.Route{existing(rAnnotate(termination, "Passthrough"))}},
		{name: "35 empty TLS entry: default certificate", ingress: newIngress(tlsFor("", "something-else"), tlsFor(""), std),
			existing: []*routev1.Route{existing()}, want: []*routev1.Route{existing(rTLS("edge", "Redirect"))}},
		{name: "36 secret content changed", ingress: newIngress(tlsFor("secret-1a", "test.com"), std),
			existing: []*routev1.Route{existing(rTLS("edge", "", "cert", "key"))}, want: []*routev1.Route{existing(rTLS("edge", "", "cert", "key2"))}},

		// Status, deletion, and the cases derived from code.
		{name: "37 status from admissions", ingress: newIngress(std), existing: []*routev1.Route{existing()},
			admit: map[string][]admission{existingRT: {fooAdmitted, barRejected}},
			want:  []*routev1.Route{existing()}, unchanged: true, status: hosts("apps.foo.com")},
		{name: "37 both admitted", ingress: newIngress(std), existing: []*routev1.Route{existing()},
			admit: map[string][]admission{existingRT: {fooAdmitted, barAdmitted}}, lb: hosts("apps.foo.com"),
			want: []*routev1.Route{existing()}, unchanged: true, status: hosts("apps.bar.com", "apps.foo.com")},
		{name: "37 both admitted, status already right (no write keeps its order)", ingress: newIngress(std), existing: []*routev1.Route{existing()},
			admit: map[string][]admission{existingRT: {fooAdmitted, barAdmitted}}, lb: hosts("apps.foo.com", "apps.bar.com"),
			want: []*routev1.Route{existing()}, unchanged: true, status: hosts("apps.foo.com", "apps.bar.com"),
			// A write would sort the hostnames; the unsorted status held, and
			// now the controller shows it was there to write it.
			after: func(e *env) {
				e.admit(existingRT, fooAdmitted)
				e.expectStatus("apps.foo.com")
			}},
		{name: "37 only rejected (a stale entry of the router, from when it admitted, goes)", ingress: newIngress(std), existing: []*routev1.Route{existing()},
			admit: map[string][]admission{existingRT: {barRejected}}, lb: hosts("apps.bar.com"),
			want: []*routev1.Route{existing()}, unchanged: true, status: hosts()},
		{name: "37 status follows a router's later admission", ingress: newIngress(std),
			then: func(e *env) {
				got := e.expectRoutes(route())
				e.admit(got[0].Name, fooAdmitted)
				e.expectStatus("apps.foo.com")
				e.admit(got[0].Name, fooAdmitted, barAdmitted)
				e.expectStatus("apps.bar.com", "apps.foo.com")
				e.admit(got[0].Name, barAdmitted)
			},
			want: []*routev1.Route{route()}, status: hosts("apps.bar.com")},
		{name: "38a missing TLS secret deletes the Route", ingress: newIngress(tlsFor("secret-4", "test.com"), std),
			existing: []*routev1.Route{existing()},
			events:   []string{incomplete + `Invalid or missing TLS secret for rule host "test.com"` + at00}},
		{name: "38b Opaque TLS secret deletes the Route (the status keeps no hostname of a gone Route)",
			ingress:  newIngress(tlsFor("secret-0", "test.com"), std),
			existing: []*routev1.Route{existing()}, admit: map[string][]admission{existingRT: {fooAdmitted}}, lb: hosts("apps.foo.com", "apps.bar.com"),
			events: []string{incomplete + `Invalid or missing TLS secret for rule host "test.com"` + at00}, status: hosts()},
		{name: "38 spec.tls for another host removes TLS", ingress: newIngress(tlsFor("secret-1", "test.com1"), std),
			existing: []*routev1.Route{existing(rTLS("edge", "Redirect", "cert", "key"))}, want: []*routev1.Route{existing()}},
		{name: "39 passthrough with router annotation: path / dropped, so a new Route",
			ingress:  newIngress(annotate(termination, "passthrough", timeout, "6m"), tlsFor("secret-1", "test.com"), std),
			existing: []*routev1.Route{existing(rTLS("edge", "Redirect", "cert", "key"))},
			want:     []*routev1.Route{route(rPath(""), rAnnotate(termination, "passthrough", timeout, "6m"), rTLS("passthrough", "Redirect"))}},
		{name: "39 Ingress deleted: its Routes are the garbage collector's", ingress: newIngress(std),
			then: func(e *env) {
				e.expectRoutes(route())
				e.delete(&networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "1"}})
			},
			want: []*routev1.Route{route()}},
		{name: "40a unnamed single port gives no port", ingress: newIngress(rule("test.com", path("/", prefix, "unnamed", portNum(80)))),
			want: []*routev1.Route{route(rService("unnamed"), rNoPort)}},
		{name: "40b legacy annotation wins over spec.ingressClassName",
			ingress: newIngress(annotate(names.IngressClassAnnotation, "nginx"), class("openshift-default"), std), quiet: true},
		{name: "40b legacy annotation naming our class", ingress: newIngress(annotate(names.IngressClassAnnotation, "openshift-default"), class("nginx"), std),
			want: []*routev1.Route{route(rAnnotate(names.IngressClassAnnotation, "openshift-default"))}},
		{name: "40c spec.tls host without secretName: the router's default certificate",
			ingress: newIngress(tlsFor("", "test.com"), std), want: []*routev1.Route{route(rTLS("edge", "Redirect"))}},
		{name: "40d service deleted, then re-created: a new Route", ingress: newIngress(std),
			then: func(e *env) {
				first := e.expectRoutes(route())[0].Name
				e.delete(service("service-1"))
				e.expectRoutes()
				e.expectEvents(incomplete + `Backend service "service-1" not found` + at00)
				e.create(service("service-1", svcPort("http", 80)))
				if got := e.expectRoutes(route()); got[0].Name == first {
					e.t.Errorf("the re-created Route has the old name %s", first)
				}
			},
			want: []*routev1.Route{route()}},
		{name: "40e alternate backends removed, weight kept", ingress: newIngress(std),
			existing: []*routev1.Route{existing(rWeight(7), func(r *routev1.Route) {
				r.Spec.AlternateBackends = []routev1.RouteTargetReference{{Kind: "Service", Name: "other"}}
			})},
			want: []*routev1.Route{existing(rWeight(7))}},

		// Changes over time (§1.11-§1.13).
		{name: "service created later", ingress: newIngress(rule("test.com", path("/", prefix, "late", portName("http")))),
			then: func(e *env) {
				e.expectRoutes()
				e.create(service("late", svcPort("http", 80)))
			},
			want: []*routev1.Route{route(rService("late"))}},
		{name: "service port renamed away deletes the Route", ingress: newIngress(std),
			then: func(e *env) {
				e.expectRoutes(route())
				svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "service-1"}}
				e.update(svc, func() { svc.Spec.Ports[0].Name = "web" })
			},
			events: []string{incomplete + `No valid target port for backend service "service-1"` + at00}},
		{name: "36 secret updated: certificate patched, user's insecure policy kept", ingress: newIngress(tlsFor("secret-1", "test.com"), std),
			then: func(e *env) {
				name := e.expectRoutes(route(rTLS("edge", "Redirect", "cert", "key")))[0].Name
				rt := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Name: name}}
				e.update(rt, func() { rt.Spec.TLS.InsecureEdgeTerminationPolicy = routev1.InsecureEdgeTerminationPolicyAllow })
				s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "secret-1"}}
				e.update(s, func() { s.Data["tls.key"] = []byte("key2") })
			},
			want: []*routev1.Route{route(rTLS("edge", "Allow", "cert", "key2"))}},
		{name: "38 secret deleted deletes the Route", ingress: newIngress(tlsFor("secret-1", "test.com"), std),
			then: func(e *env) {
				e.expectRoutes(route(rTLS("edge", "Redirect", "cert", "key")))
				e.delete(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "secret-1"}})
			},
			events: []string{incomplete + `Invalid or missing TLS secret for rule host "test.com"` + at00}},
		{name: "host changed: a new Route replaces the old", ingress: newIngress(std),
			then: func(e *env) {
				first := e.expectRoutes(route())[0].Name
				e.updateIngress(func(ing *networkingv1.Ingress) { ing.Spec.Rules[0].Host = "other.com" })
				if got := e.expectRoutes(route(rHost("other.com"))); got[0].Name == first {
					e.t.Errorf("a host change keeps the Route %s", first)
				}
			},
			want: []*routev1.Route{route(rHost("other.com"))}},
		{name: "path removed deletes its Route only; backend change patches in place",
			ingress: newIngress(rule("test.com", stdPath, path("/b", prefix, "service-1", portName("http")))),
			then: func(e *env) {
				before := e.expectRoutes(route(), route(rPath("/b")))
				e.updateIngress(func(ing *networkingv1.Ingress) {
					ing.Spec.Rules[0].HTTP.Paths = []networkingv1.HTTPIngressPath{path("/", prefix, "service-2", portName("80-tcp"))}
				})
				after := e.expectRoutes(route(rService("service-2"), rPort("80-tcp")))
				if keep := routeNamed(before, "/"); after[0].Name != keep {
					e.t.Errorf("the / Route is %s, want %s patched in place", after[0].Name, keep)
				}
			},
			want: []*routev1.Route{route(rService("service-2"), rPort("80-tcp"))}},
		{name: "user edits: Ingress-owned fields reverted, user-owned kept", ingress: newIngress(std),
			then: func(e *env) {
				name := e.expectRoutes(route())[0].Name
				rt := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Name: name}}
				e.update(rt, func() {
					rt.Spec.To.Name, rt.Spec.To.Weight = "service-2", ptr.To[int32](50)
					rt.Annotations["user"] = "edit"
					rt.Labels = map[string]string{"user": "label"}
				})
			},
			want: []*routev1.Route{route(rWeight(50), rLabel("user", "label"))}},
		{name: "Ingress labels changed later: Route labels are the user's", ingress: newIngress(label("a", "1"), std),
			then: func(e *env) {
				e.expectRoutes(route(rLabel("a", "1")))
				e.updateIngress(func(ing *networkingv1.Ingress) { ing.Labels = map[string]string{"a": "2"} })
			},
			want: []*routev1.Route{route(rLabel("a", "1"))}},
		{name: "Ingress labels changed later with reconcile-labels", ingress: newIngress(annotate(reconcile, "true"), label("a", "1"), std),
			then: func(e *env) {
				e.expectRoutes(route(rAnnotate(reconcile, "true"), rLabel("a", "1")))
				e.updateIngress(func(ing *networkingv1.Ingress) { ing.Labels = map[string]string{"b": "2"} })
			},
			want: []*routev1.Route{route(rAnnotate(reconcile, "true"), rLabel("b", "2"))}},
		{name: "switched to a foreign class: Routes kept", ingress: newIngress(std),
			then: func(e *env) {
				e.expectRoutes(route())
				e.updateIngress(func(ing *networkingv1.Ingress) {
					ing.Spec.IngressClassName = ptr.To("custom")
					ing.Spec.Rules[0].Host = "other.com"
				})
			},
			want: []*routev1.Route{route()}},
		{name: "IngressClass created later", ingress: newIngress(class("openshift-late"), std),
			then: func(e *env) {
				e.expectRoutes()
				c := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "openshift-late"},
					Spec: networkingv1.IngressClassSpec{Controller: names.IngressClassController}}
				if err := e.c.Create(context.Background(), c); err != nil {
					e.t.Fatal(err)
				}
			},
			want: []*routev1.Route{route()}},
		{name: "pathType on every Route", ingress: newIngress(rule("test.com", path("/p", prefix, "service-1", portName("http")),
			path("/e", exact, "service-1", portName("http")), path("/i", implSpec, "service-1", portName("http")))),
			want: []*routev1.Route{route(rPath("/p")), route(rPath("/e"), rPathType("Exact")), route(rPath("/i"), rPathType("ImplementationSpecific"))}},
		{name: "passthrough with another path is reported", ingress: newIngress(annotate(termination, "passthrough"),
			rule("test.com", path("/foo", prefix, "service-1", portName("http")))),
			events: []string{incomplete + `Passthrough termination does not support path "/foo" (Prefix): use an empty path` + at00}},
		{name: "a Route the API refuses gives the API's message", ingress: newIngress(rule("test.com", path("/a|b", implSpec, "service-1", portName("http")))),
			events: []string{`re:^Warning FailedIngressToRouteConversion Error in converting Ingress to Route: .*spec.path.*`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t)
		})
	}
}

func (tc ingressCase) run(t *testing.T) {
	e := newEnv(t)
	var setUp func()
	versions := map[string]string{}
	if len(tc.existing) > 0 || tc.lb != nil {
		setUp = func() {
			for _, r := range tc.existing {
				e.createRoute(r)
			}
			for name, entries := range tc.admit {
				e.admit(name, entries...)
			}
			if tc.lb != nil {
				e.setIngressStatus(tc.lb...)
			}
			for _, r := range e.routes() {
				versions[r.Name] = r.ResourceVersion
			}
		}
	}
	e.createIngress(tc.ingress, setUp)
	if tc.then != nil {
		tc.then(e)
	}
	got := e.expectRoutes(tc.want...)
	if tc.unchanged {
		for _, r := range got {
			if v, ok := versions[r.Name]; ok && v != r.ResourceVersion {
				t.Errorf("route %s was written; want it left alone", r.Name)
			}
		}
	}
	e.expectEvents(tc.events...)
	if ev := e.events(); tc.quiet && len(ev) > 0 {
		t.Errorf("events %q, want none", ev)
	}
	if tc.status != nil {
		e.expectStatus(tc.status...)
		e.holdStatus(tc.status...)
	}
	if tc.after != nil {
		tc.after(e)
	}
}

// owned makes a Route owned by the named Ingress instead of "1".
func owned(ingress string) routeMod {
	return rOwners(owner("networking.k8s.io/v1", ingress, true))
}

func routeNamed(routes []routev1.Route, path string) string {
	for _, r := range routes {
		if r.Spec.Path == path {
			return r.Name
		}
	}
	return ""
}
