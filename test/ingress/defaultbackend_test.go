package ingress

import (
	"slices"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// TestDefaultBackend: spec.defaultBackend becomes a Route with a generated
// host and the default-backend annotation; when several Ingresses have
// one, the newer ones are told which one routers use. Not parallel: which
// default backend is the oldest is a cluster-wide question, and no other
// test makes one.
func TestDefaultBackend(t *testing.T) {
	older := newEnv(t)
	older.allowDefaultBackend(true)
	older.createIngress(newIngress(named("a"), annotate("team", "blue"), std, defaultBackend("service-1", portName("http"))), nil)
	rule := route(owned("a"), rAnnotate("team", "blue"))
	first := older.expectRoutes(rule, route(owned("a"), rAnnotate("team", "blue"), rDefaultBackend))

	older.updateIngress(func(ing *networkingv1.Ingress) {
		ing.Spec.DefaultBackend.Service = &networkingv1.IngressServiceBackend{Name: "service-2", Port: portNum(80)}
	})
	patched := older.expectRoutes(rule, route(owned("a"), rAnnotate("team", "blue"), rDefaultBackend, rService("service-2"), rPort("80-tcp")))
	if name := defaultBackendRoute(first); name != defaultBackendRoute(patched) {
		t.Errorf("the default backend's Route changed from %s to %s; want it patched in place", name, defaultBackendRoute(patched))
	}

	// Creation times have whole seconds, and a tie goes to the lower UID:
	// the newer Ingress's Route must be created a second later to be newer.
	for _, r := range patched {
		if r.Name == defaultBackendRoute(patched) {
			time.Sleep(time.Until(r.CreationTimestamp.Add(1100 * time.Millisecond)))
		}
	}
	newer := newEnv(t)
	newer.allowDefaultBackend(true)
	newer.createIngress(newIngress(named("b"), defaultBackend("service-1", portName("http"))), nil)
	newer.expectRoutes(route(owned("b"), rDefaultBackend))
	newer.expectEvents("Normal DefaultBackendNotUsed Default backend not in use: routers answer requests for hosts that no route serves " +
		"with the default backend of a route in another namespace, the oldest; this Ingress's takes over once that one is gone")
	if slices.ContainsFunc(older.events(), func(e string) bool { return strings.Contains(e, "DefaultBackendNotUsed") }) {
		t.Errorf("the oldest default backend's Ingress was told it is not in use: %q", older.events())
	}
}

func defaultBackendRoute(routes []routev1.Route) string {
	for _, r := range routes {
		if r.Annotations[names.DefaultBackendAnnotation] == "true" {
			return r.Name
		}
	}
	return ""
}

// TestDefaultBackendNotAllowed: outside a namespace an administrator
// labelled, spec.defaultBackend gives no Route (this controller writes
// Routes with its own rights: any Ingress author would otherwise answer
// every host no route serves) and a warning; labelling the namespace
// brings the Route, and taking the label away removes it.
func TestDefaultBackendNotAllowed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createIngress(newIngress(named("catch"), std, defaultBackend("service-1", portName("http"))), nil)
	rule := route(owned("catch"))
	e.expectRoutes(rule)
	e.expectEvents("Warning DefaultBackendNotAllowed spec.defaultBackend is not used: routers take a default backend from an Ingress " +
		"only in namespaces a cluster administrator labelled router.okd-ingress.io/default-backend=allowed (as on OKD, which ignores it); " +
		"the rules are served without it")

	e.allowDefaultBackend(true)
	e.expectRoutes(rule, route(owned("catch"), rDefaultBackend))
	e.allowDefaultBackend(false)
	e.expectRoutes(rule)
}
