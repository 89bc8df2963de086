package ingress

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// laggingCache is a cache that has not seen any Route yet, while the API
// server (the wrapped client) has.
type laggingCache struct {
	client.Client
	lagging bool
}

func (c *laggingCache) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if _, ok := list.(*routev1.RouteList); ok && c.lagging {
		return nil
	}
	return c.Client.List(ctx, list, opts...)
}

func newFakeReconciler(t *testing.T, objs ...client.Object) (*Reconciler, *laggingCache) {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := routev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	b := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).WithStatusSubresource(&networkingv1.Ingress{}, &routev1.Route{})
	for _, i := range indexes() {
		b = b.WithIndex(i.obj, i.field, i.fn)
	}
	api := b.Build()
	c := &laggingCache{Client: api}
	return &Reconciler{Client: c, Secrets: api, Recorder: events.NewFakeRecorder(100), exp: newExpectations(time.Now)}, c
}

func routeCount(t *testing.T, c client.Client) int {
	t.Helper()
	var list routev1.RouteList
	if err := c.List(context.Background(), &list); err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}

// TestLaggingCache is cases 13 and 16 of reference §2: however often an
// Ingress is synced before the cache shows its new Routes, each (host,
// path) gets one Route.
func TestLaggingCache(t *testing.T) {
	svcs, _ := fixtures()
	ing := newIngress(rule("a.com", stdPath), rule("b.com", stdPath))
	r, c := newFakeReconciler(t, ing, svcs["service-1"])
	c.lagging = true
	req := ctrl.Request{NamespacedName: key(ing)}
	for range 3 {
		if _, err := r.Reconcile(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	if n := routeCount(t, c.Client); n != 2 {
		t.Fatalf("%d routes after syncs with a lagging cache, want 2", n)
	}
	c.lagging = false
	if _, err := r.Reconcile(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if n := routeCount(t, c.Client); n != 2 {
		t.Errorf("%d routes once the cache caught up, want 2", n)
	}
	if len(r.exp.created) != 0 {
		t.Errorf("expectations left once the cache shows the Routes: %v", r.exp.created)
	}
}

// TestDeletedIngress is the second half of case 39: the key of an Ingress
// that is gone, whose Route still exists, gives no action.
func TestDeletedIngress(t *testing.T) {
	owned := route()
	owned.Name = "1-abcdef"
	r, c := newFakeReconciler(t, owned)
	if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: key(newIngress())}); err != nil {
		t.Fatal(err)
	}
	if n := routeCount(t, c.Client); n != 1 {
		t.Errorf("%d routes, want the one the garbage collector will delete", n)
	}
}

// failingCreates refuses Route creations with err, as an overloaded API
// server (or a quota) does.
type failingCreates struct {
	*laggingCache
	err error
}

func (c *failingCreates) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	if _, ok := obj.(*routev1.Route); ok && c.err != nil {
		return c.err
	}
	return c.laggingCache.Create(ctx, obj, opts...)
}

// failingReconciler is a reconciler whose Route creations fail while its
// client's err is set, after a first sync of ing (with service-1).
func failingReconciler(t *testing.T, ing *networkingv1.Ingress) (*Reconciler, *laggingCache, *failingCreates, ctrl.Request) {
	t.Helper()
	svcs, _ := fixtures()
	r, lag := newFakeReconciler(t, ing, svcs["service-1"])
	c := &failingCreates{laggingCache: lag}
	r.Client = c
	req := ctrl.Request{NamespacedName: key(ing)}
	if _, err := r.Reconcile(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	return r, lag, c, req
}

// routeFields is a field of every Route the API server holds, sorted.
func routeFields(t *testing.T, lag *laggingCache, field func(*routev1.Route) string) []string {
	t.Helper()
	var list routev1.RouteList
	if err := lag.Client.List(context.Background(), &list); err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := range list.Items {
		out = append(out, field(&list.Items[i]))
	}
	slices.Sort(out)
	return out
}

// TestSuccessorFirst: a path whose type changes from Prefix to Exact gets
// a Route of its own; while creating it fails, the old Route keeps serving
// the path, and goes once its successor exists.
func TestSuccessorFirst(t *testing.T) {
	ing := newIngress(rule("a.com", stdPath))
	r, lag, c, req := failingReconciler(t, ing)
	pathTypes := func() []string {
		return routeFields(t, lag, func(rt *routev1.Route) string { return rt.Annotations[names.PathTypeAnnotation] })
	}
	if got := pathTypes(); !slices.Equal(got, []string{"Prefix"}) {
		t.Fatalf("path types %v, want [Prefix]", got)
	}
	if err := lag.Client.Get(context.Background(), key(ing), ing); err != nil {
		t.Fatal(err)
	}
	ing.Spec.Rules[0].HTTP.Paths[0].PathType = ptr.To(networkingv1.PathTypeExact)
	if err := lag.Client.Update(context.Background(), ing); err != nil {
		t.Fatal(err)
	}
	c.err = apierrors.NewServiceUnavailable("try again")
	if _, err := r.Reconcile(context.Background(), req); err == nil {
		t.Fatal("a sync whose creation failed reported no error")
	}
	if got := pathTypes(); !slices.Equal(got, []string{"Prefix"}) {
		t.Fatalf("path types %v while the successor cannot be created, want the old route kept: [Prefix]", got)
	}
	c.err = nil
	if _, err := r.Reconcile(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if got := pathTypes(); !slices.Equal(got, []string{"Exact"}) {
		t.Errorf("path types %v once the successor exists, want [Exact]", got)
	}
}

// TestOtherDeletesGo: while a new path's Route cannot be created (a quota,
// a policy webhook), the Route of a path removed from the Ingress goes all
// the same: only a Route replaced by one serving the same requests waits.
func TestOtherDeletesGo(t *testing.T) {
	ing := newIngress(rule("a.com", stdPath), rule("b.com", stdPath))
	r, lag, c, req := failingReconciler(t, ing)
	hosts := func() []string {
		return routeFields(t, lag, func(rt *routev1.Route) string { return rt.Spec.Host })
	}
	if got := hosts(); !slices.Equal(got, []string{"a.com", "b.com"}) {
		t.Fatalf("hosts %v", got)
	}
	if err := lag.Client.Get(context.Background(), key(ing), ing); err != nil {
		t.Fatal(err)
	}
	ing.Spec.Rules[1].Host = "c.com"
	if err := lag.Client.Update(context.Background(), ing); err != nil {
		t.Fatal(err)
	}
	c.err = apierrors.NewForbidden(routev1.Resource("routes"), "", errors.New("exceeded quota"))
	for range 2 {
		_, _ = r.Reconcile(context.Background(), req)
	}
	if got := hosts(); !slices.Equal(got, []string{"a.com"}) {
		t.Errorf("hosts %v while c.com's Route cannot be created, want b.com's gone: [a.com]", got)
	}
}
