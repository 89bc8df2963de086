// Package certs generates certificate authorities and serving certificates
// and parses PEM input. The manager uses it for its webhook certificate and
// for the routers' default certificates.
package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

// KeyPair is a certificate and its private key, both PEM-encoded.
type KeyPair struct {
	CertPEM []byte
	KeyPEM  []byte
}

// backdate tolerates clock skew between the signer and the verifiers.
const backdate = 5 * time.Minute

// NewCA returns a self-signed CA certificate valid for the given duration.
func NewCA(commonName string, validity time.Duration, now time.Time) (KeyPair, error) {
	return newCA(commonName, validity, now, ecdsaKey)
}

// NewRSACA is NewCA with an RSA 2048 key, as OKD's ingress operator makes
// the router CA: clients old enough to need TLS 1.2 suites with RSA
// authentication may verify nothing else.
func NewRSACA(commonName string, validity time.Duration, now time.Time) (KeyPair, error) {
	return newCA(commonName, validity, now, rsaKey)
}

func newCA(commonName string, validity time.Duration, now time.Time, newKey keyGenerator) (KeyPair, error) {
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	return issue(tmpl, nil, nil, newKey)
}

// NewServingCert returns a server certificate for the DNS names and IPs,
// signed by ca.
func NewServingCert(ca KeyPair, dnsNames []string, ips []net.IP, validity time.Duration, now time.Time) (KeyPair, error) {
	return newLeaf(ca, hostTemplate(dnsNames, ips, validity, now, x509.ExtKeyUsageServerAuth), ecdsaKey)
}

// NewRSAServingCert is NewServingCert with an RSA 2048 key, as OKD's
// default ingress certificate: a TLS profile may list only suites with RSA
// authentication (ECDHE-RSA-…), which an ECDSA certificate cannot serve.
func NewRSAServingCert(ca KeyPair, dnsNames []string, ips []net.IP, validity time.Duration, now time.Time) (KeyPair, error) {
	return newLeaf(ca, hostTemplate(dnsNames, ips, validity, now, x509.ExtKeyUsageServerAuth), rsaKey)
}

// NewPeerCert returns a certificate for the DNS names and IPs that serves
// and also authenticates as a client, as an etcd member does to its peers.
func NewPeerCert(ca KeyPair, dnsNames []string, ips []net.IP, validity time.Duration, now time.Time) (KeyPair, error) {
	return newLeaf(ca, hostTemplate(dnsNames, ips, validity, now, x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth), ecdsaKey)
}

// NewClientCert returns a client certificate for commonName (the user name
// an API server sees) in the given organizations (its groups), signed by ca.
func NewClientCert(ca KeyPair, commonName string, orgs []string, validity time.Duration, now time.Time) (KeyPair, error) {
	return newLeaf(ca, &x509.Certificate{
		Subject:     pkix.Name{CommonName: commonName, Organization: orgs},
		NotBefore:   now.Add(-backdate),
		NotAfter:    now.Add(validity),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, ecdsaKey)
}

func hostTemplate(dnsNames []string, ips []net.IP, validity time.Duration, now time.Time, usages ...x509.ExtKeyUsage) *x509.Certificate {
	cn := ""
	if len(dnsNames) > 0 {
		cn = dnsNames[0]
	}
	return &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn},
		DNSNames:    dnsNames,
		IPAddresses: ips,
		NotBefore:   now.Add(-backdate),
		NotAfter:    now.Add(validity),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: usages,
	}
}

func newLeaf(ca KeyPair, tmpl *x509.Certificate, newKey keyGenerator) (KeyPair, error) {
	caCert, caKey, err := ca.Parse()
	if err != nil {
		return KeyPair{}, fmt.Errorf("parsing CA: %w", err)
	}
	return issue(tmpl, caCert, caKey, newKey)
}

// keyGenerator makes a certificate's private key.
type keyGenerator func() (crypto.Signer, error)

func ecdsaKey() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }

func rsaKey() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) }

func issue(tmpl, parent *x509.Certificate, parentKey crypto.Signer, newKey keyGenerator) (KeyPair, error) {
	key, err := newKey()
	if err != nil {
		return KeyPair{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return KeyPair{}, err
	}
	tmpl.SerialNumber = serial
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		return KeyPair{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return KeyPair{}, err
	}
	return KeyPair{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}, nil
}

// Parse returns the first certificate and the private key of the pair, and
// checks that they belong together.
func (kp KeyPair) Parse() (*x509.Certificate, crypto.Signer, error) {
	certs, err := ParseCertificates(kp.CertPEM)
	if err != nil {
		return nil, nil, err
	}
	key, err := ParsePrivateKey(kp.KeyPEM)
	if err != nil {
		return nil, nil, err
	}
	if !Matches(certs[0], key) {
		return nil, nil, errors.New("the private key does not match the certificate")
	}
	return certs[0], key, nil
}

// CAUsable reports whether kp is a CA, with its key, that outlives
// now+needed: one that can still sign a leaf valid for needed.
func CAUsable(kp KeyPair, needed time.Duration, now time.Time) bool {
	c, _, err := kp.Parse()
	return err == nil && c.IsCA && now.Add(needed).Before(c.NotAfter)
}

// Succession is a CA that signs and the successor made to take over from
// it, which clients are to trust before it signs.
type Succession struct{ Current, Next KeyPair }

// Advance returns s as it is to be at now, and whether it changed. The
// current CA signs while it outlives a new leaf (leaf); then its successor
// takes over, or a new CA (mint) when there is none that can. A successor
// is minted overlap before the CA stops signing, and one that can sign is
// kept until it does: clients may trust it already.
func (s Succession) Advance(leaf, overlap time.Duration, now time.Time, mint func() (KeyPair, error)) (Succession, bool, error) {
	changed := false
	var err error
	if !CAUsable(s.Current, leaf, now) {
		s, changed = Succession{Current: s.Next}, true
		if !CAUsable(s.Current, leaf, now) {
			if s.Current, err = mint(); err != nil {
				return s, false, err
			}
		}
	}
	if !CAUsable(s.Current, leaf+overlap, now) && !CAUsable(s.Next, leaf, now) {
		if s.Next, err = mint(); err != nil {
			return s, false, err
		}
		changed = true
	}
	return s, changed, nil
}

// ParseCertificates parses every CERTIFICATE block of a PEM bundle and fails
// on anything else, or on an empty bundle.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for rest := bytes.TrimSpace(data); len(rest) > 0; rest = bytes.TrimSpace(rest) {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("data is not PEM-encoded")
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("unexpected PEM block %q where a certificate was expected", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no certificate found")
	}
	return out, nil
}

// ParsePrivateKey parses one PEM private key in PKCS#8, PKCS#1 or SEC 1 form.
func ParsePrivateKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("key is not PEM-encoded")
	}
	return parseKeyBlock(block)
}

func parseKeyBlock(block *pem.Block) (crypto.Signer, error) {
	if block.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") {
		// The router has no passphrase to decrypt it with.
		return nil, errors.New("the private key is encrypted: give it unencrypted")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
		return nil, errors.New("unsupported private key type")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return nil, fmt.Errorf("cannot parse private key of PEM type %q", block.Type)
}

// PEMContents is what the router can use of a PEM text: its certificates
// and private keys, in the order given.
type PEMContents struct {
	Certificates []*x509.Certificate
	Keys         []crypto.Signer
}

// ParsePEM reads certificates and private keys as OKD's router reads a
// route's TLS fields, for PEM that people paste: text around and between
// the blocks (what "openssl x509 -text" prints) and blocks of other types
// (EC PARAMETERS before an EC key, PUBLIC KEY) are skipped. That is safe
// because callers re-encode what they use and write nothing else. A
// certificate or key block that does not parse is an error, and so is
// data without any PEM block. ParseCertificates stays strict for files
// handed to HAProxy as they are.
func ParsePEM(data []byte) (PEMContents, error) {
	var out PEMContents
	blocks := 0
	for rest := data; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		blocks++
		switch {
		case block.Type == "CERTIFICATE":
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return PEMContents{}, fmt.Errorf("PEM block %d: %v", blocks, err)
			}
			out.Certificates = append(out.Certificates, c)
		case strings.HasSuffix(block.Type, "PRIVATE KEY"):
			k, err := parseKeyBlock(block)
			if err != nil {
				return PEMContents{}, fmt.Errorf("PEM block %d: %v", blocks, err)
			}
			out.Keys = append(out.Keys, k)
		}
	}
	if blocks == 0 {
		return PEMContents{}, errors.New("data is not PEM-encoded")
	}
	return out, nil
}

// Matches reports whether key is the private key of c.
func Matches(c *x509.Certificate, key crypto.Signer) bool {
	return publicKeysEqual(c.PublicKey, key.Public())
}

// SameKey reports whether a and b are one private key.
func SameKey(a, b crypto.Signer) bool { return publicKeysEqual(a.Public(), b.Public()) }

func publicKeysEqual(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	ea, ok := a.(equaler)
	return ok && ea.Equal(b)
}

// KeyAndChain reads a private key and its certificate chain, leaf first, as
// ParsePEM reads, from one or more PEM texts (a combined file, or a
// Secret's tls.crt and tls.key) and writes them anew as one PEM, the key
// first: the form HAProxy loads. Any other key than the leaf's is an error.
func KeyAndChain(texts ...[]byte) ([]byte, error) {
	c, err := ParsePEM(bytes.Join(texts, []byte("\n")))
	if err != nil {
		return nil, err
	}
	switch {
	case len(c.Certificates) == 0:
		return nil, errors.New("no certificate found")
	case len(c.Keys) == 0:
		return nil, errors.New("no private key found")
	}
	for _, k := range c.Keys[1:] {
		if !SameKey(c.Keys[0], k) {
			return nil, errors.New("more than one private key")
		}
	}
	if !Matches(c.Certificates[0], c.Keys[0]) {
		return nil, errors.New("the private key does not match the certificate (the first certificate must be the server's own)")
	}
	der, err := x509.MarshalPKCS8PrivateKey(c.Keys[0])
	if err != nil {
		return nil, err
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	for _, cert := range c.Certificates {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})...)
	}
	return out, nil
}
