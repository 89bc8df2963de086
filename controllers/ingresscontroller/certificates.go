package ingresscontroller

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/okd-ingress/okd-ingress/internal/certs"
)

// Keys of the router-ca Secret: a kubernetes.io/tls Secret of the CA.
const caValidity = 5 * 365 * 24 * time.Hour

// certificateVerdict says whether a default certificate Secret can stay.
type certificateVerdict struct {
	ok     bool
	reason string
	expiry time.Time
}

// checkDefaultCertificate decides whether the generated certificate in
// data still serves domain: it must parse, carry the wildcard, be signed by
// the current CA (OKD never re-signs after a CA change; we do), and not be
// within renewBefore of expiry (OKD never renews; we do).
func checkDefaultCertificate(data map[string][]byte, ca caPair, domain string, renewBefore time.Duration, now time.Time) certificateVerdict {
	return checkIssued(data, ca, "*."+domain, renewBefore, now)
}

// checkIssued decides whether a certificate the operator issued from the
// router CA for name can stay (checkDefaultCertificate's rules).
func checkIssued(data map[string][]byte, ca caPair, name string, renewBefore time.Duration, now time.Time) certificateVerdict {
	kp := certs.KeyPair{CertPEM: data[corev1.TLSCertKey], KeyPEM: data[corev1.TLSPrivateKeyKey]}
	leaf, _, err := kp.Parse()
	if err != nil {
		return certificateVerdict{reason: "missing or unreadable"}
	}
	v := certificateVerdict{expiry: leaf.NotAfter}
	caCert, _, err := ca.Parse()
	if err != nil {
		return certificateVerdict{reason: "the CA is unreadable"}
	}
	switch {
	case !slices.Contains(leaf.DNSNames, name):
		v.reason = fmt.Sprintf("it does not cover %s", name)
	case leaf.CheckSignatureFrom(caCert) != nil:
		v.reason = "it is not signed by the current router CA"
	case now.Add(renewBefore).After(leaf.NotAfter):
		v.reason = fmt.Sprintf("it expires at %s", leaf.NotAfter.UTC().Format(time.RFC3339))
	default:
		v.ok = true
	}
	return v
}

// newDefaultCertificate issues the wildcard certificate for domain, with
// the CA appended so that clients can build the chain. Its key is RSA, as
// OKD's: a TLS security profile may list only RSA-authenticated suites.
func newDefaultCertificate(ca caPair, domain string, validity time.Duration, now time.Time) (map[string][]byte, time.Time, error) {
	return issueWith(certs.NewRSAServingCert, ca, []string{"*." + domain, domain}, validity, now)
}

// issue signs a serving certificate for dnsNames with the router CA.
func issue(ca caPair, dnsNames []string, validity time.Duration, now time.Time) (map[string][]byte, time.Time, error) {
	return issueWith(certs.NewServingCert, ca, dnsNames, validity, now)
}

type servingIssuer func(ca certs.KeyPair, dnsNames []string, ips []net.IP, validity time.Duration, now time.Time) (certs.KeyPair, error)

func issueWith(newCert servingIssuer, ca caPair, dnsNames []string, validity time.Duration, now time.Time) (map[string][]byte, time.Time, error) {
	kp, err := newCert(ca, dnsNames, nil, validity, now)
	if err != nil {
		return nil, time.Time{}, err
	}
	leaf, err := certs.ParseCertificates(kp.CertPEM)
	if err != nil {
		return nil, time.Time{}, err
	}
	return map[string][]byte{
		corev1.TLSCertKey:       append(kp.CertPEM, ca.CertPEM...),
		corev1.TLSPrivateKeyKey: kp.KeyPEM,
	}, leaf[0].NotAfter, nil
}

// Keys of router-ca beside tls.crt and tls.key (the CA that signs): its
// successor, made caOverlap before it takes over, and the certificate of
// the CA it replaced, published until that one expires. Clients that
// refresh the published bundle within that year never meet a default
// certificate they do not trust, before or after the switch.
const (
	caNextCertKey     = "next.crt"
	caNextKeyKey      = "next.key"
	caPreviousCertKey = "previous.crt"
	caOverlap         = 365 * 24 * time.Hour
)

// rotateCA returns router-ca's data as it is to be at now, and whether it
// changed. The CA signs while it outlives a new leaf (leafValidity); its
// successor is made a year earlier and then takes over, or a new CA when
// there is none (a first start, a lost or spoiled Secret).
func rotateCA(data map[string][]byte, leafValidity time.Duration, now time.Time) (map[string][]byte, bool, error) {
	out := maps.Clone(data)
	if out == nil {
		out = map[string][]byte{}
	}
	was := certs.Succession{Current: pairOf(out), Next: caPair{CertPEM: out[caNextCertKey], KeyPEM: out[caNextKeyKey]}}
	s, changed, err := was.Advance(leafValidity, caOverlap, now, func() (certs.KeyPair, error) {
		fresh, err := newCA(now)
		return pairOf(fresh), err
	})
	if err != nil {
		return nil, false, err
	}
	if !samePair(s.Current, was.Current) {
		delete(out, caPreviousCertKey)
		if old, err := certs.ParseCertificates(was.Current.CertPEM); err == nil && old[0].IsCA && now.Before(old[0].NotAfter) {
			out[caPreviousCertKey] = was.Current.CertPEM
		}
		out[corev1.TLSCertKey], out[corev1.TLSPrivateKeyKey] = s.Current.CertPEM, s.Current.KeyPEM
	}
	if !samePair(s.Next, was.Next) {
		delete(out, caNextCertKey)
		delete(out, caNextKeyKey)
		if s.Next.CertPEM != nil {
			out[caNextCertKey], out[caNextKeyKey] = s.Next.CertPEM, s.Next.KeyPEM
		}
	}
	if prev, ok := out[caPreviousCertKey]; ok {
		if c, err := certs.ParseCertificates(prev); err != nil || !now.Before(c[0].NotAfter) {
			delete(out, caPreviousCertKey)
			changed = true
		}
	}
	return out, changed, nil
}

func samePair(a, b caPair) bool {
	return bytes.Equal(a.CertPEM, b.CertPEM) && bytes.Equal(a.KeyPEM, b.KeyPEM)
}

// caBundle is what clients of the router CA are to trust: the CA that
// signs, and its successor and predecessor where router-ca holds usable
// ones (a bundle with a bad block may be refused whole).
func caBundle(data map[string][]byte, now time.Time) []byte {
	b := slices.Clone(data[corev1.TLSCertKey])
	if next := (caPair{CertPEM: data[caNextCertKey], KeyPEM: data[caNextKeyKey]}); certs.CAUsable(next, 0, now) {
		b = append(b, next.CertPEM...)
	}
	if prev, err := certs.ParseCertificates(data[caPreviousCertKey]); err == nil && len(prev) == 1 && prev[0].IsCA && now.Before(prev[0].NotAfter) {
		b = append(b, data[caPreviousCertKey]...)
	}
	return b
}

func newCA(now time.Time) (map[string][]byte, error) {
	kp, err := certs.NewRSACA(fmt.Sprintf("ingress-operator@%d", now.Unix()), caValidity, now)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{corev1.TLSCertKey: kp.CertPEM, corev1.TLSPrivateKeyKey: kp.KeyPEM}, nil
}

// caPair is the router CA's certificate and key.
type caPair = certs.KeyPair

func pairOf(data map[string][]byte) caPair {
	return caPair{CertPEM: data[corev1.TLSCertKey], KeyPEM: data[corev1.TLSPrivateKeyKey]}
}

// newCookieKey is 32 random bytes, in hex: a key the routers take.
func newCookieKey() ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return []byte(hex.EncodeToString(b)), nil
}

// contentVersion names what the routers read (a CA bundle, the stats
// user) on their pod template without telling it: a change rolls them.
func contentVersion(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16]
}

// cookieKeyVersion names a key on the pods without telling it; shorter
// than contentVersion, as pods made before it already carry.
func cookieKeyVersion(key []byte) string { return contentVersion(key)[:10] }
