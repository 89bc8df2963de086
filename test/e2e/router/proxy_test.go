package router_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/echo"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

var _ = Describe("PROXY protocol", func() {
	It("forwards the client and port the load balancer names, over HTTP and TLS, with and without the SNI-inspecting hop", func() {
		ns := newNamespace("proxy", nil)
		newBackend(ns, "web", 1)
		create(sharded("proxy")(route(ns, "plain", "proxied.example.com", "web", "http")))
		create(terminated(routev1.TLSTerminationEdge)(sharded("proxy")(route(ns, "edge", "proxied."+domain, "web", "http"))))
		r := startRouter("proxy", map[string]string{"ROUTE_LABELS": "shard=proxy", names.EnvRouterUseProxyProtocol: "true"})

		// The load balancer's PROXY line: the client 203.0.113.7 came to
		// port 8080 (the router itself listens on 80).
		Eventually(func() (*echo.Response, error) {
			return proxiedGet(r.Addr, "80", "203.0.113.7", "8080", "proxied.example.com", nil)
		}).WithTimeout(wait).Should(HaveField("Service", "web"))
		e, err := proxiedGet(r.Addr, "80", "203.0.113.7", "8080", "proxied.example.com", nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(e.Headers).To(HaveKeyWithValue("X-Forwarded-For", []string{"203.0.113.7"}))
		Expect(e.Headers).To(HaveKeyWithValue("X-Forwarded-Port", []string{"8080"}))
		Expect(e.Headers).To(HaveKeyWithValue("Forwarded", []string{"for=203.0.113.7;host=proxied.example.com;proto=http"}))
		// A load balancer may name an IPv6 client to an IPv4 listener.
		e, err = proxiedGet(r.Addr, "80", "2001:db8::7", "8080", "proxied.example.com", nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(e.Headers).To(HaveKeyWithValue("X-Forwarded-For", []string{"2001:db8::7"}))
		Expect(e.Headers).To(HaveKeyWithValue("Forwarded", []string{`for="[2001:db8::7]";host=proxied.example.com;proto=http`}))

		tlsConf := &tls.Config{ServerName: "proxied." + domain, RootCAs: routerCA.Pool}
		checkTLS := func(client string) {
			GinkgoHelper()
			e, err := proxiedGet(r.Addr, "443", client, "8443", "proxied."+domain, tlsConf)
			Expect(err).NotTo(HaveOccurred())
			Expect(e.Headers).To(HaveKeyWithValue("X-Forwarded-For", []string{client}))
			Expect(e.Headers).To(HaveKeyWithValue("X-Forwarded-Port", []string{"8443"}))
			Expect(e.Headers).To(HaveKeyWithValue("X-Forwarded-Proto", []string{"https"}))
		}
		By("TLS terminated on the public port (no passthrough route)")
		checkTLS("203.0.113.8")

		By("TLS through the SNI-inspecting frontend and the internal hop")
		before, err := r.ReloadCount()
		Expect(err).NotTo(HaveOccurred())
		create(terminated(routev1.TLSTerminationPassthrough)(sharded("proxy")(route(ns, "pt", "proxied-pt.example.com", "web", "https"))))
		Eventually(r.ReloadCount).WithTimeout(wait).Should(BeNumerically(">", before), "the first passthrough route brings the inspecting frontend")
		Eventually(func() (*echo.Response, error) {
			return proxiedGet(r.Addr, "443", "203.0.113.9", "8443", "proxied-pt.example.com",
				&tls.Config{ServerName: "proxied-pt.example.com", RootCAs: backendCA.Pool})
		}).WithTimeout(wait).Should(HaveField("TLS", Not(BeNil())), "the pod terminated TLS itself")
		files, err := r.ConfigFiles()
		Expect(err).NotTo(HaveOccurred())
		Expect(files["haproxy.cfg"]).To(ContainSubstring("frontend public_ssl"))
		// The worker without the hop would give the same answer: wait until
		// it is gone, so that the check below goes through the hop.
		Eventually(r.OldWorkers).WithTimeout(wait).Should(BeZero())
		checkTLS("203.0.113.10")

		By("a connection without the PROXY line is refused")
		conn, err := net.DialTimeout("tcp", net.JoinHostPort(r.Addr, "80"), time.Second)
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		Expect(conn.SetDeadline(time.Now().Add(5 * time.Second))).To(Succeed())
		_, err = fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: proxied.example.com\r\n\r\n")
		Expect(err).NotTo(HaveOccurred())
		_, err = http.ReadResponse(bufio.NewReader(conn), nil)
		Expect(err).To(HaveOccurred(), "HAProxy closes a connection that does not start with a PROXY line")
		var ne net.Error
		Expect(errors.As(err, &ne) && ne.Timeout()).To(BeFalse(), "closed, not left waiting: %v", err)
	})
})

// proxiedGet sends one request to addr:port as a load balancer speaking
// PROXY protocol v1 would, for a client at src that connected to dstPort,
// over TLS when tlsConf is set, and decodes the echo pod's answer.
func proxiedGet(addr, port, src, dstPort, host string, tlsConf *tls.Config) (*echo.Response, error) {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(addr, port), time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return nil, err
	}
	family, dst := "TCP4", addr
	if strings.Contains(src, ":") {
		family, dst = "TCP6", "2001:db8::80"
	}
	if _, err := fmt.Fprintf(conn, "PROXY %s %s %s 40000 %s\r\n", family, src, dst, dstPort); err != nil {
		return nil, err
	}
	var rw net.Conn = conn
	if tlsConf != nil {
		rw = tls.Client(conn, tlsConf)
	}
	if _, err := fmt.Fprintf(rw, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", host); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(rw), nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	var e echo.Response
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("%w: %s", err, body)
	}
	return &e, nil
}

var _ = Describe("Source balancing", func() {
	It("sends a client to the same pod from every router replica, whatever order each router met the pods in", func() {
		ns := newNamespace("sticky", nil)
		pods := newBackend(ns, "web", 3)
		create(terminated(routev1.TLSTerminationPassthrough)(sharded("sticky")(route(ns, "pt", "sticky-pt.example.com", "web", "https"))))
		env := map[string]string{"ROUTE_LABELS": "shard=sticky", names.EnvRouterUseProxyProtocol: "true"}
		conf := &tls.Config{ServerName: "sticky-pt.example.com", RootCAs: backendCA.Pool}
		podOf := func(r *framework.Router, client string) (string, error) {
			e, err := proxiedGet(r.Addr, "443", client, "443", "sticky-pt.example.com", conf)
			if err != nil {
				return "", err
			}
			return e.Pod, nil
		}
		// podsOf is the pod of each of 40 clients, by client.
		podsOf := func(r *framework.Router) (map[string]string, error) {
			out := map[string]string{}
			for i := 1; i <= 40; i++ {
				client := fmt.Sprintf("203.0.113.%d", i)
				p, err := podOf(r, client)
				if err != nil {
					return nil, err
				}
				out[client] = p
			}
			return out, nil
		}
		first := startRouter("sticky-a", env)
		Eventually(podsOf).WithArguments(first).WithTimeout(wait).Should(HaveLen(40))

		// The first router gives the deleted pod's slot to the pod that
		// replaces it; a router started afterwards numbers the three it
		// finds in order: each pod's slot differs between the two.
		Expect(pods.Delete(context.Background(), pods.Pods()[0])).To(Succeed())
		Expect(pods.Scale(context.Background(), 3)).To(Succeed())
		newest := pods.Pods()[2]
		Eventually(func() ([]string, error) {
			m, err := podsOf(first)
			return slices.Collect(maps.Values(m)), err
		}).WithTimeout(wait).Should(ContainElement(newest))
		second := startRouter("sticky-b", env)
		Eventually(podsOf).WithArguments(second).WithTimeout(wait).Should(HaveLen(40))

		a, err := podsOf(first)
		Expect(err).NotTo(HaveOccurred())
		b, err := podsOf(second)
		Expect(err).NotTo(HaveOccurred())
		Expect(b).To(Equal(a), "each client's pod through the second router, against the first's")
		again, err := podsOf(first)
		Expect(err).NotTo(HaveOccurred())
		Expect(again).To(Equal(a), "each client keeps its pod")
		Expect(slices.Compact(slices.Sorted(maps.Values(a)))).To(HaveLen(3), "the clients spread over the three pods")
	})
})
