package operator

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

// routerCA reads the operator's CA.
func routerCA(t *testing.T) (certs.KeyPair, *x509.Certificate) {
	t.Helper()
	var s corev1.Secret
	must(t, k8s.Get(ctx, client.ObjectKey{Namespace: names.OperatorNamespace, Name: "router-ca"}, &s))
	expect(t, "router-ca type", s.Type, corev1.SecretTypeTLS)
	kp := certs.KeyPair{CertPEM: s.Data["tls.crt"], KeyPEM: s.Data["tls.key"]}
	c, _, err := kp.Parse()
	must(t, err)
	if !c.IsCA {
		t.Fatal("router-ca is not a CA")
	}
	return kp, c
}

// leafOf parses the generated Secret: the serving certificate, then the CA.
func leafOf(s *corev1.Secret) (*x509.Certificate, []*x509.Certificate, error) {
	if _, _, err := (certs.KeyPair{CertPEM: s.Data["tls.crt"], KeyPEM: s.Data["tls.key"]}).Parse(); err != nil {
		return nil, nil, err
	}
	chain, err := certs.ParseCertificates(s.Data["tls.crt"])
	if err != nil {
		return nil, nil, err
	}
	return chain[0], chain, nil
}

func generatedSecret(t *testing.T, ic string) *corev1.Secret {
	t.Helper()
	s := &corev1.Secret{}
	operand(t, "router-certs-"+ic, s)
	return s
}

// replaceCertificate puts another key pair into the generated Secret, as
// a stale or foreign certificate would be.
func replaceCertificate(t *testing.T, s *corev1.Secret, kp certs.KeyPair) {
	t.Helper()
	before := s.DeepCopy()
	s.Data = map[string][]byte{"tls.crt": kp.CertPEM, "tls.key": kp.KeyPEM}
	must(t, k8s.Patch(ctx, s, client.MergeFrom(before)))
}

// waitEvent waits for an event of reason about IngressController ic.
func waitEvent(t *testing.T, ic, reason string) eventsv1.Event {
	t.Helper()
	return waitEventNote(t, ic, reason, "")
}

// waitEventNote waits for an event of reason about ic whose note contains
// note.
func waitEventNote(t *testing.T, ic, reason, note string) eventsv1.Event {
	t.Helper()
	var found eventsv1.Event
	eventually(t, reason+" event", func() error {
		var evs eventsv1.EventList
		if err := k8s.List(ctx, &evs, client.InNamespace(names.OperatorNamespace)); err != nil {
			return err
		}
		for _, e := range evs.Items {
			if e.Regarding.Name == ic && e.Reason == reason && strings.Contains(e.Note, note) {
				found = e
				return nil
			}
		}
		return fmt.Errorf("no event among %d", len(evs.Items))
	})
	return found
}

// waitReissued waits for a certificate in Secret secret signed by the
// router CA, other than the one with serial old (any, when old is nil),
// valid for about a year or more.
func waitReissued(t *testing.T, secret string, old *x509.Certificate, ca *x509.Certificate) *x509.Certificate {
	t.Helper()
	var leaf *x509.Certificate
	eventually(t, "re-issued certificate", func() error {
		s := &corev1.Secret{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: secret}, s); err != nil {
			return err
		}
		var err error
		if leaf, _, err = leafOf(s); err != nil {
			return err
		}
		if old != nil && leaf.SerialNumber.Cmp(old.SerialNumber) == 0 {
			return fmt.Errorf("still the replaced certificate")
		}
		if err := leaf.CheckSignatureFrom(ca); err != nil {
			return err
		}
		return nil
	})
	if left := time.Until(leaf.NotAfter); left < 365*24*time.Hour {
		t.Errorf("re-issued certificate is valid for %v only", left)
	}
	return leaf
}

func TestDefaultCertificate(t *testing.T) {
	const ic = "certs"
	createIC(t, ic, domain("certs.op.test"), replicas(1), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType}))
	deployment(t, ic)

	// Generated: router-certs-<name>, a TLS Secret for *.<domain> and
	// <domain>, signed by router-ca, with the CA after it.
	s := generatedSecret(t, ic)
	caPair, ca := routerCA(t)
	expect(t, "type", s.Type, corev1.SecretTypeTLS)
	expect(t, "labels", s.Labels, map[string]string{names.OwningLabel: ic})
	leaf, chain, err := leafOf(s)
	must(t, err)
	expect(t, "SANs", leaf.DNSNames, []string{"*.certs.op.test", "certs.op.test"})
	must(t, leaf.CheckSignatureFrom(ca))
	if len(chain) != 2 || !chain[1].Equal(ca) {
		t.Errorf("tls.crt holds %d certificates, want the leaf and router-ca", len(chain))
	}
	if left := time.Until(leaf.NotAfter); left < 700*24*time.Hour {
		t.Errorf("generated certificate valid for %v, want two years", left)
	}

	t.Run("the CA's certificate is published without its key, and again if deleted", func(t *testing.T) {
		published := func() error {
			var cm corev1.ConfigMap
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: "router-ca"}, &cm); err != nil {
				return err
			}
			// A fresh CA has neither successor nor predecessor yet.
			if got, want := cm.Data["ca-bundle.crt"], string(caPair.CertPEM); got != want || len(cm.Data) != 1 || len(cm.BinaryData) != 0 {
				return fmt.Errorf("ConfigMap router-ca holds %v, want ca-bundle.crt = router-ca's certificate only", cm.Data)
			}
			return nil
		}
		eventually(t, "router-ca published", published)
		must(t, k8s.Delete(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: names.RouterNamespace, Name: "router-ca"}}))
		eventually(t, "router-ca published again", published)
	})

	t.Run("signed by another CA is re-issued", func(t *testing.T) {
		impostorCA, err := certs.NewCA("impostor", 24*time.Hour, time.Now())
		must(t, err)
		fake, err := certs.NewServingCert(impostorCA, []string{"*.certs.op.test", "certs.op.test"}, nil, 365*24*time.Hour, time.Now())
		must(t, err)
		fakeLeaf, _, err := fake.Parse()
		must(t, err)
		replaceCertificate(t, generatedSecret(t, ic), fake)
		touch(t, ic)
		waitReissued(t, names.DefaultCertificateSecret(ic), fakeLeaf, ca)
	})

	t.Run("near expiry is re-issued", func(t *testing.T) {
		expiring, err := certs.NewServingCert(caPair, []string{"*.certs.op.test", "certs.op.test"}, nil, 48*time.Hour, time.Now())
		must(t, err)
		expLeaf, _, err := expiring.Parse()
		must(t, err)
		replaceCertificate(t, generatedSecret(t, ic), expiring)
		touch(t, ic)
		waitReissued(t, names.DefaultCertificateSecret(ic), expLeaf, ca)
	})

	t.Run("an immutable Opaque Secret in its place is made anew", func(t *testing.T) {
		old := generatedSecret(t, ic)
		must(t, k8s.Delete(ctx, old))
		eventually(t, "Secret gone", gone(&corev1.Secret{}, names.RouterNamespace, old.Name))
		// Made by hand (say, restored from a backup) before the operator
		// makes it again: neither its type nor its data can change.
		must(t, k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: names.RouterNamespace, Name: old.Name},
			Type: corev1.SecretTypeOpaque, Immutable: ptr.To(true), Data: map[string][]byte{"tls.crt": []byte("junk")}}))
		touch(t, ic)
		eventually(t, "a kubernetes.io/tls Secret again", func() error {
			s := &corev1.Secret{}
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: old.Name}, s); err != nil {
				return err
			}
			if s.Type != corev1.SecretTypeTLS {
				return fmt.Errorf("type %s", s.Type)
			}
			_, _, err := leafOf(s)
			return err
		})
	})

	t.Run("a valid certificate is kept", func(t *testing.T) {
		before := generatedSecret(t, ic)
		touch(t, ic)
		// The touch's reconcile updates nothing; a second touch proves the
		// first was processed (the operator handles one at a time).
		touch(t, ic)
		time.Sleep(time.Second)
		after := generatedSecret(t, ic)
		expect(t, "resourceVersion", after.ResourceVersion, before.ResourceVersion)
	})

	t.Run("spec.defaultCertificate replaces the generated one once it exists", func(t *testing.T) {
		updateIC(t, ic, func(x *operatorv1.IngressController) {
			x.Spec.DefaultCertificate = &corev1.LocalObjectReference{Name: "certs-own"}
		})
		e := waitEvent(t, ic, "DefaultCertificateMissing")
		expect(t, "event note", e.Note, "spec.defaultCertificate names Secret certs-own, which does not exist in namespace openshift-ingress")
		expect(t, "event type", e.Type, corev1.EventTypeWarning)
		// Never without a certificate: the generated one stays meanwhile.
		generatedSecret(t, ic)
		expect(t, "volume meanwhile", deployment(t, ic).Spec.Template.Spec.Volumes[0].Secret.SecretName, "router-certs-certs")
		// Status says what failed, and still what runs.
		waitOperandsFault(t, ic, `"certs-own" not found; the routers serve the generated one, Secret router-certs-certs, meanwhile`)

		// The rest of the spec still reaches the routers meanwhile.
		updateIC(t, ic, func(x *operatorv1.IngressController) { x.Spec.Replicas = ptr.To(int32(2)) })
		eventually(t, "Deployment scaled", func() error {
			if d := deployment(t, ic); *d.Spec.Replicas != 2 {
				return fmt.Errorf("replicas %d", *d.Spec.Replicas)
			}
			return nil
		})
		expect(t, "volume meanwhile", deployment(t, ic).Spec.Template.Spec.Volumes[0].Secret.SecretName, "router-certs-certs")

		// The admin makes the Secret, first with another certificate's key:
		// the routers could not load it, so the generated one stays.
		own, err := certs.NewServingCert(caPair, []string{"*.certs.op.test"}, nil, 24*time.Hour, time.Now())
		must(t, err)
		other, err := certs.NewServingCert(caPair, []string{"other.certs.op.test"}, nil, 24*time.Hour, time.Now())
		must(t, err)
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: names.RouterNamespace, Name: "certs-own"},
			Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": own.CertPEM, "tls.key": other.KeyPEM}}
		must(t, k8s.Create(ctx, secret))
		e = waitEvent(t, ic, "DefaultCertificateInvalid")
		expect(t, "event note", e.Note, "spec.defaultCertificate names Secret openshift-ingress/certs-own, whose tls.crt and tls.key "+
			"the routers cannot serve: the private key does not match the certificate (the first certificate must be the server's own)")
		generatedSecret(t, ic)
		expect(t, "volume meanwhile", deployment(t, ic).Spec.Template.Spec.Volumes[0].Secret.SecretName, "router-certs-certs")

		// Then with a matching key too small for the routers' OpenSSL,
		// which would keep every new router pod from starting.
		weakCert, weakKey := weakKeyPair(t, "*.certs.op.test")
		secret.Data = map[string][]byte{"tls.crt": weakCert, "tls.key": weakKey}
		must(t, k8s.Update(ctx, secret))
		waitEventNote(t, ic, "DefaultCertificateInvalid", `the certificate of "CN=*.certs.op.test" has a 1024-bit RSA key, `+
			"which HAProxy's OpenSSL refuses: use at least 2048 bits")
		expect(t, "volume meanwhile", deployment(t, ic).Spec.Template.Spec.Volumes[0].Secret.SecretName, "router-certs-certs")

		// Fixed later, when the failed reconcile's retries are 10 s apart:
		// the Secret's change itself must start the next.
		time.Sleep(11 * time.Second)
		secret.Data = map[string][]byte{"tls.crt": own.CertPEM, "tls.key": own.KeyPEM}
		must(t, k8s.Update(ctx, secret))
		fixed := time.Now()
		eventually(t, "generated Secret deleted", gone(&corev1.Secret{}, names.RouterNamespace, "router-certs-certs"))
		if took := time.Since(fixed); took > 5*time.Second {
			t.Errorf("the fixed Secret was used %v after it changed: at the next retry, not when it came", took)
		}
		eventually(t, "Deployment mounts certs-own", func() error {
			if v := deployment(t, ic).Spec.Template.Spec.Volumes[0].Secret.SecretName; v != "certs-own" {
				return fmt.Errorf("volume Secret %s", v)
			}
			return nil
		})
		waitOperandsReconciled(t, ic)
		var s corev1.Secret
		must(t, k8s.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: "certs-own"}, &s))
		if !slices.Equal(s.Data["tls.crt"], own.CertPEM) {
			t.Error("the operator changed the user's Secret")
		}
	})

	t.Run("a Secret in use that becomes unusable holds the routers' template", func(t *testing.T) {
		setRolledOut(t, ic) // routers run with what they loaded from it
		before := deployment(t, ic).Spec.Template
		expect(t, "volume", before.Spec.Volumes[0].Secret.SecretName, "certs-own")
		var own corev1.Secret
		must(t, k8s.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: "certs-own"}, &own))
		must(t, k8s.Delete(ctx, &own))
		// New pods could not mount it: a change that would roll them
		// waits, while the rest (replicas) goes on.
		updateIC(t, ic, func(x *operatorv1.IngressController) {
			x.Spec.Replicas = ptr.To(int32(1))
			x.Spec.HTTPHeaders = &operatorv1.IngressControllerHTTPHeaders{ForwardedHeaderPolicy: operatorv1.NeverHTTPHeaderPolicy}
		})
		eventually(t, "Deployment scaled", func() error {
			if d := deployment(t, ic); *d.Spec.Replicas != 1 {
				return fmt.Errorf("replicas %d", *d.Spec.Replicas)
			}
			return nil
		})
		waitOperandsFault(t, ic, "the routers keep the certificate they loaded from it, and changes to their pods wait")
		if after := deployment(t, ic).Spec.Template; !equality.Semantic.DeepEqual(after, before) {
			t.Fatalf("the pod template changed while its certificate was unusable: env %v", envOf(deployment(t, ic)))
		}
		if _, err := getSecret(names.DefaultCertificateSecret(ic)); !apierrors.IsNotFound(err) {
			t.Fatalf("generated Secret: %v, want none while the routers hold theirs", err)
		}

		// Back: the held change goes out.
		own.ResourceVersion, own.UID = "", ""
		must(t, k8s.Create(ctx, &own))
		eventually(t, "forwarded headers policy in the template", func() error {
			if v := envOf(deployment(t, ic))["ROUTER_SET_FORWARDED_HEADERS"]; v != "never" {
				return fmt.Errorf("ROUTER_SET_FORWARDED_HEADERS %q", v)
			}
			return nil
		})
		expect(t, "volume", deployment(t, ic).Spec.Template.Spec.Volumes[0].Secret.SecretName, "certs-own")

		// An edit by hand while held is undone once the hold ends.
		setRolledOut(t, ic)
		must(t, k8s.Delete(ctx, &own))
		waitOperandsFault(t, ic, "changes to their pods wait")
		eventually(t, "a hand edit", func() error {
			d := deployment(t, ic)
			c := &d.Spec.Template.Spec.Containers[0]
			c.Env = append(c.Env, corev1.EnvVar{Name: "HAND_EDIT", Value: "1"})
			return k8s.Update(ctx, d)
		})
		touch(t, ic)
		own.ResourceVersion, own.UID = "", ""
		must(t, k8s.Create(ctx, &own))
		eventually(t, "the hand edit undone", func() error {
			if v, ok := envOf(deployment(t, ic))["HAND_EDIT"]; ok {
				return fmt.Errorf("HAND_EDIT=%s", v)
			}
			return nil
		})
	})

	t.Run("a Secret named while it is not there yet leaves the routers on the one they serve", func(t *testing.T) {
		updateIC(t, ic, func(x *operatorv1.IngressController) {
			x.Spec.DefaultCertificate = &corev1.LocalObjectReference{Name: "certs-renamed"}
			x.Spec.HTTPHeaders = nil
		})
		waitOperandsFault(t, ic, "the routers keep serving Secret certs-own")
		eventually(t, "the rest of the spec applied", func() error {
			if v := envOf(deployment(t, ic))["ROUTER_SET_FORWARDED_HEADERS"]; v == "never" {
				return fmt.Errorf("ROUTER_SET_FORWARDED_HEADERS %q", v)
			}
			return nil
		})
		expect(t, "volume", deployment(t, ic).Spec.Template.Spec.Volumes[0].Secret.SecretName, "certs-own")
	})

	t.Run("with no router running, an unusable Secret gives way to the generated one", func(t *testing.T) {
		updateIC(t, ic, func(x *operatorv1.IngressController) {
			x.Spec.DefaultCertificate = &corev1.LocalObjectReference{Name: "certs-own"}
		})
		waitOperandsReconciled(t, ic)
		d := deployment(t, ic)
		d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation}
		must(t, k8s.Status().Update(ctx, d))
		must(t, k8s.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: names.RouterNamespace, Name: "certs-own"}}))
		waitOperandsFault(t, ic, "the routers serve the generated one, Secret router-certs-certs, meanwhile")
		eventually(t, "Deployment mounts the generated one", func() error {
			if v := deployment(t, ic).Spec.Template.Spec.Volumes[0].Secret.SecretName; v != "router-certs-certs" {
				return fmt.Errorf("volume Secret %s", v)
			}
			return nil
		})
	})

	t.Run("removing spec.defaultCertificate generates one again", func(t *testing.T) {
		updateIC(t, ic, func(x *operatorv1.IngressController) { x.Spec.DefaultCertificate = nil })
		s := generatedSecret(t, ic)
		leaf, _, err := leafOf(s)
		must(t, err)
		must(t, leaf.CheckSignatureFrom(ca))
		eventually(t, "Deployment mounts router-certs-certs", func() error {
			if v := deployment(t, ic).Spec.Template.Spec.Volumes[0].Secret.SecretName; v != "router-certs-certs" {
				return fmt.Errorf("volume Secret %s", v)
			}
			return nil
		})
	})

	// Naming the generated Secret (a manifest copied from a running
	// cluster, say) asks for the generated certificate: taken for the
	// admin's own, it was deleted as no longer needed and issued anew, in
	// a loop.
	t.Run("spec.defaultCertificate naming the generated Secret keeps it", func(t *testing.T) {
		before := generatedSecret(t, ic)
		updateIC(t, ic, func(x *operatorv1.IngressController) {
			x.Spec.DefaultCertificate = &corev1.LocalObjectReference{Name: names.DefaultCertificateSecret(ic)}
		})
		for range 30 {
			time.Sleep(100 * time.Millisecond)
			s, err := getSecret(before.Name)
			must(t, err)
			if s.UID != before.UID || !bytes.Equal(s.Data["tls.crt"], before.Data["tls.crt"]) {
				t.Fatal("the generated Secret was made anew")
			}
			x, err := getIC(ic)
			must(t, err)
			if c := condition(x, "OperandsReconciled"); c != nil {
				t.Fatalf("OperandsReconciled %+v", c)
			}
		}
		updateIC(t, ic, func(x *operatorv1.IngressController) { x.Spec.DefaultCertificate = nil })
	})
}

// TestDefaultCertificateOfTheGeneratedName: an admin's Secret (not the
// operator's: no owning label) that spec.defaultCertificate names by the
// generated Secret's name is the admin's certificate, served as it is:
// never overwritten by a generated one.
func TestDefaultCertificateOfTheGeneratedName(t *testing.T) {
	const ic = "certsadm"
	name := names.DefaultCertificateSecret(ic)
	adminCA, err := certs.NewCA("admin", 24*time.Hour, time.Now())
	must(t, err)
	kp, err := certs.NewServingCert(adminCA, []string{"*.certsadm.op.test"}, nil, 24*time.Hour, time.Now())
	must(t, err)
	must(t, k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: names.RouterNamespace, Name: name},
		Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": kp.CertPEM, "tls.key": kp.KeyPEM}}))
	createIC(t, ic, domain("certsadm.op.test"), replicas(1), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType}),
		func(x *operatorv1.IngressController) {
			x.Spec.DefaultCertificate = &corev1.LocalObjectReference{Name: name}
		})
	eventually(t, "Deployment mounts the admin's Secret", func() error {
		if v := deployment(t, ic).Spec.Template.Spec.Volumes[0].Secret.SecretName; v != name {
			return fmt.Errorf("volume Secret %s", v)
		}
		return nil
	})
	for range 20 {
		time.Sleep(100 * time.Millisecond)
		s, err := getSecret(name)
		must(t, err)
		if _, ok := s.Labels[names.OwningLabel]; ok || !bytes.Equal(s.Data["tls.crt"], kp.CertPEM) {
			t.Fatalf("the admin's Secret was overwritten: labels %v", s.Labels)
		}
	}
}

// TestCookieKey: every IngressController gets a random stickiness-cookie
// key of its own, kept across reconciles (a new key re-balances sticky
// clients), given to the routers from the Secret, and replaced, with a
// rollout and an event, only when the routers could not take it.
func TestCookieKey(t *testing.T) {
	const ic = "cookies"
	createIC(t, ic, domain("cookies.op.test"), replicas(1), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType}))
	createIC(t, ic+"-b", domain("cookies-b.op.test"), replicas(1), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType}))
	keyOf := func(name string) (*corev1.Secret, string) {
		s := &corev1.Secret{}
		operand(t, names.CookieKeySecret(name), s)
		return s, string(s.Data[names.CookieKeySecretKey])
	}
	s, key := keyOf(ic)
	_, other := keyOf(ic + "-b")
	expect(t, "type", s.Type, corev1.SecretTypeOpaque)
	expect(t, "labels", s.Labels, map[string]string{names.OwningLabel: ic})
	if len(key) != 64 || key == other {
		t.Fatalf("keys %q and %q: want 64 hex characters, one per IngressController", key, other)
	}
	d := deployment(t, ic)
	expect(t, "ROUTER_COOKIE_KEY", envOf(d)["ROUTER_COOKIE_KEY"], "secret router-cookie-key-"+ic+" key")
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		if e.Value == key {
			t.Fatalf("the pod template holds the key in %s", e.Name)
		}
	}
	version := d.Spec.Template.Annotations[names.CookieKeyVersionAnnotation]

	touch(t, ic)
	time.Sleep(time.Second) // a reconcile that would replace it has run by now
	if _, again := keyOf(ic); again != key {
		t.Fatalf("the key changed on a reconcile")
	}

	t.Run("a key the routers refuse is replaced, and the routers roll out", func(t *testing.T) {
		before := s.DeepCopy()
		s.Data = map[string][]byte{names.CookieKeySecretKey: []byte("short")}
		must(t, k8s.Patch(ctx, s, client.MergeFrom(before)))
		// No touch of the IngressController: the Secret's change is enough.
		eventually(t, "a new key", func() error {
			if _, k := keyOf(ic); len(k) != 64 || k == key {
				return fmt.Errorf("key %q", k)
			}
			return nil
		})
		eventually(t, "a new pod template", func() error {
			if v := deployment(t, ic).Spec.Template.Annotations[names.CookieKeyVersionAnnotation]; v == version || v == "" {
				return fmt.Errorf("cookie key version %q", v)
			}
			return nil
		})
		if e := waitEvent(t, ic, "CookieKeyReplaced"); strings.Contains(e.Note, "short") {
			t.Errorf("the event tells the old key: %q", e.Note)
		}
	})

	t.Run("an immutable Secret with a bad key gives way to a new one", func(t *testing.T) {
		s, _ := keyOf(ic)
		must(t, k8s.Delete(ctx, s))
		bad := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: names.RouterNamespace, Name: names.CookieKeySecret(ic),
			Labels: map[string]string{names.OwningLabel: ic}}, Immutable: ptr.To(true),
			Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": []byte("x"), "tls.key": []byte("y")}}
		// The operator may have made a new one in between: take its place.
		eventually(t, "the bad Secret in place", func() error {
			err := k8s.Create(ctx, bad.DeepCopy())
			if apierrors.IsAlreadyExists(err) {
				cur, _ := keyOf(ic)
				_ = k8s.Delete(ctx, cur)
			}
			return err
		})
		eventually(t, "an Opaque Secret with a key", func() error {
			var s corev1.Secret
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: names.CookieKeySecret(ic)}, &s); err != nil {
				return err
			}
			if s.Type != corev1.SecretTypeOpaque || len(s.Data[names.CookieKeySecretKey]) != 64 {
				return fmt.Errorf("type %s, %d bytes of key", s.Type, len(s.Data[names.CookieKeySecretKey]))
			}
			return nil
		})
	})

	t.Run("a deleted key is made again", func(t *testing.T) {
		s, _ := keyOf(ic)
		must(t, k8s.Delete(ctx, s))
		eventually(t, "the Secret back", func() error {
			var again corev1.Secret
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: names.CookieKeySecret(ic)}, &again); err != nil {
				return err
			}
			if again.UID == s.UID || len(again.Data[names.CookieKeySecretKey]) != 64 {
				return fmt.Errorf("not yet a new key")
			}
			return nil
		})
	})
}

// waitOperandsFault waits for ic's OperandsReconciled condition to be False
// with a message that holds msg, the rest of status up to date.
func waitOperandsFault(t *testing.T, ic, msg string) {
	t.Helper()
	eventually(t, "OperandsReconciled False: "+msg, func() error {
		x, err := getIC(ic)
		if err != nil {
			return err
		}
		c := condition(x, "OperandsReconciled")
		if c == nil || c.Status != operatorv1.ConditionFalse || !strings.Contains(c.Message, msg) {
			return fmt.Errorf("OperandsReconciled %+v", c)
		}
		if condition(x, "DeploymentAvailable") == nil || x.Status.ObservedGeneration != x.Generation {
			return fmt.Errorf("conditions %v, observedGeneration %d of %d", conditionTypes(x), x.Status.ObservedGeneration, x.Generation)
		}
		return nil
	})
}

// getSecret reads a Secret of the router namespace.
func getSecret(name string) (*corev1.Secret, error) {
	s := &corev1.Secret{}
	return s, k8s.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: name}, s)
}

// waitOperandsReconciled waits for ic's OperandsReconciled condition to go.
func waitOperandsReconciled(t *testing.T, ic string) {
	t.Helper()
	eventually(t, "OperandsReconciled gone", func() error {
		x, err := getIC(ic)
		if err != nil {
			return err
		}
		if c := condition(x, "OperandsReconciled"); c != nil {
			return fmt.Errorf("OperandsReconciled %+v", c)
		}
		return nil
	})
}

// weakKeyPair is a self-signed certificate for host and its 1024-bit RSA
// key, in PEM: Go takes it, HAProxy's OpenSSL (security level 2) does not.
func weakKeyPair(t *testing.T, host string) (certPEM, keyPEM []byte) {
	t.Helper()
	certPEM, keyPEM, err := framework.SelfSignedRSA(1024, host, "", host)
	must(t, err)
	return certPEM, keyPEM
}
