package ingress

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// The fixtures of reference/ingress-to-route.md §2: namespace "test",
// Ingress "1", Services service-1 (port "http") and service-2 ("80-tcp"),
// and the secret-* Secrets.
const testNS = "test"

type ingMod func(*networkingv1.Ingress)

func newIngress(mods ...ingMod) *networkingv1.Ingress {
	ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "1", UID: "uid-1"}}
	for _, m := range mods {
		m(ing)
	}
	return ing
}

var (
	prefix   = ptr.To(networkingv1.PathTypePrefix)
	exact    = ptr.To(networkingv1.PathTypeExact)
	implSpec = ptr.To(networkingv1.PathTypeImplementationSpecific)
)

func portName(n string) networkingv1.ServiceBackendPort {
	return networkingv1.ServiceBackendPort{Name: n}
}
func portNum(n int32) networkingv1.ServiceBackendPort {
	return networkingv1.ServiceBackendPort{Number: n}
}

func path(p string, pt *networkingv1.PathType, svc string, port networkingv1.ServiceBackendPort) networkingv1.HTTPIngressPath {
	return networkingv1.HTTPIngressPath{Path: p, PathType: pt, Backend: networkingv1.IngressBackend{
		Service: &networkingv1.IngressServiceBackend{Name: svc, Port: port},
	}}
}

// stdPath is the reference's "std path": /, Prefix, service-1 port http.
var stdPath = path("/", prefix, "service-1", portName("http"))

func rule(host string, paths ...networkingv1.HTTPIngressPath) ingMod {
	return func(ing *networkingv1.Ingress) {
		ing.Spec.Rules = append(ing.Spec.Rules, networkingv1.IngressRule{Host: host,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths}}})
	}
}

func annotate(kv ...string) ingMod {
	return func(ing *networkingv1.Ingress) { ing.Annotations = pairs(ing.Annotations, kv...) }
}

func label(kv ...string) ingMod {
	return func(ing *networkingv1.Ingress) { ing.Labels = pairs(ing.Labels, kv...) }
}

func pairs(m map[string]string, kv ...string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func tlsFor(secret string, hosts ...string) ingMod {
	return func(ing *networkingv1.Ingress) {
		ing.Spec.TLS = append(ing.Spec.TLS, networkingv1.IngressTLS{Hosts: hosts, SecretName: secret})
	}
}

func class(name string) ingMod {
	return func(ing *networkingv1.Ingress) { ing.Spec.IngressClassName = ptr.To(name) }
}

func defaultBackend(svc string, port networkingv1.ServiceBackendPort) ingMod {
	return func(ing *networkingv1.Ingress) {
		ing.Spec.DefaultBackend = &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: svc, Port: port}}
	}
}

func service(name string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: name}, Spec: corev1.ServiceSpec{Ports: ports}}
}

func svcPort(name string, port int32) corev1.ServicePort {
	return corev1.ServicePort{Name: name, Port: port, TargetPort: intstr.FromInt32(8080)}
}

func secret(name string, typ corev1.SecretType, kv ...string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: name}, Type: typ, Data: map[string][]byte{}}
	for i := 0; i < len(kv); i += 2 {
		s.Data[kv[i]] = []byte(kv[i+1])
	}
	return s
}

// fixtures returns the reference's Services and Secrets, by name.
func fixtures() (map[string]*corev1.Service, map[string]*corev1.Secret) {
	svcs := map[string]*corev1.Service{}
	for _, s := range []*corev1.Service{
		service("service-1", svcPort("http", 80)),
		service("service-2", svcPort("80-tcp", 80)),
		service("unnamed", svcPort("", 80)),
	} {
		svcs[s.Name] = s
	}
	secrets := map[string]*corev1.Secret{}
	for _, s := range []*corev1.Secret{
		secret("secret-0", corev1.SecretTypeOpaque, "tls.crt", "cert", "tls.key", "key"),
		secret("secret-1", corev1.SecretTypeTLS, "tls.crt", "cert", "tls.key", "key"),
		secret("secret-1a", corev1.SecretTypeTLS, "tls.crt", "cert", "tls.key", "key2"),
		secret("secret-2", corev1.SecretTypeTLS, "tls.key", "key"),
		secret("secret-3", corev1.SecretTypeTLS, "tls.crt", "", "tls.key", ""),
		secret("secret-ca-cert", corev1.SecretTypeTLS, "tls.crt", "CAcert"),
		secret("secret-ca-cert-opaque", corev1.SecretTypeOpaque, "tls.crt", "CAcert-from-opaque"),
	} {
		secrets[s.Name] = s
	}
	return svcs, secrets
}

func input(ing *networkingv1.Ingress) Input {
	svcs, secrets := fixtures()
	return Input{Ingress: ing, Services: svcs, Secrets: secrets, DefaultBackendAllowed: true}
}

// Route side.

type routeMod func(*routev1.Route)

// route is a generated Route of Ingress "1" before the API saw it: no
// name, kind Service, the std host and path, the path-type annotation.
func route(mods ...routeMod) *routev1.Route {
	r := &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: testNS, Annotations: map[string]string{names.PathTypeAnnotation: "Prefix"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Name: "1", UID: "uid-1", Controller: ptr.To(true)}},
		},
		Spec: routev1.RouteSpec{Host: "test.com", Path: "/", To: routev1.RouteTargetReference{Kind: "Service", Name: "service-1"},
			Port: &routev1.RoutePort{TargetPort: intstr.FromString("http")}},
	}
	for _, m := range mods {
		m(r)
	}
	return r
}

func rHost(h string) routeMod    { return func(r *routev1.Route) { r.Spec.Host = h } }
func rPath(p string) routeMod    { return func(r *routev1.Route) { r.Spec.Path = p } }
func rService(s string) routeMod { return func(r *routev1.Route) { r.Spec.To.Name = s } }
func rPort(p string) routeMod {
	return func(r *routev1.Route) { r.Spec.Port = &routev1.RoutePort{TargetPort: intstr.FromString(p)} }
}
func rPortInt(p int32) routeMod {
	return func(r *routev1.Route) { r.Spec.Port = &routev1.RoutePort{TargetPort: intstr.FromInt32(p)} }
}
func rNoPort(r *routev1.Route) { r.Spec.Port = nil }
func rWildcard(r *routev1.Route) {
	r.Spec.WildcardPolicy = routev1.WildcardPolicySubdomain
}
func rAnnotate(kv ...string) routeMod {
	return func(r *routev1.Route) { r.Annotations = pairs(r.Annotations, kv...) }
}
func rNoAnnotation(k string) routeMod {
	return func(r *routev1.Route) { delete(r.Annotations, k) }
}
func rLabel(kv ...string) routeMod {
	return func(r *routev1.Route) { r.Labels = pairs(r.Labels, kv...) }
}
func rPathType(t string) routeMod { return rAnnotate(names.PathTypeAnnotation, t) }

// rTLS sets spec.tls: termination, insecure policy, then certificate, key
// and destination CA.
func rTLS(term, insecure string, certKeyDest ...string) routeMod {
	return func(r *routev1.Route) {
		t := &routev1.TLSConfig{Termination: routev1.TLSTerminationType(term),
			InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyType(insecure)}
		f := []*string{&t.Certificate, &t.Key, &t.DestinationCACertificate}
		for i, v := range certKeyDest {
			*f[i] = v
		}
		r.Spec.TLS = t
	}
}

// existing turns a wanted Route into one the API stored: named, defaulted.
func existing(r *routev1.Route) *routev1.Route {
	r = r.DeepCopy()
	r.Name, r.UID = "1-abcdef", "route-uid"
	r.Spec.To.Weight = ptr.To[int32](100)
	if r.Spec.WildcardPolicy == "" {
		r.Spec.WildcardPolicy = routev1.WildcardPolicyNone
	}
	r.Annotations = maps.Clone(r.Annotations)
	return r
}
