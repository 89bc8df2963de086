package ingresscontroller

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// TestClearRouteStatusGoesOn: a route deleted between the list and its
// patch needs nothing (it failed the reconcile, with a "%!w(<nil>)"
// error), and one that fails holds back none of the others.
func TestClearRouteStatusGoesOn(t *testing.T) {
	s := runtime.NewScheme()
	if err := routev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	entry := []routev1.RouteIngress{{RouterName: "default", Host: "h.example.com"}, {RouterName: "other", Host: "h.example.com"}}
	var objs []client.Object
	for _, name := range []string{"a-gone", "b-kept", "c-cleared"} {
		objs = append(objs, &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}, Status: routev1.RouteStatus{Ingress: entry}})
	}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).WithStatusSubresource(&routev1.Route{}).
		WithIndex(&routev1.Route{}, routerNameIndex, statusRouters).
		WithInterceptorFuncs(interceptor.Funcs{SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, o ...client.SubResourcePatchOption) error {
			switch obj.GetName() {
			case "a-gone":
				return apierrors.NewNotFound(routev1.Resource("routes"), obj.GetName())
			case "b-kept":
				return apierrors.NewInternalError(context.DeadlineExceeded)
			}
			return c.SubResource(sub).Patch(ctx, obj, p, o...)
		}}).Build()
	r := &Reconciler{Client: c}
	err := r.clearRouteStatus(context.Background(), "default", func(*routev1.Route) bool { return true })
	if err == nil || !apierrors.IsInternalError(err) || apierrors.IsNotFound(err) {
		t.Errorf("error %v; want b-kept's alone", err)
	}
	var got routev1.Route
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: "c-cleared"}, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Status.Ingress) != 1 || got.Status.Ingress[0].RouterName != "other" {
		t.Errorf("c-cleared's status %+v; want only the other router's entry", got.Status.Ingress)
	}
}
