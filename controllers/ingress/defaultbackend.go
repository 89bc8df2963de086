package ingress

import (
	"context"
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
)

// servesAsDefault reports whether routers may use a Route as their
// default backend: annotated, and not passthrough (routers never see the
// requests of a passthrough Route).
func servesAsDefault(r *routev1.Route) bool {
	return isDefaultBackend(r) && (r.Spec.TLS == nil || r.Spec.TLS.Termination != routev1.TLSTerminationPassthrough)
}

// checkDefaultBackend tells an Ingress whose default backend is not the
// one routers use (an older one wins) which one is.
func (r *Reconciler) checkDefaultBackend(ctx context.Context, ing *networkingv1.Ingress, kept []*routev1.Route) {
	var mine *routev1.Route
	for _, rt := range kept {
		if servesAsDefault(rt) {
			mine = rt
		}
	}
	if mine == nil {
		return
	}
	var all routev1.RouteList
	if err := r.List(ctx, &all, client.MatchingFields{defaultBackendIndex: "true"}); err != nil {
		return // only a report: the next sync tries again
	}
	winner := mine
	for i := range all.Items {
		if rt := &all.Items[i]; servesAsDefault(rt) && routeapi.Older(rt, winner) {
			winner = rt
		}
	}
	if winner == mine {
		return
	}
	r.event(ing, eventNormal, "DefaultBackendNotUsed", fmt.Sprintf(
		"Default backend not in use: routers answer requests for hosts that no route serves with the default backend of %s, the oldest; "+
			"this Ingress's takes over once that one is gone", describe(winner, ing.Namespace)))
}

// describe names the Ingress that owns a Route, or else the Route; one of
// another namespace than ns only as such (its names are not ns's to read).
func describe(rt *routev1.Route, ns string) string {
	if rt.Namespace != ns {
		return "a route in another namespace"
	}
	if name, ok := owningIngress(rt); ok {
		return fmt.Sprintf("Ingress %s", name)
	}
	return fmt.Sprintf("Route %s", rt.Name)
}
