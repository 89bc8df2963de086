package router_test

import (
	"net"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

var _ = Describe("Dual stack", func() {
	It("serves IPv4 and IPv6 clients on one listener per port, and names each to the pod in its own family's form, also through the TLS hop", func() {
		ns := newNamespace("dualstack", nil)
		newBackend(ns, "web", 1)
		create(sharded("dual")(route(ns, "plain", "dual.example.com", "web", "http")))
		create(terminated(routev1.TLSTerminationEdge)(sharded("dual")(route(ns, "edge", "dual."+domain, "web", "http"))))
		// Every address of both families, on ports of its own: the other
		// routers hold port 80 of their own addresses.
		r := startRouter("dual", map[string]string{"ROUTE_LABELS": "shard=dual", names.EnvRouterIPV4V6Mode: "v4v6",
			names.EnvRouterBindAddress: "", names.EnvRouterServiceHTTPPort: "10080", names.EnvRouterServiceHTTPSPort: "10443"})
		files, err := r.ConfigFiles()
		Expect(err).NotTo(HaveOccurred())
		Expect(files["haproxy.cfg"]).To(And(ContainSubstring("bind [::]:10080 v4v6\n"), ContainSubstring("bind [::]:10443 v4v6 ssl")))

		check := func(client, forwardedFor string) {
			GinkgoHelper()
			via := *r
			via.Addr = client
			c := via.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool})
			for _, url := range []string{"http://dual.example.com:10080/", "https://dual." + domain + ":10443/"} {
				Eventually(servedBy(c, url)).WithTimeout(wait).Should(Equal("web"), url)
				_, e := echoGet(c, url, func(*http.Request) {})
				Expect(e.Headers).To(HaveKeyWithValue("X-Forwarded-For", []string{client}), url)
				Expect(e.Headers["Forwarded"]).To(HaveExactElements(HavePrefix("for="+forwardedFor+";")), url)
			}
		}
		By("TLS terminated on the public port")
		check("::1", `"[::1]"`)
		check("127.0.0.1", "127.0.0.1") // not ::ffff:127.0.0.1

		By("TLS through the SNI-inspecting frontend and the internal hop, passthrough over IPv6")
		before, err := r.ReloadCount()
		Expect(err).NotTo(HaveOccurred())
		create(terminated(routev1.TLSTerminationPassthrough)(sharded("dual")(route(ns, "pt", "dual-pt.example.com", "web", "https"))))
		Eventually(r.ReloadCount).WithTimeout(wait).Should(BeNumerically(">", before))
		Eventually(r.OldWorkers).WithTimeout(wait).Should(BeZero())
		check("::1", `"[::1]"`)
		check("127.0.0.1", "127.0.0.1")
		via := *r
		via.Addr = "::1"
		c := via.NewClient(framework.ClientOptions{RootCAs: backendCA.Pool})
		Eventually(servedBy(c, "https://dual-pt.example.com:10443/")).WithTimeout(wait).Should(Equal("web"))
		_, e := echoGet(c, "https://dual-pt.example.com:10443/", func(*http.Request) {})
		Expect(e.TLS).NotTo(BeNil(), "the pod terminated TLS itself")
		Expect(net.ParseIP(r.Addr).To4()).NotTo(BeNil(), "the test's router address is IPv4")
	})
})
