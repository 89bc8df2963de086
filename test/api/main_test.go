// Package api tests the Route and IngressController APIs as users meet them:
// a real kube-apiserver with the project's CRDs, and the manager serving the
// Route webhooks with its self-managed certificate.
package api

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/okd-ingress/okd-ingress/internal/localcluster"
)

// testDomain is the manager's default router domain in these tests.
const testDomain = "apps.test.example"

var cluster *localcluster.Cluster

func TestMain(m *testing.M) {
	var err error
	cluster, err = localcluster.Start(localcluster.Options{Domain: testDomain, Manager: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the control plane:", err)
		os.Exit(1)
	}
	code := m.Run()
	if err := cluster.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the control plane:", err)
	}
	os.Exit(code)
}

var nsCounter atomic.Int32

// newNamespace creates a namespace for one test.
func newNamespace(t *testing.T, prefix string) string {
	t.Helper()
	name := fmt.Sprintf("%s-%d", prefix, nsCounter.Add(1))
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := cluster.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return name
}
