package ingresscontroller

import (
	"crypto/rsa"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/okd-ingress/okd-ingress/internal/certs"
)

func TestCheckDefaultCertificate(t *testing.T) {
	now := clock
	const renewBefore = 30 * 24 * time.Hour
	newCAPair := func(t *testing.T) caPair {
		data, err := newCA(now.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return pairOf(data)
	}
	ca, otherCA := newCAPair(t), newCAPair(t)
	issue := func(t *testing.T, signer caPair, domain string, validity time.Duration) map[string][]byte {
		data, _, err := newDefaultCertificate(signer, domain, validity, now.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	valid := issue(t, ca, "apps.example.com", 365*24*time.Hour)
	for _, tc := range []struct {
		name   string
		data   map[string][]byte
		ca     caPair
		ok     bool
		reason string
	}{
		{name: "valid", data: valid, ca: ca, ok: true},
		{name: "missing", data: nil, ca: ca, reason: "missing or unreadable"},
		{name: "key of another certificate", ca: ca, reason: "missing or unreadable",
			data: map[string][]byte{corev1.TLSCertKey: valid[corev1.TLSCertKey], corev1.TLSPrivateKeyKey: issue(t, ca, "apps.example.com", time.Hour)[corev1.TLSPrivateKeyKey]}},
		{name: "wrong domain", data: issue(t, ca, "apps.other.com", 365*24*time.Hour), ca: ca, reason: "it does not cover *.apps.example.com"},
		{name: "a subdomain is not the domain", data: issue(t, ca, "shard.apps.example.com", 365*24*time.Hour), ca: ca,
			reason: "it does not cover *.apps.example.com"},
		{name: "signed by another CA", data: issue(t, otherCA, "apps.example.com", 365*24*time.Hour), ca: ca,
			reason: "it is not signed by the current router CA"},
		{name: "near expiry", data: issue(t, ca, "apps.example.com", 10*24*time.Hour+time.Hour), ca: ca,
			reason: "it expires at 2025-06-11T12:00:00Z"},
		{name: "just outside the renewal window", data: issue(t, ca, "apps.example.com", 31*24*time.Hour), ca: ca, ok: true},
		{name: "expired", data: issue(t, ca, "apps.example.com", 30*time.Minute), ca: ca, reason: "it expires at 2025-06-01T11:30:00Z"},
		{name: "CA unreadable", data: valid, ca: caPair{CertPEM: []byte("junk")}, reason: "the CA is unreadable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := checkDefaultCertificate(tc.data, tc.ca, "apps.example.com", renewBefore, now)
			if v.ok != tc.ok || v.reason != tc.reason {
				t.Errorf("verdict ok=%v reason=%q, want ok=%v reason=%q", v.ok, v.reason, tc.ok, tc.reason)
			}
			if tc.data != nil && tc.reason != "missing or unreadable" && tc.reason != "the CA is unreadable" && v.expiry.IsZero() {
				t.Errorf("no expiry reported")
			}
		})
	}
}

func TestNewDefaultCertificate(t *testing.T) {
	caData, err := newCA(clock)
	if err != nil {
		t.Fatal(err)
	}
	ca := pairOf(caData)
	data, expiry, err := newDefaultCertificate(ca, "apps.example.com", 2*365*24*time.Hour, clock)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := certs.ParseCertificates(data[corev1.TLSCertKey])
	if err != nil {
		t.Fatal(err)
	}
	if len(chain) != 2 {
		t.Fatalf("tls.crt has %d certificates, want the leaf and the CA", len(chain))
	}
	leaf, caCert := chain[0], chain[1]
	if want := []string{"*.apps.example.com", "apps.example.com"}; !slices.Equal(leaf.DNSNames, want) {
		t.Errorf("SANs = %v, want %v", leaf.DNSNames, want)
	}
	if err := leaf.CheckSignatureFrom(caCert); err != nil || !caCert.IsCA {
		t.Errorf("the second certificate is not the signing CA: %v", err)
	}
	if !expiry.Equal(leaf.NotAfter) || !leaf.NotAfter.Equal(clock.Add(2*365*24*time.Hour)) {
		t.Errorf("expiry %v, NotAfter %v", expiry, leaf.NotAfter)
	}
	if _, _, err := (certs.KeyPair{CertPEM: data[corev1.TLSCertKey], KeyPEM: data[corev1.TLSPrivateKeyKey]}).Parse(); err != nil {
		t.Errorf("the key does not match the certificate: %v", err)
	}
	if v := checkDefaultCertificate(data, ca, "apps.example.com", 30*24*time.Hour, clock); !v.ok {
		t.Errorf("a fresh certificate fails the check: %s", v.reason)
	}
	// RSA 2048, as OKD's: a TLS profile may list only RSA-authenticated suites.
	for name, pub := range map[string]any{"leaf": leaf.PublicKey, "CA": caCert.PublicKey} {
		if k, ok := pub.(*rsa.PublicKey); !ok || k.N.BitLen() != 2048 {
			t.Errorf("the %s's key is %T, want RSA 2048", name, pub)
		}
	}
}

func TestCAUsable(t *testing.T) {
	data, err := newCA(clock)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _, err := newDefaultCertificate(pairOf(data), "apps.example.com", time.Hour, clock)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		data   map[string][]byte
		needed time.Duration
		now    time.Time
		want   bool
	}{
		{name: "fresh", data: data, needed: 2 * 365 * 24 * time.Hour, now: clock, want: true},
		{name: "would expire before a certificate it signs", data: data, needed: 2 * 365 * 24 * time.Hour, now: clock.Add(4 * 365 * 24 * time.Hour)},
		{name: "missing", data: nil, needed: time.Hour, now: clock},
		{name: "not a CA", data: leaf, needed: time.Minute, now: clock},
	} {
		if got := certs.CAUsable(pairOf(tc.data), tc.needed, tc.now); got != tc.want {
			t.Errorf("%s: CAUsable = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestRotateCA follows router-ca through two rotations with OKD's leaf
// validity (two years): the successor is published a year before it signs,
// and the CA it replaces until it expires.
func TestRotateCA(t *testing.T) {
	const leaf = 2 * 365 * 24 * time.Hour
	day := 24 * time.Hour
	year := 365 * day
	serial := func(pem []byte) string {
		if len(pem) == 0 {
			return ""
		}
		c, err := certs.ParseCertificates(pem)
		if err != nil {
			t.Fatal(err)
		}
		return c[0].SerialNumber.String()
	}
	type state struct{ current, next, previous string }
	stateOf := func(d map[string][]byte) state {
		return state{serial(d[corev1.TLSCertKey]), serial(d[caNextCertKey]), serial(d[caPreviousCertKey])}
	}
	data, changed, err := rotateCA(nil, leaf, clock)
	if err != nil || !changed {
		t.Fatalf("first start: changed %v, %v", changed, err)
	}
	first := stateOf(data)
	if first.current == "" || first.next != "" || first.previous != "" {
		t.Fatalf("first start: %+v, want a CA alone", first)
	}
	step := func(at time.Duration, wantChanged bool, check func(prev, now state) string) {
		t.Helper()
		before := stateOf(data)
		var changed bool
		data, changed, err = rotateCA(data, leaf, clock.Add(at))
		if err != nil {
			t.Fatal(err)
		}
		now := stateOf(data)
		if changed != wantChanged {
			t.Errorf("at %v: changed %v, want %v (%+v → %+v)", at, changed, wantChanged, before, now)
		}
		if msg := check(before, now); msg != "" {
			t.Errorf("at %v: %s (%+v → %+v)", at, msg, before, now)
		}
		if got := bundleSerials(t, caBundle(data, clock.Add(at))); !slices.Equal(got, nonEmpty(now.current, now.next, now.previous)) {
			t.Errorf("at %v: bundle %v, want %+v", at, got, now)
		}
	}
	same := func(prev, now state) string {
		if prev != now {
			return "changed"
		}
		return ""
	}
	step(year, false, same)
	step(2*year+day, true, func(prev, now state) string {
		if now.current != prev.current || now.next == "" || now.previous != "" {
			return "want a successor published beside the CA that signs"
		}
		return ""
	})
	step(2*year+180*day, false, same)
	step(3*year+day, true, func(prev, now state) string {
		if now.current != prev.next || now.previous != prev.current || now.next != "" {
			return "want the successor to sign and the old CA kept as previous"
		}
		return ""
	})
	step(4*year, false, same)
	step(4*year+2*day, true, func(prev, now state) string {
		if now.current != prev.current || now.previous != prev.previous || now.next == "" {
			return "want the next successor beside both"
		}
		return ""
	})
	step(5*year, true, func(prev, now state) string {
		if now.current != prev.current || now.next != prev.next || now.previous != "" {
			return "want the expired previous CA dropped"
		}
		return ""
	})
	// A spoiled CA: its successor, already published, signs at once.
	data[corev1.TLSPrivateKeyKey] = []byte("junk")
	data["admin-note"] = []byte("kept")
	step(5*year+12*time.Hour, true, func(prev, now state) string {
		if now.current != prev.next || now.previous != prev.current || now.next != "" {
			return "want the published successor to take over"
		}
		return ""
	})
	if string(data["admin-note"]) != "kept" {
		t.Error("a key router-ca does not use was dropped")
	}
	// A lost Secret: a new CA, nothing else to trust.
	data = nil
	step(6*year, true, func(prev, now state) string {
		if now.current == "" || now.next != "" || now.previous != "" {
			return "want a new CA alone"
		}
		return ""
	})
}

func bundleSerials(t *testing.T, bundle []byte) []string {
	t.Helper()
	if len(bundle) == 0 {
		return nil
	}
	cs, err := certs.ParseCertificates(bundle)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		out = append(out, c.SerialNumber.String())
	}
	return out
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// TestRotateCAReplay reconciles every ten days for twelve years, with
// the shortest and the longest leaf validity the options allow: a second
// reconcile at the same moment changes nothing, every CA is published at
// least a year before it signs, and no bad block reaches the bundle.
func TestRotateCAReplay(t *testing.T) {
	year := 365 * 24 * time.Hour
	longest := (&Options{CertificateValidity: 5 * year}).WithDefaults().CertificateValidity
	if longest != caValidity-2*caOverlap {
		t.Fatalf("a five-year certificate validity becomes %v, want %v", longest, caValidity-2*caOverlap)
	}
	for _, leaf := range []time.Duration{time.Hour, longest} {
		var data map[string][]byte
		published := map[string]time.Time{} // serial → first in the bundle
		const step = 10 * 24 * time.Hour
		for at := time.Duration(0); at < 12*year; at += step {
			now := clock.Add(at)
			var err error
			if data, _, err = rotateCA(data, leaf, now); err != nil {
				t.Fatal(err)
			}
			if _, again, _ := rotateCA(data, leaf, now); again {
				t.Fatalf("leaf %v, at %v: a second reconcile changed router-ca", leaf, at)
			}
			for _, s := range bundleSerials(t, caBundle(data, now)) {
				if _, ok := published[s]; !ok {
					published[s] = now
				}
			}
			signer := bundleSerials(t, data[corev1.TLSCertKey])[0]
			// Within a step: the successor is made at the first reconcile
			// that finds the signer short of a year beyond a certificate.
			if now.Sub(published[signer]) < caOverlap-step && published[signer] != clock {
				t.Fatalf("leaf %v, at %v: the CA that signs was published %v before", leaf, at, now.Sub(published[signer]))
			}
		}
		if len(published) < 3 {
			t.Errorf("leaf %v: %d CAs in twelve years, want rotations", leaf, len(published))
		}
	}
	// A successor that does not parse is never published.
	data, _, err := rotateCA(nil, time.Hour, clock)
	if err != nil {
		t.Fatal(err)
	}
	data[caNextCertKey], data[caPreviousCertKey] = []byte("junk"), []byte("junk")
	if got := bundleSerials(t, caBundle(data, clock)); len(got) != 1 {
		t.Errorf("bundle with a spoiled successor and predecessor: %d certificates, want the CA alone", len(got))
	}
}
