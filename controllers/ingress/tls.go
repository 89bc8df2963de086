package ingress

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// tls is the TLS block of the Routes of a rule host (the host as written,
// "*.x" included), nil when TLS is off, or a problem when the Ingress
// names an unusable Secret for that host.
//
// TLS is on when the termination annotation names a termination, when a
// spec.tls entry lists the host, or when some spec.tls entry is empty
// (the router's default certificate for every rule, as in OKD).
func (c *converter) tls(host string) (*routev1.TLSConfig, string) {
	ing := c.in.Ingress
	secretName, listed := tlsSecretName(ing.Spec.TLS, host)
	var secret *corev1.Secret
	if secretName != "" {
		secret = c.in.Secrets[secretName]
		if !usableTLSSecret(secret) {
			return nil, fmt.Sprintf("Invalid or missing TLS secret for rule host %q", host)
		}
	}
	termination, named := terminationOf(ing.Annotations)
	if !named && !listed && !hasEmptyTLSEntry(ing.Spec.TLS) {
		return nil, ""
	}
	// insecureEdgeTerminationPolicy has no annotation: Redirect is where
	// every generated Route starts, and users may change it afterwards.
	t := &routev1.TLSConfig{Termination: termination, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect}
	if termination == routev1.TLSTerminationPassthrough {
		return t, ""
	}
	if secret != nil {
		t.Certificate, t.Key = string(secret.Data[corev1.TLSCertKey]), string(secret.Data[corev1.TLSPrivateKeyKey])
	}
	if termination == routev1.TLSTerminationReencrypt {
		t.DestinationCACertificate = c.destinationCA()
	}
	return t, ""
}

// tlsSecretName is the secretName of the first spec.tls entry listing host
// exactly; listed says whether one does. An entry without a secretName
// asks for the router's default certificate, as Kubernetes documents.
func tlsSecretName(entries []networkingv1.IngressTLS, host string) (string, bool) {
	for _, e := range entries {
		if slices.Contains(e.Hosts, host) {
			return e.SecretName, true
		}
	}
	return "", false
}

func hasEmptyTLSEntry(entries []networkingv1.IngressTLS) bool {
	for _, e := range entries {
		if len(e.Hosts) == 0 && e.SecretName == "" {
			return true
		}
	}
	return false
}

// usableTLSSecret accepts only kubernetes.io/tls Secrets with both keys
// (empty values pass: the router reports bad certificates in Route status).
func usableTLSSecret(s *corev1.Secret) bool {
	if s == nil || s.Type != corev1.SecretTypeTLS {
		return false
	}
	_, crt := s.Data[corev1.TLSCertKey]
	_, key := s.Data[corev1.TLSPrivateKeyKey]
	return crt && key
}

// terminationOf reads the termination annotation; named is false unless it
// is exactly edge, passthrough or reencrypt (OKD ignores "Edge" and the
// like), and the termination is then edge.
func terminationOf(annotations map[string]string) (routev1.TLSTerminationType, bool) {
	switch t := routev1.TLSTerminationType(annotations[names.TerminationAnnotation]); t {
	case routev1.TLSTerminationEdge, routev1.TLSTerminationPassthrough, routev1.TLSTerminationReencrypt:
		return t, true
	}
	return routev1.TLSTerminationEdge, false
}

// destinationCA is the tls.crt of the Secret the destination-CA annotation
// names. An unusable Secret is no error, as in OKD: the router then
// verifies the backend against its default CA.
func (c *converter) destinationCA() string {
	name, ok := c.in.Ingress.Annotations[names.DestinationCACertificateSecretAnnotation]
	if !ok {
		return ""
	}
	s := c.in.Secrets[name]
	if s == nil || (s.Type != corev1.SecretTypeTLS && s.Type != corev1.SecretTypeOpaque) {
		return ""
	}
	return string(s.Data[corev1.TLSCertKey])
}
