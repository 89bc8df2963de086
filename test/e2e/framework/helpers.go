package framework

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/echo"
)

// Reply is what one request returned.
type Reply struct {
	Status int
	Header http.Header
	// Echo is the decoded echo body (zero when the body was not JSON).
	Echo echo.Response
	// Proto is the protocol the client spoke ("HTTP/2.0", "HTTP/1.1").
	Proto string
	// PeerCert is the certificate the TLS server presented.
	PeerCert *x509.Certificate
}

// Get requests url and decodes an echo reply.
func (c *Client) Get(url string) (Reply, error) {
	resp, err := c.Client.Get(url)
	if err != nil {
		return Reply{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Reply{}, err
	}
	r := Reply{Status: resp.StatusCode, Header: resp.Header, Proto: resp.Proto}
	_ = json.Unmarshal(body, &r.Echo)
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		r.PeerCert = resp.TLS.PeerCertificates[0]
	}
	return r, nil
}

// CA is a test certificate authority.
type CA struct {
	certs.KeyPair
	Pool *x509.CertPool
}

// NewCA makes a CA.
func NewCA(name string) (*CA, error) {
	kp, err := certs.NewCA(name, 24*time.Hour, time.Now())
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(kp.CertPEM)
	return &CA{KeyPair: kp, Pool: pool}, nil
}

// Issue signs a serving certificate for the names.
func (ca *CA) Issue(names ...string) (certs.KeyPair, error) {
	return certs.NewServingCert(ca.KeyPair, names, nil, 24*time.Hour, time.Now())
}

// TLSCertificate issues a certificate as a tls.Certificate.
func (ca *CA) TLSCertificate(names ...string) (*tls.Certificate, error) {
	kp, err := ca.Issue(names...)
	if err != nil {
		return nil, err
	}
	c, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
	return &c, err
}

// WritePEM writes key and certificate into one file, as HAProxy reads them.
func WritePEM(dir, name string, kp certs.KeyPair) (string, error) {
	p := filepath.Join(dir, name)
	return p, os.WriteFile(p, append(append([]byte{}, kp.KeyPEM...), kp.CertPEM...), 0o600)
}

// SelfSignedPKCS1 makes the ingress conformance suite's test certificate:
// self-signed RSA 2048 with the given CN, organisation and DNS SAN, valid
// a year, key in PKCS#1 form.
func SelfSignedPKCS1(cn, org, host string) (certPEM, keyPEM []byte, err error) {
	return SelfSignedRSA(2048, cn, org, host)
}

// SelfSignedRSA is SelfSignedPKCS1 with an RSA key of bits (no
// organisation when org is empty). Below 2048 bits, Go takes it and
// HAProxy's OpenSSL (security level 2) refuses it; below 1024, only a test
// binary with //go:debug rsa1024min=0 can make it.
func SelfSignedRSA(bits int, cn, org, host string) (certPEM, keyPEM []byte, err error) {
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, nil, err
	}
	subject := pkix.Name{CommonName: cn}
	if org != "" {
		subject.Organization = []string{org}
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      subject,
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageKeyEncipherment | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), nil
}

// Report appends a line to the file named by OKD_INGRESS_REPORT, which
// `make test` prints at the end: go test hides a passing package's output.
func Report(line string) error {
	f := os.Getenv("OKD_INGRESS_REPORT")
	if f == "" {
		return nil
	}
	out, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := out.WriteString(strings.TrimRight(line, "\n") + "\n"); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// RouteCondition reads the condition of type t in routerName's status entry
// of the Route key; zero when there is none.
func RouteCondition(c client.Client, key client.ObjectKey, routerName string, t routev1.RouteIngressConditionType) (routev1.RouteIngressCondition, error) {
	var r routev1.Route
	if err := c.Get(context.Background(), key, &r); err != nil {
		return routev1.RouteIngressCondition{}, err
	}
	for _, in := range r.Status.Ingress {
		for _, cond := range in.Conditions {
			if in.RouterName == routerName && cond.Type == t {
				return cond, nil
			}
		}
	}
	return routev1.RouteIngressCondition{}, nil
}
