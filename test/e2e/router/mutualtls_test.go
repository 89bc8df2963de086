package router_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

var _ = Describe("Client certificates", func() {
	It("with policy required, serves clients of the CA on edge (default and own certificate) and reencrypt routes with OKD's X-SSL headers, refuses the others, and drops client-sent X-SSL headers, also over plain HTTP and behind the SNI hop", func() {
		ns := newNamespace("mtls", nil)
		newBackend(ns, "web", 1)
		// Allow: the plain HTTP frontend must drop client-sent X-SSL headers too.
		edge := sharded("mtls")(route(ns, "edge", "mtls."+domain, "web", "http"))
		edge.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyAllow}
		create(edge)
		// A route's own certificate is served from its crt-list line by SNI,
		// the default certificate from the first line: each must be verified
		// alike.
		kp, err := routerCA.Issue("mtls-own.example.com")
		Expect(err).NotTo(HaveOccurred())
		own := sharded("mtls")(route(ns, "own", "mtls-own.example.com", "web", "http"))
		own.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: string(kp.CertPEM), Key: string(kp.KeyPEM)}
		create(own)
		re := sharded("mtls")(route(ns, "re", "mtls-re."+domain, "web", "https"))
		re.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt, DestinationCACertificate: string(backendCA.CertPEM)}
		create(re)

		ca, caFile := newClientCA("mtls-clients")
		client, clientLeaf := issueClient(ca, "client")
		// The same subject from a CA the router does not trust.
		stranger, _ := newClientCA("mtls-strangers")
		forged, _ := issueClient(stranger, "client")
		r := startRouter("mtls", map[string]string{"ROUTE_LABELS": "shard=mtls",
			names.EnvRouterMutualTLSAuth: "required", names.EnvRouterMutualTLSAuthCA: caFile})
		withCert, noCert, otherCA := presenting(r, client), presenting(r, nil), presenting(r, forged)

		// refused: the alert that names the reason. Behind the SNI hop the
		// alert is sometimes lost (about one refusal in eight): the client
		// then sees the connection closed, still with no HTTP answer.
		refused := func(alert string, hop bool) OmegaMatcher {
			if hop {
				return Or(ContainSubstring(alert), HaveSuffix(": EOF"))
			}
			return ContainSubstring(alert)
		}
		checkTLS := func(host string, hop bool) {
			GinkgoHelper()
			url := "https://" + host + "/"
			Eventually(servedBy(withCert, url)).WithTimeout(wait).Should(Equal("web"), host)
			_, e := echoGet(withCert, url, func(req *http.Request) {
				req.Header.Set("X-SSL-Client-CN", "forged")
				req.Header["X-SSL-Forged"] = []string{"yes"} // sent as spelt
			})
			expectClientHeaders(e.Headers, clientLeaf, host)
			Expect(refusal(noCert, url)).To(refused("remote error: tls: certificate required", hop), "%s: no certificate", host)
			Expect(refusal(otherCA, url)).To(refused("remote error: tls: unknown certificate authority", hop), "%s: another CA's certificate", host)
		}
		for _, host := range []string{"mtls." + domain, "mtls-own.example.com", "mtls-re." + domain} {
			checkTLS(host, false)
		}

		By("plain HTTP on the edge route that allows it: no client-sent X-SSL header reaches the pod")
		plain := r.NewClient(framework.ClientOptions{})
		_, e := echoGet(plain, "http://mtls."+domain+"/", func(req *http.Request) {
			req.Header.Set("X-SSL-Client-Verify", "0")
			req.Header.Set("X-SSL-Client-CN", "forged")
			req.Header["x-ssl"] = []string{"1"}
		})
		Expect(sslHeaders(e.Headers)).To(BeEmpty())
		Expect(e.Headers).To(HaveKey("X-Forwarded-Proto"), "the pod's answer is the echo of this request")

		By("behind the SNI-inspecting frontend and its internal hop; a passthrough route asks for no certificate")
		before, err := r.ReloadCount()
		Expect(err).NotTo(HaveOccurred())
		create(terminated(routev1.TLSTerminationPassthrough)(sharded("mtls")(route(ns, "pt", "mtls-pt.example.com", "web", "https"))))
		Eventually(r.ReloadCount).WithTimeout(wait).Should(BeNumerically(">", before), "the first passthrough route brings the inspecting frontend")
		ptClient := r.NewClient(framework.ClientOptions{RootCAs: backendCA.Pool, NewConnections: true})
		Eventually(servedBy(ptClient, "https://mtls-pt.example.com/")).WithTimeout(wait).Should(Equal("web"))
		files, err := r.ConfigFiles()
		Expect(err).NotTo(HaveOccurred())
		Expect(files["haproxy.cfg"]).To(ContainSubstring("frontend public_ssl"))
		// The worker without the hop verifies alike: wait until it is gone,
		// so that the checks below go through the hop.
		Eventually(r.OldWorkers).WithTimeout(wait).Should(BeZero())
		checkTLS("mtls."+domain, true)
		checkTLS("mtls-own.example.com", true)
	})

	It("with policy optional and a subject filter, answers 403 to a client without a certificate or with a subject the filter does not match, and still refuses another CA's certificate", func() {
		ns := newNamespace("mtlsfilter", nil)
		newBackend(ns, "web", 1)
		create(terminated(routev1.TLSTerminationEdge)(sharded("mtlsfilter")(route(ns, "edge", "mtls-filter."+domain, "web", "http"))))
		ca, caFile := newClientCA("mtls-filter-clients")
		allowed, allowedLeaf := issueClient(ca, "allowed")
		other, _ := issueClient(ca, "other")
		stranger, _ := newClientCA("mtls-filter-strangers")
		forged, _ := issueClient(stranger, "allowed")
		// OpenSSL's one-line form, as HAProxy's ssl_c_s_dn gives it; "$"
		// and "\" go through the router's quoting into haproxy.cfg.
		r := startRouter("mtlsfilter", map[string]string{"ROUTE_LABELS": "shard=mtlsfilter",
			names.EnvRouterMutualTLSAuth: "optional", names.EnvRouterMutualTLSAuthCA: caFile,
			names.EnvRouterMutualTLSAuthFilter: `^/O=Example/CN=allow\w+$`})
		url := "https://mtls-filter." + domain + "/"
		withAllowed := presenting(r, allowed)
		Eventually(servedBy(withAllowed, url)).WithTimeout(wait).Should(Equal("web"))
		_, e := echoGet(withAllowed, url, func(*http.Request) {})
		expectClientHeaders(e.Headers, allowedLeaf, "allowed")

		Expect(status(presenting(r, other), url)()).To(Equal(http.StatusForbidden), "a subject the filter does not match")
		Expect(status(presenting(r, nil), url)()).To(Equal(http.StatusForbidden), "optional: the handshake succeeds without a certificate, and no subject matches")
		Expect(refusal(presenting(r, forged), url)).To(ContainSubstring("remote error: tls: unknown certificate authority"),
			"optional still verifies a certificate that is presented")
	})

	It("with policy optional and no filter, lets a client without a certificate in with no client-certificate header, so that none reads as verified", func() {
		ns := newNamespace("mtlsopt", nil)
		newBackend(ns, "web", 1)
		create(terminated(routev1.TLSTerminationEdge)(sharded("mtlsopt")(route(ns, "edge", "mtls-opt."+domain, "web", "http"))))
		ca, caFile := newClientCA("mtls-opt-clients")
		client, clientLeaf := issueClient(ca, "client")
		r := startRouter("mtlsopt", map[string]string{"ROUTE_LABELS": "shard=mtlsopt",
			names.EnvRouterMutualTLSAuth: "optional", names.EnvRouterMutualTLSAuthCA: caFile})
		url := "https://mtls-opt." + domain + "/"
		anonymous := presenting(r, nil)
		Eventually(servedBy(anonymous, url)).WithTimeout(wait).Should(Equal("web"))
		// Forged in both spellings: CGI-style servers read "_" as "-".
		_, e := echoGet(anonymous, url, func(req *http.Request) {
			req.Header["X-SSL-Client-Verify"] = []string{"0"}
			req.Header["X_SSL_Client_DN"] = []string{"/CN=admin"}
		})
		Expect(sslHeaders(e.Headers)).To(Equal(map[string][]string{"X-Ssl": {"1"}}), "TLS, and nothing of a certificate")
		Expect(e.Headers).NotTo(HaveKey("X_ssl_client_dn"))
		Expect(e.Headers).NotTo(HaveKey("X_SSL_Client_DN"))
		_, e = echoGet(presenting(r, client), url, func(*http.Request) {})
		expectClientHeaders(e.Headers, clientLeaf, "a client with a certificate")
	})

	It("refuses a client whose certificate the CA's revocation list names, and serves one it does not", func() {
		ns := newNamespace("mtlscrl", nil)
		newBackend(ns, "web", 1)
		create(terminated(routev1.TLSTerminationEdge)(sharded("mtlscrl")(route(ns, "edge", "mtls-crl."+domain, "web", "http"))))
		ca, caFile := newClientCA("mtls-crl-clients")
		good, _ := issueClient(ca, "good")
		revoked, revokedLeaf := issueClient(ca, "revoked")
		// Issued by the root itself: with a crl-file OpenSSL wants a list
		// from the issuer of every certificate of the chain, the root's too.
		caCert, caKey, err := ca.Parse()
		Expect(err).NotTo(HaveOccurred())
		now := time.Now()
		der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
			Number: big.NewInt(1), ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour),
			RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: revokedLeaf.SerialNumber, RevocationTime: now.Add(-time.Minute)}},
		}, caCert, caKey)
		Expect(err).NotTo(HaveOccurred())
		crlFile := filepath.Join(GinkgoT().TempDir(), "crl.pem")
		Expect(os.WriteFile(crlFile, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), 0o644)).To(Succeed())
		r := startRouter("mtlscrl", map[string]string{"ROUTE_LABELS": "shard=mtlscrl",
			names.EnvRouterMutualTLSAuth: "required", names.EnvRouterMutualTLSAuthCA: caFile, names.EnvRouterMutualTLSAuthCRL: crlFile})
		url := "https://mtls-crl." + domain + "/"
		Eventually(servedBy(presenting(r, good), url)).WithTimeout(wait).Should(Equal("web"))
		Expect(refusal(presenting(r, revoked), url)).To(ContainSubstring("remote error: tls: revoked certificate"))
	})

	It("fetches the revocation lists the client CA names: refuses its clients until one is in, then checks them, and follows a new list without a reload", func() {
		ns := newNamespace("mtlsfetch", nil)
		newBackend(ns, "web", 1)
		create(terminated(routev1.TLSTerminationEdge)(sharded("mtlsfetch")(route(ns, "edge", "mtls-fetch."+domain, "web", "http"))))
		create(sharded("mtlsfetch")(route(ns, "plain", "mtls-fetch-plain."+domain, "web", "http")))
		lists := &listServer{}
		srv := httptest.NewServer(lists)
		DeferCleanup(srv.Close)
		ca, caFile := clientCAWithCRL("mtls-fetch-clients", srv.URL+"/clients.crl")
		good, goodLeaf := issueClient(ca, "good")
		revoked, revokedLeaf := issueClient(ca, "revoked")
		r := startRouter("mtlsfetch", map[string]string{"ROUTE_LABELS": "shard=mtlsfetch",
			names.EnvRouterMutualTLSAuth: "required", names.EnvRouterMutualTLSAuthCA: caFile})
		before, err := r.ReloadCount()
		Expect(err).NotTo(HaveOccurred())
		url := "https://mtls-fetch." + domain + "/"

		By("no list yet: clients with certificates are refused, plain HTTP is served")
		Eventually(servedBy(r.NewClient(framework.ClientOptions{}), "http://mtls-fetch-plain."+domain+"/")).WithTimeout(wait).Should(Equal("web"))
		Expect(refusal(presenting(r, good), url)).To(ContainSubstring("remote error: tls: "))
		Expect(r.ConfigFiles()).To(HaveKeyWithValue("client-crl.pem", ContainSubstring("BEGIN X509 CRL")))
		Expect(r.Metric("okd_router_client_crls_missing")).To(Equal(1.0))

		By("the list in: the revoked client is refused, the other served")
		lists.publish(ca, 15*time.Second, revokedLeaf.SerialNumber)
		Eventually(servedBy(presenting(r, good), url)).WithTimeout(time.Minute).Should(Equal("web"))
		Expect(refusal(presenting(r, revoked), url)).To(ContainSubstring("remote error: tls: revoked certificate"))
		Expect(r.Metric("okd_router_client_crls_missing")).To(Equal(0.0))

		By("a new list revoking both, fetched before the first expires")
		lists.publish(ca, time.Hour, revokedLeaf.SerialNumber, goodLeaf.SerialNumber)
		Eventually(func() string { return refusal(presenting(r, good), url) }).WithTimeout(time.Minute).
			Should(ContainSubstring("remote error: tls: revoked certificate"))
		Expect(r.ReloadCount()).To(Equal(before), "lists go live at runtime")
		Expect(r.Log()).To(ContainSubstring("client CA revocation list fetched"))
	})

	It("keeps a router given a CA file that is not one from starting, naming the variable", func() {
		ca, err := certs.NewCA("mtls-bad", time.Hour, time.Now())
		Expect(err).NotTo(HaveOccurred())
		keyFile := filepath.Join(GinkgoT().TempDir(), "key.pem")
		Expect(os.WriteFile(keyFile, ca.KeyPEM, 0o600)).To(Succeed())
		r, err := framework.StartRouter(framework.RouterOptions{Kubeconfig: cluster.Kubeconfig, Name: "mtlsbad", DefaultCertificate: defCert,
			Env: map[string]string{"ROUTE_LABELS": "shard=mtlsbad", names.EnvRouterMutualTLSAuth: "required", names.EnvRouterMutualTLSAuthCA: keyFile}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(r.Stop)
		err = r.WaitReady(30 * time.Second)
		Expect(err).To(MatchError(ContainSubstring("router exited")), "it stops rather than serve without the check")
		Expect(err).To(MatchError(ContainSubstring(names.EnvRouterMutualTLSAuthCA + `="` + keyFile + `"`)))
	})
})

// listServer serves a client CA's revocation list, made when it is
// fetched: valid from a few seconds before for the validity published
// (so that a short one is fetched again soon), or 503 before one is.
type listServer struct {
	mu       sync.Mutex
	ca       certs.KeyPair
	validity time.Duration
	serials  []*big.Int
}

func (l *listServer) publish(ca certs.KeyPair, validity time.Duration, serials ...*big.Int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ca, l.validity, l.serials = ca, validity, serials
}

func (l *listServer) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	defer GinkgoRecover()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.validity == 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	caCert, caKey, err := l.ca.Parse()
	Expect(err).NotTo(HaveOccurred())
	now := time.Now()
	var entries []x509.RevocationListEntry
	for _, s := range l.serials {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: s, RevocationTime: now.Add(-time.Minute)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(now.UnixNano()),
		ThisUpdate: now.Add(-5 * time.Second), NextUpdate: now.Add(l.validity), RevokedCertificateEntries: entries}, caCert, caKey)
	Expect(err).NotTo(HaveOccurred())
	_, _ = w.Write(der)
}

// clientCAWithCRL is newClientCA for a CA whose certificate names point
// as its CRL distribution point.
func clientCAWithCRL(name, point string) (certs.KeyPair, string) {
	GinkgoHelper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, CRLDistributionPoints: []string{point}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	Expect(err).NotTo(HaveOccurred())
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	Expect(err).NotTo(HaveOccurred())
	ca := certs.KeyPair{CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})}
	file := filepath.Join(GinkgoT().TempDir(), "ca.pem")
	Expect(os.WriteFile(file, ca.CertPEM, 0o644)).To(Succeed())
	return ca, file
}

// newClientCA makes a CA for client certificates and writes its
// certificate where ROUTER_MUTUAL_TLS_AUTH_CA can name it.
func newClientCA(name string) (certs.KeyPair, string) {
	GinkgoHelper()
	ca, err := certs.NewCA(name, time.Hour, time.Now())
	Expect(err).NotTo(HaveOccurred())
	file := filepath.Join(GinkgoT().TempDir(), "ca.pem")
	Expect(os.WriteFile(file, ca.CertPEM, 0o644)).To(Succeed())
	return ca, file
}

// issueClient signs a client certificate for O=Example, CN=cn.
func issueClient(ca certs.KeyPair, cn string) (*tls.Certificate, *x509.Certificate) {
	GinkgoHelper()
	kp, err := certs.NewClientCert(ca, cn, []string{"Example"}, time.Hour, time.Now())
	Expect(err).NotTo(HaveOccurred())
	c, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
	Expect(err).NotTo(HaveOccurred())
	return &c, c.Leaf
}

// presenting is a client of r that trusts the router's CA and presents
// cert (nothing when nil) on a new connection per request. It presents the
// certificate even when the router's list of acceptable CAs does not name
// its issuer: Go would otherwise send none, and a certificate from another
// CA would never be tried.
func presenting(r *framework.Router, cert *tls.Certificate) *framework.Client {
	c := r.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool, NewConnections: true})
	c.Transport.(*http.Transport).TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		if cert == nil {
			return &tls.Certificate{}, nil
		}
		return cert, nil
	}
	return c
}

// refusal is the error of a GET that the router must refuse in the TLS
// handshake, or what came instead: with TLS 1.3 the client learns of the
// refusal by the alert that comes in place of the answer.
func refusal(c *framework.Client, url string) string {
	r, err := c.Get(url)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("answered with status %d", r.Status)
}

// expectClientHeaders checks OKD's X-SSL headers as the pod received
// them, for a client that presented leaf: the router's values only.
func expectClientHeaders(h map[string][]string, leaf *x509.Certificate, desc string) {
	GinkgoHelper()
	sha := sha1.Sum(leaf.Raw)
	want := map[string][]string{
		"X-Ssl":                  {"1"},
		"X-Ssl-Client-Verify":    {"0"},
		"X-Ssl-Client-Dn":        {"/O=Example/CN=" + leaf.Subject.CommonName},
		"X-Ssl-Client-Cn":        {leaf.Subject.CommonName},
		"X-Ssl-Issuer":           {"/CN=" + leaf.Issuer.CommonName},
		"X-Ssl-Client-Serial":    {fmt.Sprintf("%X", leaf.SerialNumber.Bytes())},
		"X-Ssl-Client-Version":   {"3"},
		"X-Ssl-Client-Sha1":      {fmt.Sprintf("%X", sha[:])},
		"X-Ssl-Client-Notbefore": {leaf.NotBefore.UTC().Format("060102150405Z")},
		"X-Ssl-Client-Notafter":  {leaf.NotAfter.UTC().Format("060102150405Z")},
		"X-Ssl-Client-Der":       {base64.StdEncoding.EncodeToString(leaf.Raw)},
	}
	Expect(sslHeaders(h)).To(Equal(want), desc)
}

// sslHeaders are the headers whose names start with X-SSL.
func sslHeaders(h map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-ssl") {
			out[k] = v
		}
	}
	return out
}
