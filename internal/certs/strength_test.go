package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"
)

// certWith is a certificate for key, signed by signer (self-signed when
// signer is nil) with algorithm alg (Go's choice when 0).
func certWith(t *testing.T, name string, key crypto.Signer, signer crypto.Signer, parent *x509.Certificate, alg x509.SignatureAlgorithm) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, SignatureAlgorithm: alg,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: parent == nil, BasicConstraintsValid: true}
	if parent == nil {
		parent, signer = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestWeakKeys(t *testing.T) {
	rsaKey := func(bits int) crypto.Signer {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	ecKey := func(c elliptic.Curve) crypto.Signer {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	strongCAKey, weakCAKey := rsaKey(2048), rsaKey(1024)
	strongCA := certWith(t, "strong CA", strongCAKey, nil, nil, 0)
	weakCA := certWith(t, "weak CA", weakCAKey, nil, nil, 0)
	cases := []struct {
		name  string
		chain []*x509.Certificate
		want  string // "": none
	}{
		{"RSA 2048", []*x509.Certificate{certWith(t, "leaf", rsaKey(2048), nil, nil, 0)}, ""},
		{"RSA 1024", []*x509.Certificate{certWith(t, "leaf", rsaKey(1024), nil, nil, 0)}, `"CN=leaf" has a 1024-bit RSA key`},
		{"P-256", []*x509.Certificate{certWith(t, "leaf", ecKey(elliptic.P256()), nil, nil, 0)}, ""},
		{"P-224, the least", []*x509.Certificate{certWith(t, "leaf", ecKey(elliptic.P224()), nil, nil, 0)}, ""},
		{"Ed25519", []*x509.Certificate{certWith(t, "leaf", edKey, nil, nil, 0)}, ""},
		{"a strong leaf under a strong CA", []*x509.Certificate{certWith(t, "leaf", rsaKey(2048), strongCAKey, strongCA, 0), strongCA}, ""},
		{"a strong leaf under a weak CA", []*x509.Certificate{certWith(t, "leaf", rsaKey(2048), weakCAKey, weakCA, 0), weakCA},
			`"CN=weak CA" has a 1024-bit RSA key, which HAProxy's OpenSSL refuses: use at least 2048 bits`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := WeakKeys(tc.chain)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one with %q", err, tc.want)
			}
		})
	}
}

func TestWeakSignatures(t *testing.T) {
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	leafKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ca := certWith(t, "CA", caKey, nil, nil, 0)
	selfSHA1 := certWith(t, "self", leafKey, nil, nil, x509.SHA1WithRSA)
	if err := WeakSignatures([]*x509.Certificate{selfSHA1}); err != nil {
		t.Errorf("a self-signed certificate's SHA-1 signature refused: %v", err)
	}
	issuedSHA1 := certWith(t, "leaf", leafKey, caKey, ca, x509.SHA1WithRSA)
	if err := WeakSignatures([]*x509.Certificate{issuedSHA1, ca}); err == nil || !strings.Contains(err.Error(), "SHA1-RSA") {
		t.Errorf("an issued certificate's SHA-1 signature: %v, want refused", err)
	}
}
