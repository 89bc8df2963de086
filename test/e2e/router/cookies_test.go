package router_test

import (
	"context"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/types"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

var _ = Describe("Stickiness cookies", func() {
	It("keep a client on its pod, in every router replica, until the pod goes; Secure over TLS only, off on request", func() {
		ns := newNamespace("sticky", nil)
		web := newBackend(ns, "web", 3)
		labelled := sharded("sticky")
		create(labelled(route(ns, "plain", "sticky.example.com", "web", "http")))
		edge := labelled(route(ns, "edge", "sticky."+domain, "web", "http"))
		edge.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect}
		create(edge)
		off := labelled(route(ns, "off", "sticky-off.example.com", "web", "http"))
		off.Annotations = map[string]string{names.DisableCookiesAnnotation: "true"}
		create(off)

		c := router.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool})
		url := "http://sticky.example.com/"
		Eventually(servedBy(c, url)).WithTimeout(wait).Should(Equal("web"))
		name := model.RouteCookieName(types.NamespacedName{Namespace: ns, Name: "plain"})

		By("a new route may sit in a spare backend, whose cookie it wears until a reload gives it its own")
		_, set := stickyGet(c, url, nil)
		Expect(set).NotTo(BeNil())
		Expect(set.Name).To(MatchRegexp(`^[0-9a-f]{32}$`))
		if set.Name != name {
			GinkgoWriter.Printf("the route is in a spare: cookie %s\n", set.Name)
			// A route with header actions needs a backend of its own: a reload.
			reload := labelled(route(ns, "reload", "sticky-reload.example.com", "web", "http"))
			reload.Spec.HTTPHeaders = &routev1.RouteHTTPHeaders{Actions: routev1.RouteHTTPHeaderActions{
				Request: []routev1.RouteHTTPHeader{{Name: "X-A", Action: routev1.RouteHTTPHeaderActionUnion{Type: routev1.Delete}}}}}
			create(reload)
			Eventually(func() string { _, set := stickyGet(c, url, nil); return set.Name }).WithTimeout(wait).Should(Equal(name))
		}

		By("without the cookie, requests spread over the pods; each answer sets the cookie of its pod")
		cookieOf := map[string]*http.Cookie{}
		for range 40 {
			pod, set := stickyGet(c, url, nil)
			Expect(set).NotTo(BeNil(), "no Set-Cookie %s", name)
			Expect(set.Name).To(Equal(name))
			Expect(set.HttpOnly).To(BeTrue())
			Expect(set.Secure).To(BeFalse(), "Secure on a route served over HTTP")
			cookieOf[pod] = set
		}
		Expect(cookieOf).To(HaveLen(3), "40 requests without a cookie reached only %v", cookieOf)

		By("with it, every request reaches that pod, and no new cookie is set")
		for pod, ck := range cookieOf {
			for range 10 {
				got, set := stickyGet(c, url, ck)
				Expect(got).To(Equal(pod))
				Expect(set).To(BeNil())
			}
		}

		By("another router replica reads the cookie alike")
		other := startRouter("sticky", map[string]string{"ROUTE_LABELS": "shard=sticky"})
		oc := other.NewClient(framework.ClientOptions{})
		Eventually(servedBy(oc, url)).WithTimeout(wait).Should(Equal("web"))
		for pod, ck := range cookieOf {
			got, _ := stickyGet(oc, url, ck)
			Expect(got).To(Equal(pod))
		}

		By("when its pod goes, the cookie's request is balanced to another pod and gets a new cookie")
		first := web.Pods()[0]
		Expect(web.Scale(context.Background(), 1)).To(Succeed())
		for pod, ck := range cookieOf {
			if pod == first {
				continue
			}
			// Until the router hears of it, the pod's port refuses: the
			// request is retried on another pod (redispatch), never lost.
			for range 20 {
				got, _ := stickyGet(c, url, ck)
				Expect(got).To(Equal(first))
			}
			_, set := stickyGet(c, url, ck)
			Expect(set).NotTo(BeNil())
			Expect(set.Value).To(Equal(cookieOf[first].Value))
		}

		By("Secure on a route served over TLS only")
		Eventually(servedBy(c, "https://sticky."+domain+"/")).WithTimeout(wait).Should(Equal("web"))
		// Whether a spare or its own backend serves the route: alike.
		_, set = stickyGet(c, "https://sticky."+domain+"/", nil)
		Expect(set).NotTo(BeNil())
		Expect(set.Secure).To(BeTrue())
		Expect(set.SameSite).To(Equal(http.SameSiteNoneMode), "OKD's default on a route served over TLS only")

		By("none with disable_cookies")
		Eventually(servedBy(c, "http://sticky-off.example.com/")).WithTimeout(wait).Should(Equal("web"))
		_, set = stickyGet(c, "http://sticky-off.example.com/", nil)
		Expect(set).To(BeNil())
	})

	It("are all named ROUTER_COOKIE_NAME when the router has one, also on a new route in a spare, which then needs no reload", func() {
		ns := newNamespace("cookiename", nil)
		newBackend(ns, "web", 2)
		labelled := sharded("cookiename")
		create(labelled(route(ns, "first", "first.cookiename.example.com", "web", "http")))
		r := startRouter("cookiename", map[string]string{"ROUTE_LABELS": "shard=cookiename", names.EnvRouterCookieName: "SESSION"})
		c := r.NewClient(framework.ClientOptions{})
		Eventually(servedBy(c, "http://first.cookiename.example.com/")).WithTimeout(wait).Should(Equal("web"))
		_, set := stickyGet(c, "http://first.cookiename.example.com/", nil)
		Expect(set).NotTo(BeNil())
		Expect(set.Name).To(Equal("SESSION"))

		before, err := r.ReloadCount()
		Expect(err).NotTo(HaveOccurred())
		named := labelled(route(ns, "named", "named.cookiename.example.com", "web", "http"))
		named.Annotations = map[string]string{names.CookieNameAnnotation: "mine"}
		create(labelled(route(ns, "second", "second.cookiename.example.com", "web", "http")))
		Eventually(servedBy(c, "http://second.cookiename.example.com/")).WithTimeout(wait).Should(Equal("web"))
		Expect(r.ReloadCount()).To(Equal(before), "the new route took a spare")
		_, set = stickyGet(c, "http://second.cookiename.example.com/", nil)
		Expect(set).NotTo(BeNil())
		Expect(set.Name).To(Equal("SESSION"), "the spare wears the router's cookie name")

		create(named)
		Eventually(servedBy(c, "http://named.cookiename.example.com/")).WithTimeout(wait).Should(Equal("web"))
		_, set = stickyGet(c, "http://named.cookiename.example.com/", nil)
		Expect(set).NotTo(BeNil())
		Expect(set.Name).To(Equal("mine"), "cookie_name wins")
	})
})

// stickyGet requests url with cookie (when not nil) and returns the pod
// that answered and the stickiness cookie it set, if any (the echo pods
// set none of their own).
func stickyGet(c *framework.Client, url string, cookie *http.Cookie) (string, *http.Cookie) {
	GinkgoHelper()
	resp, e := echoGet(c, url, func(req *http.Request) {
		if cookie != nil {
			req.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
		}
	})
	cookies := resp.Cookies()
	Expect(len(cookies)).To(BeNumerically("<=", 1), "Set-Cookie: %v", resp.Header.Values("Set-Cookie"))
	if len(cookies) == 0 {
		return e.Pod, nil
	}
	return e.Pod, cookies[0]
}
