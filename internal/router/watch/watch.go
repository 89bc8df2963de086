// Package watch keeps the router's view of the cluster: informers for the
// Routes it selects, Services, EndpointSlices and (for a namespace
// selector) Namespaces, and one per Secret a route names as its
// externalCertificate. Event handlers only raise a flag; the router reads a
// whole snapshot when it syncs, so a burst of events costs one sync.
package watch

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"sync"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// Options select what the router serves.
type Options struct {
	RouteSelector     labels.Selector
	NamespaceSelector labels.Selector
}

// Snapshot is the router's input at one moment.
type Snapshot struct {
	// Routes are the selected routes in selected namespaces. They are shared
	// with the informer cache: never modify them.
	Routes   []*routev1.Route
	Services map[types.NamespacedName]*corev1.Service
	// Slices are EndpointSlices by the Service they belong to.
	Slices map[types.NamespacedName][]*discoveryv1.EndpointSlice
	// Secrets are the Secrets routes name in spec.tls.externalCertificate.
	Secrets map[types.NamespacedName]SecretRead
}

// Secret is what the router could read of a Secret a route names; one the
// snapshot does not hold reads as not found.
func (s *Snapshot) Secret(key types.NamespacedName) SecretRead {
	if r, ok := s.Secrets[key]; ok {
		return r
	}
	return SecretRead{Err: apierrors.NewNotFound(corev1.Resource("secrets"), key.Name)}
}

// Watcher is the set of informers and their change signals.
type Watcher struct {
	cache         cache.Cache
	secrets       *secrets
	opts          Options
	changed       chan struct{}
	statusChanged chan struct{}

	mu sync.Mutex
	// statusRoutes are the routes whose status changed since the last
	// StatusChangedRoutes.
	statusRoutes map[types.NamespacedName]struct{}
}

// New creates the informers; Start runs them.
func New(cfg *rest.Config, scheme *runtime.Scheme, o Options) (*Watcher, error) {
	if o.RouteSelector == nil {
		o.RouteSelector = labels.Everything()
	}
	if o.NamespaceSelector == nil {
		o.NamespaceSelector = labels.Everything()
	}
	c, err := cache.New(cfg, cache.Options{
		Scheme: scheme,
		ByObject: map[client.Object]cache.ByObject{
			&routev1.Route{}:    {Label: o.RouteSelector},
			&corev1.Namespace{}: {Label: o.NamespaceSelector},
		},
		// Managed fields are most of a small object's size and never read here.
		DefaultTransform: cache.TransformStripManagedFields(),
	})
	if err != nil {
		return nil, err
	}
	core, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	changed := make(chan struct{}, 1)
	return &Watcher{cache: c, opts: o, changed: changed, statusChanged: make(chan struct{}, 1),
		secrets: newSecrets(core.CoreV1().RESTClient(), changed)}, nil
}

// Start registers the event handlers and runs the informers until ctx ends.
func (w *Watcher) Start(ctx context.Context) error {
	objs := []client.Object{&corev1.Service{}, &discoveryv1.EndpointSlice{}}
	if !w.opts.NamespaceSelector.Empty() {
		objs = append(objs, &corev1.Namespace{})
	}
	for _, obj := range objs {
		if err := w.handle(ctx, obj, toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(any) { notify(w.changed) },
			UpdateFunc: func(any, any) { notify(w.changed) },
			DeleteFunc: func(any) { notify(w.changed) },
		}); err != nil {
			return err
		}
	}
	if err := w.handle(ctx, &routev1.Route{}, toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { notify(w.changed) },
		UpdateFunc: w.routeUpdated,
		DeleteFunc: func(any) { notify(w.changed) },
	}); err != nil {
		return err
	}
	w.secrets.run(ctx)
	return w.cache.Start(ctx)
}

func (w *Watcher) handle(ctx context.Context, obj client.Object, h toolscache.ResourceEventHandler) error {
	inf, err := w.cache.GetInformer(ctx, obj)
	if err != nil {
		return fmt.Errorf("informer for %T: %w", obj, err)
	}
	_, err = inf.AddEventHandler(h)
	return err
}

// routeUpdated separates what the router serves (spec, labels,
// annotations) from status, which routers write themselves: a status write
// must not cause a sync, only a status check.
func (w *Watcher) routeUpdated(oldObj, newObj any) {
	o, ok1 := oldObj.(*routev1.Route)
	n, ok2 := newObj.(*routev1.Route)
	if ok1 && ok2 && o.Generation == n.Generation && o.Generation != 0 &&
		maps.Equal(o.Labels, n.Labels) && maps.Equal(o.Annotations, n.Annotations) {
		w.mu.Lock()
		if w.statusRoutes == nil {
			w.statusRoutes = map[types.NamespacedName]struct{}{}
		}
		w.statusRoutes[types.NamespacedName{Namespace: n.Namespace, Name: n.Name}] = struct{}{}
		w.mu.Unlock()
		notify(w.statusChanged)
		return
	}
	notify(w.changed)
}

func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// WaitForSync blocks until every informer has its initial list.
func (w *Watcher) WaitForSync(ctx context.Context) bool { return w.cache.WaitForCacheSync(ctx) }

// Changed signals that something the router serves may have changed.
func (w *Watcher) Changed() <-chan struct{} { return w.changed }

// StatusChanged signals that some Route's status changed.
func (w *Watcher) StatusChanged() <-chan struct{} { return w.statusChanged }

// StatusChangedRoutes returns the routes whose status changed since it was
// last called, and forgets them.
func (w *Watcher) StatusChangedRoutes() []types.NamespacedName {
	w.mu.Lock()
	defer w.mu.Unlock()
	keys := make([]types.NamespacedName, 0, len(w.statusRoutes))
	for k := range w.statusRoutes {
		keys = append(keys, k)
	}
	w.statusRoutes = nil
	return keys
}

// Reader reads from the informer cache.
func (w *Watcher) Reader() client.Reader { return w.cache }

// Snapshot lists everything the router serves from the caches.
func (w *Watcher) Snapshot(ctx context.Context) (*Snapshot, error) {
	var routes routev1.RouteList
	if err := w.cache.List(ctx, &routes, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	selected, err := w.selectedNamespaces(ctx)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{
		Services: map[types.NamespacedName]*corev1.Service{},
		Slices:   map[types.NamespacedName][]*discoveryv1.EndpointSlice{},
	}
	for i := range routes.Items {
		if selected == nil || selected[routes.Items[i].Namespace] {
			s.Routes = append(s.Routes, &routes.Items[i])
		}
	}
	s.Secrets = w.secrets.read(ctx, referenced(s.Routes))
	var svcs corev1.ServiceList
	if err := w.cache.List(ctx, &svcs, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	for i := range svcs.Items {
		svc := &svcs.Items[i]
		s.Services[types.NamespacedName{Namespace: svc.Namespace, Name: svc.Name}] = svc
	}
	var slices discoveryv1.EndpointSliceList
	if err := w.cache.List(ctx, &slices, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	for i := range slices.Items {
		sl := &slices.Items[i]
		if svc := sl.Labels[discoveryv1.LabelServiceName]; svc != "" {
			key := types.NamespacedName{Namespace: sl.Namespace, Name: svc}
			s.Slices[key] = append(s.Slices[key], sl)
		}
	}
	// The cache lists in no set order; the model reads an endpoint listed
	// twice (while slices are rebalanced) as its first slice says, which
	// must not change from one snapshot to the next.
	for _, list := range s.Slices {
		sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	}
	return s, nil
}

// selectedNamespaces returns the namespaces the selector picks, or nil
// when it picks all.
func (w *Watcher) selectedNamespaces(ctx context.Context) (map[string]bool, error) {
	if w.opts.NamespaceSelector.Empty() {
		return nil, nil
	}
	var list corev1.NamespaceList
	if err := w.cache.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(list.Items))
	for _, ns := range list.Items {
		out[ns.Name] = true
	}
	return out, nil
}
