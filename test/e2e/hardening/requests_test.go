package hardening_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/okd-ingress/okd-ingress/internal/echo"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

// Requests are input too: the Host header and the path pick the route. The
// router's key is host then path, so a Host that is not a host could pick a
// route by a path the pod never sees, and Host goes unquoted into the
// Forwarded header: RFC 9112 answers an invalid Host with 400, and so does
// the router. A path spelled so that the router and the pod read it apart
// ("/x/../admin", "/%61dmin", "//admin") would pass the route for "/" to
// reach what the route for /admin serves, past that route's own settings.
var _ = Describe("Hostile requests", func() {
	It("answers 400 to a Host that is not a host name or a path with dot segments or escaped letters, matches paths with \"//\" merged, escaped \"-._~\" decoded and hex in either case, on HTTP, TLS and HTTP/2", func() {
		ctx := context.Background()
		ns := newNamespace(full.Client, "hostile-req", nil)
		newBackend(full.Client, ns, "web", 1)
		newBackend(full.Client, ns, "admin", 1)
		host := "req-" + ns + "." + domain
		tlsHost := "req-tls-" + ns + "." + domain
		root := plainRoute(ns, "root", host)
		admin := plainRoute(ns, "admin", host)
		admin.Spec.Path, admin.Spec.To.Name = "/admin", "admin"
		// Spelled oddly, it means /v1/api, and serves the requests that do.
		spelled := plainRoute(ns, "spelled", host)
		spelled.Spec.Path, spelled.Spec.To.Name = "/v1//x/../%61pi", "admin"
		tilde := plainRoute(ns, "tilde", host)
		tilde.Spec.Path, tilde.Spec.To.Name = "/~t", "admin"
		dash := plainRoute(ns, "dash", host)
		dash.Spec.Path, dash.Spec.To.Name = "/a-b", "admin"
		// Browsers escape with uppercase hex; the route is written in lowercase.
		cafe := plainRoute(ns, "cafe", host)
		cafe.Spec.Path, cafe.Spec.To.Name = "/caf%c3%a9", "admin"
		secure := plainRoute(ns, "secure", tlsHost)
		edge(secure, "", "") // the default certificate covers *.<domain>
		for _, r := range []client.Object{root, admin, spelled, tilde, dash, cafe, secure} {
			Expect(full.Client.Create(ctx, r)).To(Succeed())
		}
		cl := fullRouter.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool})
		// Each route on its own: they may go live in different reloads
		// (another spec's refused config can hold one back).
		for _, p := range []string{"/admin/x", "/v1/api", "/~t", "/a-b", "/caf%C3%A9"} {
			Eventually(servedBy(cl, "http://"+host+p)).WithTimeout(wait).Should(Equal("admin"), p)
		}
		Eventually(servedBy(cl, "http://"+host+"/")).WithTimeout(wait).Should(Equal("web"))
		Eventually(servedBy(cl, "https://"+tlsHost+"/")).WithTimeout(wait).Should(Equal("web"))

		for _, c := range []struct {
			scheme, host, path string
			want               string // the Service that answers, or who refused it
		}{
			{"http", host, "/admin/x", "admin"},
			{"http", strings.ToUpper(host) + ":80", "/admin/x", "admin"},
			{"http", host + ".", "/admin/x", "admin"},
			{"http", host, "/", "web"},
			{"https", tlsHost, "/", "web"},
			// Without the check: the route for "/" with path /admin/x,
			// past the route for /admin.
			{"http", host + "/", "/admin/x", "router 400"},
			// Without the check: the route for /admin with path "/".
			{"http", host + "/admin", "/", "router 400"},
			{"https", tlsHost + "/admin", "/", "router 400"},
			// A second for= in the Forwarded header the pod reads.
			{"http", host + ";for=" + evil, "/", "router 400"},
			{"http", host + "," + host, "/", "router 400"},
			{"http", host + "%2f", "/", "router 400"},
			// Paths are matched as the pod reads them. Without that, each
			// of these reaches /admin through the route for "/".
			{"http", host, "/x/../admin/y", "router 400"},
			{"http", host, "/x/..%2fadmin/y", "router 400"},
			{"http", host, "/%61dmin/y", "router 400"},
			{"http", host, "/x/%2E%2E/admin/y", "router 400"},
			{"https", tlsHost, "/x/./y", "router 400"},
			{"http", host, `/x\..\admin`, "router 400"},
			{"http", host, "http://" + host + "/x/../admin", "router 400"},
			{"http", host, "//admin//y", "admin"},
			// Servers such as nginx decode an escaped "/" and merge
			// slashes: each of these would be their /admin, through the
			// route for "/".
			{"http", host, "/%2Fadmin/y", "admin"},
			{"http", host, "/%2fadmin", "admin"},
			{"http", host, "/admin%2Fy", "admin"},
			// Harmless spellings still pass, as written.
			{"http", host, "/.well-known/x", "web"},
			{"http", host, "/a%2Fadmin", "web"}, // /a/admin
			{"http", host, "/v1/api/x", "admin"},
			{"http", host, "/v1//api", "admin"},
			{"http", host, "http://" + host + "/admin/x", "admin"}, // absolute form
			// "-", ".", "_" and "~" are escaped by some encoders: decoded,
			// not refused.
			{"http", host, "/%7Et/x", "admin"},
			{"http", host, "/%7et", "admin"},
			{"http", host, "/~t", "admin"},
			{"http", host, "/a%2Db", "admin"},
			{"http", host, "/a%7Eb", "web"},
			{"http", host, "/caf%C3%A9", "admin"},
			// Hex case is the client's choice: without uppercasing, each
			// falls to the route for "/".
			{"http", host, "/caf%c3%a9/x", "admin"},
			{"http", host, "/caf%C3%a9", "admin"},
			{"http", host, "/caf%c3%A9", "admin"},
			// HTTP/1.0 without Host: no route is for it.
			{"http", "", "/admin/x", "router 404"},
		} {
			By(c.scheme + " Host " + strconv.Quote(c.host) + " path " + c.path)
			Expect(rawRequest(fullRouter, c.scheme, tlsHost, c.host, c.path)).To(Equal(c.want))
		}

		By("HTTP/2: the check reads the Host that :authority becomes")
		h2 := fullRouter.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool, HTTP2: true})
		req, err := http.NewRequest(http.MethodGet, "https://"+tlsHost+"/", nil)
		Expect(err).NotTo(HaveOccurred())
		req.Host = tlsHost + ";for=" + evil // Go's client sends it: ";" may be in a reg-name
		resp, err := h2.Client.Do(req)
		Expect(err).NotTo(HaveOccurred())
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		Expect(resp.ProtoMajor).To(Equal(2))
		Expect(resp.StatusCode).To(Equal(http.StatusBadRequest), "%s", body)
	})
})

// rawRequest sends one HTTP/1.1 request with the Host header as given, which
// Go's client would refuse to send, and says which Service answered, or
// who refused it: "router 400" for HAProxy's own error page. (The echo pods
// refuse a malformed Host too, as Go's server does; many servers do not.)
// TLS goes with SNI sni. Without a host, the request is HTTP/1.0 and
// sends no Host header.
func rawRequest(r *framework.Router, scheme, sni, host, path string) string {
	GinkgoHelper()
	port := "80"
	if scheme == "https" {
		port = "443"
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(r.Addr, port), 5*time.Second)
	Expect(err).NotTo(HaveOccurred())
	defer conn.Close()
	Expect(conn.SetDeadline(time.Now().Add(10 * time.Second))).To(Succeed())
	if scheme == "https" {
		tc := tls.Client(conn, &tls.Config{ServerName: sni, RootCAs: routerCA.Pool, NextProtos: []string{"http/1.1"}})
		Expect(tc.Handshake()).To(Succeed())
		conn = tc
	}
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host)
	if host == "" {
		req = fmt.Sprintf("GET %s HTTP/1.0\r\n\r\n", path)
	}
	_, err = io.WriteString(conn, req)
	Expect(err).NotTo(HaveOccurred())
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	if resp.StatusCode != http.StatusOK {
		if bytes.HasPrefix(body, []byte("<html><body><h1>")) {
			return fmt.Sprintf("router %d", resp.StatusCode)
		}
		return fmt.Sprintf("status %d: %q", resp.StatusCode, body)
	}
	var e echo.Response
	Expect(json.Unmarshal(body, &e)).To(Succeed())
	return e.Service
}
