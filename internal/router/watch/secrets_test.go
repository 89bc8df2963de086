package watch_test

import (
	"context"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/manager"
	"github.com/okd-ingress/okd-ingress/internal/router/watch"
)

// TestExternalCertificateSecrets: the watcher reads the Secrets routes name
// as their externalCertificate, one informer each, reports a missing one
// as not found (not as unread), signals a change when one appears or
// changes, and forgets one no route names any more. The Route CRD without
// the manager's webhooks (removed here) takes a route whose Secret does not
// exist yet.
func TestExternalCertificateSecrets(t *testing.T) {
	c, err := localcluster.Start(localcluster.Options{RouteAPI: localcluster.RouteAPICRD})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	for _, hook := range []client.Object{&admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "okd-ingress-mutating"}},
		&admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "okd-ingress-validating"}}} {
		must(t, client.IgnoreNotFound(c.Client.Delete(context.Background(), hook)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w, err := watch.New(c.Config, manager.Scheme(), watch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = w.Start(ctx) }()
	if !w.WaitForSync(ctx) {
		t.Fatal("the caches did not sync")
	}

	const ns = "secrets"
	key := types.NamespacedName{Namespace: ns, Name: "later"}
	must(t, c.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	route := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "r"}, Spec: routev1.RouteSpec{
		Host: "r.example.com", To: routev1.RouteTargetReference{Kind: "Service", Name: "svc"},
		TLS: &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, ExternalCertificate: &routev1.LocalObjectReference{Name: key.Name}}}}
	// The API server drops the webhooks a moment later.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		err := c.Client.Create(ctx, route.DeepCopy())
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	snap := snapshotUntil(t, ctx, w, func(s *watch.Snapshot) bool { return len(s.Routes) == 1 })
	if err := snap.Secret(key).Err; !apierrors.IsNotFound(err) {
		t.Fatalf("a missing Secret reads %v, want not found", err)
	}

	drain(w.Changed())
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: key.Name}, Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{corev1.TLSCertKey: []byte("one"), corev1.TLSPrivateKeyKey: []byte("key")}}
	must(t, c.Client.Create(ctx, secret))
	changed(t, w)
	if got := secretCert(t, ctx, w, key); got != "one" {
		t.Fatalf("tls.crt = %q after the Secret appeared, want one", got)
	}

	secret.Data[corev1.TLSCertKey] = []byte("two")
	must(t, c.Client.Update(ctx, secret))
	changed(t, w)
	if got := secretCert(t, ctx, w, key); got != "two" {
		t.Fatalf("tls.crt = %q after the Secret changed, want two", got)
	}

	must(t, c.Client.Delete(ctx, route))
	snap = snapshotUntil(t, ctx, w, func(s *watch.Snapshot) bool { return len(s.Routes) == 0 })
	if len(snap.Secrets) != 0 {
		t.Fatalf("Secrets %v after the last route naming one went, want none", snap.Secrets)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func drain(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// changed waits for the watcher's change signal.
func changed(t *testing.T, w *watch.Watcher) {
	t.Helper()
	select {
	case <-w.Changed():
	case <-time.After(30 * time.Second):
		t.Fatal("no change signalled")
	}
}

func secretCert(t *testing.T, ctx context.Context, w *watch.Watcher, key types.NamespacedName) string {
	t.Helper()
	snap, err := w.Snapshot(ctx)
	must(t, err)
	read := snap.Secret(key)
	if read.Err != nil {
		t.Fatalf("Secret %s: %v", key, read.Err)
	}
	return strings.TrimSpace(string(read.Secret.Data[corev1.TLSCertKey]))
}

// snapshotUntil takes snapshots until ok holds (the caches follow the API
// server a moment later).
func snapshotUntil(t *testing.T, ctx context.Context, w *watch.Watcher, ok func(*watch.Snapshot) bool) *watch.Snapshot {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		snap, err := w.Snapshot(ctx)
		must(t, err)
		if ok(snap) {
			return snap
		}
		if time.Now().After(deadline) {
			t.Fatal("the snapshot never got there")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
