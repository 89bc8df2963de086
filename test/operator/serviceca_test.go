package operator

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// TestServiceCA: as OKD's, the operator keeps the ConfigMap
// service-ca-bundle in the router namespace, annotated for OKD's service CA
// operator to fill, and never writes its data; once it holds a bundle
// (from that operator, an admin or another tool), the routers mount it and
// verify reencrypt backends with it (DEFAULT_DESTINATION_CA_PATH), rolling
// out when it changes; a spoiled bundle is not used, and an event says why.
func TestServiceCA(t *testing.T) {
	const ic = "svcca"
	key := client.ObjectKey{Namespace: names.RouterNamespace, Name: "service-ca-bundle"}
	createIC(t, ic, domain("svcca.op.test"), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType}))
	cm := &corev1.ConfigMap{}
	eventually(t, "the service CA ConfigMap", func() error { return k8s.Get(ctx, key, cm) })
	expect(t, "inject annotation", cm.Annotations["service.beta.openshift.io/inject-cabundle"], "true")
	expect(t, "data", len(cm.Data), 0)
	// Leave it empty for the other tests, whose routers verify against the
	// system's CAs.
	t.Cleanup(func() {
		if k8s.Get(ctx, key, cm) == nil {
			before := cm.DeepCopy()
			cm.Data = nil
			_ = k8s.Patch(ctx, cm, client.MergeFrom(before))
		}
	})
	caPath := func() (string, string, bool) {
		d := deployment(t, ic)
		mounted := false
		for _, v := range d.Spec.Template.Spec.Volumes {
			mounted = mounted || (v.ConfigMap != nil && v.ConfigMap.Name == "service-ca-bundle")
		}
		return envOf(d)["DEFAULT_DESTINATION_CA_PATH"], d.Spec.Template.Annotations[names.ServiceCAVersionAnnotation], mounted
	}
	if p, v, m := caPath(); p != "" || v != "" || m {
		t.Fatalf("without a bundle: DEFAULT_DESTINATION_CA_PATH %q, version %q, mounted %v", p, v, m)
	}

	// An admin's edit that drops the annotation: put back.
	before := cm.DeepCopy()
	delete(cm.Annotations, "service.beta.openshift.io/inject-cabundle")
	must(t, k8s.Patch(ctx, cm, client.MergeFrom(before)))
	eventually(t, "the annotation back", func() error {
		if err := k8s.Get(ctx, key, cm); err != nil {
			return err
		}
		if cm.Annotations["service.beta.openshift.io/inject-cabundle"] != "true" {
			return fmt.Errorf("annotations %v", cm.Annotations)
		}
		return nil
	})

	// Filled: mounted, and the routers are told where.
	fill := func(bundle string) {
		t.Helper()
		must(t, k8s.Get(ctx, key, cm))
		before := cm.DeepCopy()
		cm.Data = map[string]string{"service-ca.crt": bundle}
		must(t, k8s.Patch(ctx, cm, client.MergeFrom(before)))
	}
	ca, err := certs.NewCA("service-ca", time.Hour, time.Now())
	must(t, err)
	fill(string(ca.CertPEM))
	var version string
	eventually(t, "the bundle in the routers' template", func() error {
		p, v, m := caPath()
		if p != "/var/run/configmaps/service-ca/service-ca.crt" || v == "" || !m {
			return fmt.Errorf("DEFAULT_DESTINATION_CA_PATH %q, version %q, mounted %v", p, v, m)
		}
		version = v
		return nil
	})

	// A rotated bundle (old and new CA): a new version rolls them out.
	next, err := certs.NewCA("service-ca-next", time.Hour, time.Now())
	must(t, err)
	fill(string(ca.CertPEM) + string(next.CertPEM))
	eventually(t, "a new version", func() error {
		if _, v, _ := caPath(); v == version || v == "" {
			return fmt.Errorf("version %q", v)
		}
		return nil
	})

	// Spoiled: not used, and said.
	fill(string(ca.KeyPEM))
	waitEvent(t, ic, "ServiceCABundleInvalid")
	eventually(t, "the spoiled bundle dropped", func() error {
		if p, v, m := caPath(); p != "" || v != "" || m {
			return fmt.Errorf("DEFAULT_DESTINATION_CA_PATH %q, version %q, mounted %v", p, v, m)
		}
		return nil
	})
	must(t, k8s.Get(ctx, key, cm))
	expect(t, "data left as the admin wrote it", cm.Data["service-ca.crt"], string(ca.KeyPEM))
}
