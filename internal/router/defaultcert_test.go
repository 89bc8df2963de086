package router

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
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

// TestBlamesDefaultCertificate: only an alert about the default
// certificate's crt-list line, or naming its file, is the certificate's.
func TestBlamesDefaultCertificate(t *testing.T) {
	crtList := func(line int, file string) haproxy.Alert {
		return haproxy.Alert{Message: fmt.Sprintf("parsing [/conf/haproxy.cfg:40] : 'bind :443' in section 'frontend' : 'crt-list' : "+
			"error processing line %d in file '/conf/crt-list' : unable to load SSL certificate into SSL Context '/conf/%s': ee key too small.", line, file)}
	}
	cases := []struct {
		name   string
		alerts []haproxy.Alert
		want   bool
	}{
		{"the default certificate's line", []haproxy.Alert{crtList(1, "default.pem")}, true},
		{"a route's certificate", []haproxy.Alert{crtList(2, "certs/be_edge_http_ns_r.pem")}, false},
		{"another alert naming the file", []haproxy.Alert{{Message: "unable to stat SSL certificate from file '/conf/default.pem' : No such file"}}, true},
		{"a backend line", []haproxy.Alert{{Message: "parsing [/conf/haproxy.cfg:90] : 'server s1' : invalid address", File: "/conf/haproxy.cfg", Line: 90}}, false},
		{"no alert (a port taken, Success=0 without one)", nil, false},
	}
	for _, tc := range cases {
		if got := blamesDefaultCertificate(tc.alerts); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
