package router_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/echo"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

var _ = Describe("OKD route annotations", func() {
	It("honour rewrite-target, timeout, HSTS, balance, health-check interval and per-pod connections, and say which values they ignore", func() {
		ns := newNamespace("annotations", nil)
		newBackend(ns, "web", 1)
		slow := route(ns, "slow", "slow.example.com", "web", "http")
		slow.Annotations = map[string]string{names.TimeoutAnnotation: "300ms"}
		create(slow)
		create(route(ns, "patient", "patient.example.com", "web", "http"))
		hsts := route(ns, "hsts", "hsts."+domain, "web", "http")
		hsts.Annotations = map[string]string{names.HSTSAnnotation: "max-age=31536000;includeSubDomains;preload"}
		hsts.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyAllow}
		create(hsts)
		tuned := route(ns, "tuned", "tuned.example.com", "web", "http")
		tuned.Annotations = map[string]string{names.BalanceAnnotation: "leastconn", names.PodConcurrentConnectionsAnnotation: "7",
			names.HealthCheckIntervalAnnotation: "2s", names.TimeoutTunnelAnnotation: "5 minutes"}
		create(tuned)

		strip := route(ns, "strip", "rewrite.example.com", "web", "http")
		strip.Spec.Path = "/foo"
		strip.Annotations = map[string]string{names.RewriteTargetAnnotation: "/"}
		create(strip)
		move := route(ns, "move", "rewrite.example.com", "web", "http")
		move.Spec.Path = "/old/"
		move.Annotations = map[string]string{names.RewriteTargetAnnotation: "/new"}
		create(move)
		dash := route(ns, "dash", "rewrite.example.com", "web", "http")
		dash.Spec.Path = "/my-app"
		dash.Annotations = map[string]string{names.RewriteTargetAnnotation: "/"}
		create(dash)

		c := router.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool})
		By("rewrite-target: the pod sees the target in place of the route's path, the query kept")
		// Three routes, which may go live in different reloads.
		for _, p := range []string{"/foo", "/old/", "/my-app"} {
			Eventually(servedBy(c, "http://rewrite.example.com"+p)).WithTimeout(wait).Should(Equal("web"), p)
		}
		for sent, seen := range map[string]string{
			"/foo": "/", "/foo/": "/", "/foo/bar?q=/foo": "/bar?q=/foo", "/foo/bar/": "/bar/",
			"/old/": "/new/", "/old/x/y?z=1": "/new/x/y?z=1",
			// Spellings the lookup routes to the route are rewritten alike.
			"//foo//bar": "/bar", "/my%2Dapp/x": "/x", "/my-app/x": "/x", "/foo%2Fbar": "/bar", "/old%2fx": "/new%2fx",
		} {
			r, err := c.Get("http://rewrite.example.com" + sent)
			Expect(err).NotTo(HaveOccurred())
			Expect(r.Echo.Path).To(Equal(seen), "sent %s", sent)
		}
		Expect(servedBy(c, "http://rewrite.example.com/foobar")()).To(Equal("status 404"), "no route serves /foobar")

		By("timeout: the annotated route gives up on a slow pod, the router's own timeout waits")
		Eventually(servedBy(c, "http://slow.example.com/delay?ms=10")).WithTimeout(wait).Should(Equal("web"))
		Expect(servedBy(c, "http://slow.example.com/delay?ms=1500")()).To(Equal("status 504"))
		Eventually(servedBy(c, "http://patient.example.com/delay?ms=1500")).WithTimeout(wait).Should(Equal("web"))

		By("HSTS: sent over TLS only")
		Eventually(servedBy(c, "https://hsts."+domain+"/")).WithTimeout(wait).Should(Equal("web"))
		r, err := c.Get("https://hsts." + domain + "/")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Header.Values("Strict-Transport-Security")).To(Equal([]string{"max-age=31536000; includeSubDomains; preload"}))
		r, err = c.Get("http://hsts." + domain + "/")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Status).To(Equal(200))
		Expect(r.Header.Values("Strict-Transport-Security")).To(BeEmpty(), "HSTS over plain HTTP (RFC 6797 §7.2)")

		By("balance, health checks and connections per pod reach the backend; the bad tunnel timeout does not, and the status says so")
		Eventually(servedBy(c, "http://tuned.example.com/")).WithTimeout(wait).Should(Equal("web"))
		backend := backendSection(router, "be_http:"+ns+":tuned")
		Expect(backend).To(ContainElements("  balance leastconn", MatchRegexp(`^  default-server check inter 2000ms maxconn 7$`)))
		Expect(backend).NotTo(ContainElement(HavePrefix("  timeout tunnel")))
		Eventually(conditionOf(ns, "tuned", "default", admission.InvalidAnnotations)).WithTimeout(wait).Should(And(
			HaveField("Status", corev1.ConditionTrue), HaveField("Reason", admission.ReasonInvalidAnnotationValue),
			HaveField("Message", ContainSubstring(names.TimeoutTunnelAnnotation+`: "5 minutes" is not a time`))))
		Expect(admitted(ns, "tuned", "default")(Default)).To(HaveField("Status", corev1.ConditionTrue))

		By("fixing the value clears the condition and applies it")
		Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(tuned), tuned)).To(Succeed())
		tuned.Annotations[names.TimeoutTunnelAnnotation] = "5m"
		Expect(k8s.Update(context.Background(), tuned)).To(Succeed())
		Eventually(conditionOf(ns, "tuned", "default", admission.InvalidAnnotations)).WithTimeout(wait).Should(BeZero())
		Eventually(func() []string { return backendSection(router, "be_http:"+ns+":tuned") }).WithTimeout(wait).
			Should(ContainElement("  timeout tunnel 300000ms"))
	})

	It("let only allowlisted clients in, over HTTP, TLS and passthrough, and nobody while the list is invalid", func() {
		ns := newNamespace("allowlist", nil)
		newBackend(ns, "web", 1)
		const list = "203.0.113.0/24 2001:db8::7"
		labelled := func(rt *routev1.Route, allow string) *routev1.Route {
			rt.Annotations = map[string]string{names.IPAllowlistAnnotation: allow}
			return sharded("allowlist")(rt)
		}
		create(labelled(route(ns, "plain", "allow.example.com", "web", "http"), list))
		create(terminated(routev1.TLSTerminationEdge)(labelled(route(ns, "edge", "allow."+domain, "web", "http"), list)))
		create(terminated(routev1.TLSTerminationPassthrough)(labelled(route(ns, "pt", "allow-pt.example.com", "web", "https"), list)))
		// The old annotation name, and a list with a typo.
		old := sharded("allowlist")(route(ns, "old", "allow-old.example.com", "web", "http"))
		old.Annotations = map[string]string{names.IPWhitelistAnnotation: "203.0.113.7"}
		create(old)
		create(labelled(route(ns, "typo", "allow-typo.example.com", "web", "http"), "203.0.113.7 203.0.113.300"))
		// PROXY protocol lets the spec speak for any client address.
		r := startRouter("allowlist", map[string]string{"ROUTE_LABELS": "shard=allowlist", names.EnvRouterUseProxyProtocol: "true"})

		get := func(port, client, host string, conf *tls.Config) func() (*echo.Response, error) {
			return func() (*echo.Response, error) { return proxiedGet(r.Addr, port, client, port, host, conf) }
		}
		By("plain HTTP")
		Eventually(get("80", "203.0.113.7", "allow.example.com", nil)).WithTimeout(wait).Should(HaveField("Service", "web"))
		_, err := get("80", "198.51.100.9", "allow.example.com", nil)()
		Expect(err).To(MatchError(HavePrefix("status 403")))

		By("edge TLS")
		edgeTLS := &tls.Config{ServerName: "allow." + domain, RootCAs: routerCA.Pool}
		Expect(get("443", "203.0.113.8", "allow."+domain, edgeTLS)()).To(HaveField("Service", "web"))
		_, err = get("443", "198.51.100.9", "allow."+domain, edgeTLS)()
		Expect(err).To(MatchError(HavePrefix("status 403")))

		By("passthrough: the connection is dropped before the pod sees it")
		ptTLS := &tls.Config{ServerName: "allow-pt.example.com", RootCAs: backendCA.Pool}
		Eventually(get("443", "203.0.113.9", "allow-pt.example.com", ptTLS)).WithTimeout(wait).Should(HaveField("TLS", Not(BeNil())))
		_, err = get("443", "198.51.100.9", "allow-pt.example.com", ptTLS)()
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).NotTo(HavePrefix("status"), "no HTTP answer at all")

		By("the old name")
		Expect(get("80", "203.0.113.7", "allow-old.example.com", nil)()).To(HaveField("Service", "web"))
		_, err = get("80", "203.0.113.8", "allow-old.example.com", nil)()
		Expect(err).To(MatchError(HavePrefix("status 403")))

		By("a list with a typo fails closed, and the status says why")
		_, err = get("80", "203.0.113.7", "allow-typo.example.com", nil)()
		Expect(err).To(MatchError(HavePrefix("status 403")))
		Eventually(conditionOf(ns, "typo", "allowlist", admission.InvalidAnnotations)).WithTimeout(wait).
			Should(HaveField("Message", And(ContainSubstring(`"203.0.113.300", which is not an IP address or CIDR`),
				ContainSubstring("admits no client until it is fixed"))))
	})
})

var _ = Describe("A route's own forwarded-header policy", func() {
	It("replaces the router's for that route only, over HTTP and TLS", func() {
		ns := newNamespace("fwd", nil)
		newBackend(ns, "web", 1)
		own := func(name, host, policy string) *routev1.Route {
			rt := route(ns, name, host, "web", "http")
			rt.Annotations = map[string]string{names.SetForwardedHeadersAnnotation: policy}
			return rt
		}
		create(own("never", "fwd-never.example.com", "never"))
		replace := own("replace", "fwd-replace."+domain, "replace")
		replace.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyAllow}
		create(replace)
		create(route(ns, "router", "fwd-router.example.com", "web", "http"))

		c := router.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool})
		spoofed := func(url string) map[string][]string {
			GinkgoHelper()
			_, e := echoGet(c, url, func(req *http.Request) { req.Header.Set("X-Forwarded-For", "203.0.113.99") })
			Expect(e.Service).To(Equal("web"))
			return e.Headers
		}
		for _, u := range []string{"http://fwd-never.example.com/", "https://fwd-replace." + domain + "/", "http://fwd-router.example.com/"} {
			Eventually(servedBy(c, u)).WithTimeout(wait).Should(Equal("web"))
		}
		By("never: the pod gets the client's header as sent, and no other")
		h := spoofed("http://fwd-never.example.com/")
		Expect(h).To(HaveKeyWithValue("X-Forwarded-For", []string{"203.0.113.99"}))
		Expect(h).NotTo(Or(HaveKey("X-Forwarded-Host"), HaveKey("X-Forwarded-Proto"), HaveKey("Forwarded")))

		By("replace, over HTTP and TLS: the client's header is dropped, the router's written")
		for scheme, port := range map[string]string{"http": "80", "https": "443"} {
			h = spoofed(scheme + "://fwd-replace." + domain + "/")
			Expect(h["X-Forwarded-For"]).To(HaveLen(1))
			Expect(h["X-Forwarded-For"][0]).NotTo(ContainSubstring("203.0.113.99"))
			Expect(h).To(HaveKeyWithValue("X-Forwarded-Proto", []string{scheme}))
			Expect(h).To(HaveKeyWithValue("X-Forwarded-Port", []string{port}))
			Expect(h["Forwarded"]).To(ConsistOf(MatchRegexp(`^for=[0-9.]+;host=fwd-replace\.` + strings.ReplaceAll(domain, ".", `\.`) + `;proto=` + scheme + `$`)))
		}

		By("the others keep the router's policy (append)")
		h = spoofed("http://fwd-router.example.com/")
		Expect(h["X-Forwarded-For"]).To(Or(HaveLen(2), ConsistOf(HavePrefix("203.0.113.99, "))), "appended: %v", h["X-Forwarded-For"])
		Expect(h).To(HaveKeyWithValue("X-Forwarded-Proto", []string{"http"}))
	})
})

var _ = Describe("OKD rate limits", func() {
	It("answer 429 beyond a client's HTTP rate and requests in flight, and refuse passthrough connections beyond its connection rate", func() {
		ns := newNamespace("ratelimit", nil)
		newBackend(ns, "web", 1)
		limited := func(name, host, port string, limits map[string]string) *routev1.Route {
			rt := route(ns, name, host, "web", port)
			rt.Annotations = map[string]string{names.RateLimitAnnotation: "true"}
			for k, v := range limits {
				rt.Annotations[k] = v
			}
			return rt
		}
		create(limited("rate", "rate.example.com", "http", map[string]string{names.RateLimitRateHTTPAnnotation: "5"}))
		create(limited("inflight", "inflight.example.com", "http", map[string]string{names.RateLimitConcurrentTCPAnnotation: "2"}))
		pt := limited("pt", "rate-pt.example.com", "https", map[string]string{names.RateLimitRateTCPAnnotation: "3"})
		pt.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough}
		create(pt)
		c := router.NewClient(framework.ClientOptions{})
		// Each route goes live with a reload of its own, and a reload
		// starts the tables afresh: wait for all three without spending
		// a request, and count again a burst a reload cut into.
		for _, name := range []string{"rate", "inflight", "pt"} {
			Eventually(admitted(ns, name, "default")).WithTimeout(wait).Should(HaveField("Status", corev1.ConditionTrue))
		}
		withoutReload := func(g Gomega, burst func() map[string]int) map[string]int {
			before, err := router.ReloadCount()
			g.Expect(err).NotTo(HaveOccurred())
			counts := burst()
			after, err := router.ReloadCount()
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(after).To(Equal(before), "a reload emptied the tables during the burst %v", counts)
			return counts
		}

		By("HTTP: 5 requests per 10 s, then 429")
		// A burst again comes two windows after the last.
		Eventually(func(g Gomega) {
			counts := withoutReload(g, func() map[string]int {
				counts := map[string]int{}
				for range 11 {
					counts[servedBy(c, "http://rate.example.com/")()]++
				}
				return counts
			})
			g.Expect(counts["web"]).To(And(BeNumerically(">=", 1), BeNumerically("<=", 5)), "answers: %v", counts)
			g.Expect(counts["status 429"]).To(BeNumerically(">=", 6), "answers: %v", counts)
		}).WithTimeout(50 * time.Second).WithPolling(21 * time.Second).Should(Succeed()) // HAProxy's rate weighs in the window before

		By("HTTP: 2 requests in flight, the others 429")
		Eventually(func(g Gomega) {
			got := withoutReload(g, func() map[string]int {
				answers := make(chan string, 4)
				for range 4 {
					go func() {
						defer GinkgoRecover()
						answers <- servedBy(c, "http://inflight.example.com/delay?ms=1500")()
					}()
				}
				got := map[string]int{}
				for range 4 {
					got[<-answers]++
				}
				return got
			})
			g.Expect(got).To(Equal(map[string]int{"web": 2, "status 429": 2}))
		}).WithTimeout(wait).Should(Succeed())

		By("passthrough: 3 connections per 3 s, then refused")
		ptc := router.NewClient(framework.ClientOptions{RootCAs: backendCA.Pool, NewConnections: true})
		Eventually(func(g Gomega) {
			got := withoutReload(g, func() map[string]int {
				got := map[string]int{}
				for range 7 {
					if servedBy(ptc, "https://rate-pt.example.com/")() == "web" {
						got["web"]++
					} else {
						got["refused"]++
					}
				}
				return got
			})
			g.Expect(got["web"]).To(And(BeNumerically(">=", 1), BeNumerically("<=", 3)), "answers: %v", got)
			g.Expect(got["refused"]).To(BeNumerically(">=", 4), "answers: %v", got)
		}).WithTimeout(30 * time.Second).WithPolling(7 * time.Second).Should(Succeed())
	})
})

// backendSection is the lines of one backend of a router's haproxy.cfg.
func backendSection(r *framework.Router, name string) []string {
	GinkgoHelper()
	files, err := r.ConfigFiles()
	Expect(err).NotTo(HaveOccurred())
	var out []string
	in := false
	for _, l := range strings.Split(files["haproxy.cfg"], "\n") {
		switch {
		case l == "backend "+name:
			in = true
		case in && !strings.HasPrefix(l, " "):
			return out
		case in:
			out = append(out, l)
		}
	}
	return out
}
