// Package conformance_test re-expresses the Kubernetes ingress conformance
// suite (kubernetes-sigs/ingress-controller-conformance: default backend,
// host rules, ingress class, load balancing, path rules — 30 scenarios) as
// a data-driven suite. Each scenario goes the whole way: an Ingress, the
// Routes the Ingress controller generates from it, and a real router
// process serving them, with the suite's echo contract and client behaviour.
package conformance_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

const (
	domain = "apps.conformance.test"
	// class is the IngressClass the scenarios use, ours by its controller.
	class = "conformance"
)

var (
	cluster *localcluster.Cluster
	k8s     client.Client
	router  *framework.Router
	passed  atomic.Int32
	total   atomic.Int32
)

func TestMain(m *testing.M) { os.Exit(framework.RunInNetNS(m)) }

func TestConformance(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Ingress conformance scenarios")
}

var _ = BeforeSuite(func() {
	dir, err := os.MkdirTemp("", "okd-conf-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { _ = os.RemoveAll(dir) })
	// The simulated cluster runs kube-controller-manager: its garbage
	// collector deletes the Routes of a deleted Ingress.
	cluster, err = localcluster.Start(localcluster.Options{Domain: domain, Manager: true, Dir: dir,
		AdvertiseAddress: framework.HostAddress, Simulated: true})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(cluster.Stop()).To(Succeed()) })
	k8s = cluster.Client
	Expect(k8s.Create(context.Background(), &networkingv1.IngressClass{
		ObjectMeta: metav1.ObjectMeta{Name: class},
		Spec:       networkingv1.IngressClassSpec{Controller: names.IngressClassController},
	})).To(Succeed())
	ca, err := framework.NewCA("conformance-router-ca")
	Expect(err).NotTo(HaveOccurred())
	kp, err := ca.Issue("*."+domain, domain)
	Expect(err).NotTo(HaveOccurred())
	def, err := framework.WritePEM(dir, "default.pem", kp)
	Expect(err).NotTo(HaveOccurred())
	router, err = framework.StartRouter(framework.RouterOptions{Kubeconfig: cluster.Kubeconfig, Name: "default",
		DefaultCertificate: def, Env: map[string]string{names.EnvRouterAllowWildcardRoutes: "true", names.EnvRouterDomain: domain}})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(router.Stop)
	Expect(router.WaitReady(30 * time.Second)).To(Succeed())
})

// AfterSuite reports the count; `make test` shows the report file even
// when go test hides a passing package's output.
var _ = AfterSuite(func() {
	line := fmt.Sprintf("Ingress conformance scenarios passed: %d of %d\n", passed.Load(), total.Load())
	GinkgoWriter.Print(line)
	Expect(framework.Report(line)).To(Succeed())
})

// ReportAfterEach counts scenarios and shows the router's log on failure.
var _ = ReportAfterEach(func(r SpecReport) {
	if !slices.Contains(r.Labels(), "scenario") || r.State.Is(types.SpecStateSkipped|types.SpecStatePending) {
		return
	}
	total.Add(1)
	if r.State.Is(types.SpecStatePassed) {
		passed.Add(1)
	}
})

// AfterEach runs before the spec's cleanups: the state is still there.
var _ = AfterEach(func() {
	if CurrentSpecReport().Failed() && router != nil {
		GinkgoWriter.Printf("router log:\n%s\n", router.Log())
		dumpState()
	}
})

var nsSeq atomic.Int32

func newNamespace(prefix string) string {
	GinkgoHelper()
	name := fmt.Sprintf("%s-%d", prefix, nsSeq.Add(1))
	// The suite's default-backend scenarios need the cluster administrator's
	// leave to use an Ingress's spec.defaultBackend.
	labels := map[string]string{names.DefaultBackendNamespaceLabel: names.DefaultBackendAllowed}
	Expect(k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}})).To(Succeed())
	return name
}

// echoService starts n echo pods behind a Service with one port, 8080,
// named as the scenario needs.
func echoService(ns, name string, n int, portName string) {
	GinkgoHelper()
	b, err := framework.NewBackend(context.Background(), k8s, ns, name, n, nil,
		corev1.ServicePort{Name: portName, Port: 8080, TargetPort: intstr.FromInt32(framework.HTTPPort)})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(b.Close)
}

// createIngress creates an Ingress and, at cleanup, deletes it and waits
// for its Routes to go, so scenarios do not see each other's hosts.
func createIngress(ing *networkingv1.Ingress) {
	GinkgoHelper()
	Expect(k8s.Create(context.Background(), ing)).To(Succeed())
	DeferCleanup(func() {
		Expect(client.IgnoreNotFound(k8s.Delete(context.Background(), ing))).To(Succeed())
		Eventually(func(g Gomega) {
			var routes routev1.RouteList
			g.Expect(k8s.List(context.Background(), &routes, client.InNamespace(ing.Namespace))).To(Succeed())
			g.Expect(routes.Items).To(BeEmpty())
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})
}

// waitForStatus waits until the Ingress shows an address, as the suite's
// runner does before any request, and until the router admitted every
// Route of the namespace: the Ingress shows an address as soon as one of
// its Routes is admitted, and an Ingress can have many.
func waitForStatus(ns, name string) {
	GinkgoHelper()
	Eventually(func(g Gomega) []networkingv1.IngressLoadBalancerIngress {
		var ing networkingv1.Ingress
		g.Expect(k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &ing)).To(Succeed())
		return ing.Status.LoadBalancer.Ingress
	}).WithTimeout(30 * time.Second).ShouldNot(BeEmpty())
	Eventually(func(g Gomega) {
		var routes routev1.RouteList
		g.Expect(k8s.List(context.Background(), &routes, client.InNamespace(ns))).To(Succeed())
		g.Expect(routes.Items).NotTo(BeEmpty())
		for _, r := range routes.Items {
			g.Expect(admittedBy(r, "default")).To(BeTrue(), "route %s", r.Name)
		}
	}).WithTimeout(30 * time.Second).Should(Succeed())
}

func admittedBy(r routev1.Route, router string) bool {
	for _, in := range r.Status.Ingress {
		for _, c := range in.Conditions {
			if in.RouterName == router && c.Type == routev1.RouteAdmitted && c.Status == corev1.ConditionTrue {
				return true
			}
		}
	}
	return false
}

// dumpState shows the Routes and the router's configuration after a failure.
func dumpState() {
	var routes routev1.RouteList
	_ = k8s.List(context.Background(), &routes)
	for _, r := range routes.Items {
		GinkgoWriter.Printf("route %s/%s: host=%s path=%s to=%s port=%v tls=%v annotations=%v status=%v\n", r.Namespace, r.Name,
			r.Spec.Host, r.Spec.Path, r.Spec.To.Name, r.Spec.Port, r.Spec.TLS != nil, r.Annotations, r.Status.Ingress)
	}
	cfg, _ := os.ReadFile(filepath.Join(router.Dir, "conf", "haproxy.cfg"))
	if i := strings.Index(string(cfg), "backend _not_found"); i >= 0 {
		cfg = cfg[i:]
	}
	GinkgoWriter.Printf("haproxy.cfg backends:\n%s\n", cfg)
}
