package conformance_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/okd-ingress/okd-ingress/internal/echo"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

// answer is what the suite's runner captures of one exchange.
type answer struct {
	status   int
	header   http.Header
	proto    string
	echo     echo.Response
	firstSAN string
	peer     *x509.Certificate
}

// roundTrip behaves like the suite's runner: HTTP/1.1 only, certificates
// not verified but recorded, redirects followed once per hop to the same
// address with the Location's scheme, host and path.
func roundTrip(method, scheme, host, path string) answer {
	GinkgoHelper()
	var a answer
	for hop := 0; hop < 3; hop++ {
		resp, err := send(method, scheme, host, path)
		Expect(err).NotTo(HaveOccurred())
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		a = answer{status: resp.StatusCode, header: resp.Header, proto: resp.Proto}
		_ = json.Unmarshal(body, &a.echo)
		if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
			a.peer = resp.TLS.PeerCertificates[0]
			if len(a.peer.DNSNames) > 0 {
				a.firstSAN = a.peer.DNSNames[0]
			}
		}
		if a.status < 300 || a.status > 308 {
			return a
		}
		loc, err := url.Parse(resp.Header.Get("Location"))
		Expect(err).NotTo(HaveOccurred())
		scheme, host, path = loc.Scheme, loc.Hostname(), loc.Path
	}
	return a
}

func send(method, scheme, host, path string) (*http.Response, error) {
	addr := router.Addr
	if host == "" {
		host = "router-default." + domain // the status address
	}
	port := "80"
	if scheme == "https" {
		port = "443"
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, net.JoinHostPort(addr, port))
		},
		TLSClientConfig:    &tls.Config{InsecureSkipVerify: true, ServerName: host},
		TLSNextProto:       map[string]func(string, *tls.Conn) http.RoundTripper{},
		DisableCompression: true,
	}
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequest(method, scheme+"://"+host+"/"+strings.TrimPrefix(path, "/"), nil)
	if err != nil {
		return nil, err
	}
	return c.Do(req)
}

func ingress(ns, name string, spec networkingv1.IngressSpec) *networkingv1.Ingress {
	spec.IngressClassName = ptr.To(class)
	return &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: spec}
}

func backend(svc string, port networkingv1.ServiceBackendPort) *networkingv1.IngressBackend {
	return &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: svc, Port: port}}
}

var port8080 = networkingv1.ServiceBackendPort{Number: 8080}

func rule(host string, paths ...networkingv1.HTTPIngressPath) networkingv1.IngressRule {
	return networkingv1.IngressRule{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{
		HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths}}}
}

func path(p string, t networkingv1.PathType, svc string, port networkingv1.ServiceBackendPort) networkingv1.HTTPIngressPath {
	return networkingv1.HTTPIngressPath{Path: p, PathType: &t, Backend: *backend(svc, port)}
}

var _ = Describe("Default backend", Ordered, ContinueOnFailure, func() {
	BeforeAll(func() {
		ns := newNamespace("default-backend")
		echoService(ns, "echo-service", 1, "")
		createIngress(ingress(ns, "default-backend", networkingv1.IngressSpec{DefaultBackend: backend("echo-service", port8080)}))
		waitForStatus(ns, "default-backend")
	})
	DescribeTable("An Ingress with no rules should send all requests to the default backend",
		func(method, host, path string) {
			a := roundTrip(method, "http", host, path)
			Expect(a.status).To(Equal(200))
			Expect(a.echo.Service).To(Equal("echo-service"))
			Expect(a.proto).To(Equal("HTTP/1.1"))
			for _, h := range []string{"Content-Length", "Content-Type", "Date", "Server"} {
				Expect(a.header).To(HaveKey(h))
			}
			Expect(a.echo.Method).To(Equal(method))
			Expect(a.echo.Path).To(Equal("/" + path))
			Expect(a.echo.Proto).To(Equal("HTTP/1.1"))
			Expect(a.echo.Headers["User-Agent"]).To(Equal([]string{"Go-http-client/1.1"}))
		},
		Entry(nil, Label("scenario"), "GET", "my-host", ""),
		Entry(nil, Label("scenario"), "GET", "my-host", "sub-path"),
		Entry(nil, Label("scenario"), "POST", "some-host", ""),
		Entry(nil, Label("scenario"), "PUT", "", "resource"),
		Entry(nil, Label("scenario"), "DELETE", "some-host", "resource"),
		Entry(nil, Label("scenario"), "PATCH", "my-host", "resource"),
	)
})

var _ = Describe("Host rules", Ordered, ContinueOnFailure, func() {
	BeforeAll(func() {
		ns := newNamespace("host-rules")
		echoService(ns, "wildcard-foo-com", 1, "")
		echoService(ns, "foo-bar-com", 1, "http")
		createTLSSecret(ns, "conformance-tls", "foo.bar.com")
		createIngress(ingress(ns, "host-rules", networkingv1.IngressSpec{
			TLS: []networkingv1.IngressTLS{{Hosts: []string{"foo.bar.com"}, SecretName: "conformance-tls"}},
			Rules: []networkingv1.IngressRule{
				rule("*.foo.com", path("/", networkingv1.PathTypePrefix, "wildcard-foo-com", port8080)),
				rule("foo.bar.com", path("/", networkingv1.PathTypePrefix, "foo-bar-com", networkingv1.ServiceBackendPort{Name: "http"})),
			},
		}))
		waitForStatus(ns, "host-rules")
	})
	It("should serve foo.bar.com over TLS with its certificate", Label("scenario"), func() {
		a := roundTrip("GET", "https", "foo.bar.com", "")
		Expect(a.firstSAN).To(Equal("foo.bar.com"))
		Expect(a.peer.VerifyHostname("foo.bar.com")).To(Succeed())
		Expect(a.status).To(Equal(200))
		Expect(a.echo.Service).To(Equal("foo-bar-com"))
		Expect(a.echo.Host).To(Equal("foo.bar.com"))
	})
	DescribeTable("host matching",
		func(host string, status int, service string) {
			a := roundTrip("GET", "http", host, "")
			Expect(a.status).To(Equal(status))
			if status == 200 {
				Expect(a.echo.Service).To(Equal(service))
				Expect(a.echo.Host).To(Equal(host))
			}
		},
		Entry("exact host", Label("scenario"), "foo.bar.com", 200, "foo-bar-com"),
		Entry("no matching host", Label("scenario"), "subdomain.bar.com", 404, ""),
		Entry("wildcard", Label("scenario"), "bar.foo.com", 200, "wildcard-foo-com"),
		Entry("wildcard covers one label only", Label("scenario"), "baz.bar.foo.com", 404, ""),
		Entry("wildcard needs a label", Label("scenario"), "foo.com", 404, ""),
	)
})

var _ = Describe("Ingress class", func() {
	It("An Ingress with an invalid ingress class should not send traffic to the matching backend service", Label("scenario"), func() {
		ns := newNamespace("ingress-class")
		echoService(ns, "ingress-class-prefix", 1, "")
		ing := ingress(ns, "test-ingress-class", networkingv1.IngressSpec{
			Rules: []networkingv1.IngressRule{rule("ingress-class", path("/", networkingv1.PathTypePrefix, "ingress-class-prefix", port8080))},
		})
		ing.Spec.IngressClassName = ptr.To("some-invalid-class-name")
		createIngress(ing)
		// The suite waits its whole status timeout (5 minutes); ten seconds
		// suffice here, as our controller acts within a second.
		Consistently(func(g Gomega) []networkingv1.IngressLoadBalancerIngress {
			var got networkingv1.Ingress
			g.Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(ing), &got)).To(Succeed())
			return got.Status.LoadBalancer.Ingress
		}).WithTimeout(10 * time.Second).Should(BeEmpty())
	})
})

var _ = Describe("Load balancing", func() {
	It("should send traffic to all ten endpoints", Label("scenario"), func() {
		ns := newNamespace("load-balancing")
		echoService(ns, "echo-service", 10, "")
		createIngress(ingress(ns, "load-balancing", networkingv1.IngressSpec{DefaultBackend: backend("echo-service", port8080)}))
		waitForStatus(ns, "load-balancing")
		Eventually(func() string { return roundTrip("GET", "http", "load-balancing", "").echo.Service }).
			WithTimeout(30 * time.Second).Should(Equal("echo-service"))
		pods := map[string]bool{}
		for range 100 {
			if a := roundTrip("GET", "http", "load-balancing", ""); a.status == 200 {
				pods[a.echo.Pod] = true
			}
		}
		Expect(pods).To(HaveLen(10))
	})
})

var _ = Describe("Path rules", Ordered, ContinueOnFailure, func() {
	BeforeAll(func() {
		ns := newNamespace("path-rules")
		for _, s := range []string{"foo-exact", "foo-prefix", "aaa-slash-bbb-prefix", "aaa-prefix", "aaa-slash-bbb-slash-prefix", "foo-slash-exact"} {
			echoService(ns, s, 1, "")
		}
		ex, pre := networkingv1.PathTypeExact, networkingv1.PathTypePrefix
		createIngress(ingress(ns, "path-rules", networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{
			rule("exact-path-rules", path("/foo", ex, "foo-exact", port8080)),
			rule("prefix-path-rules", path("/foo", pre, "foo-prefix", port8080), path("/aaa/bbb", pre, "aaa-slash-bbb-prefix", port8080),
				path("/aaa", pre, "aaa-prefix", port8080)),
			rule("mixed-path-rules", path("/foo", pre, "foo-prefix", port8080), path("/foo", ex, "foo-exact", port8080)),
			rule("trailing-slash-path-rules", path("/aaa/bbb/", pre, "aaa-slash-bbb-slash-prefix", port8080),
				path("/foo/", ex, "foo-slash-exact", port8080)),
		}}))
		waitForStatus(ns, "path-rules")
	})
	DescribeTable("path matching",
		func(host, path string, status int, service string) {
			a := roundTrip("GET", "http", host, path)
			Expect(a.status).To(Equal(status))
			if status == 200 {
				Expect(a.echo.Service).To(Equal(service))
			}
		},
		Entry(nil, Label("scenario"), "exact-path-rules", "/foo", 200, "foo-exact"),
		Entry(nil, Label("scenario"), "exact-path-rules", "/foo/", 404, ""),
		Entry(nil, Label("scenario"), "exact-path-rules", "/FOO", 404, ""),
		Entry(nil, Label("scenario"), "exact-path-rules", "/bar", 404, ""),
		Entry(nil, Label("scenario"), "prefix-path-rules", "/foo", 200, "foo-prefix"),
		Entry(nil, Label("scenario"), "prefix-path-rules", "/foo/", 200, "foo-prefix"),
		Entry(nil, Label("scenario"), "prefix-path-rules", "/FOO", 404, ""),
		Entry(nil, Label("scenario"), "prefix-path-rules", "/aaa/bbb", 200, "aaa-slash-bbb-prefix"),
		Entry(nil, Label("scenario"), "prefix-path-rules", "/aaa/bbb/ccc", 200, "aaa-slash-bbb-prefix"),
		Entry(nil, Label("scenario"), "prefix-path-rules", "/aaa/ccc", 200, "aaa-prefix"),
		Entry(nil, Label("scenario"), "prefix-path-rules", "/aaaccc", 404, ""),
		Entry("duplicate of /foo/", Label("scenario"), "prefix-path-rules", "/foo/", 200, "foo-prefix"),
		Entry(nil, Label("scenario"), "mixed-path-rules", "/foo", 200, "foo-exact"),
		Entry(nil, Label("scenario"), "trailing-slash-path-rules", "/aaa/bbb", 200, "aaa-slash-bbb-slash-prefix"),
		Entry("with a trailing slash", Label("scenario"), "trailing-slash-path-rules", "/aaa/bbb/", 200, "aaa-slash-bbb-slash-prefix"),
		Entry(nil, Label("scenario"), "trailing-slash-path-rules", "/foo", 404, ""),
	)
})

// createTLSSecret makes the suite's certificate: self-signed, CN default,
// SAN host, PKCS#1 key.
func createTLSSecret(ns, name, host string) {
	GinkgoHelper()
	certPEM, keyPEM, err := framework.SelfSignedPKCS1("default", "Acme Co", host)
	Expect(err).NotTo(HaveOccurred())
	Expect(k8s.Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{corev1.TLSCertKey: certPEM, corev1.TLSPrivateKeyKey: keyPEM},
	})).To(Succeed())
}
