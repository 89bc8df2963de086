package ingresscontroller

import (
	"context"
	"net/netip"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// clusterIPMode is the routers' ROUTER_IP_V4_V6_MODE for this cluster:
// they listen on IPv6 too when its ServiceCIDRs give Services IPv6
// addresses, as OKD's operator decides from its cluster network config.
// An API server without ServiceCIDRs (before Kubernetes 1.33, or with the
// API off) leaves the routers on IPv4.
func (r *Reconciler) clusterIPMode(ctx context.Context) (config.IPMode, error) {
	var list networkingv1.ServiceCIDRList
	if err := r.List(ctx, &list); err != nil {
		if meta.IsNoMatchError(err) {
			return "", nil
		}
		return "", err
	}
	return ipModeOf(list.Items), nil
}

// ipModeOf is v4v6 for both families, v6 for IPv6 alone, "" for IPv4
// alone (the router's default). A ServiceCIDR being deleted no longer
// gives Services addresses.
func ipModeOf(cidrs []networkingv1.ServiceCIDR) config.IPMode {
	var v4, v6 bool
	for _, c := range cidrs {
		if !c.DeletionTimestamp.IsZero() {
			continue
		}
		for _, s := range c.Spec.CIDRs {
			p, err := netip.ParsePrefix(s)
			switch {
			case err != nil:
			case p.Addr().Is4():
				v4 = true
			default:
				v6 = true
			}
		}
	}
	switch {
	case v4 && v6:
		return config.IPDual
	case v6:
		return config.IPv6
	}
	return ""
}

// served reports whether the API server serves gvk.
func served(mapper meta.RESTMapper, gvk schema.GroupVersionKind) bool {
	_, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	return err == nil
}

// everyIngressController asks for a reconcile of each IngressController.
func (r *Reconciler) everyIngressController(ctx context.Context, _ client.Object) []reconcile.Request {
	return r.ingressControllersThat(ctx, func(*operatorv1.IngressController) bool { return true })
}

// ingressControllersThat asks for a reconcile of each IngressController
// that uses says.
func (r *Reconciler) ingressControllersThat(ctx context.Context, uses func(*operatorv1.IngressController) bool) []reconcile.Request {
	var list operatorv1.IngressControllerList
	if err := r.List(ctx, &list, client.InNamespace(r.Options.OperatorNamespace)); err != nil {
		return nil
	}
	var out []reconcile.Request
	for i := range list.Items {
		if uses(&list.Items[i]) {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
	}
	return out
}
