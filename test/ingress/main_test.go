// Package ingress tests the Ingress → Route controller as users meet it: a
// real kube-apiserver with the Route CRD and webhooks, and the manager
// running the controller. Every case of reference/ingress-to-route.md §2
// that the real Ingress API accepts is here, asserting the resulting
// Routes exactly.
package ingress

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// testDomain is the manager's default router domain: generated hosts end in it.
const testDomain = "apps.ingress.test"

var cluster *localcluster.Cluster

func TestMain(m *testing.M) {
	// Cases spend their time waiting for the controller, not computing: run
	// more of them at once than the default (the number of cores), unless
	// -parallel says otherwise.
	flag.Parse()
	if !flagSet("test.parallel") {
		_ = flag.Set("test.parallel", "8")
	}
	var err error
	cluster, err = localcluster.Start(localcluster.Options{Domain: testDomain, Manager: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the control plane:", err)
		os.Exit(1)
	}
	code := 1
	if err = createClasses(); err != nil {
		fmt.Fprintln(os.Stderr, "creating IngressClasses:", err)
	} else {
		code = m.Run()
	}
	if err := cluster.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the control plane:", err)
	}
	os.Exit(code)
}

// createClasses creates the reference's IngressClasses: two of ours under
// different names, and two of other controllers.
func createClasses() error {
	for name, controller := range map[string]string{
		"openshift-default": names.IngressClassController,
		"openshift-custom":  names.IngressClassController,
		"custom":            "acme.io/ingress-controller",
		"nginx":             "k8s.io/ingress-nginx",
	} {
		c := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: networkingv1.IngressClassSpec{Controller: controller}}
		if err := cluster.Client.Create(context.Background(), c); err != nil {
			return err
		}
	}
	return nil
}

func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

var nsCounter atomic.Int32

// newNamespace creates a namespace for one case.
func newNamespace(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("ing-%d", nsCounter.Add(1))
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := cluster.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return name
}
