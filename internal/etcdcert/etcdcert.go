// Package etcdcert keeps the certificates of the Route API server's etcd in
// a cluster: a CA, the members' serving and peer certificate, and the Route
// API server's client certificate, each in a Secret of the operator
// namespace. Leaves are renewed a month before they expire and re-issued when
// the CA changes; etcd and the Route API server read them from mounted
// Secrets, which the kubelet refreshes. Neither rereads its trusted CA: a
// member that started before the CA it must trust is restarted, and the Route
// API server restarts itself when the file changes (routeserver).
package etcdcert

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

const (
	caValidity   = 10 * 365 * 24 * time.Hour
	leafValidity = 365 * 24 * time.Hour
	renewBefore  = 30 * 24 * time.Hour

	keyCACert = "ca.crt"
	keyCAKey  = "ca.key"
	// ClientUser is the client certificate's common name.
	ClientUser = "okd-ingress-route-apiserver"
)

// MemberNames are the names the serving certificate covers: the headless
// Service, each member behind it, and loopback for etcdctl in the pod.
func MemberNames(namespace string) []string {
	svc := names.RouteEtcdName + "." + namespace + ".svc"
	return []string{svc, "*." + svc, svc + ".cluster.local", "*." + svc + ".cluster.local", "localhost"}
}

// Ensure makes sure the three Secrets exist and hold usable certificates.
// It is idempotent; c must read from the API server, not a cache.
func Ensure(ctx context.Context, c client.Client, namespace string, now time.Time) error {
	ca, caChanged, err := ensureCA(ctx, c, namespace, now)
	if err != nil {
		return err
	}
	leaves := []struct {
		secret string
		usable func(*x509.Certificate) bool
		issue  func() (certs.KeyPair, error)
	}{
		{names.RouteEtcdServingSecretName, coversMembers(namespace), func() (certs.KeyPair, error) {
			return certs.NewPeerCert(ca, MemberNames(namespace), []net.IP{net.IPv4(127, 0, 0, 1)}, leafValidity, now)
		}},
		{names.RouteEtcdClientSecretName, func(*x509.Certificate) bool { return true }, func() (certs.KeyPair, error) {
			return certs.NewClientCert(ca, ClientUser, nil, leafValidity, now)
		}},
	}
	for _, l := range leaves {
		if err := ensureLeaf(ctx, c, namespace, l.secret, ca, caChanged, now, l.usable, l.issue); err != nil {
			return fmt.Errorf("secret %s: %w", l.secret, err)
		}
	}
	return restartStaleMember(ctx, c, namespace)
}

// Member is the one etcd member's pod, which the StatefulSet names.
const Member = names.RouteEtcdName + "-0"

// CAWrittenAnnotation, on a leaf Secret, is when its ca.crt last changed
// (RFC 3339, the manager's clock): from then on a pod that mounts it
// trusts that CA.
const CAWrittenAnnotation = "route.okd-ingress.io/ca-written"

// restartStaleMember deletes the member's pod when it was created before
// the members' Secret got the CA it holds: etcd read the CA it trusts for
// clients and peers when it started, so it would refuse the Route API
// server's certificate, issued by the new one, until restarted. The
// StatefulSet makes the pod again with the Secret as it is now. Comparing
// times keeps this level-based: a manager that stopped between writing the
// Secret and this still restarts it, and a pod made again before the Secret
// was written is restarted too.
func restartStaleMember(ctx context.Context, c client.Client, namespace string) error {
	s, exists, err := get(ctx, c, namespace, names.RouteEtcdServingSecretName)
	if err != nil || !exists {
		return err
	}
	written, err := time.Parse(time.RFC3339, s.Annotations[CAWrittenAnnotation])
	if err != nil {
		return nil // written before the annotation: nothing known to be stale
	}
	pod := &corev1.Pod{}
	err = c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: Member}, pod)
	if apierrors.IsNotFound(err) || (err == nil && pod.CreationTimestamp.After(written)) {
		return nil // none (the CRD serves Routes, or not made yet), or it mounted this CA
	}
	if err != nil {
		return err
	}
	// The UID precondition spares a pod made again meanwhile.
	err = c.Delete(ctx, pod, client.Preconditions{UID: &pod.UID})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

func ensureCA(ctx context.Context, c client.Client, namespace string, now time.Time) (certs.KeyPair, bool, error) {
	s, exists, err := get(ctx, c, namespace, names.RouteEtcdCASecretName)
	if err != nil {
		return certs.KeyPair{}, false, err
	}
	ca := certs.KeyPair{CertPEM: s.Data[keyCACert], KeyPEM: s.Data[keyCAKey]}
	if cert, _, err := ca.Parse(); err == nil && cert.IsCA && now.Add(leafValidity).Before(cert.NotAfter) {
		return ca, false, nil
	}
	if ca, err = certs.NewCA("okd-ingress-route-etcd-ca@"+fmt.Sprint(now.Unix()), caValidity, now); err != nil {
		return ca, false, err
	}
	s.Type = corev1.SecretTypeOpaque
	s.Data = map[string][]byte{keyCACert: ca.CertPEM, keyCAKey: ca.KeyPEM}
	return ca, true, put(ctx, c, s, exists)
}

func ensureLeaf(ctx context.Context, c client.Client, namespace, name string, ca certs.KeyPair, caChanged bool, now time.Time,
	usable func(*x509.Certificate) bool, issue func() (certs.KeyPair, error)) error {
	s, exists, err := get(ctx, c, namespace, name)
	if err != nil {
		return err
	}
	kp := certs.KeyPair{CertPEM: s.Data[corev1.TLSCertKey], KeyPEM: s.Data[corev1.TLSPrivateKeyKey]}
	if !caChanged && signedAndFresh(ca, kp, now, usable) {
		return nil
	}
	if kp, err = issue(); err != nil {
		return err
	}
	if !bytes.Equal(s.Data[keyCACert], ca.CertPEM) {
		metav1.SetMetaDataAnnotation(&s.ObjectMeta, CAWrittenAnnotation, now.UTC().Format(time.RFC3339))
	}
	s.Type = corev1.SecretTypeTLS
	s.Data = map[string][]byte{keyCACert: ca.CertPEM, corev1.TLSCertKey: kp.CertPEM, corev1.TLSPrivateKeyKey: kp.KeyPEM}
	return put(ctx, c, s, exists)
}

// signedAndFresh reports whether kp is signed by ca, passes usable and is
// not about to expire.
func signedAndFresh(ca, kp certs.KeyPair, now time.Time, usable func(*x509.Certificate) bool) bool {
	leaf, _, err := kp.Parse()
	if err != nil || now.Add(renewBefore).After(leaf.NotAfter) || !usable(leaf) {
		return false
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.CertPEM)
	_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	return err == nil
}

func coversMembers(namespace string) func(*x509.Certificate) bool {
	return func(leaf *x509.Certificate) bool {
		for _, n := range MemberNames(namespace) {
			if n[0] == '*' {
				n = "etcd-0" + n[1:]
			}
			if leaf.VerifyHostname(n) != nil {
				return false
			}
		}
		return true
	}
}

func get(ctx context.Context, c client.Client, namespace, name string) (*corev1.Secret, bool, error) {
	s := &corev1.Secret{}
	err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, s)
	switch {
	case apierrors.IsNotFound(err):
		s.ObjectMeta = metav1.ObjectMeta{Namespace: namespace, Name: name,
			Labels: map[string]string{"app.kubernetes.io/name": names.RouteEtcdName}}
		return s, false, nil
	case err != nil:
		return nil, false, err
	}
	return s, true, nil
}

func put(ctx context.Context, c client.Client, s *corev1.Secret, exists bool) error {
	if exists {
		return c.Update(ctx, s)
	}
	return c.Create(ctx, s)
}
