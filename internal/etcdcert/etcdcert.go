// Package etcdcert keeps the certificates of the Route API server's etcd in
// a cluster: a CA, the members' serving and peer certificate, and the Route
// API server's client certificate, each in a Secret of the operator
// namespace. Leaves are renewed a month before they expire; etcd and the Route
// API server read them from mounted Secrets, which the kubelet refreshes.
// Neither rereads the CAs it trusts (each leaf Secret's ca.crt), so the
// trusted set changes ahead of the leaves: a new CA is trusted while the
// leaves it will sign are still the old CA's, and an old CA until no kept leaf
// is its. When the set changes, the member is restarted, and the Route API
// server restarts itself (routeserver).
package etcdcert

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"slices"
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
	// keyNextCert and keyNextKey, in the CA Secret, hold the CA's successor:
	// made overlap before the CA can no longer sign a leaf, trusted from
	// then on, signing after.
	keyNextCert = "next.crt"
	keyNextKey  = "next.key"
	overlap     = 365 * 24 * time.Hour
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
	ca, err := ensureCA(ctx, c, namespace, now)
	if err != nil {
		return err
	}
	members := &leaf{secret: names.RouteEtcdServingSecretName, usable: coversMembers(namespace), issue: func() (certs.KeyPair, error) {
		return certs.NewPeerCert(ca.Current, MemberNames(namespace), []net.IP{net.IPv4(127, 0, 0, 1)}, leafValidity, now)
	}}
	leaves := []*leaf{
		members,
		{secret: names.RouteEtcdClientSecretName, usable: func(*x509.Certificate) bool { return true }, issue: func() (certs.KeyPair, error) {
			return certs.NewClientCert(ca.Current, ClientUser, nil, leafValidity, now)
		}},
	}
	trusted := [][]byte{ca.Current.CertPEM, ca.Next.CertPEM}
	for _, l := range leaves {
		if err := l.read(ctx, c, namespace, ca.Current, now); err != nil {
			return fmt.Errorf("secret %s: %w", l.secret, err)
		}
		trusted = append(trusted, l.signer, l.retiring)
		trusted = append(trusted, l.carried...)
	}
	bundle := joinCerts(trusted)
	for _, l := range leaves {
		if err := l.write(ctx, c, bundle, now); err != nil {
			return fmt.Errorf("secret %s: %w", l.secret, err)
		}
	}
	return restartStaleMember(ctx, c, members.s)
}

// leaf is one leaf Secret: read, then written when it changes.
type leaf struct {
	secret string
	usable func(*x509.Certificate) bool
	issue  func() (certs.KeyPair, error)

	s      *corev1.Secret
	exists bool
	kp     certs.KeyPair
	// signer is the CA of a leaf kept (in PEM), nil when it is re-issued.
	signer []byte
	// retiring is the CA of a leaf being replaced, while that leaf is
	// valid: trusted until the next check, since the process that presents
	// it keeps doing so until the kubelet has updated its mounted Secret.
	retiring []byte
	// carried are the CAs the Secret's bundle trusts, kept while its leaf
	// is young (newGrace): another manager replica, or this one restarted,
	// checks again before the kubelet has updated the processes' files.
	carried [][]byte
}

// newGrace is how long after its NotBefore a leaf is young: settle after
// it was issued, as leaves are backdated five minutes (certs).
const newGrace = 5*time.Minute + settle

// read keeps the Secret's certificate when it is fresh, passes usable and
// is signed by ca or by a CA its bundle already trusts; else it issues one.
func (l *leaf) read(ctx context.Context, c client.Client, namespace string, ca certs.KeyPair, now time.Time) (err error) {
	if l.s, l.exists, err = get(ctx, c, namespace, l.secret); err != nil {
		return err
	}
	l.kp = certs.KeyPair{CertPEM: l.s.Data[corev1.TLSCertKey], KeyPEM: l.s.Data[corev1.TLSPrivateKeyKey]}
	trusted := certsIn(l.s.Data[keyCACert])
	cas := append(certsIn(ca.CertPEM), trusted...)
	if l.signer = signerOf(l.kp, cas, now, renewBefore, l.usable); l.signer != nil {
		if cert, _, _ := l.kp.Parse(); now.Before(cert.NotBefore.Add(newGrace)) {
			for _, c := range trusted {
				if now.Before(c.NotAfter) {
					l.carried = append(l.carried, pemOf(c))
				}
			}
		}
		return nil
	}
	// Due but still valid: while the processes may not trust the CA that
	// would sign its successor (a CA new to the Secret's bundle, or put
	// there less than settle ago), the leaf stays; this write brings the
	// trust, and a later check the new leaf (the renewal month has room).
	if l.signer = signerOf(l.kp, cas, now, outlast, l.usable); l.signer != nil && !l.settled(ca, trusted, now) {
		return nil
	}
	l.signer = nil
	l.retiring = signerOf(l.kp, cas, now, 0, func(*x509.Certificate) bool { return true })
	l.kp, err = l.issue()
	return err
}

// outlast is how long a due leaf must still be valid to wait for the
// next check (the manager's, every six hours): one that would expire
// first is re-issued at once.
const outlast = 6*time.Hour + settle + time.Hour

// settle is how long after a bundle is written the processes are taken to
// trust it: the kubelet's Secret refresh (about a minute) and a restart.
const settle = 15 * time.Minute

// settled reports whether the Secret's bundle, trusted, has held ca for
// settle.
func (l *leaf) settled(ca certs.KeyPair, trusted []*x509.Certificate, now time.Time) bool {
	cert, _, err := ca.Parse()
	if err != nil || !slices.ContainsFunc(trusted, cert.Equal) {
		return false
	}
	written, err := time.Parse(time.RFC3339, l.s.Annotations[CAWrittenAnnotation])
	return err != nil || !now.Before(written.Add(settle)) // no stamp: written before stamps, long ago
}

// write saves the leaf with bundle as its ca.crt, when either changed. A
// new bundle is stamped (CAWrittenAnnotation) for restartStaleMember.
func (l *leaf) write(ctx context.Context, c client.Client, bundle []byte, now time.Time) error {
	sameBundle := bytes.Equal(l.s.Data[keyCACert], bundle)
	if l.signer != nil && sameBundle {
		return nil
	}
	if !sameBundle {
		metav1.SetMetaDataAnnotation(&l.s.ObjectMeta, CAWrittenAnnotation, now.UTC().Format(time.RFC3339))
	}
	l.s.Type = corev1.SecretTypeTLS
	l.s.Data = map[string][]byte{keyCACert: bundle, corev1.TLSCertKey: l.kp.CertPEM, corev1.TLSPrivateKeyKey: l.kp.KeyPEM}
	return put(ctx, c, l.s, l.exists)
}

// Member is the one etcd member's pod, which the StatefulSet names.
const Member = names.RouteEtcdName + "-0"

// CAWrittenAnnotation, on a leaf Secret, is when its ca.crt last changed
// (RFC 3339, the manager's clock): from then on a pod that mounts it
// trusts that CA.
const CAWrittenAnnotation = "route.okd-ingress.io/ca-written"

// restartStaleMember deletes the member's pod when it was created before
// the members' Secret (as Ensure read or wrote it) got the CA it holds: etcd read the CA it trusts for
// clients and peers when it started, so it would refuse the Route API
// server's certificate, issued by the new one, until restarted. The
// StatefulSet makes the pod again with the Secret as it is now. Comparing
// times keeps this level-based: a manager that stopped between writing the
// Secret and this still restarts it, and a pod made again before the Secret
// was written is restarted too.
func restartStaleMember(ctx context.Context, c client.Client, members *corev1.Secret) error {
	written, err := time.Parse(time.RFC3339, members.Annotations[CAWrittenAnnotation])
	if err != nil {
		return nil // written before the annotation: nothing known to be stale
	}
	pod := &corev1.Pod{}
	err = c.Get(ctx, client.ObjectKey{Namespace: members.Namespace, Name: Member}, pod)
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

// ensureCA keeps the CA Secret: the CA signs while it outlives a new leaf;
// its successor is made overlap earlier and then takes over; a new CA when
// neither can sign (a first start, a lost or spoiled Secret).
func ensureCA(ctx context.Context, c client.Client, namespace string, now time.Time) (certs.Succession, error) {
	s, exists, err := get(ctx, c, namespace, names.RouteEtcdCASecretName)
	if err != nil {
		return certs.Succession{}, err
	}
	a := certs.Succession{Current: certs.KeyPair{CertPEM: s.Data[keyCACert], KeyPEM: s.Data[keyCAKey]},
		Next: certs.KeyPair{CertPEM: s.Data[keyNextCert], KeyPEM: s.Data[keyNextKey]}}
	changed := false
	if a.Next.CertPEM != nil && !certs.CAUsable(a.Next, 0, now) {
		a.Next, changed = certs.KeyPair{}, true // spoiled or expired: trusted by nobody
	}
	a, advanced, err := a.Advance(leafValidity, overlap, now, func() (certs.KeyPair, error) {
		return certs.NewCA("okd-ingress-route-etcd-ca@"+fmt.Sprint(now.Unix()), caValidity, now)
	})
	if err != nil || !changed && !advanced {
		return a, err
	}
	if !exists {
		s.Type = corev1.SecretTypeOpaque
	}
	s.Data = map[string][]byte{keyCACert: a.Current.CertPEM, keyCAKey: a.Current.KeyPEM}
	if a.Next.CertPEM != nil {
		s.Data[keyNextCert], s.Data[keyNextKey] = a.Next.CertPEM, a.Next.KeyPEM
	}
	return a, put(ctx, c, s, exists)
}

// signerOf returns, in PEM, the CA among cas that signed kp, when kp
// passes usable and outlives now+margin; nil otherwise.
func signerOf(kp certs.KeyPair, cas []*x509.Certificate, now time.Time, margin time.Duration, usable func(*x509.Certificate) bool) []byte {
	leaf, _, err := kp.Parse()
	if err != nil || !now.Add(margin).Before(leaf.NotAfter) || !usable(leaf) {
		return nil
	}
	for _, ca := range cas {
		if !ca.IsCA {
			continue
		}
		roots := x509.NewCertPool()
		roots.AddCert(ca)
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err == nil {
			return pemOf(ca)
		}
	}
	return nil
}

// certsIn returns the certificates of the PEM blocks in data that parse,
// skipping the others: a spoiled block does not hide the rest.
func certsIn(data []byte) []*x509.Certificate {
	var out []*x509.Certificate
	for {
		var block *pem.Block
		if block, data = pem.Decode(data); block == nil {
			return out
		}
		if c, err := x509.ParseCertificate(block.Bytes); err == nil && block.Type == "CERTIFICATE" {
			out = append(out, c)
		}
	}
}

// joinCerts is the bundle of the distinct certificates in blocks (each
// PEM, some empty), in one order whatever theirs: the same CAs make the
// same bytes, and no restart.
func joinCerts(blocks [][]byte) []byte {
	var each [][]byte
	for _, b := range blocks {
		for _, c := range certsIn(b) {
			each = append(each, pemOf(c))
		}
	}
	slices.SortFunc(each, bytes.Compare)
	return bytes.Join(slices.CompactFunc(each, bytes.Equal), nil)
}

func pemOf(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
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
