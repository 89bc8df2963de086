package ingress

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// Cache indexes. Each change of a Service, Secret or IngressClass reaches
// only the Ingresses that name it (OKD re-syncs the whole namespace).
const (
	ownerIndex          = "ingress.route.owner"          // Route: its controlling Ingress
	defaultBackendIndex = "ingress.route.defaultBackend" // Route: "true" when it may serve as default backend
	serviceIndex        = "ingress.services"             // Ingress: the Services it names
	secretIndex         = "ingress.secrets"              // Ingress: the Secrets it names
	classIndex          = "ingress.class"                // Ingress: the IngressClass it names
)

// index is one cache index: a field of obj computed by fn.
type index struct {
	obj   client.Object
	field string
	fn    client.IndexerFunc
}

func indexes() []index {
	route := func(f func(*routev1.Route) []string) client.IndexerFunc {
		return func(o client.Object) []string { return f(o.(*routev1.Route)) }
	}
	ingress := func(f func(*networkingv1.Ingress) []string) client.IndexerFunc {
		return func(o client.Object) []string { return f(o.(*networkingv1.Ingress)) }
	}
	return []index{
		{&routev1.Route{}, ownerIndex, route(func(r *routev1.Route) []string {
			if name, ok := owningIngress(r); ok {
				return []string{name}
			}
			return nil
		})},
		{&routev1.Route{}, defaultBackendIndex, route(func(r *routev1.Route) []string {
			if servesAsDefault(r) {
				return []string{"true"}
			}
			return nil
		})},
		{&networkingv1.Ingress{}, serviceIndex, ingress(serviceNames)},
		{&networkingv1.Ingress{}, secretIndex, ingress(secretNames)},
		{&networkingv1.Ingress{}, classIndex, ingress(func(ing *networkingv1.Ingress) []string {
			if name, ok := className(ing); ok {
				return []string{name}
			}
			return nil
		})},
	}
}

func addIndexes(ctx context.Context, mgr ctrl.Manager) error {
	for _, i := range indexes() {
		if err := mgr.GetFieldIndexer().IndexField(ctx, i.obj, i.field, i.fn); err != nil {
			return err
		}
	}
	return nil
}

// serviceNames are the Services an Ingress's backends name.
func serviceNames(ing *networkingv1.Ingress) []string {
	var out []string
	add := func(b *networkingv1.IngressBackend) {
		if b != nil && b.Service != nil && b.Service.Name != "" {
			out = append(out, b.Service.Name)
		}
	}
	add(ing.Spec.DefaultBackend)
	for _, rule := range ing.Spec.Rules {
		if rule.HTTP != nil {
			for _, p := range rule.HTTP.Paths {
				add(&p.Backend)
			}
		}
	}
	return dedupe(out)
}

// secretNames are the Secrets an Ingress names: its TLS secrets and its
// destination-CA Secret. An annotation value that cannot name a Secret
// ("other-ns/ca") names none, as a Secret that is not there: client-go
// refuses to ask for it, and the error would stop the Ingress's every
// Route (OKD's lister lookup just misses).
func secretNames(ing *networkingv1.Ingress) []string {
	var out []string
	for _, t := range ing.Spec.TLS {
		if t.SecretName != "" {
			out = append(out, t.SecretName)
		}
	}
	if name := ing.Annotations[names.DestinationCACertificateSecretAnnotation]; len(validation.IsDNS1123Subdomain(name)) == 0 {
		out = append(out, name)
	}
	return dedupe(out)
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// watch sets up the watches. Ingress status changes (this controller's
// own writes) do not trigger a sync; any Route change does, since Route
// status feeds the Ingress status. Secrets are watched by metadata only,
// so their contents are not cached.
func (r *Reconciler) watch(b *builder.Builder) *builder.Builder {
	return b.Named("ingress").
		For(&networkingv1.Ingress{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}, predicate.LabelChangedPredicate{}))).
		Watches(&routev1.Route{}, r.routeEvents()).
		Watches(&corev1.Service{}, handler.EnqueueRequestsFromMapFunc(r.namingIngresses(serviceIndex))).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.namingIngresses(secretIndex))).
		Watches(&networkingv1.IngressClass{}, handler.EnqueueRequestsFromMapFunc(r.classIngresses)).
		WatchesMetadata(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.namespaceIngresses),
			builder.WithPredicates(predicate.LabelChangedPredicate{}))
}

// namespaceIngresses maps a Namespace whose labels changed to its
// Ingresses, so that allowing or withdrawing default backends there takes
// effect at once.
func (r *Reconciler) namespaceIngresses(ctx context.Context, o client.Object) []reconcile.Request {
	return r.ingressRequests(ctx, client.InNamespace(o.GetName()))
}

// defaultBackendAllowed reports whether an administrator allowed the
// Ingresses of namespace ns default backends (names.DefaultBackendNamespaceLabel).
func (r *Reconciler) defaultBackendAllowed(ctx context.Context, ns string) (bool, error) {
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	if err := r.Get(ctx, client.ObjectKey{Name: ns}, meta); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	return meta.Labels[names.DefaultBackendNamespaceLabel] == names.DefaultBackendAllowed, nil
}

// routeEvents settles expectations and syncs a Route's owning Ingress.
func (r *Reconciler) routeEvents() handler.Funcs {
	type queue = workqueue.TypedRateLimitingInterface[reconcile.Request]
	enqueue := func(o client.Object, q queue) {
		if name, ok := owningIngress(o); ok {
			q.Add(reconcile.Request{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: name}})
		}
	}
	return handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, q queue) {
			r.exp.Observed(key(e.Object), false)
			enqueue(e.Object, q)
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q queue) {
			r.exp.Observed(key(e.ObjectNew), false)
			enqueue(e.ObjectOld, q) // a Route may change hands
			enqueue(e.ObjectNew, q)
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q queue) {
			r.exp.Observed(key(e.Object), true)
			enqueue(e.Object, q)
		},
		GenericFunc: func(_ context.Context, e event.GenericEvent, q queue) { enqueue(e.Object, q) },
	}
}

// namingIngresses maps an object to the Ingresses of its namespace that
// name it in the given index.
func (r *Reconciler) namingIngresses(index string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		return r.ingressRequests(ctx, client.InNamespace(o.GetNamespace()), client.MatchingFields{index: o.GetName()})
	}
}

// classIngresses maps an IngressClass to the Ingresses that name it, so
// that creating, changing or deleting a class takes effect at once (OKD
// waits for the next resync).
func (r *Reconciler) classIngresses(ctx context.Context, o client.Object) []reconcile.Request {
	return r.ingressRequests(ctx, client.MatchingFields{classIndex: o.GetName()})
}

func (r *Reconciler) ingressRequests(ctx context.Context, opts ...client.ListOption) []reconcile.Request {
	var list networkingv1.IngressList
	if err := r.List(ctx, &list, opts...); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing Ingresses to sync")
		return nil
	}
	out := make([]reconcile.Request, len(list.Items))
	for i := range list.Items {
		out[i] = reconcile.Request{NamespacedName: key(&list.Items[i])}
	}
	return out
}

// input reads what the conversion of an Ingress needs. Missing objects are
// left out: the conversion reports them.
func (r *Reconciler) input(ctx context.Context, ing *networkingv1.Ingress) (Input, error) {
	in := Input{Ingress: ing, Services: map[string]*corev1.Service{}, Secrets: map[string]*corev1.Secret{}}
	if ing.Spec.DefaultBackend != nil {
		allowed, err := r.defaultBackendAllowed(ctx, ing.Namespace)
		if err != nil {
			return in, err
		}
		in.DefaultBackendAllowed = allowed
	}
	for _, name := range serviceNames(ing) {
		svc := &corev1.Service{}
		if err := r.Get(ctx, client.ObjectKey{Namespace: ing.Namespace, Name: name}, svc); err == nil {
			in.Services[name] = svc
		} else if !apierrors.IsNotFound(err) {
			return in, err
		}
	}
	for _, name := range secretNames(ing) {
		s := &corev1.Secret{}
		if err := r.Secrets.Get(ctx, client.ObjectKey{Namespace: ing.Namespace, Name: name}, s); err == nil {
			in.Secrets[name] = s
		} else if !apierrors.IsNotFound(err) {
			return in, err
		}
	}
	return in, nil
}
