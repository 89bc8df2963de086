package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"net"
	"strings"
	"testing"
	"time"
)

func TestServingCertVerifiesAgainstItsCA(t *testing.T) {
	now := time.Now()
	ca, err := NewCA("test-ca", time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := NewServingCert(ca, []string{"svc.ns.svc", "*.apps.example.com"}, []net.IP{net.ParseIP("127.0.0.1")}, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _, err := kp.Parse()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca.CertPEM) {
		t.Fatal("CA PEM not accepted")
	}
	for _, name := range []string{"svc.ns.svc", "x.apps.example.com", "127.0.0.1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: pool}); err != nil {
			t.Errorf("verify %s: %v", name, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "a.b.apps.example.com", Roots: pool}); err == nil {
		t.Error("a wildcard must not match two labels")
	}
}

func TestParseRejectsMismatchedKey(t *testing.T) {
	now := time.Now()
	a, _ := NewCA("a", time.Hour, now)
	b, _ := NewCA("b", time.Hour, now)
	if _, _, err := (KeyPair{CertPEM: a.CertPEM, KeyPEM: b.KeyPEM}).Parse(); err == nil {
		t.Fatal("a key of another certificate was accepted")
	}
	for _, bad := range []string{"", "not pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"} {
		if _, err := ParseCertificates([]byte(bad)); err == nil {
			t.Errorf("ParseCertificates(%q) succeeded", bad)
		}
	}
}

// TestParsePEM reads PEM as people paste it into a route: what the router
// can use is found, anything else is skipped, and what cannot be used is
// an error rather than silently dropped.
func TestParsePEM(t *testing.T) {
	now := time.Now()
	ca, err := NewCA("test-ca", time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := NewServingCert(ca, []string{"a.example.com"}, nil, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ParsePrivateKey(leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalECPrivateKey(key.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	secKey := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER})
	// openssl ecparam -genkey writes the curve before the key.
	ecParams := pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8, 0x2a, 0x86, 0x48, 0xce, 0x3d, 3, 1, 7}})
	text := "Certificate:\n    Data:\n        Version: 3 (0x2)\n        Subject: CN = a.example.com\n"
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

	cases := []struct {
		name        string
		data        []byte
		certs, keys int
		wantErr     string
	}{
		{name: "a certificate", data: leaf.CertPEM, certs: 1},
		{name: "openssl x509 -text output around certificates",
			data: join([]byte(text), leaf.CertPEM, []byte("\n"+text), ca.CertPEM, []byte("trailing words\n")), certs: 2},
		{name: "certificate and key in one text", data: join(leaf.CertPEM, leaf.KeyPEM, ca.CertPEM), certs: 2, keys: 1},
		{name: "EC PARAMETERS before a SEC 1 key", data: join(ecParams, secKey), keys: 1},
		{name: "a public key is skipped",
			data: join(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: leafPublicKeyDER(t, leaf)}), leaf.CertPEM), certs: 1},
		{name: "garbage", data: []byte("not pem at all"), wantErr: "not PEM-encoded"},
		{name: "empty", data: nil, wantErr: "not PEM-encoded"},
		{name: "a certificate block that does not parse",
			data: join(leaf.CertPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("nope")})), wantErr: "PEM block 2"},
		{name: "a key block that does not parse",
			data: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte("nope")}), wantErr: "cannot parse private key"},
		{name: "an encrypted key",
			data: pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte("x")}), wantErr: "encrypted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePEM(tc.data)
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case len(got.Certificates) != tc.certs || len(got.Keys) != tc.keys:
				t.Fatalf("%d certificates and %d keys, want %d and %d", len(got.Certificates), len(got.Keys), tc.certs, tc.keys)
			case tc.keys > 0 && !SameKey(got.Keys[0], key):
				t.Fatal("the key read is not the key given")
			}
		})
	}
}

func leafPublicKeyDER(t *testing.T, kp KeyPair) []byte {
	t.Helper()
	c, _, err := kp.Parse()
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(c.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
