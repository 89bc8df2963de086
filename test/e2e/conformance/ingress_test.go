package conformance_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// The Ingress issue's end-to-end proof, beyond the conformance scenarios.
var _ = Describe("An Ingress with TLS and two paths", func() {
	It("becomes two Routes served over HTTPS (h2 too) with HTTP redirected, and leaves with its traffic", func() {
		ns := newNamespace("ingress-e2e")
		echoService(ns, "shop", 1, "http")
		echoService(ns, "api", 1, "http")
		createTLSSecret(ns, "shop-tls", "shop.example.com")
		ex, pre := networkingv1.PathTypeExact, networkingv1.PathTypePrefix
		ing := ingress(ns, "shop", networkingv1.IngressSpec{
			TLS: []networkingv1.IngressTLS{{Hosts: []string{"shop.example.com"}, SecretName: "shop-tls"}},
			Rules: []networkingv1.IngressRule{rule("shop.example.com",
				path("/", pre, "shop", networkingv1.ServiceBackendPort{Name: "http"}),
				path("/api", ex, "api", networkingv1.ServiceBackendPort{Name: "http"}))},
		})
		Expect(k8s.Create(context.Background(), ing)).To(Succeed())
		waitForStatus(ns, "shop")
		var routes routev1.RouteList
		Expect(k8s.List(context.Background(), &routes, client.InNamespace(ns))).To(Succeed())
		Expect(routes.Items).To(HaveLen(2))
		for _, r := range routes.Items {
			Expect(r.Spec.TLS).NotTo(BeNil())
			Expect(r.Spec.TLS.Termination).To(Equal(routev1.TLSTerminationEdge))
			Expect(r.Spec.TLS.InsecureEdgeTerminationPolicy).To(Equal(routev1.InsecureEdgeTerminationPolicyRedirect))
		}

		Eventually(func() string { return roundTrip("GET", "https", "shop.example.com", "/api").echo.Service }).
			WithTimeout(30 * time.Second).Should(Equal("api"))
		Expect(roundTrip("GET", "https", "shop.example.com", "/api/v1").echo.Service).To(Equal("shop"), "Exact /api does not match /api/v1")
		Expect(roundTrip("GET", "https", "shop.example.com", "/cart").echo.Service).To(Equal("shop"))
		resp, err := send("GET", "http", "shop.example.com", "/cart")
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(302))
		Expect(resp.Header.Get("Location")).To(Equal("https://shop.example.com/cart"))
		Expect(h2Proto("shop.example.com")).To(Equal("HTTP/2.0"))

		Expect(k8s.Delete(context.Background(), ing)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8s.List(context.Background(), &routes, client.InNamespace(ns))).To(Succeed())
			g.Expect(routes.Items).To(BeEmpty())
		}).WithTimeout(30 * time.Second).Should(Succeed())
		Eventually(func() int { return roundTrip("GET", "https", "shop.example.com", "/cart").status }).
			WithTimeout(10 * time.Second).Should(Equal(404))
	})
})

// h2Proto asks for HTTP/2 by ALPN and reports what was spoken.
func h2Proto(host string) string {
	GinkgoHelper()
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, net.JoinHostPort(router.Addr, "443"))
		},
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true, ServerName: host},
		ForceAttemptHTTP2: true,
	}
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get("https://" + host + "/")
	Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	return resp.Proto
}
