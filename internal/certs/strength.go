package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
)

// The routers' HAProxy loads certificates through OpenSSL at security
// level 2 (Debian's default, and the router image's): keys of fewer than
// 112 bits of security, and signatures made with MD5 or SHA-1, are refused
// when the certificate is loaded. Checking them first turns a router that
// cannot start into an error that names the certificate.

// minRSABits and minECBits are security level 2's smallest keys: RSA of
// 2048 bits, elliptic curves of 224.
const (
	minRSABits = 2048
	minECBits  = 224
)

// WeakKeys refuses a chain with a key security level 2 refuses.
func WeakKeys(chain []*x509.Certificate) error {
	for _, c := range chain {
		if bits, min, kind := keySize(c); bits < min {
			return fmt.Errorf("the certificate of %q has a %d-bit %s key, which HAProxy's OpenSSL refuses: use at least %d bits",
				c.Subject.String(), bits, kind, min)
		}
	}
	return nil
}

// keySize is c's key size, the least its kind may have, and the kind's
// name; Ed25519 passes (size and least 0), and so do kinds TLS servers
// do not use (DSA).
func keySize(c *x509.Certificate) (bits, min int, kind string) {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return k.N.BitLen(), minRSABits, "RSA"
	case *ecdsa.PublicKey:
		return k.Curve.Params().BitSize, minECBits, "EC"
	}
	return 0, 0, ""
}

// weakAlgorithms are signatures OpenSSL refuses on a certificate an issuer
// signed (HAProxy loads no such chain, TLS clients accept none), and which
// OKD's validation refuses too.
var weakAlgorithms = map[x509.SignatureAlgorithm]bool{
	x509.MD2WithRSA: true, x509.MD5WithRSA: true, x509.SHA1WithRSA: true,
	x509.DSAWithSHA1: true, x509.ECDSAWithSHA1: true,
}

// WeakSignatures refuses certificates of a served chain signed with MD5
// or SHA-1. A self-signed one (a root, or a self-signed leaf) is exempt,
// as in OpenSSL: its signature proves nothing to anyone. (Not for a
// destination CA bundle: OpenSSL checks only the chain it builds there,
// and a bundle may well hold an old cross-signature it never uses.)
func WeakSignatures(cs []*x509.Certificate) error {
	for _, c := range cs {
		if weakAlgorithms[c.SignatureAlgorithm] && !SelfSigned(c) {
			return fmt.Errorf("the certificate of %q is signed with %s, which clients and HAProxy refuse: have it signed with SHA-256 or stronger",
				c.Subject.String(), c.SignatureAlgorithm)
		}
	}
	return nil
}

// SelfSigned is OpenSSL's test: issuer and subject are the same name and
// the authority key ID, when both IDs are there, names the certificate's
// own key (a key rollover's cross-signature has the name, not the key).
func SelfSigned(c *x509.Certificate) bool {
	if !bytes.Equal(c.RawIssuer, c.RawSubject) && c.Issuer.String() != c.Subject.String() {
		return false
	}
	return len(c.AuthorityKeyId) == 0 || len(c.SubjectKeyId) == 0 || bytes.Equal(c.AuthorityKeyId, c.SubjectKeyId)
}
