package ingresscontroller

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/okd-ingress/okd-ingress/internal/names"
)

// The manager grants routers what it holds itself (RBAC forbids granting
// more), so its own role lists the same rules.
// +kubebuilder:rbac:groups=route.openshift.io,resources=routes,verbs=get;list;watch
// +kubebuilder:rbac:groups=route.openshift.io,resources=routes/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=services;namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=discovery.k8s.io,resources=endpointslices,verbs=get;list;watch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// routerClusterRules are what every router may do cluster-wide: read what
// it serves, write Route status, and ask who a metrics scraper is. No
// Secrets: route certificates are in the Route itself.
var routerClusterRules = []rbacv1.PolicyRule{
	{APIGroups: []string{"route.openshift.io"}, Resources: []string{"routes"}, Verbs: []string{"get", "list", "watch"}},
	{APIGroups: []string{"route.openshift.io"}, Resources: []string{"routes/status"}, Verbs: []string{"get", "update", "patch"}},
	{APIGroups: []string{""}, Resources: []string{"services", "namespaces"}, Verbs: []string{"get", "list", "watch"}},
	{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: []string{"get", "list", "watch"}},
	// Who may read the routers' metrics: a scraper's bearer token is
	// reviewed by the API server, as OKD's routers do.
	{APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"tokenreviews"}, Verbs: []string{"create"}},
	{APIGroups: []string{"authorization.k8s.io"}, Resources: []string{"subjectaccessreviews"}, Verbs: []string{"create"}},
}

// routerLeaseRules let routers elect their status writer, in their own
// namespace only.
var routerLeaseRules = []rbacv1.PolicyRule{
	{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get", "create", "update"}},
}

// ensureRBAC keeps the routers' ServiceAccount and its roles.
func (r *Reconciler) ensureRBAC(ctx context.Context) error {
	ns := r.Options.RouterNamespace
	sa := &corev1.ServiceAccount{}
	sa.Name, sa.Namespace = names.RouterServiceAccount, ns
	if _, err := controllerutil.CreateOrPatch(ctx, r.Client, sa, func() error { return nil }); err != nil {
		return err
	}
	subject := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: names.RouterServiceAccount, Namespace: ns}}
	cr := &rbacv1.ClusterRole{}
	cr.Name = names.RouterClusterRole
	if _, err := controllerutil.CreateOrPatch(ctx, r.Client, cr, func() error { cr.Rules = routerClusterRules; return nil }); err != nil {
		return err
	}
	crb := &rbacv1.ClusterRoleBinding{}
	crb.Name = names.RouterClusterRole
	if _, err := controllerutil.CreateOrPatch(ctx, r.Client, crb, func() error {
		crb.RoleRef = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: cr.Name}
		crb.Subjects = subject
		return nil
	}); err != nil {
		return err
	}
	role := &rbacv1.Role{}
	role.Name, role.Namespace = names.RouterClusterRole, ns
	if _, err := controllerutil.CreateOrPatch(ctx, r.Client, role, func() error { role.Rules = routerLeaseRules; return nil }); err != nil {
		return err
	}
	rb := &rbacv1.RoleBinding{}
	rb.Name, rb.Namespace = names.RouterClusterRole, ns
	_, err := controllerutil.CreateOrPatch(ctx, r.Client, rb, func() error {
		rb.RoleRef = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name}
		rb.Subjects = subject
		return nil
	})
	return err
}
