package admission

import (
	"bytes"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// TestExternalCertificate: a route that names a kubernetes.io/tls Secret in
// spec.tls.externalCertificate is served with the Secret's certificate,
// checked as spec.tls's own would be, and refused with OKD's reasons when
// the router cannot read the Secret or cannot serve what it holds.
func TestExternalCertificate(t *testing.T) {
	p := fixtures(t)
	tlsSecret := func(crt, key []byte) *corev1.Secret {
		return &corev1.Secret{Type: corev1.SecretTypeTLS, Data: map[string][]byte{corev1.TLSCertKey: crt, corev1.TLSPrivateKeyKey: key}}
	}
	secrets := map[string]*corev1.Secret{
		"good":     tlsSecret(p.leaf.CertPEM, p.leaf.KeyPEM),
		"mismatch": tlsSecret(p.leaf.CertPEM, p.other.KeyPEM),
		"opaque":   {Type: corev1.SecretTypeOpaque, Data: map[string][]byte{corev1.TLSCertKey: p.leaf.CertPEM, corev1.TLSPrivateKeyKey: p.leaf.KeyPEM}},
		"no-key":   tlsSecret(p.leaf.CertPEM, nil),
		"empty":    tlsSecret(nil, nil),
	}
	forbidden := apierrors.NewForbidden(corev1.Resource("secrets"), "denied", errors.New("the router's ServiceAccount may not list it"))
	read := func(key types.NamespacedName) (*corev1.Secret, error) {
		if key.Namespace != "ns1" {
			return nil, errors.New("wrong namespace")
		}
		if key.Name == "denied" {
			return nil, forbidden
		}
		if s, ok := secrets[key.Name]; ok {
			return s, nil
		}
		return nil, apierrors.NewNotFound(corev1.Resource("secrets"), key.Name)
	}
	external := func(term routev1.TLSTerminationType, name string) opt {
		return tls(routev1.TLSConfig{Termination: term, ExternalCertificate: &routev1.LocalObjectReference{Name: name}})
	}
	for _, tc := range []struct {
		name         string
		route        *routev1.Route
		noSecrets    bool
		reason, want string // want: a substring of the message
	}{
		{name: "edge, served with the Secret's certificate", route: route("ns1", "a", 1, "secure.example.com", external(routev1.TLSTerminationEdge, "good"))},
		{name: "reencrypt too", route: route("ns1", "a", 1, "secure.example.com", external(routev1.TLSTerminationReencrypt, "good"))},
		{name: "a missing Secret", route: route("ns1", "a", 1, "secure.example.com", external(routev1.TLSTerminationEdge, "gone")),
			reason: ReasonExternalCertificateGetFailed, want: `secret "gone": secrets "gone" not found`},
		{name: "a Secret the router may not read", route: route("ns1", "a", 1, "secure.example.com", external(routev1.TLSTerminationEdge, "denied")),
			reason: ReasonExternalCertificateGetFailed, want: "may not list it"},
		{name: "a router that reads no Secrets", route: route("ns1", "a", 1, "secure.example.com", external(routev1.TLSTerminationEdge, "good")),
			noSecrets: true, reason: ReasonExternalCertificateGetFailed, want: "reads no Secrets"},
		{name: "a Secret of another type", route: route("ns1", "a", 1, "secure.example.com", external(routev1.TLSTerminationEdge, "opaque")),
			reason: ReasonExternalCertificateValidationFailed, want: `is of type "Opaque", not "kubernetes.io/tls"`},
		{name: "a key that does not match, named by the Secret's keys", route: route("ns1", "a", 1, "secure.example.com", external(routev1.TLSTerminationEdge, "mismatch")),
			reason: ReasonExternalCertificateValidationFailed, want: `secret "mismatch": tls.crt/tls.key: the private key does not match`},
		{name: "no key", route: route("ns1", "a", 1, "secure.example.com", external(routev1.TLSTerminationEdge, "no-key")),
			reason: ReasonExternalCertificateValidationFailed, want: "tls.crt and tls.key must both hold PEM"},
		{name: "empty keys, which would leave the default certificate", route: route("ns1", "a", 1, "secure.example.com", external(routev1.TLSTerminationEdge, "empty")),
			reason: ReasonExternalCertificateValidationFailed, want: "tls.crt and tls.key must both hold PEM"},
		{name: "no name", route: route("ns1", "a", 1, "secure.example.com", external(routev1.TLSTerminationEdge, "")),
			reason: ReasonExternalCertificateGetFailed, want: "the name of a kubernetes.io/tls Secret is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol := Policy{VerifyChains: true, Secret: read}
			if tc.noSecrets {
				pol.Secret = nil
			}
			res := Admit([]*routev1.Route{tc.route}, pol)
			v := res.Verdicts[types.NamespacedName{Namespace: "ns1", Name: "a"}]
			if tc.reason == "" {
				if !v.Admitted || len(res.Routes) != 1 {
					t.Fatalf("not admitted: %s: %s", v.Reason, v.Message)
				}
				leaf, _ := pem.Decode(p.leaf.CertPEM)
				if got := res.Routes[0].TLS.Certificate; !bytes.Contains(got, pem.EncodeToMemory(leaf)) || !bytes.Contains(got, []byte("PRIVATE KEY")) {
					t.Errorf("the served file does not hold the Secret's certificate and key:\n%s", got)
				}
				return
			}
			if v.Admitted || v.Reason != tc.reason || !strings.Contains(v.Message, tc.want) {
				t.Errorf("admitted %v, %s: %q; want %s with %q", v.Admitted, v.Reason, v.Message, tc.reason, tc.want)
			}
		})
	}
}

// TestExternalCertificateKeepsTheHost: a route whose Secret cannot be read
// keeps its host, as one whose own certificate is bad does.
func TestExternalCertificateKeepsTheHost(t *testing.T) {
	owner := route("ns1", "owner", 1, "secure.example.com",
		tls(routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, ExternalCertificate: &routev1.LocalObjectReference{Name: "gone"}}))
	other := route("ns2", "other", 2, "secure.example.com")
	res := Admit([]*routev1.Route{owner, other}, Policy{Secret: func(key types.NamespacedName) (*corev1.Secret, error) {
		return nil, apierrors.NewNotFound(corev1.Resource("secrets"), key.Name)
	}})
	if v := res.Verdicts[types.NamespacedName{Namespace: "ns1", Name: "owner"}]; v.Reason != ReasonExternalCertificateGetFailed {
		t.Errorf("owner: %s %q", v.Reason, v.Message)
	}
	if v := res.Verdicts[types.NamespacedName{Namespace: "ns2", Name: "other"}]; v.Reason != ReasonHostAlreadyClaimed {
		t.Errorf("other: admitted %v, %s %q; want HostAlreadyClaimed", v.Admitted, v.Reason, v.Message)
	}
}
