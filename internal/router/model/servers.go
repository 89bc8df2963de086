package model

import (
	"math"
	"net/netip"
	"slices"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// maxWeight is HAProxy's largest server weight.
const maxWeight = 256

// target is one Service of a route with its weight.
type target struct {
	name   string
	weight int32
}

// targetsOf lists a route's Services with their weights. A Service named
// twice (in spec.to and alternateBackends) is one target with the last
// weight given, as OKD keys its weights by Service.
func targetsOf(r *routev1.Route) []target {
	refs := append([]routev1.RouteTargetReference{r.Spec.To}, r.Spec.AlternateBackends...)
	out := make([]target, 0, len(refs))
	for _, ref := range refs {
		if ref.Kind != "" && ref.Kind != "Service" {
			continue
		}
		w := int32(100)
		if ref.Weight != nil {
			w = *ref.Weight
		}
		if i := slices.IndexFunc(out, func(t target) bool { return t.name == ref.Name }); i >= 0 {
			out[i].weight = w
			continue
		}
		out = append(out, target{name: ref.Name, weight: w})
	}
	return out
}

func activeTargets(ts []target) []target {
	var out []target
	for _, t := range ts {
		if t.weight > 0 {
			out = append(out, t)
		}
	}
	return out
}

// serviceHost is the name the service CA gives a Service's certificates.
func serviceHost(service, namespace string) string { return service + "." + namespace + ".svc" }

// endpoint is a ready address and port of one Service.
type endpoint struct {
	addr string
	port int32
	h2c  bool
}

// servers resolves each target Service to its ready endpoints and gives
// every endpoint a weight such that each Service receives its share of
// traffic however many endpoints it has (OKD's rule). A pod of two of the
// Services gets both shares, as OKD's two server lines for it would; it
// speaks as its first Service's port says. With serviceCA, each server must
// show a certificate for its Service; with h2c, servers speak cleartext
// HTTP/2 where their port's appProtocol asks.
func servers(r *routev1.Route, targets []target, in Input, serviceCA, h2c bool) []Server {
	single := len(activeTargets(targets)) == 1
	shares := map[string]float64{}
	var out []Server
	for _, t := range targets {
		key := types.NamespacedName{Namespace: r.Namespace, Name: t.name}
		eps := readyEndpoints(in.Services[key], in.Slices[key], r.Spec.Port)
		line := Line{}
		if serviceCA {
			line.VerifyHost = serviceHost(t.name, r.Namespace)
		}
		for _, e := range eps {
			s := Server{Addr: e.addr, Port: e.port, Line: line}
			s.H2C = h2c && e.h2c
			k := s.Key()
			if _, ok := shares[k]; !ok {
				out = append(out, s)
			}
			shares[k] += float64(max(0, t.weight)) / float64(len(eps))
		}
	}
	// The largest share gets the largest HAProxy weight.
	maxShare := 0.0
	for _, sh := range shares {
		maxShare = math.Max(maxShare, sh)
	}
	for i := range out {
		sh := shares[out[i].Key()]
		switch {
		case sh == 0:
		case single:
			// With one active Service every server gets the same weight.
			// At 256 `balance random` builds 4,096 consistent-hash nodes
			// per server (~200 kB of HAProxy memory, ~0.3 ms of parsing);
			// at 1 it builds 16, at the price of slightly less even
			// shares, the trade-off OKD made too (openshift/router#377,
			// #576).
			out[i].Weight = 1
		default:
			out[i].Weight = max(1, int(math.Round(maxWeight*sh/maxShare)))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// readyEndpoints returns the ready endpoints of a Service on the port the
// route selects.
func readyEndpoints(svc *corev1.Service, slices []*discoveryv1.EndpointSlice, port *routev1.RoutePort) []endpoint {
	if svc == nil {
		return nil
	}
	sel, ok := selectPort(svc, port)
	if !ok {
		return nil
	}
	seen := map[endpoint]bool{} // by address and port
	var out []endpoint
	for _, sl := range slices {
		if sl.AddressType != discoveryv1.AddressTypeIPv4 && sl.AddressType != discoveryv1.AddressTypeIPv6 {
			continue
		}
		p, ok := sel.find(sl.Ports)
		if !ok {
			continue
		}
		h2c := p.AppProtocol != nil && (*p.AppProtocol == "h2c" || *p.AppProtocol == "kubernetes.io/h2c")
		for _, ep := range sl.Endpoints {
			// OKD counts an endpoint without a Ready condition as ready.
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			for _, a := range ep.Addresses {
				// An endpoint listed twice (in two slices while they are
				// rebalanced, or while its port's appProtocol changes) is
				// one server, as its first slice says; one address on two
				// ports (host-network pods of one node) is two.
				key := endpoint{addr: a, port: *p.Port}
				if !servable(a) || seen[key] {
					continue
				}
				seen[key] = true
				out = append(out, endpoint{addr: a, port: *p.Port, h2c: h2c})
			}
		}
	}
	return out
}

// metadataAddresses are clouds' instance metadata and platform services,
// which answer on behalf of the node: no pod has them. (Most clouds' is
// 169.254.169.254, link local.)
var metadataAddresses = []netip.Addr{
	netip.MustParseAddr("168.63.129.16"),   // Azure's platform service
	netip.MustParseAddr("fd00:ec2::254"),   // AWS, over IPv6
	netip.MustParseAddr("fd20:ce::254"),    // Google Cloud, over IPv6
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
}

// servable reports whether an endpoint address may become a server. The
// API server takes any address in an EndpointSlice but loopback and link
// local, and whoever may write one (a Service without a selector) could
// point a route at what the router's node reaches alone: the rest of
// those OKD's router refuses is refused here too.
func servable(a string) bool {
	ip, err := netip.ParseAddr(a)
	if err != nil || ip.Zone() != "" {
		return false
	}
	if ip.Is4In6() || ip.IsUnspecified() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsMulticast() {
		return false
	}
	return !slices.Contains(metadataAddresses, ip)
}

// portSelector says which EndpointSlice port a route uses.
type portSelector struct {
	// number, when set, is matched against the endpoint port first.
	number int32
	// name, when byName, is the Service port name (slice ports carry it).
	name   string
	byName bool
}

// selectPort: a route port name matches a Service port name (or a named
// target port); a number matches the pods' port, or else the Service port
// of that number. Without a route port the Service's first port is used.
func selectPort(svc *corev1.Service, port *routev1.RoutePort) (portSelector, bool) {
	if len(svc.Spec.Ports) == 0 {
		return portSelector{}, false
	}
	if port == nil {
		return portSelector{name: svc.Spec.Ports[0].Name, byName: true}, true
	}
	tp := numericPort(port.TargetPort)
	if tp.Type == intstr.String {
		for _, p := range svc.Spec.Ports {
			if p.Name == tp.StrVal || (p.TargetPort.Type == intstr.String && p.TargetPort.StrVal == tp.StrVal) {
				return portSelector{name: p.Name, byName: true}, true
			}
		}
		return portSelector{}, false
	}
	for _, p := range svc.Spec.Ports {
		if p.Port == tp.IntVal {
			return portSelector{number: tp.IntVal, name: p.Name, byName: true}, true
		}
	}
	return portSelector{number: tp.IntVal}, true
}

// numericPort reads a port given as a string of digits ("8080", as a
// chart that quotes its values writes it) as that number, as OKD's router
// does: it compares the route port's text with the endpoints' port
// numbers too. No port name can be one: a name needs a letter.
func numericPort(p intstr.IntOrString) intstr.IntOrString {
	if p.Type != intstr.String {
		return p
	}
	if n, err := strconv.ParseUint(p.StrVal, 10, 16); err == nil && n > 0 {
		return intstr.FromInt32(int32(n))
	}
	return p
}

func (s portSelector) find(ports []discoveryv1.EndpointPort) (discoveryv1.EndpointPort, bool) {
	for _, p := range ports {
		if p.Port != nil && s.number != 0 && *p.Port == s.number {
			return p, true
		}
	}
	for _, p := range ports {
		if p.Port != nil && s.byName && ptrString(p.Name) == s.name {
			return p, true
		}
	}
	return discoveryv1.EndpointPort{}, false
}

func ptrString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
