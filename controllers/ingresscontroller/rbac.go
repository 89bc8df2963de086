package ingresscontroller

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/okd-ingress/okd-ingress/internal/names"
)

// ensureServiceAccount keeps the routers' ServiceAccount, which their pods
// cannot start without. Its roles and bindings are installed with the
// manager (config/rbac/router_rbac.yaml): the operator writes no RBAC.
func (r *Reconciler) ensureServiceAccount(ctx context.Context) error {
	sa := &corev1.ServiceAccount{}
	sa.Name, sa.Namespace = names.RouterServiceAccount, r.Options.RouterNamespace
	_, err := controllerutil.CreateOrPatch(ctx, r.Client, sa, func() error { return nil })
	return err
}
