package certs

import (
	"crypto/x509"
	"net"
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
