package operator

import (
	"fmt"
	"strings"
	"testing"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
)

// TestHTTPOptionsAndUnimplementedFields: compression and the empty-request
// policy reach the routers' environment; a field OKD's API has and
// okd-ingress does not implement is accepted, and status and an event say
// it has no effect, until it is unset.
func TestHTTPOptionsAndUnimplementedFields(t *testing.T) {
	const ic = "fields"
	createIC(t, ic, domain("fields.op.test"), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType}),
		func(ic *operatorv1.IngressController) {
			ic.Spec.HTTPCompression = &operatorv1.HTTPCompressionPolicy{MimeTypes: []operatorv1.CompressionMIMEType{"text/html", "text/css; charset=utf-8"}}
			ic.Spec.HTTPEmptyRequestsPolicy = operatorv1.HTTPEmptyRequestsPolicyIgnore
			ic.Spec.Logging = &operatorv1.IngressControllerLogging{Access: &operatorv1.AccessLogging{
				Destination: operatorv1.LoggingDestination{Type: operatorv1.ContainerLoggingDestinationType}}}
		})
	env := envOf(deployment(t, ic))
	for k, v := range map[string]string{"ROUTER_ENABLE_COMPRESSION": "true", "ROUTER_COMPRESSION_MIME": `text/html "text/css; charset=utf-8"`,
		"ROUTER_HTTP_IGNORE_PROBES": "true"} {
		expect(t, k, env[k], v)
	}

	waitConditions(t, ic, map[string]string{"FieldsSupported": "False", "Degraded": "True"})
	x, err := getIC(ic)
	must(t, err)
	if c := condition(x, "FieldsSupported"); !strings.Contains(c.Message, "spec.logging.access (no access log is written)") ||
		strings.Contains(c.Message, "httpCompression") {
		t.Errorf("FieldsSupported message = %q", c.Message)
	}
	ev := waitEvent(t, ic, "FieldsNotImplemented")
	expect(t, "event type", ev.Type, "Warning")

	updateIC(t, ic, func(x *operatorv1.IngressController) { x.Spec.Logging = nil })
	eventually(t, "FieldsSupported gone", func() error {
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
		return nil
	})
}
