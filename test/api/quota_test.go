package api

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestRouteQuota: a ResourceQuota's object count for Routes holds, as on
// OKD (the Route API server's ResourceQuota admission; the main API
// server's for the CRD). No quota controller runs here: the test records
// the usage it would, and admission charges each Route to it.
func TestRouteQuota(t *testing.T) {
	ns := newNamespace(t, "quota")
	ctx := context.Background()
	count := corev1.ResourceName("count/routes.route.openshift.io")
	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "routes"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{count: resource.MustParse("1")}}}
	must(t, cluster.Client.Create(ctx, q))
	q.Status = corev1.ResourceQuotaStatus{Hard: q.Spec.Hard, Used: corev1.ResourceList{count: resource.MustParse("0")}}
	must(t, cluster.Client.Status().Update(ctx, q))

	// Until admission has seen the quota's status it refuses: retry.
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if err = cluster.Client.Create(ctx, newRoute(ns, "one")); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("the first Route under a quota of one: %v", err)
	}
	must(t, cluster.Client.Get(ctx, client.ObjectKeyFromObject(q), q))
	if used := q.Status.Used[count]; used.Value() != 1 {
		t.Errorf("quota used %s after one Route, want 1", used.String())
	}
	err = cluster.Client.Create(ctx, newRoute(ns, "two"))
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "exceeded quota") {
		t.Fatalf("a second Route under a quota of one: %v, want forbidden, exceeded quota", err)
	}
}
