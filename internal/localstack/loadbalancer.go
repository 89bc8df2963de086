// Package localstack runs the whole okd-ingress stack on one machine for
// `make run` and the whole-system tests: a control plane with simulated
// nodes, a node agent per node that runs router and demo pods as real
// processes in the node's network namespace, kube-proxy on every node, and
// this file's load-balancer controller, which plays a cloud provider.
package localstack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/utils/ptr"

	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/localnet"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// LoadBalancerTable sends traffic for a load-balancer address to the node
// ports of nodes.
type LoadBalancerTable interface {
	// SetLoadBalancer points ip's ports at the nodes' node ports; no
	// nodes removes ip.
	SetLoadBalancer(ip netip.Addr, ports []localnet.LoadBalancerPort, nodes []netip.Addr) error
}

// LoadBalancers gives every Service of type LoadBalancer an address from
// Pool, once a node can take its traffic, and sends that traffic to the
// node ports of the nodes that can — with externalTrafficPolicy Local,
// only those running a ready endpoint — where kube-proxy hands it to the
// Service, as a cloud load balancer does.
type LoadBalancers struct {
	client.Client
	Pool  netip.Prefix
	Table LoadBalancerTable

	mu    sync.Mutex
	given map[client.ObjectKey]netip.Addr // addresses routed, by Service
}

// SetupWithManager watches Services, their EndpointSlices and Nodes.
func (l *LoadBalancers) SetupWithManager(mgr ctrl.Manager) error {
	allLBs := handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, _ client.Object) []reconcile.Request {
		var svcs corev1.ServiceList
		if err := l.List(ctx, &svcs); err != nil {
			return nil
		}
		var out []reconcile.Request
		for _, s := range svcs.Items {
			if s.Spec.Type == corev1.ServiceTypeLoadBalancer {
				out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&s)})
			}
		}
		return out
	})
	toService := handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
		name := o.GetLabels()[discoveryv1.LabelServiceName]
		if name == "" {
			return nil
		}
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: name}}}
	})
	return ctrl.NewControllerManagedBy(mgr).Named("local-load-balancers").
		For(&corev1.Service{}).
		Watches(&discoveryv1.EndpointSlice{}, toService).
		Watches(&corev1.Node{}, allLBs).
		Complete(l)
}

// Reconcile gives the Service an address and routes it to the nodes that
// take its traffic.
func (l *LoadBalancers) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var svc corev1.Service
	if err := l.Get(ctx, req.NamespacedName, &svc); client.IgnoreNotFound(err) != nil {
		return ctrl.Result{}, err
	} else if err != nil || svc.Spec.Type != corev1.ServiceTypeLoadBalancer || !svc.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, l.release(req.NamespacedName)
	}
	nodes, waiting, err := l.targets(ctx, &svc)
	if err != nil {
		return ctrl.Result{}, err
	}
	if err := l.serve(ctx, &svc, nodes); err != nil {
		return ctrl.Result{}, err
	}
	if waiting {
		// A node's kube-proxy has yet to take its new endpoint: check
		// again soon, as a cloud's health checks do.
		return ctrl.Result{RequeueAfter: healthCheckRetry}, nil
	}
	return ctrl.Result{}, nil
}

// serve routes the Service's address to nodes. A Service without one gets
// the lowest free address once a node can take its traffic, and only after
// the address routes there, so that the clients told of it (the
// IngressController's LoadBalancerReady, then its DNS record) are answered
// from their first connection; a cloud's new load balancer may drop
// connections until its first health checks pass.
func (l *LoadBalancers) serve(ctx context.Context, svc *corev1.Service, nodes []netip.Addr) error {
	ip, published := l.assigned(svc)
	if !published && len(nodes) == 0 {
		return nil
	}
	if !published {
		var err error
		if ip, err = l.free(ctx); err != nil {
			return err
		}
	}
	l.remember(client.ObjectKeyFromObject(svc), ip)
	if err := l.Table.SetLoadBalancer(ip, nodePorts(svc), nodes); err != nil || published {
		return err
	}
	svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: ip.String(), IPMode: ptr.To(corev1.LoadBalancerIPModeVIP)}}
	if err := l.Status().Update(ctx, svc); err != nil {
		return errors.Join(err, l.release(client.ObjectKeyFromObject(svc)))
	}
	return nil
}

// remember notes the address a Service has or is being given: the cache
// may not show the status just written when the next Service wants one.
func (l *LoadBalancers) remember(svc client.ObjectKey, ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.given == nil {
		l.given = map[client.ObjectKey]netip.Addr{}
	}
	l.given[svc] = ip
}

// release stops routing the address of a Service that is gone or no
// longer of type LoadBalancer, and frees it.
func (l *LoadBalancers) release(svc client.ObjectKey) error {
	l.mu.Lock()
	ip, ok := l.given[svc]
	delete(l.given, svc)
	l.mu.Unlock()
	if !ok {
		return nil
	}
	return l.Table.SetLoadBalancer(ip, nil, nil)
}

// healthCheckRetry is how soon a node whose health check failed while its
// endpoint is ready is checked again; healthCheckTimeout bounds a check.
const (
	healthCheckRetry   = 300 * time.Millisecond
	healthCheckTimeout = time.Second
)

// nodePorts are the Service's TCP ports with the node ports behind them.
func nodePorts(svc *corev1.Service) []localnet.LoadBalancerPort {
	var out []localnet.LoadBalancerPort
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 && (p.Protocol == "" || p.Protocol == corev1.ProtocolTCP) {
			out = append(out, localnet.LoadBalancerPort{Port: p.Port, NodePort: p.NodePort})
		}
	}
	return out
}

// assigned is the pool address in the Service's status, if any.
func (l *LoadBalancers) assigned(svc *corev1.Service) (netip.Addr, bool) {
	for _, in := range svc.Status.LoadBalancer.Ingress {
		if ip, err := netip.ParseAddr(in.IP); err == nil && l.Pool.Contains(ip) {
			return ip, true
		}
	}
	return netip.Addr{}, false
}

// free is the lowest pool address no Service has.
func (l *LoadBalancers) free(ctx context.Context) (netip.Addr, error) {
	var svcs corev1.ServiceList
	if err := l.List(ctx, &svcs); err != nil {
		return netip.Addr{}, err
	}
	used := map[netip.Addr]bool{}
	for i := range svcs.Items {
		if ip, ok := l.assigned(&svcs.Items[i]); ok {
			used[ip] = true
		}
	}
	l.mu.Lock()
	for _, ip := range l.given {
		used[ip] = true
	}
	l.mu.Unlock()
	// Skip the network address; stop before the broadcast address.
	for ip := l.Pool.Addr().Next(); l.Pool.Contains(ip.Next()); ip = ip.Next() {
		if !used[ip] {
			return ip, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("load-balancer pool %s is exhausted", l.Pool)
}

// targets are the Ready nodes that take the Service's traffic. With
// externalTrafficPolicy Local, those with a ready endpoint whose kube-proxy
// says so on the Service's health-check node port, as a cloud load
// balancer checks: an endpoint is ready before every kube-proxy has
// programmed it, and until then the node drops the connections a load
// balancer sends it. waiting reports a node with a ready endpoint that
// failed its check.
func (l *LoadBalancers) targets(ctx context.Context, svc *corev1.Service) (out []netip.Addr, waiting bool, err error) {
	var nodes corev1.NodeList
	if err := l.List(ctx, &nodes); err != nil {
		return nil, false, err
	}
	onlyLocal := svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
	var local map[string]bool
	if onlyLocal {
		if local, err = l.readyNodes(ctx, svc); err != nil {
			return nil, false, err
		}
	}
	for _, n := range nodes.Items {
		ip, ok := internalIP(&n)
		if !ok || !nodeReady(&n) || (onlyLocal && !local[n.Name]) {
			continue
		}
		if onlyLocal && !healthy(ctx, ip, svc.Spec.HealthCheckNodePort) {
			waiting = true
			continue
		}
		out = append(out, ip)
	}
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return out, waiting, nil
}

// readyNodes are the nodes that run a ready endpoint of svc.
func (l *LoadBalancers) readyNodes(ctx context.Context, svc *corev1.Service) (map[string]bool, error) {
	var eps discoveryv1.EndpointSliceList
	if err := l.List(ctx, &eps, client.InNamespace(svc.Namespace), client.MatchingLabels{discoveryv1.LabelServiceName: svc.Name}); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, sl := range eps.Items {
		for _, ep := range sl.Endpoints {
			if ep.NodeName != nil && (ep.Conditions.Ready == nil || *ep.Conditions.Ready) {
				out[*ep.NodeName] = true
			}
		}
	}
	return out, nil
}

// healthClient asks kube-proxy directly, never through a proxy the
// environment names, on a connection of its own each time.
var healthClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// healthy asks the node's kube-proxy whether it serves a local endpoint of
// the Service whose health-check node port is port (0: none to ask).
func healthy(ctx context.Context, node netip.Addr, port int32) bool {
	if port == 0 {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, healthCheckTimeout)
	defer cancel()
	url := "http://" + netip.AddrPortFrom(node, uint16(port)).String() + "/"
	return localcluster.CheckHTTP(ctx, healthClient, url) == nil
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func internalIP(n *corev1.Node) (netip.Addr, bool) {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			ip, err := netip.ParseAddr(a.Address)
			return ip, err == nil
		}
	}
	return netip.Addr{}, false
}
