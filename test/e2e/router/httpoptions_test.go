package router_test

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/okd-ingress/okd-ingress/internal/echo"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

var _ = Describe("Compression and empty requests", func() {
	It("compresses the IngressController's MIME types for clients that accept gzip, and closes a connection that sends no request without an answer", func() {
		ns := newNamespace("httpopts", nil)
		newBackend(ns, "web", 1)
		create(sharded("httpopts")(route(ns, "plain", "httpopts.example.com", "web", "http")))
		// As the operator writes httpCompression.mimeTypes [text/html, application/*]
		// and httpEmptyRequestsPolicy: Ignore; a short request timeout so that
		// an idle connection times out within the spec.
		r := startRouter("httpopts", map[string]string{"ROUTE_LABELS": "shard=httpopts",
			names.EnvRouterEnableCompression: "true", names.EnvRouterCompressionMIME: `text/html application/*`,
			names.EnvRouterHTTPIgnoreProbes: "true", names.EnvRouterSlowlorisTimeout: "1s"})
		c := r.NewClient(framework.ClientOptions{})
		url := "http://httpopts.example.com/"
		Eventually(servedBy(c, url)).WithTimeout(wait).Should(Equal("web"))

		By("gzip for a client that accepts it: the pod's application/json matches application/*")
		resp := rawGet(c, url, "gzip")
		Expect(resp.Header.Get("Content-Encoding")).To(Equal("gzip"))
		Expect(resp.Header.Values("Vary")).To(ContainElement(Equal("Accept-Encoding")))
		zr, err := gzip.NewReader(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		var e echo.Response
		Expect(json.NewDecoder(zr).Decode(&e)).To(Succeed())
		Expect(e.Service).To(Equal("web"))
		Expect(e.Headers).To(HaveKeyWithValue("Accept-Encoding", []string{"gzip"}), "the pod sees what the client accepts")

		By("the body as the pod sent it for a client that does not")
		resp = rawGet(c, url, "identity")
		Expect(resp.Header.Get("Content-Encoding")).To(BeEmpty())
		Expect(json.NewDecoder(resp.Body).Decode(&e)).To(Succeed())

		By("a connection that sends nothing is closed at the request timeout without a 408")
		conn, err := net.Dial("tcp", net.JoinHostPort(r.Addr, "80"))
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		Expect(conn.SetReadDeadline(time.Now().Add(10 * time.Second))).To(Succeed())
		got, err := io.ReadAll(conn)
		Expect(err).NotTo(HaveOccurred(), "closed by the router, before the deadline")
		Expect(string(got)).To(BeEmpty())
	})
})

// rawGet sends a GET with the given Accept-Encoding and returns the
// response with its body undecoded (the client decodes only what it asked
// for itself); the body is closed when the spec ends.
func rawGet(c *framework.Client, url, acceptEncoding string) *http.Response {
	GinkgoHelper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Accept-Encoding", acceptEncoding)
	resp, err := c.Do(req)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(resp.Body.Close)
	Expect(resp.StatusCode).To(Equal(http.StatusOK))
	return resp
}
