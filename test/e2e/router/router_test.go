package router_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

const wait = 10 * time.Second

var _ = Describe("HTTP routing", func() {
	It("routes by host and longest path, answers 404 for unknown hosts and 503 without endpoints", func() {
		ns := newNamespace("paths", nil)
		newBackend(ns, "root", 1)
		newBackend(ns, "api", 1)
		newBackend(ns, "apiv2", 1)
		newBackend(ns, "empty", 0)
		create(route(ns, "root", "paths.example.com", "root", "http"))
		api := route(ns, "api", "paths.example.com", "api", "http")
		api.Spec.Path = "/api"
		create(api)
		v2 := route(ns, "apiv2", "paths.example.com", "apiv2", "http")
		v2.Spec.Path = "/api/v2"
		create(v2)
		create(route(ns, "empty", "empty.example.com", "empty", "http"))
		newBackend(ns, "deep", 1)
		deep := route(ns, "deep", "paths.example.com", "deep", "http")
		deep.Spec.Path = "/api/v2/x/y"
		create(deep)

		c := router.NewClient(framework.ClientOptions{})
		Eventually(servedBy(c, "http://paths.example.com/api/v2/x")).WithTimeout(wait).Should(Equal("apiv2"))
		Expect(servedBy(c, "http://paths.example.com/api/v2")()).To(Equal("apiv2"))
		Eventually(servedBy(c, "http://paths.example.com/api/v2/x/y/z")).WithTimeout(wait).Should(Equal("deep"))
		Expect(servedBy(c, "http://paths.example.com/api/v2/x/y")()).To(Equal("deep"))
		Expect(servedBy(c, "http://paths.example.com/api/v2/x/yz")()).To(Equal("apiv2"))
		Expect(servedBy(c, "http://paths.example.com/api/v2/x")()).To(Equal("apiv2"))
		// Each route may go live in its own sync (spares are given out
		// in no fixed order): wait for the others too.
		Eventually(servedBy(c, "http://paths.example.com/api")).WithTimeout(wait).Should(Equal("api"))
		Eventually(servedBy(c, "http://paths.example.com/")).WithTimeout(wait).Should(Equal("root"))
		Expect(servedBy(c, "http://paths.example.com/api/v3")()).To(Equal("api"))
		Expect(servedBy(c, "http://paths.example.com/apis")()).To(Equal("root"), "OKD paths match whole path elements")
		Expect(servedBy(c, "http://paths.example.com/")()).To(Equal("root"))
		Expect(servedBy(c, "http://PATHS.example.com./api?q=1")()).To(Equal("api"), "host is case-insensitive, trailing dot and query ignored")
		r, err := c.Get("http://Paths.Example.com/api")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Echo.Host).To(Equal("paths.example.com"), "pods get Host in lower case, as from OKD's router")
		Expect(r.Echo.Headers["X-Forwarded-Host"]).To(Equal([]string{"paths.example.com"}))
		Expect(status(c, "http://unknown.example.com/")()).To(Equal(404))
		Eventually(status(c, "http://empty.example.com/")).WithTimeout(wait).Should(Equal(503))
		r, err = c.Get("http://paths.example.com/api/v2/x?y=1")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Echo.Path).To(Equal("/api/v2/x?y=1"))
		Expect(r.Echo.Headers).To(HaveKey("X-Forwarded-For"))
		Expect(r.Echo.Headers["X-Forwarded-Proto"]).To(Equal([]string{"http"}))
		Expect(r.Echo.Headers["X-Forwarded-Port"]).To(Equal([]string{"80"}))
		Expect(r.Echo.Headers["X-Forwarded-Host"]).To(Equal([]string{"paths.example.com"}))
		Expect(r.Echo.Headers["Forwarded"]).To(ConsistOf(MatchRegexp(`^for=[0-9.]+;host=paths\.example\.com;proto=http$`)))
	})
})

var _ = Describe("Health, metrics and render", func() {
	It("serves /healthz, /metrics with the router's and HAProxy's series (a route's with OKD's labels), and prints its config with `router render`", func() {
		ns := newNamespace("observe", nil)
		newBackend(ns, "web", 1)
		create(route(ns, "web", "observe.example.com", "web", "http"))
		c := router.NewClient(framework.ClientOptions{})
		Eventually(servedBy(c, "http://observe.example.com/")).WithTimeout(wait).Should(Equal("web"))
		// A reload between the request and the scrape (a spare backend
		// becoming the route's own) starts the counters again: ask and
		// scrape together until one pair falls inside a single worker.
		Eventually(func(g Gomega) {
			g.Expect(servedBy(c, "http://observe.example.com/")()).To(Equal("web"))
			body := scrapeMetrics(g)
			for _, series := range []string{"okd_router_reloads_total", "okd_router_last_reload_duration_seconds", "okd_router_routes{admitted=\"true\"}",
				"okd_router_render_duration_seconds_count", "okd_router_sync_duration_seconds_count", "haproxy_frontend_http_requests_total", "haproxy_backend_"} {
				g.Expect(body).To(ContainSubstring(series))
			}
			// OKD's labels on a route's series, beside HAProxy's own (a new
			// route may still be in a spare backend: its proxy is the spare's).
			g.Expect(body).To(MatchRegexp(`(?m)^haproxy_backend_http_responses_total\{proxy="(be_http:` + ns + `:web|_spare_\d+)",code="2xx",backend="(http|spare)",namespace="` + ns + `",route="web"\} [1-9]`))
			g.Expect(body).To(MatchRegexp(`(?m)^haproxy_server_\w+\{proxy="(be_http:` + ns + `:web|_spare_\d+)",server="[^"]+",namespace="` + ns + `",route="web"\} `))
			g.Expect(body).To(MatchRegexp(`(?m)^haproxy_frontend_\w+\{proxy="public",frontend="public"\} `))
		}).WithTimeout(wait).Should(Succeed())
		Expect(getBody("http://" + net.JoinHostPort(router.Addr, "1936") + "/healthz")).To(Equal("ok\n"))
		Expect(getBody("http://" + net.JoinHostPort(router.Addr, "1936") + "/healthz/ready")).To(Equal("ok\n"))

		bin, err := framework.RouterBinary()
		Expect(err).NotTo(HaveOccurred())
		cmd := exec.Command(bin, "render", "maps")
		cmd.Env = append(os.Environ(), "KUBECONFIG="+cluster.Kubeconfig, "ROUTER_CONFIG_DIR="+GinkgoT().TempDir(), "ROUTER_RUN_DIR="+GinkgoT().TempDir())
		out, err := cmd.Output()
		Expect(err).NotTo(HaveOccurred())
		Expect(string(out)).To(And(ContainSubstring("backend be_http:"+ns+":web"), ContainSubstring("observe.example.com/ be_http:"+ns+":web")))
	})
})

var _ = Describe("Health checks", func() {
	It("run only on a backend with more than one server, as on OKD, turned on and off as pods come and go", func() {
		ns := newNamespace("checks", nil)
		web := newBackend(ns, "web", 1)
		create(route(ns, "web", "checks.example.com", "web", "http"))
		c := router.NewClient(framework.ClientOptions{})
		Eventually(servedBy(c, "http://checks.example.com/")).WithTimeout(wait).Should(Equal("web"))
		// A spare backend may serve the route until a reload (a new
		// worker, whose lines all check) brings its own: ask the map.
		checked := func(g Gomega) map[string]bool {
			backend, err := router.PrefixBackend("checks.example.com/")
			g.Expect(err).NotTo(HaveOccurred())
			servers, err := router.CheckedServers(backend)
			g.Expect(err).NotTo(HaveOccurred())
			return servers
		}
		lone := And(HaveLen(1), Not(ContainElement(true)))
		Eventually(checked).WithTimeout(wait).Should(lone)
		Expect(web.Scale(context.Background(), 3)).To(Succeed())
		Eventually(checked).WithTimeout(wait).Should(And(HaveLen(3), Not(ContainElement(false))))
		Expect(web.Scale(context.Background(), 1)).To(Succeed())
		Eventually(checked).WithTimeout(wait).Should(lone)
		Expect(servedBy(c, "http://checks.example.com/")()).To(Equal("web"))
	})
})

var _ = Describe("Kubernetes path types", func() {
	It("matches Exact paths only exactly and Prefix paths element-wise, trailing slash ignored", func() {
		ns := newNamespace("pathtype", nil)
		newBackend(ns, "exact", 1)
		newBackend(ns, "prefix", 1)
		ex := route(ns, "exact", "pathtype.example.com", "exact", "http")
		ex.Spec.Path, ex.Annotations = "/exact", map[string]string{names.PathTypeAnnotation: "Exact"}
		create(ex)
		pre := route(ns, "prefix", "pathtype.example.com", "prefix", "http")
		pre.Spec.Path, pre.Annotations = "/foo/", map[string]string{names.PathTypeAnnotation: "Prefix"}
		create(pre)
		c := router.NewClient(framework.ClientOptions{})
		Eventually(servedBy(c, "http://pathtype.example.com/exact")).WithTimeout(wait).Should(Equal("exact"))
		// The route's exact key (/foo) and its prefix key (/foo/) live in two
		// maps, which a runtime update commits together but not atomically
		// (microseconds apart): wait for both before checking the matching.
		Eventually(servedBy(c, "http://pathtype.example.com/foo")).WithTimeout(wait).Should(Equal("prefix"))
		Eventually(servedBy(c, "http://pathtype.example.com/foo/bar")).WithTimeout(wait).Should(Equal("prefix"))
		for path, want := range map[string]string{
			"/exact": "exact", "/exact/": "status 404", "/exact/x": "status 404", "/exactly": "status 404",
			"/foo": "prefix", "/foo/": "prefix", "/foo/bar": "prefix", "/foobar": "status 404",
		} {
			Expect(servedBy(c, "http://pathtype.example.com"+path)()).To(Equal(want), path)
		}
	})
})

var _ = Describe("Default backend", func() {
	It("sends requests for hosts no route serves to the oldest route marked as the default backend, and 404 once it goes", func() {
		// A router of its own: its default backend must not answer the
		// other specs' requests, and wildcard routes are allowed.
		shard := sharded("fallback")
		ns := newNamespace("fallback", nil)
		newBackend(ns, "fallback", 1)
		r := shard(route(ns, "fallback", "fallback.example.com", "fallback", "http"))
		// Its own forwarded-header policy holds for the requests it answers
		// as the default backend too.
		r.Annotations = map[string]string{names.DefaultBackendAnnotation: "true", names.SetForwardedHeadersAnnotation: "never"}
		create(r)
		// Another namespace's hosts are its own, unmatched paths included:
		// their requests (decrypted, with that namespace's cookies) never
		// reach the default backend.
		other := newNamespace("tenant", nil)
		newBackend(other, "tenant", 1)
		plain := shard(route(other, "plain", "tenant.example.com", "tenant", "http"))
		plain.Spec.Path = "/app"
		edge := shard(route(other, "edge", "tenant."+domain, "tenant", "http"))
		edge.Spec.Path = "/app"
		edge.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge}
		wild := shard(route(other, "wild", "www.tenant-wild.example.com", "tenant", "http"))
		wild.Spec.Path = "/app"
		wild.Spec.WildcardPolicy = routev1.WildcardPolicySubdomain
		// A route that keeps its host while its certificate is broken (the
		// key is another certificate's) keeps it from the default backend.
		kp, err := routerCA.Issue("held.example.com")
		Expect(err).NotTo(HaveOccurred())
		other2, err := routerCA.Issue("held.example.com")
		Expect(err).NotTo(HaveOccurred())
		broken := shard(route(other, "broken", "held.example.com", "tenant", "http"))
		broken.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: string(kp.CertPEM), Key: string(other2.KeyPEM),
			InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyAllow}
		for _, r := range []*routev1.Route{plain, edge, wild, broken} {
			create(r)
		}
		router := startRouter("fallback", map[string]string{"ROUTE_LABELS": "shard=fallback", names.EnvRouterAllowWildcardRoutes: "true"})
		c := router.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool})
		Eventually(servedBy(c, "http://nobody.example.com/x")).WithTimeout(wait).Should(Equal("fallback"))
		Expect(servedBy(c, "http://fallback.example.com/")()).To(Equal("fallback"))
		for _, url := range []string{"http://nobody.example.com/x", "http://fallback.example.com/", "https://nobody." + domain + "/x"} {
			resp, err := c.Get(url)
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.Echo.Headers).NotTo(HaveKey("X-Forwarded-For"), url)
			Expect(resp.Echo.Headers).NotTo(HaveKey("Forwarded"), url)
		}
		Eventually(servedBy(c, "http://tenant.example.com/app")).WithTimeout(wait).Should(Equal("tenant"))
		Eventually(servedBy(c, "https://tenant."+domain+"/app")).WithTimeout(wait).Should(Equal("tenant"))
		Eventually(servedBy(c, "http://any.tenant-wild.example.com/app")).WithTimeout(wait).Should(Equal("tenant"))
		for _, url := range []string{"http://tenant.example.com/else", "http://Tenant.example.com:80/else", "https://tenant." + domain + "/else",
			"http://tenant." + domain + "/app", "http://any.tenant-wild.example.com/else", "http://held.example.com/"} {
			Expect(status(c, url)()).To(Equal(404), url)
		}
		Expect(servedBy(c, "http://a.b.tenant-wild.example.com/app")()).To(Equal("fallback"), "a wildcard covers one label")

		Expect(k8s.Delete(context.Background(), r)).To(Succeed())
		Eventually(status(c, "http://nobody.example.com/x")).WithTimeout(wait).Should(Equal(404))
	})
})

var _ = Describe("TLS", func() {
	It("terminates edge routes with the route's certificate or the default one, honouring the insecure policy", func() {
		ns := newNamespace("edge", nil)
		newBackend(ns, "web", 1)
		kp, err := routerCA.Issue("secure.example.com")
		Expect(err).NotTo(HaveOccurred())
		own := route(ns, "own", "secure.example.com", "web", "http")
		own.Spec.TLS = &routev1.TLSConfig{Termination: "edge", Certificate: string(kp.CertPEM), Key: string(kp.KeyPEM),
			InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect}
		create(own)
		def := route(ns, "def", "edge."+domain, "web", "http")
		def.Spec.TLS = &routev1.TLSConfig{Termination: "edge", InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyAllow}
		create(def)
		none := route(ns, "none", "none."+domain, "web", "http")
		none.Spec.TLS = &routev1.TLSConfig{Termination: "edge"}
		create(none)

		c := router.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool})
		Eventually(servedBy(c, "https://secure.example.com/")).WithTimeout(wait).Should(Equal("web"))
		r, err := c.Get("https://secure.example.com/")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.PeerCert.DNSNames).To(ConsistOf("secure.example.com"))
		Expect(r.Echo.Headers["X-Forwarded-Proto"]).To(Equal([]string{"https"}))
		Expect(r.Echo.Headers["X-Forwarded-Port"]).To(Equal([]string{"443"}), "the port the client came to")

		Eventually(servedBy(c, "https://edge."+domain+"/")).WithTimeout(wait).Should(Equal("web"))
		r, err = c.Get("https://edge." + domain + "/")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.PeerCert.DNSNames).To(ContainElement("*."+domain), "default certificate")

		redirect, err := c.Get("http://secure.example.com/a?b=c")
		Expect(err).NotTo(HaveOccurred())
		Expect(redirect.Status).To(Equal(302))
		Expect(redirect.Header.Get("Location")).To(Equal("https://secure.example.com/a?b=c"))
		redirect, err = c.Get("http://Secure.example.com:80/a") // a Host with its port, as some clients send
		Expect(err).NotTo(HaveOccurred())
		Expect(redirect.Header.Get("Location")).To(Equal("https://secure.example.com/a"), "not to https on port 80")
		redirect, err = c.Get("http://secure.example.com./a") // a fully qualified name
		Expect(err).NotTo(HaveOccurred())
		Expect(redirect.Header.Get("Location")).To(Equal("https://secure.example.com/a"))
		Expect(servedBy(c, "http://edge."+domain+"/")()).To(Equal("web"), "Allow serves plain HTTP")
		Eventually(servedBy(c, "https://none."+domain+"/")).WithTimeout(wait).Should(Equal("web"))
		Expect(status(c, "http://none."+domain+"/")()).To(Equal(404), "None refuses plain HTTP")
	})

	It("passes TLS through to the backend, and reencrypts with verification that fails closed", func() {
		ns := newNamespace("tls", nil)
		b := newBackend(ns, "secure", 1)
		pt := route(ns, "pt", "pt.example.com", "secure", "https")
		pt.Spec.TLS = &routev1.TLSConfig{Termination: "passthrough"}
		create(pt)
		good := route(ns, "re-good", "re-good."+domain, "secure", "https")
		good.Spec.TLS = &routev1.TLSConfig{Termination: "reencrypt", DestinationCACertificate: string(backendCA.CertPEM)}
		create(good)
		bad := route(ns, "re-bad", "re-bad."+domain, "secure", "https")
		bad.Spec.TLS = &routev1.TLSConfig{Termination: "reencrypt", DestinationCACertificate: string(routerCA.CertPEM)}
		create(bad)

		c := router.NewClient(framework.ClientOptions{RootCAs: backendCA.Pool})
		Eventually(servedBy(c, "https://pt.example.com/")).WithTimeout(wait).Should(Equal("secure"))
		r, err := c.Get("https://pt.example.com/")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.PeerCert.Issuer.CommonName).To(Equal("backend-ca"), "the client sees the pod's own certificate")
		Expect(r.Echo.TLS).NotTo(BeNil())
		Expect(r.Echo.TLS.ServerName).To(Equal("pt.example.com"))
		Expect(b.Pods()).To(ContainElement(r.Echo.Pod))

		rc := router.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool})
		Eventually(servedBy(rc, "https://re-good."+domain+"/")).WithTimeout(wait).Should(Equal("secure"))
		r, err = rc.Get("https://re-good." + domain + "/")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Echo.TLS).NotTo(BeNil(), "the router spoke TLS to the pod")
		Eventually(status(rc, "https://re-bad."+domain+"/")).WithTimeout(wait).Should(Equal(503))

		// An HTTP/2 client reuses a connection for every host its
		// certificate covers (browsers do): a request for the passthrough
		// host over a connection opened for re-good gets 421, which makes
		// the client retry on a connection of its own, which its SNI sends
		// through; the terminated hosts are served on it as before.
		coalescing := router.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool, HTTP2: true})
		coalescing.Transport.(*http.Transport).TLSClientConfig.ServerName = "re-good." + domain
		r, err = coalescing.Get("https://pt.example.com/")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Proto).To(Equal("HTTP/2.0"))
		Expect(r.Status).To(Equal(http.StatusMisdirectedRequest))
		Expect(servedBy(coalescing, "https://re-good."+domain+"/")()).To(Equal("secure"))
	})

	It("negotiates HTTP/2 by ALPN on edge and reencrypt, still serves HTTP/1.1, and picks certificates by SNI", func() {
		ns := newNamespace("h2", nil)
		newBackend(ns, "web", 1)
		var hosts []string
		for _, h := range []string{"one.example.com", "two.example.com"} {
			kp, err := routerCA.Issue(h)
			Expect(err).NotTo(HaveOccurred())
			r := route(ns, h[:3], h, "web", "http")
			r.Spec.TLS = &routev1.TLSConfig{Termination: "edge", Certificate: string(kp.CertPEM), Key: string(kp.KeyPEM)}
			create(r)
			hosts = append(hosts, h)
		}
		re := route(ns, "re", "re-h2."+domain, "web", "https")
		re.Spec.TLS = &routev1.TLSConfig{Termination: "reencrypt", DestinationCACertificate: string(backendCA.CertPEM)}
		create(re)

		h2 := router.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool, HTTP2: true})
		h1 := router.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool})
		for _, h := range hosts {
			Eventually(servedBy(h2, "https://"+h+"/")).WithTimeout(wait).Should(Equal("web"))
			r, err := h2.Get("https://" + h + "/")
			Expect(err).NotTo(HaveOccurred())
			Expect(r.Proto).To(Equal("HTTP/2.0"))
			Expect(r.PeerCert.DNSNames).To(ConsistOf(h))
			r, err = h1.Get("https://" + h + "/")
			Expect(err).NotTo(HaveOccurred())
			Expect(r.Proto).To(Equal("HTTP/1.1"))
		}
		Eventually(servedBy(h2, "https://re-h2."+domain+"/")).WithTimeout(wait).Should(Equal("web"))
		r, err := h2.Get("https://re-h2." + domain + "/")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Proto).To(Equal("HTTP/2.0"))
		Expect(r.Echo.Proto).To(Equal("HTTP/2.0"), "the router spoke h2 to the pod too")
		// Host (:authority over h2) reaches pods in lower case, over h2 and
		// over HTTP/1.1 alike.
		r, err = h2.Get("https://RE-H2." + domain + "/")
		Expect(err).NotTo(HaveOccurred())
		Expect([]string{r.Echo.Proto, r.Echo.Host}).To(Equal([]string{"HTTP/2.0", "re-h2." + domain}))
		r, err = h2.Get("https://" + strings.ToUpper(hosts[0]) + "/")
		Expect(err).NotTo(HaveOccurred())
		Expect([]string{r.Proto, r.Echo.Host}).To(Equal([]string{"HTTP/2.0", hosts[0]}))
	})
})

var _ = Describe("Weighted backends", func() {
	It("splits 3:1 across two services and sends nothing to weight 0", func() {
		ns := newNamespace("split", nil)
		newBackend(ns, "blue", 1)
		newBackend(ns, "green", 1)
		newBackend(ns, "grey", 2)
		r := route(ns, "split", "split.example.com", "blue", "http")
		r.Spec.To.Weight = ptr.To(int32(75))
		r.Spec.AlternateBackends = []routev1.RouteTargetReference{
			{Kind: "Service", Name: "green", Weight: ptr.To(int32(25))},
			{Kind: "Service", Name: "grey", Weight: ptr.To(int32(0))},
		}
		create(r)
		c := router.NewClient(framework.ClientOptions{})
		Eventually(servedBy(c, "http://split.example.com/")).WithTimeout(wait).Should(Or(Equal("blue"), Equal("green")))
		counts := map[string]int{}
		for range 2000 {
			counts[servedBy(c, "http://split.example.com/")()]++
		}
		Expect(counts["grey"]).To(BeZero())
		Expect(counts["blue"] + counts["green"]).To(Equal(2000))
		Expect(float64(counts["blue"]) / 2000).To(BeNumerically("~", 0.75, 0.05))
	})

	It("speaks cleartext HTTP/2 only to the service whose port's appProtocol is h2c, also to pods added at runtime", func() {
		ns := newNamespace("h2c", nil)
		newBackend(ns, "web", 1)
		cert, err := backendCA.TLSCertificate("grpc." + ns + ".svc")
		Expect(err).NotTo(HaveOccurred())
		grpc, err := framework.NewBackend(context.Background(), k8s, ns, "grpc", 1, cert, corev1.ServicePort{
			Name: "http", Port: 80, TargetPort: intstr.FromInt32(framework.HTTPPort), AppProtocol: ptr.To("kubernetes.io/h2c")})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(grpc.Close)
		r := route(ns, "mixed", "mixed.example.com", "web", "http")
		r.Spec.AlternateBackends = []routev1.RouteTargetReference{{Kind: "Service", Name: "grpc", Weight: ptr.To(int32(100))}}
		create(r)
		c := router.NewClient(framework.ClientOptions{})
		// Each service's pods as they answered: the protocol the router
		// spoke to each pod.
		protos := func(g Gomega) map[string]string {
			seen := map[string]string{}
			for range 40 {
				reply, err := c.Get("http://mixed.example.com/")
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(reply.Status).To(Equal(http.StatusOK))
				seen[reply.Echo.Pod] = reply.Echo.Service + " " + reply.Echo.Proto
			}
			return seen
		}
		Eventually(protos).WithTimeout(wait).Should(Equal(map[string]string{
			"web-1": "web HTTP/1.1", "grpc-1": "grpc HTTP/2.0"}))
		Expect(grpc.Scale(context.Background(), 2)).To(Succeed())
		Eventually(protos).WithTimeout(wait).Should(Equal(map[string]string{
			"web-1": "web HTTP/1.1", "grpc-1": "grpc HTTP/2.0", "grpc-2": "grpc HTTP/2.0"}))
	})

	It("moves the traffic when `oc set route-backends` patches the weights", func() {
		if cluster.RouteAPI != localcluster.RouteAPIAggregated {
			Skip("the Route CRD refuses strategic-merge patches (test/api asserts it)")
		}
		ns := newNamespace("set-backends", nil)
		newBackend(ns, "blue", 1)
		newBackend(ns, "green", 1)
		r := route(ns, "switch", "switch.example.com", "blue", "http")
		create(r)
		c := router.NewClient(framework.ClientOptions{})
		Eventually(servedBy(c, "http://switch.example.com/")).WithTimeout(wait).Should(Equal("blue"))

		// oc set route-backends switch blue=1 green=3, then blue=0 green=1,
		// then --zero: each is a strategic-merge patch of spec.to and
		// spec.alternateBackends.
		setBackends(r, func(s *routev1.RouteSpec) {
			s.To.Weight = ptr.To(int32(1))
			s.AlternateBackends = []routev1.RouteTargetReference{{Kind: "Service", Name: "green", Weight: ptr.To(int32(3))}}
		})
		Eventually(servedBy(c, "http://switch.example.com/")).WithTimeout(wait).Should(Equal("green"))
		counts := map[string]int{}
		for range 1000 {
			counts[servedBy(c, "http://switch.example.com/")()]++
		}
		Expect(float64(counts["green"]) / 1000).To(BeNumerically("~", 0.75, 0.06))

		setBackends(r, func(s *routev1.RouteSpec) {
			s.To.Weight = ptr.To(int32(0))
			s.AlternateBackends[0].Weight = ptr.To(int32(1))
		})
		Eventually(func() map[string]int {
			seen := map[string]int{}
			for range 50 {
				seen[servedBy(c, "http://switch.example.com/")()]++
			}
			return seen
		}).WithTimeout(wait).Should(Equal(map[string]int{"green": 50}))

		setBackends(r, func(s *routev1.RouteSpec) {
			s.To.Weight = ptr.To(int32(0))
			s.AlternateBackends[0].Weight = ptr.To(int32(0))
		})
		Eventually(status(c, "http://switch.example.com/")).WithTimeout(wait).Should(Equal(503))
	})

	It("answers 503 when every backend has weight 0", func() {
		ns := newNamespace("zero", nil)
		newBackend(ns, "web", 1)
		r := route(ns, "zero", "zero.example.com", "web", "http")
		r.Spec.To.Weight = ptr.To(int32(0))
		create(r)
		c := router.NewClient(framework.ClientOptions{})
		Eventually(admitted(ns, "zero", "default")).WithTimeout(wait).Should(HaveField("Status", corev1.ConditionTrue))
		Eventually(status(c, "http://zero.example.com/")).WithTimeout(wait).Should(Equal(503))
	})
})

var _ = Describe("Admission", func() {
	It("gives a host to the oldest route and hands it over when that route goes", func() {
		first, second := newNamespace("claim-a", nil), newNamespace("claim-b", nil)
		newBackend(first, "web", 1)
		newBackend(second, "web", 1)
		older := route(first, "older", "claimed.example.com", "web", "http")
		create(older)
		Eventually(admitted(first, "older", "default")).WithTimeout(wait).Should(HaveField("Status", corev1.ConditionTrue))
		time.Sleep(1100 * time.Millisecond) // creationTimestamp has one-second resolution
		create(route(second, "newer", "claimed.example.com", "web", "http"))
		Eventually(admitted(second, "newer", "default")).WithTimeout(wait).Should(And(
			HaveField("Status", corev1.ConditionFalse), HaveField("Reason", admission.ReasonHostAlreadyClaimed)))

		c := router.NewClient(framework.ClientOptions{})
		Eventually(func() string { return servedNamespace(c, "http://claimed.example.com/") }).WithTimeout(wait).Should(Equal(first))
		Expect(k8s.Delete(context.Background(), older)).To(Succeed())
		Eventually(admitted(second, "newer", "default")).WithTimeout(wait).Should(HaveField("Status", corev1.ConditionTrue))
		Eventually(func() string { return servedNamespace(c, "http://claimed.example.com/") }).WithTimeout(wait).Should(Equal(second))
	})

	It("rejects a route with an invalid certificate and keeps serving every other route", func() {
		ns := newNamespace("badcert", nil)
		newBackend(ns, "web", 1)
		create(route(ns, "fine", "fine.example.com", "web", "http"))
		other, err := routerCA.Issue("other.example.com")
		Expect(err).NotTo(HaveOccurred())
		mine, err := routerCA.Issue("broken.example.com")
		Expect(err).NotTo(HaveOccurred())
		broken := route(ns, "broken", "broken.example.com", "web", "http")
		broken.Spec.TLS = &routev1.TLSConfig{Termination: "edge", Certificate: string(mine.CertPEM), Key: string(other.KeyPEM)}
		create(broken)
		Eventually(admitted(ns, "broken", "default")).WithTimeout(wait).Should(And(
			HaveField("Status", corev1.ConditionFalse), HaveField("Reason", admission.ReasonExtendedValidationFailed),
			HaveField("Message", ContainSubstring("does not match"))))
		c := router.NewClient(framework.ClientOptions{})
		Eventually(servedBy(c, "http://fine.example.com/")).WithTimeout(wait).Should(Equal("web"))
		Expect(status(c, "http://broken.example.com/")()).To(Equal(404))
	})
})

var _ = Describe("Endpoints", func() {
	It("follows a backend scaled 1→3→0→2 without a single HAProxy reload, and drops emptied server lines at the next reload", func() {
		ns := newNamespace("scale", nil)
		b := newBackend(ns, "web", 1)
		// Its own backend, not a spare: what a reload configures.
		create(withOwnBackend(route(ns, "web", "scale.example.com", "web", "http")))
		c := router.NewClient(framework.ClientOptions{NewConnections: true})
		Eventually(servedBy(c, "http://scale.example.com/")).WithTimeout(wait).Should(Equal("web"))
		time.Sleep(300 * time.Millisecond) // let any reload for the new route settle
		before, err := router.ReloadCount()
		Expect(err).NotTo(HaveOccurred())
		// No empty server lines wait for more pods to come: their servers
		// are added at runtime.
		section := func() string {
			files, err := router.ConfigFiles()
			Expect(err).NotTo(HaveOccurred())
			section := regexp.MustCompile(`\nbackend be_http:` + ns + `:web\n((?:  [^\n]*\n)*)`).FindStringSubmatch(files["haproxy.cfg"])
			Expect(section).NotTo(BeNil())
			return section[1]
		}
		serverLines := func() int { return strings.Count(section(), "  server ") }
		disabledLines := func() int { return strings.Count(section(), " disabled ") }
		Expect(serverLines()).To(Equal(1))
		// allAnswer waits until n pods have answered, and only current ones.
		allAnswer := func(n int) {
			want := b.Pods()
			seen := map[string]bool{}
			Eventually(func() int {
				r, err := c.Get("http://scale.example.com/")
				if err == nil && r.Status == 200 {
					seen[r.Echo.Pod] = true
				}
				return len(seen)
			}).WithTimeout(wait).WithPolling(5 * time.Millisecond).Should(BeNumerically(">=", n))
			for p := range seen {
				Expect(want).To(ContainElement(p), "only current pods answer")
			}
		}

		for _, n := range []int{3, 0, 2} {
			Expect(b.Scale(context.Background(), n)).To(Succeed())
			if n == 0 {
				Eventually(status(c, "http://scale.example.com/")).WithTimeout(wait).Should(Equal(503))
				continue
			}
			allAnswer(n)
		}
		after, err := router.ReloadCount()
		Expect(err).NotTo(HaveOccurred())
		Expect(after).To(Equal(before), "endpoint changes went through the runtime API")
		Expect(serverLines()).To(Equal(3), "servers are emptied, not removed, until a reload")

		By("a reload for another route drops the emptied server lines; the pods that come back are added at runtime")
		Expect(b.Scale(context.Background(), 1)).To(Succeed())
		Eventually(func() int { return serverLines() - disabledLines() }).WithTimeout(wait).Should(Equal(1))
		newBackend(ns, "other", 1)
		create(withOwnBackend(route(ns, "other", "scale-other.example.com", "other", "http")))
		Eventually(servedBy(c, "http://scale-other.example.com/")).WithTimeout(wait).Should(Equal("other"))
		Eventually(serverLines).WithTimeout(wait).Should(Equal(1))
		Expect(servedBy(c, "http://scale.example.com/")()).To(Equal("web"))
		time.Sleep(300 * time.Millisecond)
		before, err = router.ReloadCount()
		Expect(err).NotTo(HaveOccurred())
		Expect(before).To(BeNumerically(">", after), "the other route needed a reload")
		Expect(b.Scale(context.Background(), 3)).To(Succeed())
		Expect(b.Pods()).To(HaveLen(3))
		allAnswer(3) // all three and only they: exactly three
		after, err = router.ReloadCount()
		Expect(err).NotTo(HaveOccurred())
		Expect(after).To(Equal(before), "within the capacity kept, without a reload")
		Expect(serverLines()).To(Equal(3))
	})
})

var _ = Describe("Endpoints while a reload waits", func() {
	It("follows a route's endpoints at runtime while another route's reload waits for its interval", func() {
		ns := newNamespace("pending", nil)
		web := newBackend(ns, "web", 1)
		newBackend(ns, "other", 1)
		shard := sharded("pending")
		create(shard(route(ns, "web", "pending-web.example.com", "web", "http")))
		r := startRouter("pending", map[string]string{"ROUTE_LABELS": "shard=pending", names.EnvReloadInterval: "40s"})
		c := r.NewClient(framework.ClientOptions{})
		Eventually(servedBy(c, "http://pending-web.example.com/")).WithTimeout(wait).Should(Equal("web"))
		before, err := r.ReloadCount()
		Expect(err).NotTo(HaveOccurred())

		// A route with its own backend needs a reload, which waits for the
		// interval since HAProxy started; the new pod must not wait with it.
		create(withOwnBackend(shard(route(ns, "other", "pending-other.example.com", "other", "http"))))
		time.Sleep(500 * time.Millisecond)
		Expect(web.Scale(context.Background(), 2)).To(Succeed())
		newPod := web.Pods()[1]
		Eventually(func() string {
			r, err := c.Get("http://pending-web.example.com/")
			if err != nil || r.Status != 200 {
				return ""
			}
			return r.Echo.Pod
		}).WithTimeout(10*time.Second).WithPolling(10*time.Millisecond).Should(Equal(newPod), "the new pod serves before the reload")
		Expect(status(c, "http://pending-other.example.com/")()).To(Equal(404), "the other route still waits for its reload")
		after, err := r.ReloadCount()
		Expect(err).NotTo(HaveOccurred())
		Expect(after).To(Equal(before))
	})
})

var _ = Describe("Reencrypt endpoints", func() {
	It("adds verified TLS servers at runtime to a route configured without endpoints, and still fails closed on a wrong CA", func() {
		ns := newNamespace("re-scale", nil)
		b := newBackend(ns, "secure", 0)
		good := withOwnBackend(route(ns, "good", "re-scale."+domain, "secure", "https"))
		good.Spec.TLS = &routev1.TLSConfig{Termination: "reencrypt", DestinationCACertificate: string(backendCA.CertPEM)}
		bad := withOwnBackend(route(ns, "bad", "re-scale-bad."+domain, "secure", "https"))
		bad.Spec.TLS = &routev1.TLSConfig{Termination: "reencrypt", DestinationCACertificate: string(routerCA.CertPEM)}
		create(good)
		create(bad)
		c := router.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool, NewConnections: true})
		Eventually(status(c, "https://re-scale."+domain+"/")).WithTimeout(wait).Should(Equal(503), "configured, no endpoints")
		Eventually(status(c, "https://re-scale-bad."+domain+"/")).WithTimeout(wait).Should(Equal(503))
		time.Sleep(300 * time.Millisecond) // let any reload for the routes settle
		before, err := router.ReloadCount()
		Expect(err).NotTo(HaveOccurred())

		Expect(b.Scale(context.Background(), 2)).To(Succeed())
		seen := map[string]bool{}
		Eventually(func() int {
			r, err := c.Get("https://re-scale." + domain + "/")
			if err == nil && r.Status == 200 && r.Echo.TLS != nil {
				seen[r.Echo.Pod] = true
			}
			return len(seen)
		}).WithTimeout(wait).WithPolling(5 * time.Millisecond).Should(Equal(2))
		Consistently(status(c, "https://re-scale-bad."+domain+"/")).WithTimeout(time.Second).Should(Equal(503),
			"servers added at runtime verify the pod's certificate too")
		after, err := router.ReloadCount()
		Expect(err).NotTo(HaveOccurred())
		Expect(after).To(Equal(before), "the servers were added through the runtime API")
	})
})

var _ = Describe("Replicas and shards", func() {
	It("serves its default certificate renewed in place without a restart, and keeps it when the new files are broken", func() {
		ns := newNamespace("renew", nil)
		newBackend(ns, "web", 1)
		dir := filepath.Join(tmpDir, "renew")
		Expect(os.MkdirAll(dir, 0o700)).To(Succeed())
		issue := func() (string, *big.Int) {
			kp, err := routerCA.Issue("*."+domain, domain)
			Expect(err).NotTo(HaveOccurred())
			// As a kubelet swaps a Secret's files: all at once.
			_, err = framework.WritePEM(dir, "next.pem", kp)
			Expect(err).NotTo(HaveOccurred())
			leaf, _, err := kp.Parse()
			Expect(err).NotTo(HaveOccurred())
			return filepath.Join(dir, "next.pem"), leaf.SerialNumber
		}
		path := filepath.Join(dir, "default.pem")
		next, first := issue()
		Expect(os.Rename(next, path)).To(Succeed())
		r, err := framework.StartRouter(framework.RouterOptions{Kubeconfig: cluster.Kubeconfig, Name: "renew", DefaultCertificate: path})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() {
			if CurrentSpecReport().Failed() {
				GinkgoWriter.Printf("router renew log:\n%s\n", r.Log())
			}
			r.Stop()
		})
		Expect(r.WaitReady(30 * time.Second)).To(Succeed())
		def := route(ns, "def", "renew."+domain, "web", "http")
		def.Spec.TLS = &routev1.TLSConfig{Termination: "edge"}
		create(def)
		// A new connection each time: a handshake with what HAProxy serves now.
		serial := func() string {
			reply, err := r.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool}).Get("https://renew." + domain + "/")
			if err != nil {
				return err.Error()
			}
			return reply.PeerCert.SerialNumber.String()
		}
		Eventually(serial).WithTimeout(wait).Should(Equal(first.String()))
		next, second := issue()
		Expect(os.Rename(next, path)).To(Succeed())
		Eventually(serial).WithTimeout(30 * time.Second).Should(Equal(second.String()))
		Expect(os.WriteFile(path, []byte("not a certificate"), 0o600)).To(Succeed())
		Eventually(r.Log).WithTimeout(30 * time.Second).Should(ContainSubstring("still serving the one loaded before"))
		Expect(serial()).To(Equal(second.String()))

		By("a certificate that loads here but that HAProxy refuses (a key its OpenSSL finds too small) is left, and routes still go live")
		Expect(os.WriteFile(filepath.Join(dir, "next.pem"), weakCertificate("*."+domain), 0o600)).To(Succeed())
		Expect(os.Rename(filepath.Join(dir, "next.pem"), path)).To(Succeed())
		Eventually(r.Log).WithTimeout(30 * time.Second).Should(ContainSubstring("HAProxy refused the new default certificate"))
		newBackend(ns, "late", 1)
		create(withOwnBackend(route(ns, "late", "renew-late.example.com", "late", "http")))
		Eventually(servedBy(r.NewClient(framework.ClientOptions{}), "http://renew-late.example.com/")).WithTimeout(wait).Should(Equal("late"))
		Expect(serial()).To(Equal(second.String()))
	})

	It("runs three routers of one IngressController that all serve, with one status entry per route", func() {
		ns := newNamespace("replicas", nil)
		newBackend(ns, "web", 1)
		replicas := []*framework.Router{startRouter("triple", nil), startRouter("triple", nil), startRouter("triple", nil)}
		create(route(ns, "web", "triple.example.com", "web", "http"))
		for _, r := range replicas {
			Eventually(servedBy(r.NewClient(framework.ClientOptions{}), "http://triple.example.com/")).WithTimeout(wait).Should(Equal("web"))
		}
		Eventually(admitted(ns, "web", "triple")).WithTimeout(wait).Should(HaveField("Status", corev1.ConditionTrue))
		Consistently(func(g Gomega) int {
			var r routev1.Route
			g.Expect(k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "web"}, &r)).To(Succeed())
			n := 0
			for _, in := range r.Status.Ingress {
				if in.RouterName == "triple" {
					n++
				}
			}
			return n
		}).WithTimeout(2 * time.Second).Should(Equal(1))
	})

	It("serves and admits only the routes its route and namespace selectors pick", func() {
		shardNS := newNamespace("shard-in", map[string]string{"shard": "a"})
		otherNS := newNamespace("shard-out", nil)
		newBackend(shardNS, "web", 1)
		newBackend(otherNS, "web", 1)
		shard := startRouter("shard", map[string]string{"ROUTE_LABELS": "expose=yes", "NAMESPACE_LABELS": "shard=a"})
		in := route(shardNS, "in", "in.example.com", "web", "http")
		in.Labels = map[string]string{"expose": "yes"}
		create(in)
		unlabelled := route(shardNS, "unlabelled", "unlabelled.example.com", "web", "http")
		create(unlabelled)
		wrongNS := route(otherNS, "wrongns", "wrongns.example.com", "web", "http")
		wrongNS.Labels = map[string]string{"expose": "yes"}
		create(wrongNS)

		c := shard.NewClient(framework.ClientOptions{})
		Eventually(servedBy(c, "http://in.example.com/")).WithTimeout(wait).Should(Equal("web"))
		Eventually(admitted(shardNS, "in", "shard")).WithTimeout(wait).Should(HaveField("Status", corev1.ConditionTrue))
		Expect(status(c, "http://unlabelled.example.com/")()).To(Equal(404))
		Expect(status(c, "http://wrongns.example.com/")()).To(Equal(404))
		Consistently(admitted(shardNS, "unlabelled", "shard")).WithTimeout(time.Second).Should(BeZero())
		Consistently(admitted(otherNS, "wrongns", "shard")).WithTimeout(time.Second).Should(BeZero())

		// A route that leaves the shard loses the shard's entry (OKD's
		// keeps it: OCPBUGS-1689): by its labels, by its namespace's, and
		// while no router of the shard ran.
		relabel := func(obj client.Object, key, value string) {
			GinkgoHelper()
			Eventually(func() error {
				if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
					return err
				}
				l := obj.GetLabels()
				if l == nil {
					l = map[string]string{}
				}
				if value == "" {
					delete(l, key)
				} else {
					l[key] = value
				}
				obj.SetLabels(l)
				return k8s.Update(context.Background(), obj)
			}).WithTimeout(wait).Should(Succeed())
		}
		relabel(in, "expose", "")
		Eventually(admitted(shardNS, "in", "shard")).WithTimeout(wait).Should(BeZero())
		Expect(status(c, "http://in.example.com/")()).To(Equal(404))
		relabel(in, "expose", "yes")
		Eventually(admitted(shardNS, "in", "shard")).WithTimeout(wait).Should(HaveField("Status", corev1.ConditionTrue))
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: shardNS}}
		relabel(ns, "shard", "b")
		Eventually(admitted(shardNS, "in", "shard")).WithTimeout(wait).Should(BeZero())
		relabel(ns, "shard", "a")
		Eventually(admitted(shardNS, "in", "shard")).WithTimeout(wait).Should(HaveField("Status", corev1.ConditionTrue))
		shard.Stop()
		relabel(in, "expose", "")
		startRouter("shard", map[string]string{"ROUTE_LABELS": "expose=yes", "NAMESPACE_LABELS": "shard=a"})
		// An entry written in the second the new router took its first
		// snapshot is in doubt for a few seconds (status.unsureWait).
		Eventually(admitted(shardNS, "in", "shard")).WithTimeout(2 * wait).Should(BeZero())
	})
})

func servedNamespace(c *framework.Client, url string) string {
	r, err := c.Get(url)
	if err != nil || r.Status != 200 {
		return ""
	}
	return r.Echo.Namespace
}

// scrapeMetrics reads the router's /metrics with the stats credentials.
func scrapeMetrics(g Gomega) string {
	req, err := http.NewRequest(http.MethodGet, "http://"+net.JoinHostPort(router.Addr, "1936")+"/metrics", nil)
	g.Expect(err).NotTo(HaveOccurred())
	req.SetBasicAuth(framework.StatsUsername, framework.StatsPassword)
	resp, err := http.DefaultClient.Do(req)
	g.Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	g.Expect(err).NotTo(HaveOccurred())
	return string(b)
}

func getBody(url string) string {
	GinkgoHelper()
	resp, err := http.Get(url)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}

var _ = Describe("Idle connections at a reload", func() {
	It("are closed by the stopping worker with Immediate, and answered once more with Connection: close with Deferred", func() {
		ns := newNamespace("idle", nil)
		newBackend(ns, "web", 1)
		create(route(ns, "web", "idle.example.com", "web", "http"))
		deferred := startRouter("idle-deferred", map[string]string{names.EnvRouterIdleCloseOnResponse: "true"})
		var triggers []string
		for i, r := range []*framework.Router{router, deferred} {
			By(fmt.Sprintf("router %d, deferred=%v", i, r == deferred))
			Eventually(servedBy(r.NewClient(framework.ClientOptions{}), "http://idle.example.com/")).WithTimeout(wait).Should(Equal("web"))
			// Every router sees the earlier iterations' trigger routes: the
			// reload they cost this one must be over before the idle
			// connection is opened, or it lands on a stopping worker.
			for _, host := range triggers {
				Eventually(servedBy(r.NewClient(framework.ClientOptions{NewConnections: true}), "http://"+host+"/")).WithTimeout(wait).Should(Equal("web"))
			}
			conn, err := net.DialTimeout("tcp", net.JoinHostPort(r.Addr, "80"), time.Second)
			Expect(err).NotTo(HaveOccurred())
			defer conn.Close()
			br := bufio.NewReader(conn)
			resp := keepAliveGet(conn, br, "idle.example.com")
			Expect(resp.StatusCode).To(Equal(200))
			Expect(resp.Close).To(BeFalse(), "a keep-alive connection")

			before, err := r.ReloadCount()
			Expect(err).NotTo(HaveOccurred())
			create(withOwnBackend(route(ns, fmt.Sprintf("trigger-%d", i), fmt.Sprintf("trigger-%d.example.com", i), "web", "http")))
			triggers = append(triggers, fmt.Sprintf("trigger-%d.example.com", i))
			Eventually(r.ReloadCount).WithTimeout(wait).Should(BeNumerically(">", before), "a route with a header action is a reload")
			// Served on a new connection: the new worker is up, so the old
			// one has been told to stop.
			Eventually(servedBy(r.NewClient(framework.ClientOptions{NewConnections: true}), fmt.Sprintf("http://trigger-%d.example.com/", i))).
				WithTimeout(wait).Should(Equal("web"))

			if r != deferred {
				// The stopping worker closes the idle connection by itself.
				Expect(conn.SetReadDeadline(time.Now().Add(5 * time.Second))).To(Succeed())
				_, err := br.ReadByte()
				Expect(err).To(MatchError(io.EOF))
				continue
			}
			// Deferred: the connection stays open and the old worker answers
			// the next request, telling the client to reconnect.
			Expect(conn.SetReadDeadline(time.Now().Add(time.Second))).To(Succeed())
			_, err = br.Peek(1)
			Expect(os.IsTimeout(err)).To(BeTrue(), "the idle connection is still open: %v", err)
			resp = keepAliveGet(conn, br, "idle.example.com")
			Expect(resp.StatusCode).To(Equal(200))
			Expect(resp.Close).To(BeTrue(), "answered with Connection: close")
		}
	})
})

// keepAliveGet sends one HTTP/1.1 request on conn and reads its answer.
func keepAliveGet(conn net.Conn, br *bufio.Reader, host string) *http.Response {
	GinkgoHelper()
	Expect(conn.SetDeadline(time.Now().Add(5 * time.Second))).To(Succeed())
	_, err := fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", host)
	Expect(err).NotTo(HaveOccurred())
	resp, err := http.ReadResponse(br, nil)
	Expect(err).NotTo(HaveOccurred())
	_, err = io.Copy(io.Discard, resp.Body)
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.Body.Close()).To(Succeed())
	return resp
}

// setBackends sends what `oc set route-backends` sends: the route's backends
// edited, patched as a two-way strategic merge of the route before and after.
// It updates r to the stored route.
func setBackends(r *routev1.Route, edit func(*routev1.RouteSpec)) {
	GinkgoHelper()
	ctx := context.Background()
	Expect(k8s.Get(ctx, client.ObjectKeyFromObject(r), r)).To(Succeed())
	before, err := json.Marshal(r)
	Expect(err).NotTo(HaveOccurred())
	after := r.DeepCopy()
	edit(&after.Spec)
	afterJSON, err := json.Marshal(after)
	Expect(err).NotTo(HaveOccurred())
	patch, err := strategicpatch.CreateTwoWayMergePatch(before, afterJSON, &routev1.Route{})
	Expect(err).NotTo(HaveOccurred())
	Expect(k8s.Patch(ctx, r, client.RawPatch(types.StrategicMergePatchType, patch))).To(Succeed())
}

var _ = Describe("The public TLS port", func() {
	It("terminates TLS on it directly without passthrough routes, and loses no connection when the first passthrough route comes and the last goes", func() {
		ns := newNamespace("tlsport", nil)
		newBackend(ns, "web", 1)
		newBackend(ns, "secure", 1)
		r := startRouter("tlsport", map[string]string{"ROUTE_LABELS": "shard=tlsport"})
		shard := sharded("tlsport")
		edge := shard(route(ns, "edge", "edge-tlsport."+domain, "web", "http"))
		edge.Spec.TLS = &routev1.TLSConfig{Termination: "edge"}
		create(edge)
		c := r.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool, NewConnections: true})
		edgeURL := "https://edge-tlsport." + domain + "/"
		Eventually(servedBy(c, edgeURL)).WithTimeout(wait).Should(Equal("web"))
		hop := func() bool {
			files, err := r.ConfigFiles()
			Expect(err).NotTo(HaveOccurred())
			return strings.Contains(files["haproxy.cfg"], "frontend public_ssl")
		}
		Expect(hop()).To(BeFalse(), "no passthrough route: no SNI-inspecting frontend")

		// New TLS connections, one after the other, through both switches.
		var served, failed atomic.Int64
		var lastErr atomic.Value
		stop, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
				}
				if got := servedBy(c, edgeURL)(); got == "web" {
					served.Add(1)
				} else {
					failed.Add(1)
					lastErr.Store(got)
				}
			}
		}()
		pt := shard(route(ns, "pt", "pt-tlsport.example.com", "secure", "https"))
		pt.Spec.TLS = &routev1.TLSConfig{Termination: "passthrough"}
		create(pt)
		ptClient := r.NewClient(framework.ClientOptions{RootCAs: backendCA.Pool, NewConnections: true})
		Eventually(servedBy(ptClient, "https://pt-tlsport.example.com/")).WithTimeout(wait).Should(Equal("secure"))
		Expect(hop()).To(BeTrue(), "a passthrough route: SNI inspection in front")
		worker, err := r.WorkerPID()
		Expect(err).NotTo(HaveOccurred())
		// A connection that the SNI-inspecting frontend holds across the
		// reload: its ClientHello completes only once the new worker serves.
		held := holdClientHello(r, edgeURL)
		Eventually(held.Sent).WithTimeout(wait).Should(BeClosed())
		Expect(k8s.Delete(context.Background(), pt)).To(Succeed())
		Eventually(hop).WithTimeout(wait).Should(BeFalse(), "the last passthrough route went")
		Eventually(r.WorkerPID).WithTimeout(wait).ShouldNot(Equal(worker), "the reload without the passthrough route")
		close(held.Release)
		Eventually(held.Result).WithTimeout(wait).Should(Receive(Equal("web")), "the connection the old worker held")
		// Some connections after the switch, through the new worker.
		after := served.Load()
		Eventually(served.Load).WithTimeout(wait).Should(BeNumerically(">", after+10))
		close(stop)
		<-done
		Expect(failed.Load()).To(BeZero(), "failed requests; the last: %v", lastErr.Load())
		Expect(served.Load()).To(BeNumerically(">", 20))
	})
})

// heldHello is a request whose TLS ClientHello stops one byte short until
// Release is closed; Sent closes once the rest went out, Result gets what
// servedBy would return.
type heldHello struct {
	Sent, Release chan struct{}
	Result        chan string
}

// holdClientHello starts a held request to url through r on a new connection.
func holdClientHello(r *framework.Router, url string) *heldHello {
	h := &heldHello{Sent: make(chan struct{}), Release: make(chan struct{}), Result: make(chan string, 1)}
	c := r.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool, NewConnections: true})
	tr := c.Transport.(*http.Transport)
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &holdingConn{Conn: conn, h: h}, nil
	}
	c.Timeout = 30 * time.Second
	go func() {
		defer GinkgoRecover()
		h.Result <- servedBy(c, url)()
	}()
	return h
}

// holdingConn holds back the last byte of its first write (the ClientHello).
type holdingConn struct {
	net.Conn
	h     *heldHello
	wrote bool
}

func (c *holdingConn) Write(p []byte) (int, error) {
	if c.wrote || len(p) < 2 {
		return c.Conn.Write(p)
	}
	c.wrote = true
	n, err := c.Conn.Write(p[:len(p)-1])
	if err != nil {
		return n, err
	}
	close(c.h.Sent)
	<-c.h.Release
	m, err := c.Conn.Write(p[len(p)-1:])
	return n + m, err
}

// withOwnBackend gives rt a response header action, which a spare backend
// cannot carry: rt then goes live by a reload.
func withOwnBackend(rt *routev1.Route) *routev1.Route {
	rt.Spec.HTTPHeaders = &routev1.RouteHTTPHeaders{Actions: routev1.RouteHTTPHeaderActions{Response: []routev1.RouteHTTPHeader{{
		Name: "X-Own-Backend", Action: routev1.RouteHTTPHeaderActionUnion{Type: routev1.Set, Set: &routev1.RouteSetHTTPHeader{Value: "yes"}},
	}}}}
	return rt
}

var _ = Describe("Spare backends", func() {
	It("puts new plain and edge routes live without a reload, follows their endpoints, frees a deleted route's spare, and gives every route its own backend at the next reload", func() {
		ns := newNamespace("spares", nil)
		b := newBackend(ns, "web", 1)
		r := startRouter("spares", map[string]string{"ROUTE_LABELS": "shard=spares", names.EnvRouterBlueprintRoutePoolSize: "2"})
		shard := sharded("spares")
		c := r.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool})
		prefixMap := func() []string {
			entries, err := r.RuntimeMap(filepath.Join(r.ConfigDir(), "maps", model.MapHTTPPrefix))
			Expect(err).NotTo(HaveOccurred())
			return entries
		}
		worker, err := r.WorkerPID()
		Expect(err).NotTo(HaveOccurred())

		By("a plain and an edge route take the two spares")
		create(shard(route(ns, "plain", "plain-spares."+domain, "web", "http")))
		edge := shard(route(ns, "edge", "edge-spares."+domain, "web", "http"))
		edge.Spec.TLS = &routev1.TLSConfig{Termination: "edge", InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect}
		create(edge)
		Eventually(servedBy(c, "http://plain-spares."+domain+"/")).WithTimeout(wait).Should(Equal("web"))
		Eventually(servedBy(c, "https://edge-spares."+domain+"/")).WithTimeout(wait).Should(Equal("web"))
		Expect(status(c, "http://edge-spares."+domain+"/")()).To(Equal(302))
		Expect(prefixMap()).To(ContainElements(MatchRegexp(`^plain-spares\.`+domain+`/ _spare_\d+$`), MatchRegexp(`^edge-spares\.`+domain+`/ _redirect$`)))
		Expect(r.WorkerPID()).To(Equal(worker), "no reload")
		Eventually(func() (float64, error) { return r.Metric(`okd_router_spare_backends{state="held"}`) }).WithTimeout(wait).Should(Equal(2.0))

		By("the edge route's stickiness cookie is Secure with SameSite=None in its spare, as in a backend of its own; the plain one's is not")
		_, set := stickyGet(c, "https://edge-spares."+domain+"/", nil)
		Expect(set).NotTo(BeNil())
		Expect(set.Name).NotTo(Equal(model.RouteCookieName(types.NamespacedName{Namespace: ns, Name: "edge"})), "the spare's cookie")
		Expect(set.Secure).To(BeTrue())
		Expect(set.SameSite).To(Equal(http.SameSiteNoneMode))
		_, set = stickyGet(c, "http://plain-spares."+domain+"/", nil)
		Expect(set).NotTo(BeNil())
		Expect(set.Secure).To(BeFalse())
		Expect(set.SameSite).To(Equal(http.SameSite(0)))

		By("endpoints follow at runtime")
		Expect(b.Scale(context.Background(), 3)).To(Succeed())
		seen := map[string]bool{}
		Eventually(func() int {
			if resp, err := c.Get("http://plain-spares." + domain + "/"); err == nil && resp.Status == 200 {
				seen[resp.Echo.Pod] = true
			}
			return len(seen)
		}).WithTimeout(wait).WithPolling(5 * time.Millisecond).Should(Equal(3))

		By("a deleted route frees its spare for the next one")
		Expect(k8s.Delete(context.Background(), shard(route(ns, "plain", "", "", "")))).To(Succeed())
		Eventually(status(c, "http://plain-spares."+domain+"/")).WithTimeout(wait).Should(Equal(404))
		create(shard(route(ns, "again", "again-spares."+domain, "web", "http")))
		Eventually(servedBy(c, "http://again-spares."+domain+"/")).WithTimeout(wait).Should(Equal("web"))
		Expect(r.WorkerPID()).To(Equal(worker), "still no reload")

		By("with the pool used up, the next route reloads, and every route gets its own backend")
		create(shard(route(ns, "third", "third-spares."+domain, "web", "http")))
		Eventually(servedBy(c, "http://third-spares."+domain+"/")).WithTimeout(wait).Should(Equal("web"))
		Expect(r.WorkerPID()).NotTo(Equal(worker))
		files, err := r.ConfigFiles()
		Expect(err).NotTo(HaveOccurred())
		for _, be := range []string{"be_http:" + ns + ":again", "be_edge_http:" + ns + ":edge", "be_http:" + ns + ":third", "_spare_1", "_spare_2"} {
			Expect(files["haproxy.cfg"]).To(ContainSubstring("\nbackend "+be+"\n"), be)
		}
		// The reload's spares start without servers: they are added at
		// runtime, so empty server lines cost no reload their parsing.
		Expect(files["haproxy.cfg"]).NotTo(MatchRegexp(`\nbackend _spare_1\n(  [^\n]*\n)*  server `))
		Expect(prefixMap()).To(ContainElement("again-spares." + domain + "/ be_http:" + ns + ":again"))
		// The metric follows the sync that reloaded, which ends after the
		// new worker starts serving.
		Eventually(func() (float64, error) { return r.Metric(`okd_router_spare_backends{state="free"}`) }).
			WithTimeout(wait).Should(BeNumerically(">=", 2))
		for _, host := range []string{"again", "third"} {
			Expect(servedBy(c, "http://"+host+"-spares."+domain+"/")()).To(Equal("web"))
		}
		Expect(servedBy(c, "https://edge-spares."+domain+"/")()).To(Equal("web"))
		_, set = stickyGet(c, "https://edge-spares."+domain+"/", nil)
		Expect(set).NotTo(BeNil())
		Expect(set.Name).To(Equal(model.RouteCookieName(types.NamespacedName{Namespace: ns, Name: "edge"})), "its own backend's cookie")
		Expect(set.Secure).To(BeTrue())
		Expect(set.SameSite).To(Equal(http.SameSiteNoneMode))
	})

	It("puts a route that fits a spare live while a reload for another waits for its interval", func() {
		ns := newNamespace("early", nil)
		newBackend(ns, "web", 1)
		r := startRouter("early", map[string]string{"ROUTE_LABELS": "shard=early", "RELOAD_INTERVAL": "8s"})
		shard := sharded("early")
		c := r.NewClient(framework.ClientOptions{})
		worker, err := r.WorkerPID()
		Expect(err).NotTo(HaveOccurred())
		create(shard(withOwnBackend(route(ns, "own", "own-early."+domain, "web", "http"))))
		create(shard(route(ns, "plain", "plain-early."+domain, "web", "http")))
		Eventually(servedBy(c, "http://plain-early."+domain+"/")).WithTimeout(wait).Should(Equal("web"))
		Expect(status(c, "http://own-early."+domain+"/")()).To(Equal(404), "the route with its own backend waits for the reload")
		Expect(r.WorkerPID()).To(Equal(worker), "no reload yet: the interval runs from the router's first start")
		Eventually(servedBy(c, "http://own-early."+domain+"/")).WithTimeout(2 * wait).Should(Equal("web"))
		Expect(r.WorkerPID()).NotTo(Equal(worker))
		Expect(servedBy(c, "http://plain-early."+domain+"/")()).To(Equal("web"))
	})

	It("reloads for every new route when the pool is off, as OKD's router does", func() {
		ns := newNamespace("nospares", nil)
		newBackend(ns, "web", 1)
		r := startRouter("nospares", map[string]string{"ROUTE_LABELS": "shard=nospares", names.EnvRouterBlueprintRoutePoolSize: "0"})
		worker, err := r.WorkerPID()
		Expect(err).NotTo(HaveOccurred())
		create(sharded("nospares")(route(ns, "web", "web-nospares."+domain, "web", "http")))
		Eventually(servedBy(r.NewClient(framework.ClientOptions{}), "http://web-nospares."+domain+"/")).WithTimeout(wait).Should(Equal("web"))
		Expect(r.WorkerPID()).NotTo(Equal(worker))
		files, err := r.ConfigFiles()
		Expect(err).NotTo(HaveOccurred())
		Expect(files["haproxy.cfg"]).NotTo(ContainSubstring("_spare_"))
	})
})

// weakCertificate is a self-signed certificate for host with a 1024-bit RSA
// key, and the key, in PEM: Go loads it, HAProxy's OpenSSL (security level
// 2) refuses it.
func weakCertificate(host string) []byte {
	c, k, err := framework.SelfSignedRSA(1024, host, "", host)
	Expect(err).NotTo(HaveOccurred())
	return append(c, k...)
}
