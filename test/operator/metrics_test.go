package operator

import (
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// TestMetricsAccess: each IngressController's routers get a stats user of
// their own (OKD's Secret router-stats-<name>) from their environment,
// never in the pod template; a Secret deleted or emptied is made anew and
// rolls them (TestRouterRBAC: they may ask the API server about
// scrapers' tokens); and a certificate from the router CA for HTTPS.
func TestMetricsAccess(t *testing.T) {
	const ic = "stats"
	createIC(t, ic, domain("stats.op.test"), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType}))
	createIC(t, ic+"-b", domain("stats-b.op.test"), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType}))
	userOf := func(name string) (*corev1.Secret, string) {
		s := &corev1.Secret{}
		operand(t, names.StatsSecret(name), s)
		return s, string(s.Data["statsUsername"]) + ":" + string(s.Data["statsPassword"])
	}
	s, user := userOf(ic)
	_, other := userOf(ic + "-b")
	expect(t, "labels", s.Labels, map[string]string{names.OwningLabel: ic})
	if len(s.Data["statsUsername"]) < 16 || len(s.Data["statsPassword"]) < 32 || user == other {
		t.Fatalf("stats users %q and %q: want random ones, one per IngressController", user, other)
	}
	d := deployment(t, ic)
	expect(t, "STATS_USERNAME", envOf(d)["STATS_USERNAME"], "secret router-stats-"+ic+" statsUsername")
	expect(t, "STATS_PASSWORD", envOf(d)["STATS_PASSWORD"], "secret router-stats-"+ic+" statsPassword")
	version := d.Spec.Template.Annotations[names.StatsVersionAnnotation]
	if version == "" {
		t.Fatal("no stats version on the pod template")
	}

	must(t, k8s.Delete(ctx, s))
	eventually(t, "a new stats user, and a new pod template", func() error {
		if _, u := userOf(ic); u == user {
			return fmt.Errorf("the same user")
		}
		if v := deployment(t, ic).Spec.Template.Annotations[names.StatsVersionAnnotation]; v == version || v == "" {
			return fmt.Errorf("stats version %q", v)
		}
		return nil
	})

	// The metrics' HTTPS certificate: the router CA's, for the internal
	// Service's name; made again when deleted.
	_, ca := routerCA(t)
	leaf := waitReissued(t, names.MetricsCertificateSecret(ic), nil, ca)
	must(t, leaf.VerifyHostname("router-internal-stats.openshift-ingress.svc"))
	c := deployment(t, ic).Spec.Template.Spec.Containers[0]
	expect(t, "ROUTER_METRICS_TLS_CERT_FILE", envOf(deployment(t, ic))["ROUTER_METRICS_TLS_CERT_FILE"], "/etc/pki/tls/metrics-certs/tls.crt")
	if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/etc/pki/tls/metrics-certs" }) {
		t.Errorf("mounts %v", c.VolumeMounts)
	}
	must(t, k8s.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: names.RouterNamespace, Name: names.MetricsCertificateSecret(ic)}}))
	waitReissued(t, names.MetricsCertificateSecret(ic), leaf, ca)
}
