package operator

import (
	"fmt"
	"strings"
	"testing"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
)

// TestHTTPOptionsAccessLogAndIgnoredFields: compression, the empty-request
// policy and the access log reach the routers' environment, the Container
// destination with its "logs" sidecar; a field that okd-ingress does not
// implement is accepted, and status and an event say it has no effect,
// until it is unset.
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
	if c := condition(x, "FieldsSupported"); !strings.Contains(c.Message, "spec.clientTLS (not implemented: client certificates are neither requested nor checked)") ||
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
		if c := condition(x, "FieldsSupported"); c != nil {
			return fmt.Errorf("FieldsSupported still %s", c.Status)
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
