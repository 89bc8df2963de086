package webhookcert

import (
	"context"
	"crypto/x509"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/okd-ingress/okd-ingress/internal/certs"
)

func validating() *admissionregistrationv1.ValidatingWebhookConfiguration {
	return &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "v"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{Name: "routes.example.test"}}}
}

// trusts reports whether bundle verifies the serving certificate pem.
func trusts(t *testing.T, bundle, pem []byte, now time.Time) bool {
	t.Helper()
	cs, err := certs.ParseCertificates(pem)
	if err != nil || len(cs) == 0 {
		t.Fatalf("%d certificates, %v", len(cs), err)
	}
	leaf := cs[0]
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(bundle)
	_, err = leaf.Verify(x509.VerifyOptions{DNSName: "webhook.example.test", Roots: roots, CurrentTime: now})
	return err == nil
}

// A renewed CA is trusted beside the one it replaced until that expires,
// so servers still on the old certificate keep being trusted; a webhook
// configuration is kept current even when the other one is not installed.
func TestCARotation(t *testing.T) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(validating()).Build()
	o := Options{Namespace: "ns", SecretName: "cert", DNSNames: []string{"webhook.example.test"}, Mutating: "m", Validating: "v"}
	ctx := context.Background()
	bundleNow := func() []byte {
		var v admissionregistrationv1.ValidatingWebhookConfiguration
		if err := c.Get(ctx, client.ObjectKey{Name: "v"}, &v); err != nil {
			t.Fatal(err)
		}
		return v.Webhooks[0].ClientConfig.CABundle
	}
	served := func() []byte {
		var sec corev1.Secret
		if err := c.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "cert"}, &sec); err != nil {
			t.Fatal(err)
		}
		return sec.Data[corev1.TLSCertKey]
	}

	t0 := time.Now()
	if err := Ensure(ctx, c, o, t0); err != nil {
		t.Fatal(err)
	}
	first := served()
	if len(bundleNow()) == 0 || !trusts(t, bundleNow(), first, t0) {
		t.Fatalf("the validating configuration does not trust the certificate (the mutating one is not installed)")
	}

	// Yearly renewals of the certificate, by the same CA; then the CA is
	// due for renewal: a new one signs a new certificate.
	t1 := t0.Add(caValidity - certValidity + time.Hour)
	if err := Ensure(ctx, c, o, t1.Add(-certValidity/2)); err != nil {
		t.Fatal(err)
	}
	first = served()
	if err := Ensure(ctx, c, o, t1); err != nil {
		t.Fatal(err)
	}
	second := served()
	if trusts(t, []byte(nil), second, t1) || !trusts(t, bundleNow(), second, t1) {
		t.Fatalf("the new certificate is not trusted")
	}
	if !trusts(t, bundleNow(), first, t1) {
		t.Errorf("the certificate of the replaced CA is no longer trusted: servers that have not read the Secret yet fail")
	}
	// Once the old CA has expired, it is left out.
	t2 := t0.Add(caValidity + time.Hour)
	if err := Ensure(ctx, c, o, t2); err != nil {
		t.Fatal(err)
	}
	var sec corev1.Secret
	if err := c.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "cert"}, &sec); err != nil {
		t.Fatal(err)
	}
	if got, want := string(Bundle(&sec, t2)), string(sec.Data[keyCACert]); got != want {
		t.Errorf("bundle after the old CA expired holds %d bytes, want the CA's %d", len(got), len(want))
	}
}
