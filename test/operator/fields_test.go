package operator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// TestHTTPOptionsAccessLogAndIgnoredFields: compression, the empty-request
// policy and the access log reach the routers' environment, the Container
// destination with its "logs" sidecar; a field that the routers
// cannot apply (clientTLS naming a ConfigMap that does not exist) is
// accepted, and status and an event say so, until it is unset.
func TestHTTPOptionsAccessLogAndIgnoredFields(t *testing.T) {
	const ic = "fields"
	createIC(t, ic, domain("fields.op.test"), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType}),
		func(ic *operatorv1.IngressController) {
			ic.Spec.HTTPCompression = &operatorv1.HTTPCompressionPolicy{MimeTypes: []operatorv1.CompressionMIMEType{"text/html", "text/css; charset=utf-8"}}
			ic.Spec.HTTPEmptyRequestsPolicy = operatorv1.HTTPEmptyRequestsPolicyIgnore
			ic.Spec.Logging = &operatorv1.IngressControllerLogging{Access: &operatorv1.AccessLogging{
				Destination:   operatorv1.LoggingDestination{Type: operatorv1.ContainerLoggingDestinationType},
				HttpLogFormat: "%ci %HM %HU %ST"}}
			ic.Spec.ClientTLS = &operatorv1.ClientTLS{ClientCertificatePolicy: operatorv1.ClientCertificatePolicyRequired,
				ClientCA: operatorv1.ConfigMapNameReference{Name: "client-ca"}}
		})
	d := deployment(t, ic)
	env := envOf(d)
	for k, v := range map[string]string{"ROUTER_ENABLE_COMPRESSION": "true", "ROUTER_COMPRESSION_MIME": `text/html "text/css; charset=utf-8"`,
		"ROUTER_HTTP_IGNORE_PROBES": "true", "ROUTER_SYSLOG_ADDRESS": "/var/lib/rsyslog/rsyslog.sock", "ROUTER_LOG_MAX_LENGTH": "1024",
		"ROUTER_SYSLOG_FORMAT": `"%ci %HM %HU %ST"`} {
		expect(t, k, env[k], v)
	}
	containers := d.Spec.Template.Spec.Containers
	if len(containers) != 2 || containers[1].Name != "logs" || strings.Join(containers[1].Args, " ") != "logs" {
		t.Errorf("containers %v, want the router and its logs sidecar", containers)
	}

	waitConditions(t, ic, map[string]string{"FieldsSupported": "False", "Degraded": "True"})
	x, err := getIC(ic)
	must(t, err)
	if c := condition(x, "FieldsSupported"); !strings.Contains(c.Message, "spec.clientTLS (ConfigMap openshift-config/client-ca does not exist; router pods wait for a usable bundle)") ||
		strings.Contains(c.Message, "logging") || strings.Contains(c.Message, "httpCompression") {
		t.Errorf("FieldsSupported message = %q", c.Message)
	}
	ev := waitEvent(t, ic, "FieldsIgnored")
	expect(t, "event type", ev.Type, "Warning")

	updateIC(t, ic, func(x *operatorv1.IngressController) { x.Spec.ClientTLS, x.Spec.Logging = nil, nil })
	eventually(t, "FieldsSupported and the sidecar gone", func() error {
		x, err := getIC(ic)
		if err != nil {
			return err
		}
		if err := noIgnoredFields(ic); err != nil {
			return err
		}
		if c := condition(x, "Degraded"); c != nil && strings.Contains(c.Message, "FieldsSupported") {
			return fmt.Errorf("Degraded still names it: %s", c.Message)
		}
		if n := len(deployment(t, ic).Spec.Template.Spec.Containers); n != 1 {
			return fmt.Errorf("%d containers", n)
		}
		return nil
	})
}

// TestErrorPages: the ConfigMap httpErrorCodePages names, in
// openshift-config, is copied beside the routers with the pages HAProxy
// would serve, mounted and named to them; a changed page rolls them out;
// a page HAProxy would refuse, and a missing ConfigMap, are reported and
// leave the routers their own pages.
func TestErrorPages(t *testing.T) {
	const ic = "pages"
	src := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: names.ConfigNamespace, Name: "custom-pages"},
		Data: map[string]string{names.ErrorPage503Key: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown",
			names.ErrorPage404Key: "<html>not an HTTP response</html>"}}
	must(t, k8s.Create(ctx, src))
	t.Cleanup(func() { _ = k8s.Delete(ctx, src) })
	createIC(t, ic, domain("pages.op.test"), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType}),
		func(ic *operatorv1.IngressController) {
			ic.Spec.HTTPErrorCodePages = &operatorv1.ConfigMapNameReference{Name: "custom-pages"}
		})
	cp := &corev1.ConfigMap{}
	copyKey := client.ObjectKey{Namespace: names.RouterNamespace, Name: names.ErrorPagesConfigMap(ic)}
	eventually(t, "the copy", func() error { return k8s.Get(ctx, copyKey, cp) })
	expect(t, "copied pages", cp.Data, map[string]string{names.ErrorPage503Key: src.Data[names.ErrorPage503Key]})
	expect(t, "copy's owner label", cp.Labels[names.OwningLabel], ic)
	d := deployment(t, ic)
	expect(t, "ROUTER_ERRORFILE_503", envOf(d)["ROUTER_ERRORFILE_503"], names.ErrorPagesDir+"/"+names.ErrorPage503Key)
	expect(t, "ROUTER_ERRORFILE_404", envOf(d)["ROUTER_ERRORFILE_404"], "")
	version := d.Spec.Template.Annotations[names.ErrorPagesVersionAnnotation]
	if version == "" {
		t.Fatal("no error-pages version on the pod template")
	}
	waitConditions(t, ic, map[string]string{"FieldsSupported": "False"})
	x, err := getIC(ic)
	must(t, err)
	if c := condition(x, "FieldsSupported"); !strings.Contains(c.Message, "error-page-404.http in ConfigMap openshift-config/custom-pages: status line") {
		t.Errorf("FieldsSupported message = %q", c.Message)
	}

	// Fixed and changed: both pages, a new version, nothing to report.
	src.Data[names.ErrorPage404Key] = "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnone"
	src.Data[names.ErrorPage503Key] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5\r\n\r\ndown!"
	must(t, k8s.Update(ctx, src))
	eventually(t, "both pages, a new version", func() error {
		d := deployment(t, ic)
		if v := d.Spec.Template.Annotations[names.ErrorPagesVersionAnnotation]; v == version || envOf(d)["ROUTER_ERRORFILE_404"] == "" {
			return fmt.Errorf("version %s, env %v", v, envOf(d))
		}
		if err := noIgnoredFields(ic); err != nil {
			return err
		}
		return k8s.Get(ctx, copyKey, cp)
	})
	expect(t, "copied pages", cp.Data, src.Data)

	// The copy deleted by hand comes back; the source deleted takes it away.
	must(t, k8s.Delete(ctx, cp))
	eventually(t, "the copy again", func() error { return k8s.Get(ctx, copyKey, &corev1.ConfigMap{}) })
	must(t, k8s.Delete(ctx, src))
	eventually(t, "the copy gone, the pages unmounted, the ConfigMap reported missing", func() error {
		if err := k8s.Get(ctx, copyKey, &corev1.ConfigMap{}); err == nil {
			return fmt.Errorf("the copy is still there")
		}
		if env := envOf(deployment(t, ic)); env["ROUTER_ERRORFILE_503"] != "" {
			return fmt.Errorf("env %v", env)
		}
		return ignoredFieldsSay(ic, "ConfigMap openshift-config/custom-pages does not exist")
	})
}

// TestClientTLS: the CA bundle clientTLS.clientCA names, in
// openshift-config, is copied beside the routers and mounted; the policy
// and the allowed subjects, joined as OKD joins them, reach the routers; a
// pattern the routers cannot match is left out and reported; a new bundle
// rolls the routers out; a spoiled or missing bundle leaves the routers
// the check they have; clientTLS unset takes it all away.
func TestClientTLS(t *testing.T) {
	const ic = "mtls"
	bundle := func() string {
		kp, err := certs.NewCA("clients", time.Hour, time.Now())
		must(t, err)
		return string(kp.CertPEM)
	}
	src := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: names.ConfigNamespace, Name: "client-cas"},
		Data: map[string]string{names.ClientCAKey: bundle()}}
	must(t, k8s.Create(ctx, src))
	t.Cleanup(func() { _ = k8s.Delete(ctx, src) })
	createIC(t, ic, domain("mtls.op.test"), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType}),
		func(ic *operatorv1.IngressController) {
			ic.Spec.ClientTLS = &operatorv1.ClientTLS{ClientCertificatePolicy: operatorv1.ClientCertificatePolicyRequired,
				ClientCA: operatorv1.ConfigMapNameReference{Name: "client-cas"}, AllowedSubjectPatterns: []string{`^/CN=ops$`}}
		})
	copyKey := client.ObjectKey{Namespace: names.RouterNamespace, Name: names.ClientCAConfigMap(ic)}
	cp := &corev1.ConfigMap{}
	eventually(t, "the copy", func() error { return k8s.Get(ctx, copyKey, cp) })
	expect(t, "copied bundle", cp.Data, src.Data)
	expect(t, "copy's owner label", cp.Labels[names.OwningLabel], ic)
	d := deployment(t, ic)
	env := envOf(d)
	expect(t, "ROUTER_MUTUAL_TLS_AUTH", env["ROUTER_MUTUAL_TLS_AUTH"], "required")
	expect(t, "ROUTER_MUTUAL_TLS_AUTH_CA", env["ROUTER_MUTUAL_TLS_AUTH_CA"], "/etc/pki/tls/client-ca/ca-bundle.pem")
	// "$$": the kubelet gives the router "$".
	expect(t, "ROUTER_MUTUAL_TLS_AUTH_FILTER", env["ROUTER_MUTUAL_TLS_AUTH_FILTER"], `(?:(?:^/CN=ops$$))`)
	expect(t, "copy's source", cp.Annotations[names.CopiedFromAnnotation], "openshift-config/client-cas")
	var mounted bool
	for _, v := range d.Spec.Template.Spec.Volumes {
		if cm := v.ConfigMap; cm != nil && cm.Name == names.ClientCAConfigMap(ic) {
			mounted = cm.Optional == nil || !*cm.Optional
		}
	}
	if !mounted {
		t.Errorf("volumes %v: want the copy, not optional", d.Spec.Template.Spec.Volumes)
	}
	version := d.Spec.Template.Annotations[names.ClientCAVersionAnnotation]
	if version == "" {
		t.Fatal("no client-CA version on the pod template")
	}
	waitMessage := func(what, want string) {
		t.Helper()
		eventually(t, what, func() error { return ignoredFieldsSay(ic, want) })
	}
	// A pattern the routers cannot match: rejected, as in OKD, and the
	// routers keep the filter they have (dropping it would lock out the
	// clients only it lets in).
	updateIC(t, ic, func(x *operatorv1.IngressController) {
		x.Spec.ClientTLS.AllowedSubjectPatterns = []string{`^/CN=ops$`, `CN=(?!admin)`}
	})
	rejectedWith(t, ic, `spec.clientTLS.allowedSubjectPatterns: [1] "CN=(?!admin)": error parsing regexp`)
	expect(t, "ROUTER_MUTUAL_TLS_AUTH_FILTER while rejected", envOf(deployment(t, ic))["ROUTER_MUTUAL_TLS_AUTH_FILTER"], `(?:(?:^/CN=ops$$))`)

	// Fixed patterns and a new bundle: a new version, nothing to report.
	updateIC(t, ic, func(x *operatorv1.IngressController) {
		x.Spec.ClientTLS.AllowedSubjectPatterns = []string{`^/CN=ops$`, `^/CN=dev$`}
	})
	src.Data[names.ClientCAKey] = bundle() + bundle()
	must(t, k8s.Update(ctx, src))
	eventually(t, "a new version, both patterns", func() error {
		d := deployment(t, ic)
		if v := d.Spec.Template.Annotations[names.ClientCAVersionAnnotation]; v == version || envOf(d)["ROUTER_MUTUAL_TLS_AUTH_FILTER"] != `(?:(?:^/CN=ops$$)|(?:^/CN=dev$$))` {
			return fmt.Errorf("version %s, env %v", v, envOf(d))
		}
		if err := noIgnoredFields(ic); err != nil {
			return err
		}
		return k8s.Get(ctx, copyKey, cp)
	})
	expect(t, "copied bundle", cp.Data, src.Data)
	good := src.Data[names.ClientCAKey]
	version = deployment(t, ic).Spec.Template.Annotations[names.ClientCAVersionAnnotation]

	// A spoiled bundle: the routers keep the last good one, and say so.
	src.Data[names.ClientCAKey] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
	must(t, k8s.Update(ctx, src))
	waitMessage("the spoiled bundle reported", "ca-bundle.pem in ConfigMap openshift-config/client-cas: ")
	waitMessage("the check kept", "the routers keep the client-certificate check they have")
	must(t, k8s.Get(ctx, copyKey, cp))
	expect(t, "the copy", cp.Data[names.ClientCAKey], good)
	expect(t, "version", deployment(t, ic).Spec.Template.Annotations[names.ClientCAVersionAnnotation], version)

	// A bundle naming revocation lists: the routers fetch them themselves
	// (as OKD's do), so the bundle rolls out like any other, and no
	// condition speaks of the lists.
	src.Data[names.ClientCAKey] = caWithCRL(t, "http://crl.example.com/clients.crl")
	must(t, k8s.Update(ctx, src))
	eventually(t, "the bundle with lists copied and rolled out", func() error {
		if err := k8s.Get(ctx, copyKey, cp); err != nil {
			return err
		}
		if cp.Data[names.ClientCAKey] != src.Data[names.ClientCAKey] {
			return fmt.Errorf("the copy is not the new bundle")
		}
		if v := deployment(t, ic).Spec.Template.Annotations[names.ClientCAVersionAnnotation]; v == version {
			return fmt.Errorf("version annotation still %s", v)
		}
		return noIgnoredFields(ic)
	})
	for _, c := range mustIC(t, ic).Status.Conditions {
		if strings.Contains(c.Type, "CRL") || strings.Contains(c.Message, "revocation") {
			t.Errorf("condition %s speaks of the lists: %s", c.Type, c.Message)
		}
	}

	// clientCA renamed to a ConfigMap that does not exist: the routers
	// keep the check they have, rather than roll out pods that cannot
	// start.
	before := deployment(t, ic).Spec.Template
	updateIC(t, ic, func(x *operatorv1.IngressController) { x.Spec.ClientTLS.ClientCA.Name = "no-such-cas" })
	waitMessage("the missing bundle reported", "ConfigMap openshift-config/no-such-cas does not exist; the routers keep the client-certificate check they have")
	after := deployment(t, ic).Spec.Template
	expect(t, "pod template hash", after.Labels[names.HashLabel], before.Labels[names.HashLabel])
	must(t, k8s.Get(ctx, copyKey, cp))

	// clientTLS unset: no copy, no policy, no volume.
	updateIC(t, ic, func(x *operatorv1.IngressController) { x.Spec.ClientTLS = nil })
	eventually(t, "the copy gone, the policy and the CA unmounted", func() error {
		if err := k8s.Get(ctx, copyKey, &corev1.ConfigMap{}); err == nil {
			return fmt.Errorf("the copy is still there")
		}
		d := deployment(t, ic)
		if env := envOf(d); env["ROUTER_MUTUAL_TLS_AUTH"] != "" {
			return fmt.Errorf("env %v", env)
		}
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.Name == names.ClientCAVolume {
				return fmt.Errorf("volume %s still there", v.Name)
			}
		}
		return nil
	})
}

// caWithCRL is a PEM CA certificate that names a revocation list.
func caWithCRL(t *testing.T, point string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "clients with CRLs"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, CRLDistributionPoints: []string{point}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	must(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// noIgnoredFields is nil when ic has no FieldsSupported condition.
func noIgnoredFields(ic string) error {
	x, err := getIC(ic)
	if err != nil {
		return err
	}
	if c := condition(x, "FieldsSupported"); c != nil {
		return fmt.Errorf("FieldsSupported still %s: %s", c.Status, c.Message)
	}
	return nil
}

// ignoredFieldsSay is nil when ic's FieldsSupported condition says want.
func ignoredFieldsSay(ic, want string) error {
	x, err := getIC(ic)
	if err != nil {
		return err
	}
	if c := condition(x, "FieldsSupported"); c == nil || !strings.Contains(c.Message, want) {
		return fmt.Errorf("FieldsSupported %+v, want a message with %q", c, want)
	}
	return nil
}

func mustIC(t *testing.T, name string) *operatorv1.IngressController {
	t.Helper()
	x, err := getIC(name)
	must(t, err)
	return x
}
