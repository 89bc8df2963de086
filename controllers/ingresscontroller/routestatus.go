package ingresscontroller

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	externaldnsv1alpha1 "github.com/okd-ingress/okd-ingress/api/externaldns/v1alpha1"
	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// routerNameIndex indexes Routes by the routers named in their status, so
// that cleaning up one router's entries reads only its routes (OKD lists
// every Route of the cluster).
const routerNameIndex = "status.ingress.routerName"

func indexRouteStatus(ctx context.Context, mgr ctrl.Manager) error {
	return mgr.GetFieldIndexer().IndexField(ctx, &routev1.Route{}, routerNameIndex, statusRouters)
}

func statusRouters(o client.Object) []string {
	var out []string
	for _, in := range o.(*routev1.Route).Status.Ingress {
		out = append(out, in.RouterName)
	}
	return out
}

// podWait is how often deletion checks that the last router pod is gone.
const podWait = 5 * time.Second

// finalize removes everything of a deleted IngressController. Route status
// is cleared only once no router pod runs, or a stopping router could
// write its entry back.
func (r *Reconciler) finalize(ctx context.Context, ic *operatorv1.IngressController) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(ic, names.IngressControllerFinalizer) {
		return ctrl.Result{}, nil
	}
	for _, obj := range r.operands(ic.Name) {
		if err := r.deleteOwned(ctx, obj, ic.Name); err != nil {
			return ctrl.Result{}, err
		}
	}
	var pods corev1.PodList
	if err := r.APIReader.List(ctx, &pods, client.InNamespace(r.Options.RouterNamespace), client.MatchingLabels(podSelector(ic.Name))); err != nil {
		return ctrl.Result{}, err
	}
	if len(pods.Items) > 0 {
		return ctrl.Result{RequeueAfter: podWait}, nil
	}
	if err := r.clearRouteStatus(ctx, ic.Name, func(*routev1.Route) bool { return true }); err != nil {
		return ctrl.Result{}, err
	}
	// The routers made their status Lease themselves, without an owner; with
	// none of them left, nothing renews or recreates it.
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: r.Options.RouterNamespace, Name: names.RouterStatusLease(ic.Name)}}
	if err := r.deleteIfExists(ctx, lease); err != nil {
		return ctrl.Result{}, err
	}
	forgetIngressController(ic.Name)
	r.written.Delete(names.RouterDeployment(ic.Name))
	r.dnsMisses.Delete(ic.Name)
	controllerutil.RemoveFinalizer(ic, names.IngressControllerFinalizer)
	// A stale cache may show an IngressController already gone.
	return ctrl.Result{}, client.IgnoreNotFound(r.Update(ctx, ic))
}

// operands lists the objects an IngressController owns, by name. Owner
// references would let the garbage collector do this, but deleting them
// here does not depend on it running.
func (r *Reconciler) operands(ic string) []client.Object {
	ns := r.Options.RouterNamespace
	named := func(obj client.Object, name string) client.Object {
		obj.SetName(name)
		obj.SetNamespace(ns)
		return obj
	}
	return []client.Object{
		named(&appsv1.Deployment{}, names.RouterDeployment(ic)),
		named(&corev1.Service{}, names.InternalService(ic)),
		named(&corev1.Service{}, names.LoadBalancerService(ic)),
		named(&corev1.Service{}, names.NodePortService(ic)),
		named(&policyv1.PodDisruptionBudget{}, names.PodDisruptionBudget(ic)),
		named(&corev1.Secret{}, names.DefaultCertificateSecret(ic)),
		named(&corev1.Secret{}, names.CookieKeySecret(ic)),
		named(&corev1.Secret{}, names.StatsSecret(ic)),
		named(&corev1.Secret{}, names.MetricsCertificateSecret(ic)),
		named(&corev1.ConfigMap{}, names.ErrorPagesConfigMap(ic)),
		named(&corev1.ConfigMap{}, names.ClientCAConfigMap(ic)),
		ingressClassFor(ic),
		// In the operator namespace, with its IngressController.
		&externaldnsv1alpha1.DNSEndpoint{ObjectMeta: metav1.ObjectMeta{Namespace: r.Options.OperatorNamespace, Name: names.WildcardDNSEndpoint(ic)}},
	}
}

// clearRouteStatus removes router's entry from the routes for which drop
// says so.
func (r *Reconciler) clearRouteStatus(ctx context.Context, router string, drop func(*routev1.Route) bool) error {
	var routes routev1.RouteList
	if err := r.List(ctx, &routes, client.MatchingFields{routerNameIndex: router}); err != nil {
		return err
	}
	var errs []error
	for i := range routes.Items {
		rt := &routes.Items[i]
		if !drop(rt) {
			continue
		}
		before := rt.DeepCopy()
		kept := rt.Status.Ingress[:0:0]
		for _, in := range rt.Status.Ingress {
			if in.RouterName != router {
				kept = append(kept, in)
			}
		}
		rt.Status.Ingress = kept
		// The status list is atomic: a merge patch replaces it whole, and
		// the resourceVersion in it makes a concurrent writer retry.
		// A route gone since the list needs nothing; one that fails holds
		// back none of the others.
		if err := r.Status().Patch(ctx, rt, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("clearing %s from route %s/%s: %w", router, rt.Namespace, rt.Name, err))
		}
	}
	return errors.Join(errs...)
}

// syncSelectorChange clears this router's status from routes its new
// selectors no longer pick, once the routers with the new selectors run
// (OKD's order), then records the selectors in status as done.
func (r *Reconciler) syncSelectorChange(ctx context.Context, ic *operatorv1.IngressController, obs observed) error {
	if equality.Semantic.DeepEqual(ic.Spec.RouteSelector, ic.Status.RouteSelector) &&
		equality.Semantic.DeepEqual(ic.Spec.NamespaceSelector, ic.Status.NamespaceSelector) {
		return nil
	}
	if rollingOut(ic.Status.Conditions) {
		return nil // the Deployment's progress will bring us back
	}
	routeSel, err := selectorOf(ic.Spec.RouteSelector)
	if err != nil {
		return err
	}
	nsSel, err := selectorOf(ic.Spec.NamespaceSelector)
	if err != nil {
		return err
	}
	err = r.clearRouteStatus(ctx, ic.Name, func(rt *routev1.Route) bool {
		if !routeSel.Matches(labels.Set(rt.Labels)) {
			return true
		}
		var ns corev1.Namespace
		if err := r.Get(ctx, client.ObjectKey{Name: rt.Namespace}, &ns); err != nil {
			return false // unknown: keep the entry, look again next time
		}
		return !nsSel.Matches(labels.Set(ns.Labels))
	})
	if err != nil {
		return err
	}
	before := ic.DeepCopy()
	ic.Status.RouteSelector, ic.Status.NamespaceSelector = ic.Spec.RouteSelector, ic.Spec.NamespaceSelector
	return r.Status().Patch(ctx, ic, client.MergeFrom(before))
}

func selectorOf(s *metav1.LabelSelector) (labels.Selector, error) {
	if s == nil {
		return labels.Everything(), nil
	}
	return metav1.LabelSelectorAsSelector(s)
}
