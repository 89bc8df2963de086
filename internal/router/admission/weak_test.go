package admission

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/certs"
)

// sha1Cert signs a certificate for cn with SHA-1: by parent's key, or by
// its own when parent is nil. It returns the certificate and key PEM.
func sha1Cert(t *testing.T, cn string, isCA bool, parent *certs.KeyPair) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		DNSNames: []string{cn}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: isCA, BasicConstraintsValid: true, SignatureAlgorithm: x509.ECDSAWithSHA1,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	issuer, signer := tmpl, any(key)
	if parent != nil {
		// The parent names no key ID of its own: name its key, as an
		// issuer's certificates usually do.
		tmpl.AuthorityKeyId = []byte("parent key")
		if issuer, err = x509.ParseCertificate(mustDER(t, parent.CertPEM)); err != nil {
			t.Fatal(err)
		}
		if signer, err = certs.ParsePrivateKey(parent.KeyPEM); err != nil {
			t.Fatal(err)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
}

func mustDER(t *testing.T, p []byte) []byte {
	t.Helper()
	b, _ := pem.Decode(p)
	if b == nil {
		t.Fatal("no PEM block")
	}
	return b.Bytes
}

// TestWeakSignatures: certificates an issuer signed with SHA-1 (or MD5)
// are refused with a message that says so, where HAProxy would refuse the
// whole reload or a pod's TLS would fail; self-signed ones are served.
func TestWeakSignatures(t *testing.T) {
	p := fixtures(t)
	leafCert, leafKey := sha1Cert(t, "secure.example.com", false, &p.ca)
	selfCert, selfKey := sha1Cert(t, "secure.example.com", false, nil)
	weakIntermediate, _ := sha1Cert(t, "weak intermediate", true, &p.ca)
	// The CA's name on a new key, signed by the old one.
	rollover, _ := sha1Cert(t, "test-ca", true, &p.ca)
	for _, tc := range []struct {
		name string
		tls  routev1.TLSConfig
		want string // empty: admitted
	}{
		{"a SHA-1 leaf", routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: leafCert, Key: leafKey},
			`spec.tls.certificate: the certificate of "CN=secure.example.com" is signed with ECDSA-SHA1`},
		{"a self-signed SHA-1 leaf", routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: selfCert, Key: selfKey}, ""},
		{"a SHA-1 intermediate in caCertificate", routev1.TLSConfig{Termination: routev1.TLSTerminationEdge,
			Certificate: p.leafPEM, Key: string(p.leaf.KeyPEM), CACertificate: weakIntermediate + p.caPEM},
			`spec.tls.caCertificate: the certificate of "CN=weak intermediate" is signed with ECDSA-SHA1`},
		{"a SHA-1 cross-signature in destinationCACertificate, which OpenSSL need not use", routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt,
			DestinationCACertificate: p.caPEM + weakIntermediate}, ""},
		{"a key rollover's SHA-1 cross-signature: the name, not the key", routev1.TLSConfig{Termination: routev1.TLSTerminationEdge,
			Certificate: p.leafPEM, Key: string(p.leaf.KeyPEM), CACertificate: rollover + p.caPEM},
			`spec.tls.caCertificate: the certificate of "CN=test-ca" is signed with ECDSA-SHA1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Admit([]*routev1.Route{route("ns1", "a", 1, "secure.example.com", tls(tc.tls))}, Policy{VerifyChains: true})
			v := res.Verdicts[types.NamespacedName{Namespace: "ns1", Name: "a"}]
			if tc.want == "" {
				if !v.Admitted {
					t.Fatalf("refused: %s", v.Message)
				}
				return
			}
			if v.Admitted || v.Reason != ReasonExtendedValidationFailed || !strings.Contains(v.Message, tc.want) {
				t.Errorf("admitted %v, %s %q; want ExtendedValidationFailed with %q", v.Admitted, v.Reason, v.Message, tc.want)
			}
		})
	}
}
