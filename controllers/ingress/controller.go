package ingress

import (
	"context"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// workers is OKD's number of concurrent syncs.
const workers = 5

// Reconciler converts Ingresses into Routes.
type Reconciler struct {
	// Client reads Ingresses, IngressClasses, Services and Routes from the
	// cache and writes Routes and Ingress status.
	client.Client
	// Secrets reads Secrets from the API server: the manager does not cache
	// them (only their metadata, to be told of changes).
	Secrets  client.Reader
	Recorder recorder.EventRecorder
	// Now is the clock (tests may fix it).
	Now func() time.Time

	exp     *expectations
	metrics ownerMetrics
}

// SetupWithManager registers the controller, its indexes and watches.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	r.exp = newExpectations(r.Now)
	if err := addIndexes(context.Background(), mgr); err != nil {
		return err
	}
	return r.watch(ctrl.NewControllerManagedBy(mgr)).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Complete(r)
}

// Reconcile makes the Routes of one Ingress match it, then its status
// match the Routes.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var ing networkingv1.Ingress
	if err := r.Get(ctx, req.NamespacedName, &ing); err != nil {
		if client.IgnoreNotFound(err) == nil {
			// The garbage collector deletes its Routes through their
			// owner references (or leaves them, for --cascade=orphan).
			r.exp.Forget(req.NamespacedName)
			r.metrics.Forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	isManaged, err := managed(ctx, r.Client, &ing)
	if err != nil {
		return ctrl.Result{}, err
	}
	owned, err := r.ownedRoutes(ctx, &ing)
	if err != nil {
		return ctrl.Result{}, err
	}
	r.metrics.Observe(&ing, isManaged, owned)
	// An unmanaged Ingress is left alone, its Routes included, as in OKD.
	if !isManaged || !ing.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	return r.sync(ctx, &ing, owned)
}

// sync converts, writes the Routes, and reports.
func (r *Reconciler) sync(ctx context.Context, ing *networkingv1.Ingress, owned []*routev1.Route) (ctrl.Result, error) {
	in, err := r.input(ctx, ing)
	if err != nil {
		return ctrl.Result{}, err
	}
	res := Convert(in)
	labels, msg := reconcileLabels(ing)
	if msg != "" {
		r.event(ing, eventNormal, "InvalidAnnotationValue", msg)
	}
	w := r.apply(ctx, ing, plan(res.Routes, owned), labels)
	w.problems = append(res.Problems, w.problems...)
	w.defaultBackendUnused = res.DefaultBackendUnused
	if w.err == nil {
		w.err = r.writeStatus(ctx, ing, w.kept)
	}
	r.report(ctx, ing, w)
	if w.err != nil {
		return ctrl.Result{}, w.err
	}
	if w.retry {
		return ctrl.Result{RequeueAfter: conflictRetry}, nil
	}
	if len(w.rejected) > 0 {
		// What the API refused may pass later with nothing here changing
		// (a permission granted, a host freed), as OKD's retries find.
		return ctrl.Result{RequeueAfter: rejectedRetry}, nil
	}
	if r.exp.Pending(key(ing)) {
		// A Route written now whose event never comes (deleted during a
		// watch gap) is taken as existing until its expectation expires;
		// nothing else may sync the Ingress after that.
		return ctrl.Result{RequeueAfter: expectationTTL + time.Second}, nil
	}
	return ctrl.Result{}, nil
}

func key(obj client.Object) types.NamespacedName {
	return types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}
}
