// Package webhookcert lets the manager run its admission webhooks, and the
// Route API server its aggregated API, without cert-manager: it keeps a CA and
// a serving certificate in a Secret shared by every replica, writes them where
// the server reads them, and puts the CA bundle (and, for local runs, the URL)
// into the webhook configurations or the APIService.
package webhookcert

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/okd-ingress/okd-ingress/internal/certs"
)

const (
	caValidity   = 10 * 365 * 24 * time.Hour
	certValidity = 365 * 24 * time.Hour
	// renewBefore is how long before expiry a serving certificate is replaced.
	renewBefore = 30 * 24 * time.Hour

	keyCACert = "ca.crt"
	keyCAKey  = "ca.key"
	// keyPreviousCA holds the CA a renewal replaced, trusted beside the new
	// one until it expires: replicas and servers that read the Secret later
	// serve its certificates meanwhile.
	keyPreviousCA = "ca-previous.crt"
)

// Options say where the certificate lives and how the API server reaches the webhooks.
type Options struct {
	// Namespace and SecretName locate the Secret holding the CA and certificate.
	Namespace, SecretName string
	// CertDir receives tls.crt and tls.key for the server; empty when the
	// server reads the Secret itself (a mounted volume).
	CertDir string
	// DNSNames and IPs go into the serving certificate.
	DNSNames []string
	IPs      []net.IP
	// URL, when set (local runs and tests), replaces each webhook's Service
	// reference by URL + the webhook's path. Empty keeps the Service.
	URL string
	// Mutating and Validating name the webhook configurations to keep current.
	Mutating, Validating string
	// APIService names an APIService (an aggregated API server served with
	// this certificate) whose caBundle to keep current.
	APIService string
}

// Ensure makes sure a valid certificate exists, is on disk, and is trusted
// by the webhook configurations. It is idempotent; call it at start-up and
// periodically. c must read from the API server, not a cache.
func Ensure(ctx context.Context, c client.Client, o Options, now time.Time) error {
	bundle, serving, err := ensureSecret(ctx, c, o, now)
	if err != nil {
		return err
	}
	if o.CertDir != "" {
		if err := writeFiles(o.CertDir, serving); err != nil {
			return err
		}
	}
	return patchConfigurations(ctx, c, o, bundle)
}

// ensureSecret keeps the Secret usable and returns the CA bundle to trust
// (the CA, and the one it replaced while that is valid) and the serving
// certificate.
func ensureSecret(ctx context.Context, c client.Client, o Options, now time.Time) (bundle []byte, serving certs.KeyPair, err error) {
	var s corev1.Secret
	err = c.Get(ctx, client.ObjectKey{Namespace: o.Namespace, Name: o.SecretName}, &s)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, serving, err
	}
	exists := err == nil
	ca := certs.KeyPair{CertPEM: s.Data[keyCACert], KeyPEM: s.Data[keyCAKey]}
	previous := s.Data[keyPreviousCA]
	serving = certs.KeyPair{CertPEM: s.Data[corev1.TLSCertKey], KeyPEM: s.Data[corev1.TLSPrivateKeyKey]}
	if usable(ca, serving, o, now) {
		return caBundle(ca.CertPEM, previous, now), serving, nil
	}
	if !certs.CAUsable(ca, certValidity, now) {
		previous = ca.CertPEM
		if ca, err = certs.NewCA("okd-ingress-webhook-ca@"+fmt.Sprint(now.Unix()), caValidity, now); err != nil {
			return nil, serving, err
		}
	}
	if serving, err = certs.NewServingCert(ca, o.DNSNames, o.IPs, certValidity, now); err != nil {
		return nil, serving, err
	}
	s.ObjectMeta = metav1.ObjectMeta{Name: o.SecretName, Namespace: o.Namespace, ResourceVersion: s.ResourceVersion,
		Labels: s.Labels, Annotations: s.Annotations}
	s.Type = corev1.SecretTypeTLS
	s.Data = map[string][]byte{keyCACert: ca.CertPEM, keyCAKey: ca.KeyPEM,
		corev1.TLSCertKey: serving.CertPEM, corev1.TLSPrivateKeyKey: serving.KeyPEM}
	if b := caBundle(nil, previous, now); len(b) > 0 {
		s.Data[keyPreviousCA] = b
	}
	if exists {
		err = c.Update(ctx, &s)
	} else {
		err = c.Create(ctx, &s)
	}
	if apierrors.IsAlreadyExists(err) || apierrors.IsConflict(err) {
		// Another replica won the race: use what it stored.
		return ensureSecret(ctx, c, o, now)
	}
	return caBundle(ca.CertPEM, previous, now), serving, err
}

// Bundle is the CA bundle that trusts the certificates of the Secret s
// keeps, as Ensure publishes it.
func Bundle(s *corev1.Secret, now time.Time) []byte {
	return caBundle(s.Data[keyCACert], s.Data[keyPreviousCA], now)
}

// caBundle is ca followed by previous, when previous is a certificate that
// has not expired.
func caBundle(ca, previous []byte, now time.Time) []byte {
	cs, err := certs.ParseCertificates(previous)
	if err != nil || len(cs) == 0 || !now.Before(cs[0].NotAfter) {
		return ca
	}
	return append(bytes.Clone(ca), previous...)
}

// usable reports whether the stored certificate is signed by the stored CA,
// covers every wanted name and is not about to expire.
func usable(ca, serving certs.KeyPair, o Options, now time.Time) bool {
	if !certs.CAUsable(ca, certValidity, now) {
		return false
	}
	leaf, _, err := serving.Parse()
	if err != nil || now.Add(renewBefore).After(leaf.NotAfter) {
		return false
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.CertPEM)
	for _, name := range o.DNSNames {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, CurrentTime: now}); err != nil {
			return false
		}
	}
	for _, ip := range o.IPs {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: ip.String(), Roots: roots, CurrentTime: now}); err != nil {
			return false
		}
	}
	return true
}

func writeFiles(dir string, kp certs.KeyPair) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for name, data := range map[string][]byte{corev1.TLSCertKey: kp.CertPEM, corev1.TLSPrivateKeyKey: kp.KeyPEM} {
		path := filepath.Join(dir, name)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
			continue
		}
		// Write then rename, so the server's certificate watcher never reads half a file.
		if err := os.WriteFile(path+".tmp", data, 0o600); err != nil {
			return err
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			return err
		}
	}
	return nil
}

// patchConfigurations puts the CA bundle into each configuration that is
// installed (the aggregated Route API needs no webhooks; either webhook
// configuration may be missing on its own).
func patchConfigurations(ctx context.Context, c client.Client, o Options, caPEM []byte) error {
	if o.APIService != "" {
		if err := patchAPIService(ctx, c, o.APIService, caPEM); err != nil {
			return err
		}
	}
	if o.Mutating != "" {
		err := patchWebhooks(ctx, c, &admissionregistrationv1.MutatingWebhookConfiguration{}, o.Mutating, func(m *admissionregistrationv1.MutatingWebhookConfiguration) {
			for i := range m.Webhooks {
				setClientConfig(&m.Webhooks[i].ClientConfig, o.URL, caPEM)
			}
		})
		if err != nil {
			return fmt.Errorf("mutating webhook configuration %s: %w", o.Mutating, err)
		}
	}
	if o.Validating != "" {
		err := patchWebhooks(ctx, c, &admissionregistrationv1.ValidatingWebhookConfiguration{}, o.Validating, func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			for i := range v.Webhooks {
				setClientConfig(&v.Webhooks[i].ClientConfig, o.URL, caPEM)
			}
		})
		if err != nil {
			return fmt.Errorf("validating webhook configuration %s: %w", o.Validating, err)
		}
	}
	return nil
}

// patchWebhooks applies set to the configuration name, if it exists.
func patchWebhooks[T client.Object](ctx context.Context, c client.Client, obj T, name string, set func(T)) error {
	if err := c.Get(ctx, client.ObjectKey{Name: name}, obj); err != nil {
		return client.IgnoreNotFound(err)
	}
	orig := obj.DeepCopyObject().(client.Object)
	set(obj)
	return c.Patch(ctx, obj, client.MergeFrom(orig))
}

func patchAPIService(ctx context.Context, c client.Client, name string, caPEM []byte) error {
	var a apiregistrationv1.APIService
	if err := c.Get(ctx, client.ObjectKey{Name: name}, &a); apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("APIService %s: %w", name, err)
	}
	// An APIService without a Service is the API server's own (the Route
	// CRD's): it takes no CA bundle.
	if a.Spec.Service == nil || bytes.Equal(a.Spec.CABundle, caPEM) {
		return nil
	}
	orig := a.DeepCopy()
	a.Spec.CABundle = caPEM
	return c.Patch(ctx, &a, client.MergeFrom(orig))
}

func setClientConfig(cc *admissionregistrationv1.WebhookClientConfig, baseURL string, caPEM []byte) {
	cc.CABundle = caPEM
	if baseURL == "" || cc.Service == nil {
		return
	}
	path := ""
	if cc.Service.Path != nil {
		path = *cc.Service.Path
	}
	u := baseURL + path
	cc.URL, cc.Service = &u, nil
}
