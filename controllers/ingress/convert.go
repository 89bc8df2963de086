package ingress

import (
	"fmt"
	"maps"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// Input is what a conversion reads: an Ingress and the Services and Secrets
// of its namespace that it names, by name. A name missing from a map is an
// object that does not exist.
type Input struct {
	Ingress  *networkingv1.Ingress
	Services map[string]*corev1.Service
	Secrets  map[string]*corev1.Secret
	// DefaultBackendAllowed: the Ingress's namespace carries
	// names.DefaultBackendNamespaceLabel, so spec.defaultBackend is used.
	DefaultBackendAllowed bool
}

// Result is what an Ingress asks for.
type Result struct {
	// Routes are the wanted Routes: one per (host, path) of each rule in
	// order, then one for the default backend.
	Routes []Wanted
	// Problems explain, in OKD's words, each rule or path that gives no Route.
	Problems []string
	// DefaultBackendUnused: spec.defaultBackend is set in a namespace not
	// allowed one.
	DefaultBackendUnused bool
}

// Convert computes the Routes an Ingress asks for.
func Convert(in Input) Result {
	c := converter{in: in}
	for i, rule := range in.Ingress.Spec.Rules {
		c.rule(i, rule)
	}
	c.defaultBackend()
	return c.res
}

// Wanted is a wanted Route, without a name.
type Wanted struct {
	Route *routev1.Route
	// At locates its source in messages: " at index i, path index j" or
	// " in default backend".
	At string
}

type converter struct {
	in  Input
	res Result
}

func (c *converter) problem(format string, args ...any) {
	c.res.Problems = append(c.res.Problems, fmt.Sprintf(format, args...))
}

func (c *converter) rule(i int, rule networkingv1.IngressRule) {
	if rule.HTTP == nil {
		c.problem("Missing http field in rule at index %d", i)
		return
	}
	if rule.Host == "" {
		// OKD never lets the API generate a host for a rule.
		c.problem("Missing host field in rule at index %d", i)
		return
	}
	for j, p := range rule.HTTP.Paths {
		switch {
		case p.Backend.Service == nil:
			c.problem("Missing backend service field in rule at index %d, path index %d", i, j)
		case p.Backend.Service.Name == "":
			c.problem("Missing backend service name in rule at index %d, path index %d", i, j)
		default:
			c.path(rule.Host, p, fmt.Sprintf(" at index %d, path index %d", i, j))
		}
	}
}

// path adds the Route of one path of a rule, or says why there is none;
// at locates the path in the messages.
func (c *converter) path(host string, p networkingv1.HTTPIngressPath, at string) {
	tls, msg := c.tls(host)
	if msg != "" {
		c.problem("%s%s", msg, at)
		return
	}
	port, msg := targetPort(c.in.Services[p.Backend.Service.Name], p.Backend.Service)
	if msg != "" {
		c.problem("%s%s", msg, at)
		return
	}
	pathType := networkingv1.PathTypeImplementationSpecific
	if p.PathType != nil {
		pathType = *p.PathType
	}
	path, msg := routePath(p.Path, pathType, tls)
	if msg != "" {
		c.problem("%s%s", msg, at)
		return
	}
	r := c.route(p.Backend.Service.Name, port, tls)
	r.Spec.Host, r.Spec.Path = host, path
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		r.Spec.Host, r.Spec.WildcardPolicy = "wildcard."+rest, routev1.WildcardPolicySubdomain
	}
	delete(r.Annotations, names.DefaultBackendAnnotation)
	r.Annotations[names.PathTypeAnnotation] = string(pathType)
	c.res.Routes = append(c.res.Routes, Wanted{Route: r, At: at})
}

// routePath is the Route path of an Ingress path. A passthrough Route
// serves its whole host, so it cannot have a path: "/" (as a prefix) means
// the same and is dropped, anything else is refused here rather than by
// the API.
func routePath(path string, pathType networkingv1.PathType, tls *routev1.TLSConfig) (string, string) {
	if tls == nil || tls.Termination != routev1.TLSTerminationPassthrough || path == "" {
		return path, ""
	}
	if path == "/" && pathType != networkingv1.PathTypeExact {
		return "", ""
	}
	return "", fmt.Sprintf("Passthrough termination does not support path %q (%s): use an empty path", path, pathType)
}

// defaultBackend adds the Route of spec.defaultBackend. It has no host: the
// API generates one, and routers use it for requests for hosts no route
// serves.
func (c *converter) defaultBackend() {
	b := c.in.Ingress.Spec.DefaultBackend
	if b == nil {
		return
	}
	if !c.in.DefaultBackendAllowed {
		c.res.DefaultBackendUnused = true
		return
	}
	const at = " in default backend"
	if b.Service == nil {
		c.problem("Missing backend service field%s", at)
		return
	}
	if b.Service.Name == "" {
		c.problem("Missing backend service name%s", at)
		return
	}
	port, msg := targetPort(c.in.Services[b.Service.Name], b.Service)
	if msg != "" {
		c.problem("%s%s", msg, at)
		return
	}
	tls, _ := c.tls("") // no spec.tls entry lists an empty host
	if tls != nil && tls.Termination == routev1.TLSTerminationPassthrough {
		c.problem("Passthrough termination is not supported%s: routers never see its requests", at)
		return
	}
	r := c.route(b.Service.Name, port, tls)
	delete(r.Annotations, names.PathTypeAnnotation)
	r.Annotations[names.DefaultBackendAnnotation] = "true"
	c.res.Routes = append(c.res.Routes, Wanted{Route: r, At: at})
}

// route builds a Route to a Service with the Ingress's metadata: its
// labels and every annotation, and the Ingress as controller owner.
func (c *converter) route(service string, port *routev1.RoutePort, tls *routev1.TLSConfig) *routev1.Route {
	ing := c.in.Ingress
	annotations := maps.Clone(ing.Annotations)
	if annotations == nil {
		annotations = map[string]string{}
	}
	// A Route's age decides contested hosts: only a migration records one
	// (keepUserFields keeps it), never an Ingress's author.
	delete(annotations, names.CreatedAnnotation)
	return &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:       ing.Namespace,
			Labels:          maps.Clone(ing.Labels),
			Annotations:     annotations,
			OwnerReferences: []metav1.OwnerReference{ownerReference(ing)},
		},
		Spec: routev1.RouteSpec{
			To:   routev1.RouteTargetReference{Kind: "Service", Name: service},
			Port: port,
			TLS:  tls,
		},
	}
}

// ownerReference is the controller reference of a generated Route. The
// garbage collector deletes the Routes with their Ingress;
// blockOwnerDeletion is left unset, as OKD does.
func ownerReference(ing *networkingv1.Ingress) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion: networkingv1.SchemeGroupVersion.String(), Kind: "Ingress",
		Name: ing.Name, UID: ing.UID, Controller: ptr.To(true),
	}
}

// targetPort resolves a backend's port to the Service port's name, which
// is the name of the endpoint port the router sends to. A port number that
// names an unnamed port gives no port at all: the Service then has a
// single port, and the router uses every endpoint port.
func targetPort(svc *corev1.Service, b *networkingv1.IngressServiceBackend) (*routev1.RoutePort, string) {
	if svc == nil {
		return nil, fmt.Sprintf("Backend service %q not found", b.Name)
	}
	for _, p := range svc.Spec.Ports {
		switch {
		case b.Port.Name != "" && p.Name != b.Port.Name,
			b.Port.Name == "" && (b.Port.Number == 0 || p.Port != b.Port.Number):
			continue
		case p.Name == "":
			return nil, ""
		}
		return &routev1.RoutePort{TargetPort: intstr.FromString(p.Name)}, ""
	}
	return nil, fmt.Sprintf("No valid target port for backend service %q", b.Name)
}
