package router_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

var _ = Describe("TLS groups", func() {
	It("offers only the ROUTER_CURVES groups this HAProxy's OpenSSL has: a client of one is served, a client of none refused", func() {
		ns := newNamespace("curves", nil)
		newBackend(ns, "web", 1)
		host := "curves.example.com"
		url := "https://" + host + "/"
		// An RSA certificate of its own, for a host the default one does
		// not cover: with an ECDSA P-256 certificate (the default one's),
		// OpenSSL serves TLS 1.2 only to clients that offer P-256 too,
		// whatever groups the router offers; and HAProxy prefers a
		// matching ECDSA certificate, even a wildcard, to an RSA one.
		kp, err := certs.NewRSAServingCert(routerCA.KeyPair, []string{host}, nil, time.Hour, time.Now())
		Expect(err).NotTo(HaveOccurred())
		edge := sharded("curves")(route(ns, "edge", host, "web", "http"))
		edge.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: string(kp.CertPEM), Key: string(kp.KeyPEM)}
		create(edge)
		// As the operator writes a TLS profile's curves: a post-quantum
		// group that needs OpenSSL 3.5, and one every OpenSSL 3 has.
		r := startRouter("curves", map[string]string{"ROUTE_LABELS": "shard=curves", names.EnvRouterCurves: "X25519MLKEM768:secp384r1"})

		By("haproxy.cfg names the groups HAProxy's OpenSSL has, the router log the one it dropped")
		mlkem := runsOpenSSL35()
		files, err := r.ConfigFiles()
		Expect(err).NotTo(HaveOccurred())
		if mlkem {
			Expect(files["haproxy.cfg"]).To(ContainSubstring("\n  ssl-default-bind-curves X25519MLKEM768:secp384r1\n"))
			Expect(r.Log()).NotTo(ContainSubstring("dropping TLS groups"))
		} else {
			Expect(files["haproxy.cfg"]).To(ContainSubstring("\n  ssl-default-bind-curves secp384r1\n"))
			Expect(r.Log()).To(MatchRegexp(`dropping TLS groups this HAProxy's OpenSSL does not support.*"dropped":\["X25519MLKEM768"\]`))
		}

		for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
			By(tls.VersionName(v) + ": a client offering only P-384 is served, one offering only X25519 is refused in the handshake")
			p384 := groupsClient(r, v, tls.CurveP384)
			Eventually(servedBy(p384, url)).WithTimeout(wait).Should(Equal("web"))
			_, err := groupsClient(r, v, tls.X25519).Get(url)
			Expect(err).To(MatchError(ContainSubstring("remote error: tls: handshake failure")))
		}
	})

	It("refuses TLS 1.2 clients with SSL_MIN_VERSION=TLSv1.3, and offers TLS 1.2 clients only the ROUTER_CIPHERS", func() {
		ns := newNamespace("tlsprofile", nil)
		newBackend(ns, "web", 1)
		url := "https://tlsprofile." + domain + "/"
		create(terminated(routev1.TLSTerminationEdge)(sharded("tlsprofile")(route(ns, "edge", "tlsprofile."+domain, "web", "http"))))
		modern := startRouter("tls13", map[string]string{"ROUTE_LABELS": "shard=tlsprofile", names.EnvSSLMinVersion: "TLSv1.3"})
		Eventually(servedBy(groupsClient(modern, tls.VersionTLS13), url)).WithTimeout(wait).Should(Equal("web"))
		_, err := groupsClient(modern, tls.VersionTLS12).Get(url)
		Expect(err).To(MatchError(ContainSubstring("remote error: tls: protocol version not supported")))

		By("ROUTER_CIPHERS: a TLS 1.2 client with a suite the list has is served, one with only others refused")
		one := startRouter("ciphers", map[string]string{"ROUTE_LABELS": "shard=tlsprofile", names.EnvRouterCiphers: "ECDHE-ECDSA-AES256-GCM-SHA384"})
		c := groupsClient(one, tls.VersionTLS12)
		tlsConfig(c).CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}
		Eventually(servedBy(c, url)).WithTimeout(wait).Should(Equal("web"))
		c = groupsClient(one, tls.VersionTLS12)
		tlsConfig(c).CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
		_, err = c.Get(url)
		Expect(err).To(MatchError(ContainSubstring("remote error: tls: handshake failure")))
	})
})

// groupsClient is a client of r that speaks only TLS version v, offers
// only the key-exchange groups given (Go's own choice when none), verifies
// the router's default certificate, and opens a connection per request.
func groupsClient(r *framework.Router, v uint16, groups ...tls.CurveID) *framework.Client {
	c := r.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool, NewConnections: true})
	tc := tlsConfig(c)
	tc.MinVersion, tc.MaxVersion, tc.CurvePreferences = v, v, groups
	return c
}

func tlsConfig(c *framework.Client) *tls.Config { return c.Transport.(*http.Transport).TLSClientConfig }

// runsOpenSSL35 reports whether the HAProxy under test runs on OpenSSL 3.5
// or later, the first with the ML-KEM groups.
func runsOpenSSL35() bool {
	GinkgoHelper()
	bin, err := framework.HAProxyBinary()
	Expect(err).NotTo(HaveOccurred())
	v, err := haproxy.RunningOpenSSL(context.Background(), bin)
	Expect(err).NotTo(HaveOccurred())
	var major, minor int
	_, err = fmt.Sscanf(v, "OpenSSL %d.%d", &major, &minor)
	Expect(err).NotTo(HaveOccurred(), "haproxy -vv names no OpenSSL version: %q", v)
	return major > 3 || major == 3 && minor >= 5
}

var _ = Describe("A route's own certificate", func() {
	It("is served for its host under the default certificate's wildcard, whatever their key types", func() {
		ns := newNamespace("owncert", nil)
		newBackend(ns, "web", 1)
		host := "owncert." + domain
		kp, err := certs.NewRSAServingCert(routerCA.KeyPair, []string{host}, nil, time.Hour, time.Now())
		Expect(err).NotTo(HaveOccurred())
		own := parseCert(kp.CertPEM)
		rt := sharded("owncert")(route(ns, "own", host, "web", "http"))
		rt.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: string(kp.CertPEM), Key: string(kp.KeyPEM)}
		create(rt)
		create(terminated(routev1.TLSTerminationEdge)(sharded("owncert")(route(ns, "shared", "shared."+domain, "web", "http"))))
		r := startRouter("owncert", map[string]string{"ROUTE_LABELS": "shard=owncert"})
		c := r.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool})
		peer := func(url string) func() *x509.Certificate { return peerCert(c, url) }

		By("a host without a certificate of its own gets the default one, an ECDSA wildcard")
		Eventually(peer("https://shared." + domain + "/")).WithTimeout(wait).Should(And(Not(BeNil()),
			HaveField("PublicKeyAlgorithm", x509.ECDSA), HaveField("DNSNames", ContainElement("*."+domain))))

		By("the route's own RSA certificate wins over it, for a client that takes ECDSA too")
		Eventually(peer("https://" + host + "/")).WithTimeout(wait).Should(Satisfy(own.Equal))
	})
	It("is served for its host under a wildcard route's certificate, whatever their key types", func() {
		ns := newNamespace("wildcert", nil)
		newBackend(ns, "web", 1)
		const domain = "wildcert.example.com"
		wildKP, err := routerCA.Issue("*." + domain)
		Expect(err).NotTo(HaveOccurred())
		exactKP, err := certs.NewRSAServingCert(routerCA.KeyPair, []string{"exact." + domain}, nil, time.Hour, time.Now())
		Expect(err).NotTo(HaveOccurred())
		wild, exact := parseCert(wildKP.CertPEM), parseCert(exactKP.CertPEM)
		Expect(wild.PublicKeyAlgorithm).To(Equal(x509.ECDSA), "the wildcard's certificate is ECDSA, which HAProxy prefers")
		w := sharded("wildcert")(route(ns, "wild", "www."+domain, "web", "http"))
		w.Spec.WildcardPolicy = routev1.WildcardPolicySubdomain
		w.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: string(wildKP.CertPEM), Key: string(wildKP.KeyPEM)}
		create(w)
		e := sharded("wildcert")(route(ns, "exact", "exact."+domain, "web", "http"))
		e.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: string(exactKP.CertPEM), Key: string(exactKP.KeyPEM)}
		create(e)
		r := startRouter("wildcert", map[string]string{"ROUTE_LABELS": "shard=wildcert", names.EnvRouterAllowWildcardRoutes: "true"})
		c := r.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool})
		Eventually(peerCert(c, "https://any."+domain+"/")).WithTimeout(wait).Should(Satisfy(wild.Equal), "a host the wildcard route serves")
		Eventually(peerCert(c, "https://exact."+domain+"/")).WithTimeout(wait).Should(Satisfy(exact.Equal), "the exact route's own certificate")
	})
})

// peerCert returns the certificate the router shows for url, nil until
// it answers 200.
func peerCert(c *framework.Client, url string) func() *x509.Certificate {
	return func() *x509.Certificate {
		reply, err := c.Get(url)
		if err != nil || reply.Status != 200 {
			return nil
		}
		return reply.PeerCert
	}
}

// parseCert is the certificate of a key pair's PEM.
func parseCert(pemBytes []byte) *x509.Certificate {
	GinkgoHelper()
	chain, err := certs.ParseCertificates(pemBytes)
	Expect(err).NotTo(HaveOccurred())
	return chain[0]
}
