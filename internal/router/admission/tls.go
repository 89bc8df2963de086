package admission

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/certs"
)

// TLS is a route's TLS settings with its certificates parsed and
// re-encoded: only PEM that the router produced itself reaches HAProxy's
// files, never the text a user wrote.
type TLS struct {
	Termination    routev1.TLSTerminationType
	InsecurePolicy routev1.InsecureEdgeTerminationPolicyType
	// Certificate is the key, certificate and chain in one PEM file, as
	// HAProxy loads it; nil means the default certificate.
	Certificate []byte
	// DestinationCA is the PEM bundle verifying reencrypt backends; nil
	// means the router's default destination CA.
	DestinationCA []byte
}

// Passthrough reports whether the route's TLS goes through to the pod:
// the router never sees its HTTP. A nil TLS is a plain HTTP route.
func (t *TLS) Passthrough() bool {
	return t != nil && t.Termination == routev1.TLSTerminationPassthrough
}

// OnlyTLS reports whether the router serves the route over TLS only: edge
// or reencrypt, not allowing HTTP (OKD's condition for a Secure cookie).
func (t *TLS) OnlyTLS() bool {
	return t != nil && !t.Passthrough() && t.InsecurePolicy != routev1.InsecureEdgeTerminationPolicyAllow
}

func parseTLS(t *routev1.TLSConfig, verifyChains bool) (*TLS, error) {
	if t == nil {
		return nil, nil
	}
	out := &TLS{Termination: t.Termination, InsecurePolicy: t.InsecureEdgeTerminationPolicy}
	if t.Termination == routev1.TLSTerminationPassthrough {
		return out, nil
	}
	if t.Certificate != "" || t.Key != "" {
		pemFile, err := certificateFile(t, verifyChains)
		if err != nil {
			return nil, err
		}
		out.Certificate = pemFile
	}
	if t.DestinationCACertificate != "" {
		cas, err := caBundle("destinationCACertificate", t.DestinationCACertificate)
		if err != nil {
			return nil, err
		}
		out.DestinationCA = encodeCerts(cas)
	}
	return out, nil
}

// secretFields names the Secret's keys where errors name the route's
// fields: the certificate and key came from there.
var secretFields = strings.NewReplacer("spec.tls.certificate/key", "tls.crt/tls.key",
	"spec.tls.certificate", "tls.crt", "spec.tls.key", "tls.key")

// parseExternalTLS parses the TLS of a route whose certificate and key are
// in the kubernetes.io/tls Secret name of its namespace, checked as
// spec.tls's own would be, with the Secret's version. It gives the reason
// OKD gives when it fails.
func parseExternalTLS(r *routev1.Route, name string, p Policy) (*TLS, string, string, error) {
	if name == "" {
		return nil, "", ReasonExternalCertificateGetFailed, errors.New("spec.tls.externalCertificate: the name of a kubernetes.io/tls Secret is required")
	}
	if p.Secret == nil {
		return nil, "", ReasonExternalCertificateGetFailed, fmt.Errorf("spec.tls.externalCertificate: secret %q: this router reads no Secrets", name)
	}
	secret, err := p.Secret(types.NamespacedName{Namespace: r.Namespace, Name: name})
	if err != nil {
		return nil, "", ReasonExternalCertificateGetFailed, fmt.Errorf("spec.tls.externalCertificate: secret %q: %v", name, err)
	}
	if secret.Type != corev1.SecretTypeTLS {
		return nil, "", ReasonExternalCertificateValidationFailed,
			fmt.Errorf("spec.tls.externalCertificate: secret %q is of type %q, not %q", name, secret.Type, corev1.SecretTypeTLS)
	}
	t := r.Spec.TLS.DeepCopy()
	t.ExternalCertificate = nil
	t.Certificate, t.Key = string(secret.Data[corev1.TLSCertKey]), string(secret.Data[corev1.TLSPrivateKeyKey])
	if t.Certificate == "" || t.Key == "" {
		// Else the route would be served with the default certificate.
		return nil, "", ReasonExternalCertificateValidationFailed,
			fmt.Errorf("spec.tls.externalCertificate: secret %q: tls.crt and tls.key must both hold PEM", name)
	}
	out, err := parseTLS(t, p.VerifyChains)
	if err != nil {
		return nil, "", ReasonExternalCertificateValidationFailed,
			fmt.Errorf("spec.tls.externalCertificate: secret %q: %s", name, secretFields.Replace(err.Error()))
	}
	return out, secret.ResourceVersion, "", nil
}

// certificateFile checks that certificate and key parse and belong
// together, and that the chain verifies against caCertificate when given,
// then writes key, leaf, intermediates and CA as one PEM file: re-encoded,
// so that none of the text around the user's blocks reaches HAProxy.
func certificateFile(t *routev1.TLSConfig, verifyChains bool) ([]byte, error) {
	chain, key, err := chainAndKey(t)
	if err != nil {
		return nil, err
	}
	var cas []*x509.Certificate
	if t.CACertificate != "" {
		if cas, err = caBundle("caCertificate", t.CACertificate); err != nil {
			return nil, err
		}
		// Served as the chain: HAProxy checks each one's signature.
		if err := certs.WeakSignatures(cas); err != nil {
			return nil, fmt.Errorf("spec.tls.caCertificate: %v", err)
		}
		if verifyChains {
			if err := chainVerdicts.verify(chain[0], chain[1:], cas); err != nil {
				return nil, fmt.Errorf("spec.tls.certificate does not verify against spec.tls.caCertificate: %v", err)
			}
		}
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("spec.tls.key: %v", err)
	}
	var b bytes.Buffer
	b.Write(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	b.Write(encodeCerts(chain))
	b.Write(encodeCerts(cas))
	return b.Bytes(), nil
}

// chainAndKey reads the certificates of spec.tls.certificate (leaf first)
// and the one private key of the route. As in OKD, the key may come with
// the certificates in spec.tls.certificate, with spec.tls.key empty or
// holding the same key; two different keys leave the router unable to
// tell which one the route means.
func chainAndKey(t *routev1.TLSConfig) ([]*x509.Certificate, crypto.Signer, error) {
	if t.Certificate == "" {
		return nil, nil, errors.New("spec.tls.key is given without spec.tls.certificate")
	}
	cert, err := certs.ParsePEM([]byte(t.Certificate))
	if err != nil {
		return nil, nil, fmt.Errorf("spec.tls.certificate: %v", err)
	}
	if len(cert.Certificates) == 0 {
		return nil, nil, errors.New("spec.tls.certificate: no certificate found")
	}
	if err := certs.WeakSignatures(cert.Certificates); err != nil {
		return nil, nil, fmt.Errorf("spec.tls.certificate: %v", err)
	}
	keys := cert.Keys
	if t.Key != "" {
		k, err := certs.ParsePEM([]byte(t.Key))
		if err != nil {
			return nil, nil, fmt.Errorf("spec.tls.key: %v", err)
		}
		keys = append(keys, k.Keys...)
	}
	if len(keys) == 0 {
		return nil, nil, errors.New("spec.tls: no private key found in spec.tls.key or spec.tls.certificate")
	}
	for _, k := range keys[1:] {
		if !certs.SameKey(keys[0], k) {
			return nil, nil, errors.New("spec.tls: more than one private key is given (in spec.tls.key and spec.tls.certificate): give only the certificate's")
		}
	}
	if !certs.Matches(cert.Certificates[0], keys[0]) {
		return nil, nil, errors.New("spec.tls.certificate/key: the private key does not match the certificate (the first certificate must be the route's own)")
	}
	return cert.Certificates, keys[0], nil
}

// caBundle reads the certificates of a CA field (field names it in
// errors); a bundle without any is an error.
func caBundle(field, data string) ([]*x509.Certificate, error) {
	c, err := certs.ParsePEM([]byte(data))
	if err != nil {
		return nil, fmt.Errorf("spec.tls.%s: %v", field, err)
	}
	if len(c.Certificates) == 0 {
		return nil, fmt.Errorf("spec.tls.%s: no certificate found", field)
	}
	return c.Certificates, nil
}

// chainVerdicts remembers verifyChain's verdicts: admission runs on every
// snapshot, several times per sync, on every router, and a chain's verdict
// depends on its certificates alone (never on the clock), while one check
// may take up to 1 + maxChainInstants x509 verifications.
var chainVerdicts = &verdictCache{verdicts: map[[sha256.Size]byte]error{}, limit: 8192}

// verdictCache holds up to limit verdicts; past it, it starts anew.
type verdictCache struct {
	mu       sync.Mutex
	verdicts map[[sha256.Size]byte]error
	limit    int
}

// verify is verifyChain, remembered by the certificates' bytes.
func (c *verdictCache) verify(leaf *x509.Certificate, intermediates, roots []*x509.Certificate) error {
	h := sha256.New()
	for _, group := range [][]*x509.Certificate{{leaf}, intermediates, roots} {
		fmt.Fprintf(h, "%d;", len(group))
		for _, cert := range group {
			fmt.Fprintf(h, "%d:", len(cert.Raw))
			h.Write(cert.Raw)
		}
	}
	var key [sha256.Size]byte
	h.Sum(key[:0])
	c.mu.Lock()
	err, ok := c.verdicts[key]
	c.mu.Unlock()
	if ok {
		return err
	}
	if err = verifyChain(leaf, intermediates, roots); err != nil {
		// x509's errors hold the certificates: keep only the words, or
		// the cache would keep deleted routes' certificates alive.
		err = errors.New(err.Error())
	}
	c.mu.Lock()
	if len(c.verdicts) >= c.limit {
		clear(c.verdicts)
	}
	c.verdicts[key] = err
	c.mu.Unlock()
	return err
}

// maxChainInstants bounds the instants verifyChain tries after the leaf's
// midpoint: each is one x509 Verify (which Go bounds to 100 signature
// checks), and a caCertificate holding many certificates with the leaf's
// issuer name must not multiply that work without limit.
const maxChainInstants = 8

// verifyChain checks that the leaf links to the roots (caCertificate)
// through the intermediates, as OKD checks it: every caCertificate
// certificate may serve as a root or as an intermediate, so a v1 root
// without basicConstraints verifies, and so does a self-signed leaf
// (CA:FALSE) given as its own caCertificate (cert-manager's SelfSigned
// issuer). As in OKD, the chain must allow serverAuth (Go's default usage).
//
// Expiry is the client's business (OKD ignores x509.Expired), and the
// verdict must not depend on the clock, or a route would flip between
// admitted and rejected as time passes: so the chain is verified at
// instants taken from the certificates, never at now. The leaf's midpoint
// comes first, which settles an ordinary chain with one Verify. When a
// certificate the chain could go through is not valid then (a CA that
// expires before it, or was re-issued with a later notBefore), the chain
// is tried where the validities of a chain's certificates overlap, and is
// accepted if it verifies at any of them, or if x509 finds it links to
// caCertificate and fails only on that CA's validity (expiredRoot). A
// chain that does not link (wrong issuer, bad signature) fails everywhere
// and reports the midpoint's error, as before.
func verifyChain(leaf *x509.Certificate, intermediates, roots []*x509.Certificate) error {
	opts := x509.VerifyOptions{Roots: x509.NewCertPool(), Intermediates: x509.NewCertPool()}
	for _, c := range roots {
		opts.Roots.AddCert(c)
		opts.Intermediates.AddCert(c)
	}
	for _, c := range intermediates {
		opts.Intermediates.AddCert(c)
	}
	verifyAt := func(t time.Time) error {
		opts.CurrentTime = t
		_, err := leaf.Verify(opts)
		return err
	}
	mid := leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2)
	err := verifyAt(mid)
	if err == nil || expiredRoot(err, roots) {
		return nil
	}
	pool := append(append([]*x509.Certificate(nil), intermediates...), roots...)
	for _, t := range retryInstants(leaf, mid, linkedIssuers(leaf, pool)) {
		if e := verifyAt(t); e == nil || expiredRoot(e, roots) {
			return nil
		}
	}
	return err
}

// expiredRoot reports whether err is x509's Expired for a certificate of
// roots (caCertificate). x509 checks a candidate issuer's validity only
// after its signature on the chain below it (every link of which was
// valid) has verified, so such a chain links to caCertificate and fails on
// time alone. OKD admits it, since it ignores Expired, and so does the
// router: this covers the chains no instant can verify, those whose CA's
// validity never meets the leaf's. (x509 returns the error of the last
// candidate issuer it tried, not "unknown authority"; OKD's tolerance of
// expired CAs rests on that too, and the tests pin it.)
func expiredRoot(err error, roots []*x509.Certificate) bool {
	var invalid x509.CertificateInvalidError
	if !errors.As(err, &invalid) || invalid.Reason != x509.Expired || invalid.Cert == nil {
		return false
	}
	return slices.ContainsFunc(roots, func(c *x509.Certificate) bool { return bytes.Equal(c.Raw, invalid.Cert.Raw) })
}

// linkedIssuers is every certificate of pool that a chain from leaf could
// go through: reached from the leaf by names, issuer to subject, the only
// way x509 links a chain. Each name is followed once, so loops of
// cross-signatures end.
func linkedIssuers(leaf *x509.Certificate, pool []*x509.Certificate) []*x509.Certificate {
	bySubject := map[string][]*x509.Certificate{}
	for _, c := range pool {
		bySubject[string(c.RawSubject)] = append(bySubject[string(c.RawSubject)], c)
	}
	var out []*x509.Certificate
	followed := map[string]bool{}
	for next := []string{string(leaf.RawIssuer)}; len(next) > 0; next = next[1:] {
		if followed[next[0]] {
			continue
		}
		followed[next[0]] = true
		for _, c := range bySubject[next[0]] {
			out = append(out, c)
			next = append(next, string(c.RawIssuer))
		}
	}
	return out
}

// retryInstants are the instants, other than mid, at which a chain
// through issuers can verify though it failed at mid; none when every
// issuer is valid at mid, since then time was not what failed. A chain
// verifies at the latest notBefore of its certificates if anywhere, which
// is the leaf's or one of issuers' inside the leaf's validity: those are
// the instants, the leaf's first (the CAs that signed it were usually
// valid when they did), then the others in order, at most maxChainInstants.
func retryInstants(leaf *x509.Certificate, mid time.Time, issuers []*x509.Certificate) []time.Time {
	allValid := true
	for _, c := range issuers {
		allValid = allValid && !mid.Before(c.NotBefore) && !mid.After(c.NotAfter)
	}
	if allValid {
		return nil
	}
	var later []time.Time
	for _, c := range issuers {
		if c.NotBefore.After(leaf.NotBefore) && !c.NotBefore.After(leaf.NotAfter) {
			later = append(later, c.NotBefore)
		}
	}
	slices.SortFunc(later, time.Time.Compare)
	var out []time.Time
	for _, t := range slices.CompactFunc(append([]time.Time{leaf.NotBefore}, later...), time.Time.Equal) {
		if !t.Equal(mid) && len(out) < maxChainInstants {
			out = append(out, t)
		}
	}
	return out
}

func encodeCerts(cs []*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range cs {
		b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	return b.Bytes()
}
