package routemigrate

import (
	"context"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/webhookcert"
)

// setCRDServed turns serving of the Route CRD's versions on or off.
func (m *Migrator) setCRDServed(ctx context.Context, served bool) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var crd apiextensionsv1.CustomResourceDefinition
		if err := m.c.Get(ctx, client.ObjectKey{Name: routesCRD}, &crd); err != nil {
			return err
		}
		for i := range crd.Spec.Versions {
			crd.Spec.Versions[i].Served = served
		}
		return m.c.Update(ctx, &crd)
	})
}

// ensureCRD installs the Route CRD, or serves it again when an earlier move
// left it unserved (its old objects are pruned after the copy).
func (m *Migrator) ensureCRD(ctx context.Context) error {
	var crd apiextensionsv1.CustomResourceDefinition
	err := m.c.Get(ctx, client.ObjectKey{Name: routesCRD}, &crd)
	switch {
	case apierrors.IsNotFound(err):
		if m.o.CRD == nil {
			return fmt.Errorf("the Route CRD is not installed: install it first (kubectl apply -f config/crd/bases/route.openshift.io_routes.yaml)")
		}
		m.o.Logf("installing the Route CRD")
		if err := m.c.Create(ctx, m.o.CRD.DeepCopy()); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		if err := m.setCRDServed(ctx, true); err != nil {
			return err
		}
	}
	return poll(ctx, time.Minute, "the Route CRD to be established", func() (bool, error) {
		if err := m.c.Get(ctx, client.ObjectKey{Name: routesCRD}, &crd); err != nil {
			return false, err
		}
		for _, c := range crd.Status.Conditions {
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
}

// serverCA is the CA bundle of the Route API server's serving certificate,
// which the manager keeps.
func (m *Migrator) serverCA(ctx context.Context) ([]byte, error) {
	var s corev1.Secret
	if err := m.c.Get(ctx, client.ObjectKey{Namespace: m.o.Namespace, Name: names.RouteAPIServerCertSecretName}, &s); err != nil {
		return nil, fmt.Errorf("the Route API server's certificate (is the manager running with --route-api=aggregated?): %w", err)
	}
	if len(s.Data["ca.crt"]) == 0 {
		return nil, fmt.Errorf("secret %s/%s has no ca.crt", s.Namespace, s.Name)
	}
	return webhookcert.Bundle(&s, time.Now()), nil
}

// scaleServerDown scales the Route API server's Deployment to zero, which
// ends the watches it serves.
func (m *Migrator) scaleServerDown(ctx context.Context) error {
	d := &appsv1.Deployment{}
	err := m.c.Get(ctx, client.ObjectKey{Namespace: m.o.Namespace, Name: names.RouteAPIServerName}, d)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	orig := d.DeepCopy()
	zero := int32(0)
	d.Spec.Replicas = &zero
	return m.c.Patch(ctx, d, client.MergeFrom(orig))
}

// parallel runs f on every route with n workers and returns the first error.
func parallel(ctx context.Context, routes []routev1.Route, n int, f func(context.Context, *routev1.Route) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *routev1.Route)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				if err := f(ctx, r); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
	for i := range routes {
		select {
		case work <- &routes[i]:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	return first
}

// poll calls done until it reports true, returns an error, or timeout passes.
func poll(ctx context.Context, timeout time.Duration, what string, done func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := done()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for %s", timeout, what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
