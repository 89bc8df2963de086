package routeapi

import (
	"strings"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// DefaultWeight is the weight of a backend that does not name one.
const DefaultWeight int32 = 100

// Default fills the defaults OKD's API server applies to a Route: backend kind
// Service and weight 100, wildcardPolicy None, and a TLS termination (edge, or
// reencrypt when a destination CA is given), with capitalised termination
// values lowercased. It is idempotent.
func Default(r *routev1.Route) {
	defaultTarget(&r.Spec.To)
	for i := range r.Spec.AlternateBackends {
		defaultTarget(&r.Spec.AlternateBackends[i])
	}
	if r.Spec.WildcardPolicy == "" {
		r.Spec.WildcardPolicy = routev1.WildcardPolicyNone
	}
	if tls := r.Spec.TLS; tls != nil {
		tls.Termination = normalTermination(tls.Termination, tls.DestinationCACertificate != "")
	}
	for i := range r.Status.Ingress {
		if r.Status.Ingress[i].WildcardPolicy == "" {
			r.Status.Ingress[i].WildcardPolicy = routev1.WildcardPolicyNone
		}
	}
}

func defaultTarget(t *routev1.RouteTargetReference) {
	if t.Kind == "" {
		t.Kind = "Service"
	}
	if t.Weight == nil {
		w := DefaultWeight
		t.Weight = &w
	}
}

// normalTermination lowercases the three known terminations written in any
// case, and picks edge (or reencrypt, with a destination CA) when empty.
// Anything else is returned unchanged for validation to reject.
func normalTermination(t routev1.TLSTerminationType, hasDestinationCA bool) routev1.TLSTerminationType {
	if t == "" {
		if hasDestinationCA {
			return routev1.TLSTerminationReencrypt
		}
		return routev1.TLSTerminationEdge
	}
	switch lower := routev1.TLSTerminationType(strings.ToLower(string(t))); lower {
	case routev1.TLSTerminationEdge, routev1.TLSTerminationPassthrough, routev1.TLSTerminationReencrypt:
		return lower
	}
	return t
}
