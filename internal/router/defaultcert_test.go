package router

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// TestLoadDefaultCertificate: the default certificate is read as a route's
// is (what openssl writes around and before blocks, an SEC 1 EC key after
// its EC PARAMETERS) and written anew, key first; what HAProxy could not
// serve is refused with the reason.
func TestLoadDefaultCertificate(t *testing.T) {
	now := time.Now()
	ca, err := certs.NewCA("default-cert-test", time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{SerialNumber: big1(), DNSNames: []string{"*.apps.example.com"}, NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour)}
	caCert, caKey, err := ca.Parse()
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &ecKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	crt := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	opensslKey := "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" +
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}))
	other, err := certs.NewServingCert(ca, []string{"other.example.com"}, nil, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, crt, key, err string
	}{
		{"openssl's EC key, text around the chain", "Certificate:\n    Data: ...\n" + string(crt) + string(ca.CertPEM) + "trailing text\n", opensslKey, ""},
		{"PKCS#8", string(other.CertPEM), string(other.KeyPEM), ""},
		{"another certificate's key", string(crt), string(other.KeyPEM), "does not match"},
		{"no key", string(crt), "", "no private key"},
		{"two keys", string(crt) + string(other.KeyPEM), opensslKey, "more than one private key"},
		{"not PEM", "garbage", "garbage", "not PEM"},
	}
	for _, tc := range cases {
		dir := t.TempDir()
		for name, data := range map[string]string{"tls.crt": tc.crt, "tls.key": tc.key} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		got, err := loadDefaultCertificate(config.Config{DefaultCertificate: dir + "/"}, now)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		// Key first, then the chain as given, and nothing else.
		b, rest := pem.Decode(got)
		if b == nil || b.Type != "PRIVATE KEY" {
			t.Errorf("%s: first block %v, want the key", tc.name, b)
			continue
		}
		chain, err := certs.ParseCertificates(rest)
		if err != nil || !certs.Matches(chain[0], mustKey(t, pem.EncodeToMemory(b))) {
			t.Errorf("%s: chain %d certificates, %v; or the key does not match the first", tc.name, len(chain), err)
		}
	}
}

func mustKey(t *testing.T, keyPEM []byte) crypto.Signer {
	t.Helper()
	k, err := certs.ParsePrivateKey(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func big1() *big.Int { return big.NewInt(1) }
