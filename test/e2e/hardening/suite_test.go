// Package hardening_test attacks the stack end to end (issue 9,
// "Hardening"): hostile input through the API and around it, faults of
// HAProxy, of the router and of the API server, a configuration HAProxy
// refuses, and the RBAC of routers and users — all against real
// kube-apiservers, real router processes running real HAProxy, and echo
// backends, inside a private network namespace.
//
// Two control planes run. "full" is the real install: the Route CRD with
// its schema and CEL rules, and the manager's webhooks; namespaces
// labelled webhookLabel=off are left out of the webhooks, as on a CRD-only
// install. "raw" has no webhooks and a Route CRD whose schema accepts
// anything, as if objects reached etcd past every API check: what it
// stores tests the routers' own defences alone.
package hardening_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

const (
	domain = "apps.e2e.test"
	// webhookLabel=off on a namespace of the full cluster keeps the Route
	// webhooks away from its routes.
	webhookLabel = "hardening.okd-ingress.io/webhook"
	wait         = 15 * time.Second
)

var (
	full, raw  *localcluster.Cluster
	routerCA   *framework.CA // signs the default certificate and route certificates
	backendCA  *framework.CA // signs the echo pods' certificates
	defCert    string
	tmpDir     string
	fullRouter *framework.Router // name "default", on full
	rawRouter  *framework.Router // name "raw", on raw
)

func TestMain(m *testing.M) { os.Exit(framework.RunInNetNS(m)) }

func TestHardening(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Hardening")
}

var _ = BeforeSuite(func() {
	var err error
	tmpDir, err = os.MkdirTemp("", "okd-hardening-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { _ = os.RemoveAll(tmpDir) })
	for _, d := range []string{"full", "raw"} {
		Expect(os.Mkdir(filepath.Join(tmpDir, d), 0o700)).To(Succeed())
	}

	// Both installs serve Routes from the CRD: "full" needs its webhooks to
	// leave some namespaces out, "raw" a schema that accepts anything.
	full, err = localcluster.Start(localcluster.Options{Domain: domain, Manager: true, Dir: filepath.Join(tmpDir, "full"),
		AdvertiseAddress: framework.HostAddress, RouteAPI: localcluster.RouteAPICRD})
	Expect(err).NotTo(HaveOccurred())
	// Cleanups run last-registered first: routers, then the control planes.
	DeferCleanup(func() { Expect(full.Stop()).To(Succeed()) })
	skipWebhooksFor(full.Client)

	raw, err = localcluster.Start(localcluster.Options{Manager: false, Dir: filepath.Join(tmpDir, "raw"),
		AdvertiseAddress: framework.HostAddress, RouteAPI: localcluster.RouteAPICRD})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(raw.Stop()).To(Succeed()) })
	makeRaw(raw.Client)

	routerCA, err = framework.NewCA("router-ca")
	Expect(err).NotTo(HaveOccurred())
	backendCA, err = framework.NewCA("backend-ca")
	Expect(err).NotTo(HaveOccurred())
	kp, err := routerCA.Issue("*."+domain, domain)
	Expect(err).NotTo(HaveOccurred())
	defCert, err = framework.WritePEM(tmpDir, "default.pem", kp)
	Expect(err).NotTo(HaveOccurred())

	fullRouter = startRouter(full, "default", nil)
	rawRouter = startRouter(raw, "raw", nil)
})

// skipWebhooksFor leaves namespaces labelled webhookLabel=off out of the
// Route webhooks, and waits until the API server applies that.
func skipWebhooksFor(c client.Client) {
	ctx := context.Background()
	sel := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: webhookLabel, Operator: metav1.LabelSelectorOpNotIn, Values: []string{"off"}}}}
	var m admissionregistrationv1.MutatingWebhookConfiguration
	Expect(c.Get(ctx, client.ObjectKey{Name: "okd-ingress-mutating"}, &m)).To(Succeed())
	for i := range m.Webhooks {
		m.Webhooks[i].NamespaceSelector = sel
	}
	Expect(c.Update(ctx, &m)).To(Succeed())
	var v admissionregistrationv1.ValidatingWebhookConfiguration
	Expect(c.Get(ctx, client.ObjectKey{Name: "okd-ingress-validating"}, &v)).To(Succeed())
	for i := range v.Webhooks {
		v.Webhooks[i].NamespaceSelector = sel
	}
	Expect(c.Update(ctx, &v)).To(Succeed())
	// Only the validating webhook refuses this header value; the schema takes it.
	ns := newNamespace(c, "probe", map[string]string{webhookLabel: "off"})
	probe := plainRoute(ns, "probe", "probe.hardening.test")
	probe.Spec.HTTPHeaders = &routev1.RouteHTTPHeaders{Actions: routev1.RouteHTTPHeaderActions{
		Request: []routev1.RouteHTTPHeader{setHeader("X-Probe", "%[src]")}}}
	Eventually(func() error { return c.Create(ctx, probe.DeepCopy(), client.DryRunAll) }).WithTimeout(wait).Should(Succeed())
}

// removeWebhooks deletes the Route webhook configurations, which point at
// a manager that a cluster started without one does not run.
func removeWebhooks(c client.Client) {
	GinkgoHelper()
	for _, obj := range []client.Object{
		&admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "okd-ingress-mutating"}},
		&admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "okd-ingress-validating"}},
	} {
		Expect(client.IgnoreNotFound(c.Delete(context.Background(), obj))).To(Succeed())
	}
}

// makeRaw removes the webhooks and replaces the Route schema with one that
// accepts any spec and status, and waits until the API server serves it.
func makeRaw(c client.Client) {
	ctx := context.Background()
	removeWebhooks(c)
	crd := &unstructured.Unstructured{}
	crd.SetGroupVersionKind(schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"})
	Expect(c.Get(ctx, client.ObjectKey{Name: "routes.route.openshift.io"}, crd)).To(Succeed())
	anything := map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	Expect(versions).NotTo(BeEmpty())
	for i := range versions {
		v := versions[i].(map[string]any)
		v["schema"] = map[string]any{"openAPIV3Schema": map[string]any{
			"type": "object", "properties": map[string]any{"spec": anything, "status": anything}}}
		delete(v, "additionalPrinterColumns")
		delete(v, "selectableFields")
	}
	Expect(unstructured.SetNestedSlice(crd.Object, versions, "spec", "versions")).To(Succeed())
	Expect(c.Update(ctx, crd)).To(Succeed())
	ns := newNamespace(c, "probe", nil)
	probe := plainRoute(ns, "probe", "not a host")
	Eventually(func() error { return c.Create(ctx, probe.DeepCopy(), client.DryRunAll) }).WithTimeout(wait).Should(Succeed())
}

// startRouter runs a router process on a cluster and waits until it is ready.
func startRouter(c *localcluster.Cluster, name string, env map[string]string) *framework.Router {
	GinkgoHelper()
	o := routerOptions(c.Kubeconfig, name, env)
	r, err := framework.StartRouter(o)
	Expect(err).NotTo(HaveOccurred())
	stopOnCleanup(r, name)
	Expect(r.WaitReady(30 * time.Second)).To(Succeed())
	return r
}

func routerOptions(kubeconfig, name string, env map[string]string) framework.RouterOptions {
	return framework.RouterOptions{Kubeconfig: kubeconfig, Name: name, Env: env, DefaultCertificate: defCert}
}

func stopOnCleanup(r *framework.Router, name string) {
	DeferCleanup(func() {
		if CurrentSpecReport().Failed() {
			GinkgoWriter.Printf("router %s log:\n%s\n", name, r.Log())
		}
		r.Stop()
	})
}

var nsSeq atomic.Int32

// newNamespace creates a namespace.
func newNamespace(c client.Client, prefix string, labels map[string]string) string {
	GinkgoHelper()
	name := fmt.Sprintf("%s-%d", prefix, nsSeq.Add(1))
	Expect(c.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}})).To(Succeed())
	return name
}

// newBackend starts echo pods behind a Service; they serve HTTPS with a
// certificate for <name>.<ns>.svc signed by backendCA.
func newBackend(c client.Client, ns, name string, pods int) *framework.Backend {
	GinkgoHelper()
	cert, err := backendCA.TLSCertificate(name+"."+ns+".svc", "*.hardening.test")
	Expect(err).NotTo(HaveOccurred())
	b, err := framework.NewBackend(context.Background(), c, ns, name, pods, cert)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(b.Close)
	return b
}

// plainRoute is an HTTP route to Service web, port http.
func plainRoute(ns, name, host string) *routev1.Route {
	return &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: routev1.RouteSpec{Host: host, To: routev1.RouteTargetReference{Kind: "Service", Name: "web"},
			Port: &routev1.RoutePort{TargetPort: intstr.FromString("http")}},
	}
}

func setHeader(name, value string) routev1.RouteHTTPHeader {
	return routev1.RouteHTTPHeader{Name: name, Action: routev1.RouteHTTPHeaderActionUnion{
		Type: routev1.Set, Set: &routev1.RouteSetHTTPHeader{Value: value}}}
}

// condition polls the Admitted condition a router wrote on a route.
func condition(c client.Client, ns, name, routerName string) func(g Gomega) routev1.RouteIngressCondition {
	return conditionOfType(c, ns, name, routerName, routev1.RouteAdmitted)
}

// conditionOfType polls the condition of type t in a router's status entry of a route.
func conditionOfType(c client.Client, ns, name, routerName string, t routev1.RouteIngressConditionType) func(g Gomega) routev1.RouteIngressCondition {
	return func(g Gomega) routev1.RouteIngressCondition {
		cond, err := framework.RouteCondition(c, client.ObjectKey{Namespace: ns, Name: name}, routerName, t)
		g.Expect(err).NotTo(HaveOccurred())
		return cond
	}
}

// servedBy returns a poller reporting which Service answered url (or what went wrong).
func servedBy(c *framework.Client, url string) func() string {
	return func() string {
		r, err := c.Get(url)
		if err != nil {
			return "error: " + err.Error()
		}
		if r.Status != 200 {
			return fmt.Sprintf("status %d", r.Status)
		}
		return r.Echo.Service
	}
}

func ignoreAlreadyExists(err error) error {
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// Print the shared routers' logs when a spec fails.
var _ = AfterEach(func() {
	if !CurrentSpecReport().Failed() {
		return
	}
	for _, r := range []*framework.Router{fullRouter, rawRouter} {
		if r != nil {
			GinkgoWriter.Printf("router %s log:\n%s\n", r.Addr, r.Log())
		}
	}
})

var (
	measuredMu    sync.Mutex
	measuredLines []string
)

// measured reports a timing or an outcome: in the spec's report (-v) and,
// for `make test`, which hides a passing package's output, in the report
// file after the suite.
func measured(name, value string) {
	AddReportEntry(name, value)
	measuredMu.Lock()
	defer measuredMu.Unlock()
	measuredLines = append(measuredLines, fmt.Sprintf("Hardening: %s: %s\n", name, value))
}

var _ = AfterSuite(func() {
	measuredMu.Lock()
	defer measuredMu.Unlock()
	for _, l := range measuredLines {
		Expect(framework.Report(l)).To(Succeed())
	}
})
