package main

import (
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

// Route kinds of the synthetic mix.
const (
	kindHTTP        = "http"
	kindEdge        = "edge"
	kindReencrypt   = "reencrypt"
	kindPassthrough = "passthrough"
)

// kindOf spreads routes as a cluster might: 40 % plain HTTP, 30 % edge,
// 15 % reencrypt, 15 % passthrough.
func kindOf(i int) string {
	switch r := i % 20; {
	case r < 8:
		return kindHTTP
	case r < 14:
		return kindEdge
	case r < 17:
		return kindReencrypt
	}
	return kindPassthrough
}

// app is one synthetic application: a Route, its Service and the Service's
// EndpointSlice.
type app struct {
	Route   *routev1.Route
	Service *corev1.Service
	Slice   *discoveryv1.EndpointSlice
}

// mix builds routes of every kind with their certificates. Edge routes
// carry a certificate of their own one time in three (the others use the
// default certificate, as most OKD edge routes do); reencrypt routes carry
// a destination CA one time in two (the others use the router's default).
type mix struct {
	ca      *framework.CA
	created time.Time

	mu    sync.Mutex
	certs map[string]certs.KeyPair // by host: generated once, reused across sizes
}

func newMix(ca *framework.CA) *mix {
	return &mix{ca: ca, created: time.Now().Add(-time.Hour), certs: map[string]certs.KeyPair{}}
}

// hostOf is route i's host; every route has its own.
func hostOf(ns string, i int) string { return fmt.Sprintf("r%d.%s.bench.test", i, ns) }

// synthAddr gives endpoint k an address in 198.19.64.0–198.19.253.250: in
// the test range and clear of the Service CIDR (198.19.0.0/24) and of the
// framework's router and pod addresses (198.18.x.x). Nothing listens
// there: these endpoints only fill the configuration.
func synthAddr(k int) string {
	return fmt.Sprintf("198.19.%d.%d", 64+(k/250)%190, k%250+1)
}

// app returns synthetic application i in namespace ns, with 1–3 endpoints.
func (m *mix) app(ns string, i int) (app, error) {
	name := fmt.Sprintf("r%d", i)
	kind := kindOf(i)
	r := &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(fmt.Sprintf("uid-%s-%d", ns, i)),
			CreationTimestamp: metav1.NewTime(m.created.Add(time.Duration(i) * time.Millisecond))},
		Spec: routev1.RouteSpec{Host: hostOf(ns, i), To: routev1.RouteTargetReference{Kind: "Service", Name: name},
			Port: &routev1.RoutePort{TargetPort: intstr.FromString("http")}},
	}
	if i%5 == 1 && (kind == kindHTTP || kind == kindEdge) {
		r.Spec.Path = "/api"
	}
	if err := m.setTLS(r, kind, i); err != nil {
		return app{}, err
	}
	var addrs []string
	for k := range i%3 + 1 {
		addrs = append(addrs, synthAddr(3*i+k))
	}
	svc, slice := serviceFor(ns, name, addrs, framework.HTTPPort, framework.HTTPSPort)
	return app{Route: r, Service: svc, Slice: slice}, nil
}

func (m *mix) setTLS(r *routev1.Route, kind string, i int) error {
	switch kind {
	case kindEdge:
		r.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge}
		if i%2 == 0 {
			r.Spec.TLS.InsecureEdgeTerminationPolicy = routev1.InsecureEdgeTerminationPolicyRedirect
		}
		if i%3 == 0 {
			kp, err := m.cert(r.Spec.Host)
			if err != nil {
				return err
			}
			r.Spec.TLS.Certificate, r.Spec.TLS.Key, r.Spec.TLS.CACertificate = string(kp.CertPEM), string(kp.KeyPEM), string(m.ca.CertPEM)
		}
	case kindReencrypt:
		r.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt}
		r.Spec.Port.TargetPort = intstr.FromString("https")
		if i%2 == 0 {
			r.Spec.TLS.DestinationCACertificate = string(m.ca.CertPEM)
		}
	case kindPassthrough:
		r.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough}
		r.Spec.Port.TargetPort = intstr.FromString("https")
	}
	return nil
}

// cert issues (once) a certificate for host.
func (m *mix) cert(host string) (certs.KeyPair, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if kp, ok := m.certs[host]; ok {
		return kp, nil
	}
	kp, err := m.ca.Issue(host)
	if err == nil {
		m.certs[host] = kp
	}
	return kp, err
}

// serviceFor is a Service with ports http and https, and the EndpointSlice
// the EndpointSlice controller would write for ready pods at addrs.
func serviceFor(ns, name string, addrs []string, httpPort, httpsPort int32) (*corev1.Service, *discoveryv1.EndpointSlice) {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		// Headless: the API server's Service range (a /24 here) holds
		// 254 cluster IPs, fewer than the benchmarks' Services; the
		// router reads only the ports.
		Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Ports: []corev1.ServicePort{
			{Name: "http", Port: 80, TargetPort: intstr.FromInt32(httpPort)},
			{Name: "https", Port: 443, TargetPort: intstr.FromInt32(httpsPort)},
		}},
	}
	sl := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: ns, Name: name + "-bench", Labels: map[string]string{discoveryv1.LabelServiceName: name}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports: []discoveryv1.EndpointPort{
			{Name: ptr.To("http"), Port: ptr.To(httpPort), Protocol: ptr.To(corev1.ProtocolTCP)},
			{Name: ptr.To("https"), Port: ptr.To(httpsPort), Protocol: ptr.To(corev1.ProtocolTCP)},
		},
	}
	setEndpoints(sl, addrs)
	return svc, sl
}

// setEndpoints makes addrs the slice's ready endpoints.
func setEndpoints(sl *discoveryv1.EndpointSlice, addrs []string) {
	sl.Endpoints = nil
	for i, a := range addrs {
		sl.Endpoints = append(sl.Endpoints, discoveryv1.Endpoint{
			Addresses:  []string{a},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)},
			TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: sl.Namespace, Name: fmt.Sprintf("%s-%d", sl.Name, i)},
		})
	}
}

// snapshot is what a router's informers would hold: the input of the
// pure pipeline.
type snapshot struct {
	Routes   []*routev1.Route
	Services map[types.NamespacedName]*corev1.Service
	Slices   map[types.NamespacedName][]*discoveryv1.EndpointSlice
}

func newSnapshot() *snapshot {
	return &snapshot{Services: map[types.NamespacedName]*corev1.Service{}, Slices: map[types.NamespacedName][]*discoveryv1.EndpointSlice{}}
}

func (s *snapshot) add(a app) {
	key := types.NamespacedName{Namespace: a.Service.Namespace, Name: a.Service.Name}
	s.Routes = append(s.Routes, a.Route)
	s.Services[key] = a.Service
	s.Slices[key] = append(s.Slices[key], a.Slice)
}

// synthesize builds n applications, 100 per namespace, as a snapshot.
func (m *mix) synthesize(n int) (*snapshot, error) { return m.synthesizeWithout(n, "") }

// synthesizeWithout is synthesize with the routes of one kind left out:
// n routes of the other kinds, named as in the full mix.
func (m *mix) synthesizeWithout(n int, skip string) (*snapshot, error) {
	s := newSnapshot()
	for i := 0; len(s.Routes) < n; i++ {
		if kindOf(i) == skip {
			continue
		}
		a, err := m.app(fmt.Sprintf("ns%d", i/100), i)
		if err != nil {
			return nil, err
		}
		s.add(a)
	}
	return s, nil
}
