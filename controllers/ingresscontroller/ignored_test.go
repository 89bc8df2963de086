package ingresscontroller

import (
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

func TestParseOverrides(t *testing.T) {
	for _, tc := range []struct {
		raw, algorithm string
		ignored        []string // field names
	}{
		{raw: ""},
		{raw: "null"},
		{raw: "{}"},
		{raw: `{"loadBalancingAlgorithm": "leastconn"}`, algorithm: "leastconn"},
		{raw: `{"loadBalancingAlgorithm": "random"}`}, // the default, said again
		{raw: `{"loadBalancingAlgorithm": "roundrobin"}`, ignored: []string{"spec.unsupportedConfigOverrides.loadBalancingAlgorithm"}},
		{raw: `{"loadBalancingAlgorithm": 3}`, ignored: []string{"spec.unsupportedConfigOverrides.loadBalancingAlgorithm"}},
		{raw: `{"maxDynamicServers": 4, "contStats": true}`, ignored: []string{"spec.unsupportedConfigOverrides.contStats", "spec.unsupportedConfigOverrides.maxDynamicServers"}},
		{raw: `[1]`, ignored: []string{"spec.unsupportedConfigOverrides"}},
	} {
		o, ignored := parseOverrides([]byte(tc.raw))
		var got []string
		for _, f := range ignored {
			got = append(got, strings.Fields(f)[0])
		}
		if o.LoadBalancingAlgorithm != tc.algorithm || !slices.Equal(got, tc.ignored) {
			t.Errorf("%s: algorithm %q, ignored %q; want %q, %q", tc.raw, o.LoadBalancingAlgorithm, got, tc.algorithm, tc.ignored)
		}
	}
}

func TestIgnoredFields(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec operatorv1.IngressControllerSpec
		want []string // the fields named, in order
	}{
		{name: "nothing set"},
		{name: "implemented fields only", spec: operatorv1.IngressControllerSpec{
			HTTPHeaders:                &operatorv1.IngressControllerHTTPHeaders{ForwardedHeaderPolicy: operatorv1.NeverHTTPHeaderPolicy},
			HTTPCompression:            &operatorv1.HTTPCompressionPolicy{MimeTypes: []operatorv1.CompressionMIMEType{"text/html"}},
			HTTPEmptyRequestsPolicy:    operatorv1.HTTPEmptyRequestsPolicyIgnore,
			Logging:                    &operatorv1.IngressControllerLogging{},
			HTTPErrorCodePages:         &operatorv1.ConfigMapNameReference{},
			UnsupportedConfigOverrides: runtime.RawExtension{Raw: []byte(" null ")},
		}},
		{name: "MIME types and a unique-ID header the routers refuse", spec: operatorv1.IngressControllerSpec{
			HTTPCompression: &operatorv1.HTTPCompressionPolicy{MimeTypes: []operatorv1.CompressionMIMEType{"text/html", `text/plain; a="é"`}},
			HTTPHeaders:     &operatorv1.IngressControllerHTTPHeaders{UniqueId: &operatorv1.IngressControllerHTTPUniqueIdHeaderPolicy{Name: "Cookie"}},
		}, want: []string{"spec.httpCompression.mimeTypes", "spec.httpHeaders.uniqueId.name"}},
		{name: "tuning the routers cannot take", spec: operatorv1.IngressControllerSpec{TuningOptions: &operatorv1.IngressControllerTuningOptions{
			HeaderBufferBytes: 4 << 20, HealthCheckInterval: &metav1.Duration{Duration: 500 * time.Millisecond}}},
			want: []string{"spec.tuningOptions.headerBufferBytes", "spec.tuningOptions.healthCheckInterval"}},
		{name: "every field without effect", spec: operatorv1.IngressControllerSpec{
			// Checked with its ConfigMap, by ensureClientCA.
			ClientTLS: &operatorv1.ClientTLS{ClientCertificatePolicy: operatorv1.ClientCertificatePolicyRequired},
			Logging: &operatorv1.IngressControllerLogging{Access: &operatorv1.AccessLogging{
				Destination: operatorv1.LoggingDestination{Type: operatorv1.ContainerLoggingDestinationType}, HttpLogFormat: "%[env(HOME)]"}},
			HTTPErrorCodePages: &operatorv1.ConfigMapNameReference{Name: "pages"},
			HTTPHeaders: &operatorv1.IngressControllerHTTPHeaders{
				UniqueId:                  &operatorv1.IngressControllerHTTPUniqueIdHeaderPolicy{Name: "X-Request-Id", Format: "%[env(HOME)]"},
				HeaderNameCaseAdjustments: []operatorv1.IngressControllerHTTPHeaderNameCaseAdjustment{"Host"},
				Actions: &operatorv1.IngressControllerHTTPHeaderActions{Response: []operatorv1.IngressControllerHTTPHeader{
					{Name: "X-A", Action: operatorv1.IngressControllerHTTPHeaderActionUnion{Type: operatorv1.Delete}},
					{Name: "X-B", Action: operatorv1.IngressControllerHTTPHeaderActionUnion{Type: operatorv1.Set,
						Set: &operatorv1.IngressControllerSetHTTPHeader{Value: "%[env(HOME)]"}}}}},
			},
			UnsupportedConfigOverrides: runtime.RawExtension{Raw: []byte(`{"loadBalancingAlgorithm":"leastconn","dynamicConfigManager":true}`)},
			TLSSecurityProfile: &operatorv1.TLSSecurityProfile{Type: operatorv1.TLSProfileCustomType, Custom: &operatorv1.CustomTLSProfile{
				TLSProfileSpec: operatorv1.TLSProfileSpec{MinTLSVersion: operatorv1.VersionTLS12, Ciphers: []string{"AES128-SHA", "!RC4"}}}},
		}, want: []string{"spec.httpHeaders.uniqueId.format",
			"spec.httpHeaders.actions.response[1]", "spec.tlsSecurityProfile.custom.ciphers", "spec.unsupportedConfigOverrides.dynamicConfigManager",
			"spec.logging.access.httpLogFormat"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range ignoredFields(&tc.spec) {
				got = append(got, strings.Fields(f)[0])
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("ignoredFields = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestIgnoredAnnotations(t *testing.T) {
	for _, tc := range []struct {
		annotations map[string]string
		want        []string // the annotations named, in order
	}{
		{},
		{annotations: map[string]string{names.HardStopAfterAnnotation: "30m", names.EnableHTTP2Annotation: "0"}},
		{annotations: map[string]string{names.HardStopAfterAnnotation: "1.5h", names.EnableHTTP2Annotation: "yes"},
			want: []string{names.HardStopAfterAnnotation, names.EnableHTTP2Annotation}},
		{annotations: map[string]string{names.EnableHTTP2Annotation: ""}, want: []string{names.EnableHTTP2Annotation}},
	} {
		ic := &operatorv1.IngressController{ObjectMeta: metav1.ObjectMeta{Annotations: tc.annotations}}
		got := ignoredAnnotations(ic)
		if len(got) != len(tc.want) {
			t.Errorf("%v: %q, want %d entries naming %v", tc.annotations, got, len(tc.want), tc.want)
			continue
		}
		for i, a := range tc.want {
			if !strings.HasPrefix(got[i], "metadata.annotations["+a+"]") {
				t.Errorf("%v: entry %d is %q, want it to name %s", tc.annotations, i, got[i], a)
			}
		}
	}
}
