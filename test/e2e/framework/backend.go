package framework

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/okd-ingress/okd-ingress/internal/echo"
)

// Backend ports: every echo pod serves HTTP on 8080 and HTTPS on 8443.
const (
	HTTPPort  = 8080
	HTTPSPort = 8443
)

// Backend is a Service whose pods are echo servers in this process. Its
// EndpointSlice is written by the test, as the EndpointSlice controller
// would, so that scaling is instant and observable.
type Backend struct {
	c         client.Client
	Namespace string
	Name      string
	// Cert is the pods' serving certificate (for passthrough and reencrypt).
	Cert *tls.Certificate
	// ports are the Service's; the EndpointSlice repeats their names, as
	// the EndpointSlice controller does.
	ports []corev1.ServicePort

	mu   sync.Mutex
	pods []*pod
	seq  int
}

type pod struct {
	name, addr string
	srv        *echo.Server
}

// NewBackend creates the Service and n ready pods. The Service has ports
// http (80) and https (443) unless ports are given; its pods always listen
// on HTTPPort and HTTPSPort, named http and https.
func NewBackend(ctx context.Context, c client.Client, ns, name string, n int, cert *tls.Certificate, ports ...corev1.ServicePort) (*Backend, error) {
	if len(ports) == 0 {
		ports = []corev1.ServicePort{
			{Name: "http", Port: 80, TargetPort: intstr.FromInt32(HTTPPort)},
			{Name: "https", Port: 443, TargetPort: intstr.FromInt32(HTTPSPort)},
		}
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.ServiceSpec{Ports: ports},
	}
	if err := c.Create(ctx, svc); err != nil {
		return nil, err
	}
	b := &Backend{c: c, Namespace: ns, Name: name, Cert: cert, ports: ports}
	return b, b.Scale(ctx, n)
}

// Scale starts or stops pods until n run, then publishes their addresses.
func (b *Backend) Scale(ctx context.Context, n int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.pods) > n {
		last := b.pods[len(b.pods)-1]
		last.srv.Close()
		b.pods = b.pods[:len(b.pods)-1]
	}
	for len(b.pods) < n {
		b.seq++
		p := &pod{name: fmt.Sprintf("%s-%d", b.Name, b.seq), addr: NewAddr(PodNet)}
		srv, err := echo.Start(echo.Identity{Namespace: b.Namespace, Service: b.Name, Pod: p.name}, echo.Options{
			HTTPAddr: net.JoinHostPort(p.addr, fmt.Sprint(HTTPPort)), HTTPSAddr: net.JoinHostPort(p.addr, fmt.Sprint(HTTPSPort)),
			Certificate: b.Cert,
		})
		if err != nil {
			return err
		}
		p.srv = srv
		b.pods = append(b.pods, p)
	}
	return b.publish(ctx)
}

// Delete stops the named pod and publishes the others, as when a pod that
// is not the last is deleted.
func (b *Backend) Delete(ctx context.Context, name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.IndexFunc(b.pods, func(p *pod) bool { return p.name == name })
	if i < 0 {
		return fmt.Errorf("no pod %s", name)
	}
	b.pods[i].srv.Close()
	b.pods = slices.Delete(b.pods, i, i+1)
	return b.publish(ctx)
}

// Pods lists the names of the running pods.
func (b *Backend) Pods() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, p := range b.pods {
		out = append(out, p.name)
	}
	return out
}

func (b *Backend) publish(ctx context.Context) error {
	sl := &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: b.Namespace, Name: b.Name + "-e2e"}}
	_, err := controllerutil.CreateOrUpdate(ctx, b.c, sl, func() error {
		sl.Labels = map[string]string{discoveryv1.LabelServiceName: b.Name}
		sl.AddressType = discoveryv1.AddressTypeIPv4
		sl.Ports = nil
		for _, p := range b.ports {
			sl.Ports = append(sl.Ports, discoveryv1.EndpointPort{Name: ptr.To(p.Name), Port: ptr.To(podPort(p.TargetPort)),
				Protocol: ptr.To(corev1.ProtocolTCP), AppProtocol: p.AppProtocol})
		}
		sl.Endpoints = nil
		for _, p := range b.pods {
			sl.Endpoints = append(sl.Endpoints, discoveryv1.Endpoint{
				Addresses:  []string{p.addr},
				Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)},
				TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: b.Namespace, Name: p.name},
			})
		}
		return nil
	})
	return err
}

// Close stops every pod.
func (b *Backend) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.pods {
		p.srv.Close()
	}
	b.pods = nil
}

// podPort is the pods' port a Service port targets: a number, or the name
// of one of the echo pods' ports.
func podPort(target intstr.IntOrString) int32 {
	switch {
	case target.Type == intstr.Int:
		return target.IntVal
	case target.StrVal == "https":
		return HTTPSPort
	}
	return HTTPPort
}
