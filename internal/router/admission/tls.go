package admission

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

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
	if t.ExternalCertificate != nil {
		return nil, errors.New("spec.tls.externalCertificate is not supported by this router yet: put the certificate and key in spec.tls")
	}
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
		cas, err := certs.ParseCertificates([]byte(t.DestinationCACertificate))
		if err != nil {
			return nil, fmt.Errorf("spec.tls.destinationCACertificate: %v", err)
		}
		out.DestinationCA = encodeCerts(cas)
	}
	return out, nil
}

// certificateFile checks that certificate and key parse and belong
// together, and that the chain verifies against caCertificate when given,
// then writes key, leaf, intermediates and CA as one PEM file.
func certificateFile(t *routev1.TLSConfig, verifyChains bool) ([]byte, error) {
	if t.Certificate == "" || t.Key == "" {
		return nil, errors.New("spec.tls: certificate and key must be given together")
	}
	kp := certs.KeyPair{CertPEM: []byte(t.Certificate), KeyPEM: []byte(t.Key)}
	leaf, key, err := kp.Parse()
	if err != nil {
		return nil, fmt.Errorf("spec.tls.certificate/key: %v", err)
	}
	chain, _ := certs.ParseCertificates(kp.CertPEM)
	var cas []*x509.Certificate
	if t.CACertificate != "" {
		if cas, err = certs.ParseCertificates([]byte(t.CACertificate)); err != nil {
			return nil, fmt.Errorf("spec.tls.caCertificate: %v", err)
		}
		if verifyChains {
			if err := verifyChain(leaf, chain[1:], cas); err != nil {
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

// verifyChain checks signatures only: expiry is the client's business and
// must not make a route flip between admitted and rejected over time.
func verifyChain(leaf *x509.Certificate, intermediates, roots []*x509.Certificate) error {
	opts := x509.VerifyOptions{
		Roots: x509.NewCertPool(), Intermediates: x509.NewCertPool(),
		CurrentTime: leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2),
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	for _, c := range roots {
		if c.IsCA {
			opts.Roots.AddCert(c)
		} else {
			opts.Intermediates.AddCert(c)
		}
	}
	for _, c := range intermediates {
		opts.Intermediates.AddCert(c)
	}
	_, err := leaf.Verify(opts)
	return err
}

func encodeCerts(cs []*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range cs {
		b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	return b.Bytes()
}
