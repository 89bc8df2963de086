package ingress

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// LoadBalancer is the status.loadBalancer.ingress an Ingress should have:
// the canonical hostnames of the routers that admitted its Routes, sorted.
// With exclusive (the Ingress names our class), nothing else: this
// controller alone serves it, and an address another controller wrote
// before the Ingress came to this one (an IP of ingress-nginx's, say)
// would send clients there for good. Otherwise (an Ingress that names no
// class, which another controller may serve too) the entries without a
// hostname that others wrote are kept, before ours: removing them would
// have the two controllers rewrite the list in turn. changed is false when
// current holds the same entries, hostnames in any order.
func LoadBalancer(current []networkingv1.IngressLoadBalancerIngress, routes []*routev1.Route, exclusive bool) (lb []networkingv1.IngressLoadBalancerIngress, changed bool) {
	hosts := admittedHostnames(routes)
	var had []string
	for _, in := range current {
		switch {
		case in.Hostname != "" && in.IP == "" && len(in.Ports) == 0:
			had = append(had, in.Hostname)
		case exclusive || in.Hostname != "":
			changed = true // not ours to keep
		default:
			lb = append(lb, in)
		}
	}
	for _, h := range hosts {
		lb = append(lb, networkingv1.IngressLoadBalancerIngress{Hostname: h})
	}
	slices.Sort(had)
	return lb, changed || !slices.Equal(slices.Compact(had), hosts)
}

// admittedHostnames are the sorted, distinct canonical hostnames of the
// router entries that admitted one of routes.
func admittedHostnames(routes []*routev1.Route) []string {
	var hosts []string
	for _, r := range routes {
		for _, in := range r.Status.Ingress {
			if in.RouterCanonicalHostname != "" && admitted(in) {
				hosts = append(hosts, in.RouterCanonicalHostname)
			}
		}
	}
	slices.Sort(hosts)
	return slices.Compact(hosts)
}

func admitted(in routev1.RouteIngress) bool {
	for _, c := range in.Conditions {
		if c.Type == routev1.RouteAdmitted {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
