package router_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/echo"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/internal/router/logrelay"
	"github.com/okd-ingress/okd-ingress/internal/syncbuf"
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

var _ = Describe("Access log", func() {
	It("sends a line per request to the sidecar's socket, in the IngressController's format with its captures", func() {
		ns := newNamespace("accesslog", nil)
		newBackend(ns, "web", 1)
		create(sharded("accesslog")(route(ns, "plain", "accesslog.example.com", "web", "http")))
		// Edge and passthrough on one port: TLS the router terminates goes
		// through the SNI-inspecting frontend and the internal hop.
		create(terminated(routev1.TLSTerminationEdge)(sharded("accesslog")(route(ns, "edge", "accesslog."+domain, "web", "http"))))
		create(terminated(routev1.TLSTerminationPassthrough)(sharded("accesslog")(route(ns, "pt", "accesslog-pt.example.com", "web", "https"))))
		sock := filepath.Join(GinkgoT().TempDir(), "rsyslog.sock")
		conn, err := logrelay.Listen(sock)
		Expect(err).NotTo(HaveOccurred())
		ctx, cancel := context.WithCancel(context.Background())
		DeferCleanup(cancel)
		var lines syncbuf.Buffer
		go func() { _ = logrelay.Serve(ctx, conn, &lines, 0) }()

		// As the operator writes logging.access with httpLogFormat,
		// httpCaptureHeaders and httpCaptureCookies.
		r := startRouter("accesslog", map[string]string{"ROUTE_LABELS": "shard=accesslog",
			names.EnvRouterSyslogAddress: sock, names.EnvRouterSyslogFormat: `"%ci %HM %HU %ST %b %CC %hr %hs [%[capture.req.hdr(1),lower]]"`,
			names.EnvRouterCaptureHTTPRequestHeaders: "X-Request-Id:8,User-Agent:64", names.EnvRouterCaptureHTTPResponseHeaders: "Server:32",
			names.EnvRouterCaptureHTTPCookie: "session=:16"})
		c := r.NewClient(framework.ClientOptions{})
		url := "http://accesslog.example.com/logged?q=1"
		Eventually(servedBy(c, url)).WithTimeout(wait).Should(Equal("web"))
		_, _ = echoGet(c, url, func(req *http.Request) {
			req.Header.Set("X-Request-Id", "0123456789abcdef")
			req.Header.Set("User-Agent", "Access-Log-Test")
			req.Header.Set("Cookie", "other=1; session=s3cr3t")
		})
		// The session cookie and not the other one, the request id cut to 8
		// bytes, the echo pod's Server header, the second capture lower-cased
		// by the format's expression.
		want := fmt.Sprintf(`haproxy[*]: 198.18.* GET /logged?q=1 200 be_http:%s:plain session=s3cr3t {01234567|Access-Log-Test} {okd-ingress-echo} [access-log-test]`, ns)
		Eventually(lines.String).WithTimeout(wait).Should(MatchRegexp(globRegexp(want)))

		By("a request the router terminates is logged once, by the TLS frontend; a passthrough connection in TCP's format")
		tc := r.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool})
		Eventually(servedBy(tc, "https://accesslog."+domain+"/edge-logged")).WithTimeout(wait).Should(Equal("web"))
		// Ended before the passthrough connection below begins, so that a
		// line for the hop, if any, would be logged before that one's.
		tc.CloseIdleConnections()
		pc := r.NewClient(framework.ClientOptions{RootCAs: backendCA.Pool})
		Eventually(servedBy(pc, "https://accesslog-pt.example.com/")).WithTimeout(wait).Should(Equal("web"))
		pc.CloseIdleConnections() // a TCP connection is logged when it ends
		Eventually(lines.String).WithTimeout(wait).Should(And(
			MatchRegexp(globRegexp(fmt.Sprintf(`haproxy[*]: 198.18.* GET /edge-logged 200 be_edge_http:%s:edge`, ns))),
			MatchRegexp(globRegexp(fmt.Sprintf(`haproxy[*]: 198.18.*:* [*] public_ssl be_tcp:%s:pt/`, ns)))))
		// The hop's connection ended with the client's, before the
		// passthrough one began; a line for it would be there by now.
		Consistently(lines.String).WithTimeout(time.Second).ShouldNot(ContainSubstring("_terminate"), "the hop's own connection is not logged")
	})
})

var _ = Describe("Access log to a syslog host name", func() {
	It("logs to the address the name resolves to, and serves without access logs while it does not resolve", func() {
		ns := newNamespace("sysloghost", nil)
		newBackend(ns, "web", 1)
		create(sharded("sysloghost")(route(ns, "web", "sysloghost.example.com", "web", "http")))
		// Every address of the host, both families: "localhost" may
		// resolve to either.
		pc, err := net.ListenPacket("udp", ":0")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(pc.Close)
		var lines syncbuf.Buffer
		go func() {
			buf := make([]byte, 8192)
			for {
				n, _, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				_, _ = lines.Write(append(buf[:n:n], '\n'))
			}
		}()
		port := strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)
		r := startRouter("sysloghost", map[string]string{"ROUTE_LABELS": "shard=sysloghost", names.EnvRouterSyslogAddress: "localhost:" + port})
		c := r.NewClient(framework.ClientOptions{})
		// The lookup runs beside the first syncs: requests served before
		// it answered are not logged.
		Eventually(func() string {
			_ = servedBy(c, "http://sysloghost.example.com/by-name")()
			return lines.String()
		}).WithTimeout(wait).Should(ContainSubstring("be_http:" + ns + ":web"))
		files, err := r.ConfigFiles()
		Expect(err).NotTo(HaveOccurred())
		Expect(files["haproxy.cfg"]).To(MatchRegexp(`(?m)^  log udp[46]@(127\.0\.0\.1|::1):`+port+` `), "HAProxy is given the address, not the name")

		By("a name that does not resolve: routes served, no access log")
		un := startRouter("sysloghost", map[string]string{"ROUTE_LABELS": "shard=sysloghost", names.EnvRouterSyslogAddress: "syslog.invalid:514"})
		Eventually(servedBy(un.NewClient(framework.ClientOptions{}), "http://sysloghost.example.com/")).WithTimeout(wait).Should(Equal("web"))
		files, err = un.ConfigFiles()
		Expect(err).NotTo(HaveOccurred())
		Expect(files["haproxy.cfg"]).NotTo(MatchRegexp(`(?m)^  log `))
		Eventually(un.Log).WithTimeout(wait).Should(ContainSubstring("serving without access logs until it resolves"))
	})
})

// globRegexp turns a pattern where "*" stands for any run of characters
// other than spaces into a regular expression.
func globRegexp(p string) string {
	return strings.ReplaceAll(regexp.QuoteMeta(p), `\*`, `[^ ]*`)
}

var _ = Describe("IngressController header actions", func() {
	It("sets and deletes headers on every HTTP route, requests before a route's own actions and responses after them, and adds a unique ID", func() {
		ns := newNamespace("icheaders", nil)
		newBackend(ns, "web", 1)
		set := func(name, value string) routev1.RouteHTTPHeader {
			return routev1.RouteHTTPHeader{Name: name, Action: routev1.RouteHTTPHeaderActionUnion{Type: routev1.Set, Set: &routev1.RouteSetHTTPHeader{Value: value}}}
		}
		own := sharded("icheaders")(route(ns, "own", "icheaders.example.com", "web", "http"))
		own.Spec.HTTPHeaders = &routev1.RouteHTTPHeaders{Actions: routev1.RouteHTTPHeaderActions{
			Request: []routev1.RouteHTTPHeader{set("X-Both", "route")}, Response: []routev1.RouteHTTPHeader{set("X-Both-Response", "route")}}}
		create(own)
		create(sharded("icheaders")(route(ns, "plain", "icheaders-plain.example.com", "web", "http")))
		// As the operator encodes httpHeaders.actions.
		r := startRouter("icheaders", map[string]string{"ROUTE_LABELS": "shard=icheaders",
			names.EnvRouterHTTPRequestHeaders: config.EncodeHeaderActions([]config.HeaderAction{
				{Name: "X-Router", Value: "ic %[req.hdr(user-agent),lower]"}, {Name: "X-Both", Value: "ic"}, {Name: "X-Secret", Delete: true}}),
			names.EnvRouterHTTPResponseHeaders: config.EncodeHeaderActions([]config.HeaderAction{
				{Name: "X-Frame-Options", Value: "DENY"}, {Name: "X-Both-Response", Value: "ic"}, {Name: "X-Content-Type-Options", Delete: true}}),
			names.EnvRouterUniqueIDHeaderName: "X-Request-Id", names.EnvRouterUniqueIDFormat: `"%{+X}o %ci-%rt"`})
		c := r.NewClient(framework.ClientOptions{})
		for host, routeValue := range map[string]string{"icheaders.example.com": "route", "icheaders-plain.example.com": "ic"} {
			url := "http://" + host + "/"
			Eventually(servedBy(c, url)).WithTimeout(wait).Should(Equal("web"))
			resp, e := echoGet(c, url, func(req *http.Request) {
				req.Header.Set("User-Agent", "Header-Test")
				req.Header.Set("X-Secret", "s")
			})
			Expect(e.Headers).To(HaveKeyWithValue("X-Router", []string{"ic header-test"}), host)
			Expect(e.Headers).To(HaveKeyWithValue("X-Both", []string{routeValue}), "%s: the route's request action comes last", host)
			Expect(e.Headers).NotTo(HaveKey("X-Secret"), host)
			// The client's address and the request's number, in hex.
			Expect(e.Headers["X-Request-Id"]).To(HaveExactElements(MatchRegexp(`^C612[0-9A-F]{4}-[0-9A-F]+$`)), host)
			Expect(resp.Header.Get("X-Frame-Options")).To(Equal("DENY"), host)
			Expect(resp.Header.Values("X-Both-Response")).To(Equal([]string{"ic"}), "%s: the IngressController's response action comes last", host)
			Expect(resp.Header.Get("X-Content-Type-Options")).To(BeEmpty(), "%s: the echo pod's nosniff is deleted", host)
		}
	})
})

var _ = Describe("Error pages", func() {
	It("answers with the IngressController's own pages when no route matches and when a route has no endpoint", func() {
		ns := newNamespace("errorpages", nil)
		newBackend(ns, "none", 0)
		create(sharded("errorpages")(route(ns, "empty", "errorpages.example.com", "none", "http")))
		dir := GinkgoT().TempDir()
		pages := map[string]string{
			"503": "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 18\r\n\r\ncustom unavailable",
			"404": "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 16\r\n\r\ncustom not found",
		}
		for code, page := range pages {
			Expect(os.WriteFile(filepath.Join(dir, code+".http"), []byte(page), 0o644)).To(Succeed())
		}
		// As the operator mounts httpErrorCodePages' copy.
		r := startRouter("errorpages", map[string]string{"ROUTE_LABELS": "shard=errorpages",
			names.EnvRouterErrorFile503: filepath.Join(dir, "503.http"), names.EnvRouterErrorFile404: filepath.Join(dir, "404.http")})
		c := r.NewClient(framework.ClientOptions{})
		body := func(url string) func() string {
			return func() string {
				resp, err := c.Client.Get(url)
				if err != nil {
					return err.Error()
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return fmt.Sprintf("%d %s", resp.StatusCode, b)
			}
		}
		Eventually(body("http://errorpages.example.com/")).WithTimeout(wait).Should(Equal("503 custom unavailable"))
		Expect(body("http://unknown-errorpages.example.com/")()).To(Equal("404 custom not found"))
	})
})

var _ = Describe("Header name case", func() {
	It("writes the listed response header names to HTTP/1 clients in their case, others in HAProxy's lower case", func() {
		ns := newNamespace("h1case", nil)
		newBackend(ns, "web", 1)
		create(sharded("h1case")(route(ns, "plain", "h1case.example.com", "web", "http")))
		// As the operator writes headerNameCaseAdjustments.
		r := startRouter("h1case", map[string]string{"ROUTE_LABELS": "shard=h1case", names.EnvRouterH1CaseAdjust: "X-Content-TYPE-Options"})
		c := r.NewClient(framework.ClientOptions{})
		Eventually(servedBy(c, "http://h1case.example.com/")).WithTimeout(wait).Should(Equal("web"))
		conn, err := net.Dial("tcp", net.JoinHostPort(r.Addr, "80"))
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		_, err = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: h1case.example.com\r\nConnection: close\r\n\r\n")
		Expect(err).NotTo(HaveOccurred())
		Expect(conn.SetReadDeadline(time.Now().Add(10 * time.Second))).To(Succeed())
		raw, err := io.ReadAll(conn)
		Expect(err).NotTo(HaveOccurred())
		head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
		// The echo pod sends X-Content-Type-Options and Server.
		Expect(head).To(ContainSubstring("\r\nX-Content-TYPE-Options: nosniff"))
		Expect(head).To(ContainSubstring("\r\nserver: okd-ingress-echo"))
	})
})
