package ingress

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// OKD's metric names, so that its alerts (UnmanagedRoutes,
// IngressWithoutClassName) work unchanged.
var (
	routeWithUnmanagedOwner = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "openshift_ingress_to_route_controller_route_with_unmanaged_owner",
		Help: "Routes generated for an Ingress that this controller no longer manages (1 per route).",
	}, []string{"name", "host", "namespace"})
	ingressWithoutClassName = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "openshift_ingress_to_route_controller_ingress_without_class_name",
		Help: "Ingresses without spec.ingressClassName (1 per ingress).",
	}, []string{"name", "namespace"})
)

func init() {
	metrics.Registry.MustRegister(routeWithUnmanagedOwner, ingressWithoutClassName)
}

// ownerMetrics keeps the metric series of each Ingress, so that series of
// Routes that left it, or of an Ingress that is gone, are removed.
type ownerMetrics struct {
	mu     sync.Mutex
	series map[types.NamespacedName][]prometheus.Labels
}

// Observe records an Ingress as just read: its owned Routes count as
// unmanaged unless it is managed.
func (m *ownerMetrics) Observe(ing *networkingv1.Ingress, isManaged bool, owned []*routev1.Route) {
	key := types.NamespacedName{Namespace: ing.Namespace, Name: ing.Name}
	m.Forget(key)
	if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName == "" {
		ingressWithoutClassName.WithLabelValues(ing.Name, ing.Namespace).Set(1)
	}
	if isManaged {
		return
	}
	var series []prometheus.Labels
	for _, r := range owned {
		l := prometheus.Labels{"name": r.Name, "host": r.Spec.Host, "namespace": r.Namespace}
		routeWithUnmanagedOwner.With(l).Set(1)
		series = append(series, l)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.series == nil {
		m.series = map[types.NamespacedName][]prometheus.Labels{}
	}
	m.series[key] = series
}

// Forget removes the series of an Ingress.
func (m *ownerMetrics) Forget(key types.NamespacedName) {
	ingressWithoutClassName.DeleteLabelValues(key.Name, key.Namespace)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, l := range m.series[key] {
		routeWithUnmanagedOwner.Delete(l)
	}
	delete(m.series, key)
}
