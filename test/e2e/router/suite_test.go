// Package router_test proves the router end to end: a real kube-apiserver
// with the Route webhooks, router processes running real HAProxy 3.0, echo
// backends, real HTTP/1.1, HTTP/2 and TLS clients — all inside a private
// network namespace.
package router_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/echo"
	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

const domain = "apps.e2e.test"

var (
	cluster   *localcluster.Cluster
	k8s       client.Client
	routerCA  *framework.CA // signs the default certificate and route certificates
	backendCA *framework.CA // signs the echo pods' certificates
	defCert   string        // default certificate file
	router    *framework.Router
	tmpDir    string
)

func TestMain(m *testing.M) { os.Exit(framework.RunInNetNS(m)) }

func TestRouter(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Router end to end")
}

var _ = BeforeSuite(func() {
	var err error
	tmpDir, err = os.MkdirTemp("", "okd-e2e-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { _ = os.RemoveAll(tmpDir) })
	cluster, err = localcluster.Start(localcluster.Options{Domain: domain, Manager: true, Dir: tmpDir, AdvertiseAddress: framework.HostAddress})
	Expect(err).NotTo(HaveOccurred())
	// Cleanups run last-registered first: routers stop before the API server.
	DeferCleanup(func() { Expect(cluster.Stop()).To(Succeed()) })
	k8s = cluster.Client
	routerCA, err = framework.NewCA("router-ca")
	Expect(err).NotTo(HaveOccurred())
	backendCA, err = framework.NewCA("backend-ca")
	Expect(err).NotTo(HaveOccurred())
	kp, err := routerCA.Issue("*."+domain, domain)
	Expect(err).NotTo(HaveOccurred())
	defCert, err = framework.WritePEM(tmpDir, "default.pem", kp)
	Expect(err).NotTo(HaveOccurred())
	router = startRouter("default", nil)
})

// startRouter runs a router process and waits until it is ready.
func startRouter(name string, env map[string]string) *framework.Router {
	r, err := framework.StartRouter(framework.RouterOptions{Kubeconfig: cluster.Kubeconfig, Name: name, Env: env, DefaultCertificate: defCert})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		if CurrentSpecReport().Failed() {
			GinkgoWriter.Printf("router %s log:\n%s\n", name, r.Log())
		}
		r.Stop()
	})
	Expect(r.WaitReady(30 * time.Second)).To(Succeed())
	return r
}

var nsSeq atomic.Int32

// newNamespace creates a namespace for one spec.
func newNamespace(prefix string, labels map[string]string) string {
	name := fmt.Sprintf("%s-%d", prefix, nsSeq.Add(1))
	Expect(k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}})).To(Succeed())
	return name
}

// newBackend starts echo pods behind a Service.
func newBackend(ns, name string, pods int) *framework.Backend {
	cert, err := backendCA.TLSCertificate(name+"."+ns+".svc", "*.example.com")
	Expect(err).NotTo(HaveOccurred())
	b, err := framework.NewBackend(context.Background(), k8s, ns, name, pods, cert)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(b.Close)
	return b
}

// route builds a Route to service on port (http or https).
func route(ns, name, host, service, port string) *routev1.Route {
	return &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: routev1.RouteSpec{Host: host, To: routev1.RouteTargetReference{Kind: "Service", Name: service},
			Port: &routev1.RoutePort{TargetPort: intstr.FromString(port)}},
	}
}

// echoGet sends a GET for url, edited by edit, and returns the response
// (its body read) and the echo pod's answer, which must be a 200.
func echoGet(c *framework.Client, url string, edit func(*http.Request)) (*http.Response, echo.Response) {
	GinkgoHelper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	Expect(err).NotTo(HaveOccurred())
	edit(req)
	resp, err := c.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.StatusCode).To(Equal(http.StatusOK), "%s", body)
	var e echo.Response
	Expect(json.Unmarshal(body, &e)).To(Succeed())
	return resp, e
}

// sharded labels routes for the router started with ROUTE_LABELS=shard=<name>.
func sharded(name string) func(*routev1.Route) *routev1.Route {
	return func(rt *routev1.Route) *routev1.Route {
		if rt.Labels == nil {
			rt.Labels = map[string]string{}
		}
		rt.Labels["shard"] = name
		return rt
	}
}

// terminated gives routes the TLS termination t, and nothing else of TLS.
func terminated(t routev1.TLSTerminationType) func(*routev1.Route) *routev1.Route {
	return func(rt *routev1.Route) *routev1.Route {
		rt.Spec.TLS = &routev1.TLSConfig{Termination: t}
		return rt
	}
}

func create(obj client.Object) {
	GinkgoHelper()
	Expect(k8s.Create(context.Background(), obj)).To(Succeed())
}

// admitted waits for the router's Admitted condition on a route and returns it.
func admitted(ns, name, routerName string) func(g Gomega) routev1.RouteIngressCondition {
	return conditionOf(ns, name, routerName, routev1.RouteAdmitted)
}

// conditionOf polls the condition of type t in a router's status entry of
// a route; zero when there is none.
func conditionOf(ns, name, routerName string, t routev1.RouteIngressConditionType) func(g Gomega) routev1.RouteIngressCondition {
	return func(g Gomega) routev1.RouteIngressCondition {
		c, err := framework.RouteCondition(k8s, client.ObjectKey{Namespace: ns, Name: name}, routerName, t)
		g.Expect(err).NotTo(HaveOccurred())
		return c
	}
}

// servedBy returns a poller reporting which pod answered url (or the status when not 200).
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

func status(c *framework.Client, url string) func() int {
	return func() int {
		r, err := c.Get(url)
		if err != nil {
			return -1
		}
		return r.Status
	}
}
