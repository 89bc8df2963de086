package ingresscontroller

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

const (
	intermediateCiphersEnv = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:" +
		"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" +
		"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"
	tls13SuitesEnv = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
	namedCurvesEnv = "X25519MLKEM768:X25519:secp256r1:secp384r1"
)

// baseEnv is the whole environment of a Private IngressController "shard"
// that sets nothing else: every case below is this plus or minus a few.
var baseEnv = map[string]string{
	"DEFAULT_CERTIFICATE_DIR":       "/etc/pki/tls/private",
	"ROUTER_CANONICAL_HOSTNAME":     "router-shard.apps.example.com",
	"ROUTER_CIPHERS":                intermediateCiphersEnv,
	"ROUTER_CIPHERSUITES":           tls13SuitesEnv,
	"ROUTER_COOKIE_KEY":             "secret router-cookie-key-shard key",
	"ROUTER_CURVES":                 namedCurvesEnv,
	"ROUTER_METRICS_TLS_CERT_FILE":  "/etc/pki/tls/metrics-certs/tls.crt",
	"ROUTER_METRICS_TLS_KEY_FILE":   "/etc/pki/tls/metrics-certs/tls.key",
	"STATS_USERNAME":                "secret router-stats-shard statsUsername",
	"STATS_PASSWORD":                "secret router-stats-shard statsPassword",
	"ROUTER_DISABLE_HTTP2":          "false",
	"ROUTER_DOMAIN":                 "apps.example.com",
	"ROUTER_LOAD_BALANCE_ALGORITHM": "random",
	"ROUTER_SERVICE_NAME":           "shard",
	"ROUTER_SERVICE_NAMESPACE":      "openshift-ingress",
	"ROUTER_SET_FORWARDED_HEADERS":  "append",
	"ROUTER_TCP_BALANCE_SCHEME":     "source",
	"ROUTER_THREADS":                "4",
	"SSL_MIN_VERSION":               "TLSv1.2",
	"STATS_PORT":                    "1936",
}

// absent in a case's change list removes a variable from baseEnv.
const absent = "<absent>"

func TestRouterEnv(t *testing.T) {
	private := withStrategy(operatorv1.PrivateStrategyType)
	tls := func(p operatorv1.TLSSecurityProfile) icMod {
		return withSpec(func(s *operatorv1.IngressControllerSpec) { s.TLSSecurityProfile = &p })
	}
	custom := func(min operatorv1.TLSProtocolVersion, ciphers ...string) icMod {
		return tls(operatorv1.TLSSecurityProfile{Type: operatorv1.TLSProfileCustomType,
			Custom: &operatorv1.CustomTLSProfile{TLSProfileSpec: operatorv1.TLSProfileSpec{MinTLSVersion: min, Ciphers: ciphers}}})
	}
	forwarded := func(p operatorv1.IngressControllerHTTPHeaderPolicy) icMod {
		return withSpec(func(s *operatorv1.IngressControllerSpec) {
			s.HTTPHeaders = &operatorv1.IngressControllerHTTPHeaders{ForwardedHeaderPolicy: p}
		})
	}
	onPlatform := func(p Platform) func(*Options) { return func(o *Options) { o.Platform = p } }
	annotate := func(k, v string) icMod {
		return func(ic *operatorv1.IngressController) { ic.Annotations = map[string]string{k: v} }
	}
	for _, tc := range []struct {
		name   string
		mods   []icMod
		opts   func(*Options)
		in     clusterInputs
		change map[string]string
	}{
		{name: "defaults", mods: []icMod{private}},
		{name: "a dual-stack cluster", mods: []icMod{private}, in: clusterInputs{IPMode: "v4v6"},
			change: map[string]string{"ROUTER_IP_V4_V6_MODE": "v4v6"}},
		{name: "spec.domain names the router and its canonical hostname",
			mods:   []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) { s.Domain = "shard.example.org" })},
			change: map[string]string{"ROUTER_DOMAIN": "shard.example.org", "ROUTER_CANONICAL_HOSTNAME": "router-shard.shard.example.org"}},
		{name: "status.domain wins over spec.domain",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) { s.Domain = "new.example.org" }),
				func(ic *operatorv1.IngressController) { ic.Status.Domain = "old.example.org" }},
			change: map[string]string{"ROUTER_DOMAIN": "old.example.org", "ROUTER_CANONICAL_HOSTNAME": "router-shard.old.example.org"}},
		{name: "HostNetwork default ports",
			mods: []icMod{withStrategy(operatorv1.HostNetworkStrategyType)},
			change: map[string]string{"ROUTER_SERVICE_HTTP_PORT": "80", "ROUTER_SERVICE_HTTPS_PORT": "443",
				"ROUTER_HAPROXY_BINARY": "/usr/sbin/haproxy-bind-low-ports"}},
		{name: "HostNetwork custom ports move the stats port too",
			mods:   []icMod{withHostPorts("", 8080, 8443, 9936)},
			change: map[string]string{"ROUTER_SERVICE_HTTP_PORT": "8080", "ROUTER_SERVICE_HTTPS_PORT": "8443", "STATS_PORT": "9936"}},
		{name: "HostNetwork PROXY",
			mods: []icMod{withHostPorts(operatorv1.ProxyProtocol, 0, 0, 0)},
			change: map[string]string{"ROUTER_SERVICE_HTTP_PORT": "80", "ROUTER_SERVICE_HTTPS_PORT": "443",
				"ROUTER_USE_PROXY_PROTOCOL": "true", "ROUTER_HAPROXY_BINARY": "/usr/sbin/haproxy-bind-low-ports"}},
		{name: "HostNetwork TCP",
			mods: []icMod{withHostPorts(operatorv1.TCPProtocol, 0, 0, 0)},
			change: map[string]string{"ROUTER_SERVICE_HTTP_PORT": "80", "ROUTER_SERVICE_HTTPS_PORT": "443",
				"ROUTER_HAPROXY_BINARY": "/usr/sbin/haproxy-bind-low-ports"}},
		{name: "HostNetwork with one low port runs the capable HAProxy",
			mods: []icMod{withHostPorts("", 8080, 443, 9936)},
			change: map[string]string{"ROUTER_SERVICE_HTTP_PORT": "8080", "ROUTER_SERVICE_HTTPS_PORT": "443", "STATS_PORT": "9936",
				"ROUTER_HAPROXY_BINARY": "/usr/sbin/haproxy-bind-low-ports"}},
		{name: "NodePortService PROXY",
			mods: []icMod{withStrategy(operatorv1.NodePortServiceStrategyType, func(s *operatorv1.EndpointPublishingStrategy) {
				s.NodePort = &operatorv1.NodePortStrategy{Protocol: operatorv1.ProxyProtocol}
			})},
			change: map[string]string{"ROUTER_USE_PROXY_PROTOCOL": "true"}},
		{name: "NodePortService TCP", mods: []icMod{withStrategy(operatorv1.NodePortServiceStrategyType)}},
		{name: "Private PROXY",
			mods: []icMod{withStrategy(operatorv1.PrivateStrategyType, func(s *operatorv1.EndpointPublishingStrategy) {
				s.Private = &operatorv1.PrivateStrategy{Protocol: operatorv1.ProxyProtocol}
			})},
			change: map[string]string{"ROUTER_USE_PROXY_PROTOCOL": "true"}},
		{name: "LoadBalancerService", mods: []icMod{withLB(operatorv1.ExternalLoadBalancer)}},
		{name: "an AWS Classic load balancer always sends PROXY", mods: []icMod{withLB(operatorv1.ExternalLoadBalancer)}, opts: onPlatform(PlatformAWS),
			change: map[string]string{"ROUTER_USE_PROXY_PROTOCOL": "true"}},
		{name: "an AWS NLB sends plain TCP by default, and its idle timeout bounds tunnels", opts: onPlatform(PlatformAWS),
			mods:   []icMod{withProvider(operatorv1.ExternalLoadBalancer, awsNLB("", nil))},
			change: map[string]string{"ROUTER_DEFAULT_TUNNEL_TIMEOUT": "349s"}},
		{name: "an AWS NLB asked for PROXY", opts: onPlatform(PlatformAWS),
			mods:   []icMod{withProvider(operatorv1.ExternalLoadBalancer, awsNLB(operatorv1.ProxyProtocol, nil))},
			change: map[string]string{"ROUTER_USE_PROXY_PROTOCOL": "true", "ROUTER_DEFAULT_TUNNEL_TIMEOUT": "349s"}},
		{name: "spec's tunnel timeout wins under an NLB", opts: onPlatform(PlatformAWS),
			mods: []icMod{withProvider(operatorv1.ExternalLoadBalancer, awsNLB("", nil)), withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.TuningOptions = &operatorv1.IngressControllerTuningOptions{TunnelTimeout: &metav1.Duration{Duration: 10 * time.Minute}}
			})},
			change: map[string]string{"ROUTER_DEFAULT_TUNNEL_TIMEOUT": "600s"}},
		{name: "the load balancer in force, an NLB without PROXY, wins over spec's Classic", opts: onPlatform(PlatformAWS),
			mods:   []icMod{withLB(operatorv1.ExternalLoadBalancer)},
			in:     clusterInputs{LoadBalancer: map[string]string{"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}},
			change: map[string]string{"ROUTER_DEFAULT_TUNNEL_TIMEOUT": "349s"}},
		{name: "the load balancer in force, a Classic one, wins over spec's NLB", opts: onPlatform(PlatformAWS),
			mods:   []icMod{withProvider(operatorv1.ExternalLoadBalancer, awsNLB("", nil))},
			in:     clusterInputs{LoadBalancer: map[string]string{"service.beta.kubernetes.io/aws-load-balancer-proxy-protocol": "*"}},
			change: map[string]string{"ROUTER_USE_PROXY_PROTOCOL": "true"}},
		{name: "an IBM Cloud load balancer asked for PROXY", opts: onPlatform(PlatformIBMCloud),
			mods: []icMod{withProvider(operatorv1.ExternalLoadBalancer, &operatorv1.ProviderLoadBalancerParameters{Type: operatorv1.IBMLoadBalancerProvider,
				IBM: &operatorv1.IBMLoadBalancerParameters{Protocol: operatorv1.ProxyProtocol}})},
			change: map[string]string{"ROUTER_USE_PROXY_PROTOCOL": "true"}},
		{name: "IBM parameters on AWS: Classic's PROXY all the same", opts: onPlatform(PlatformAWS),
			mods: []icMod{withProvider(operatorv1.ExternalLoadBalancer, &operatorv1.ProviderLoadBalancerParameters{Type: operatorv1.IBMLoadBalancerProvider,
				IBM: &operatorv1.IBMLoadBalancerParameters{Protocol: operatorv1.TCPProtocol}})},
			change: map[string]string{"ROUTER_USE_PROXY_PROTOCOL": "true"}},
		{name: "an Azure load balancer sends plain TCP", mods: []icMod{withLB(operatorv1.ExternalLoadBalancer)}, opts: onPlatform(PlatformAzure)},
		{name: "route and namespace selectors as selector strings",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.RouteSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"shard": "a"},
					MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: metav1.LabelSelectorOpIn, Values: []string{"stage", "prod"}}}}
				s.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "tier", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"internal"}},
					{Key: "public", Operator: metav1.LabelSelectorOpExists},
					{Key: "legacy", Operator: metav1.LabelSelectorOpDoesNotExist},
				}}
			})},
			change: map[string]string{"ROUTE_LABELS": "env in (prod,stage),shard=a", "NAMESPACE_LABELS": "!legacy,public,tier notin (internal)"}},
		{name: "empty selectors select everything and are not set",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.RouteSelector, s.NamespaceSelector = &metav1.LabelSelector{}, &metav1.LabelSelector{}
			})}},
		{name: "idleConnectionTerminationPolicy Deferred and closedClientConnectionPolicy Abort",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.IdleConnectionTerminationPolicy = operatorv1.IngressControllerConnectionTerminationPolicyDeferred
				s.ClosedClientConnectionPolicy = operatorv1.IngressControllerClosedClientConnectionPolicyAbort
			})},
			change: map[string]string{"ROUTER_IDLE_CLOSE_ON_RESPONSE": "true", "ROUTER_ABORT_ON_CLOSE": "true"}},
		{name: "httpEmptyRequestsPolicy Ignore and compression, a type with parameters quoted",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.HTTPEmptyRequestsPolicy = operatorv1.HTTPEmptyRequestsPolicyIgnore
				s.HTTPCompression = &operatorv1.HTTPCompressionPolicy{MimeTypes: []operatorv1.CompressionMIMEType{
					"text/html", `text/plain; charset="utf-8"`, "application/*"}}
			})},
			change: map[string]string{"ROUTER_HTTP_IGNORE_PROBES": "true", "ROUTER_ENABLE_COMPRESSION": "true",
				"ROUTER_COMPRESSION_MIME": `text/html "text/plain; charset=\"utf-8\"" application/*`}},
		{name: "MIME types the routers refuse are left out",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.HTTPCompression = &operatorv1.HTTPCompressionPolicy{MimeTypes: []operatorv1.CompressionMIMEType{`text/plain; a="é"`, "text/html"}}
			})},
			change: map[string]string{"ROUTER_ENABLE_COMPRESSION": "true", "ROUTER_COMPRESSION_MIME": "text/html"}},
		{name: "only MIME types the routers refuse: no compression",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.HTTPCompression = &operatorv1.HTTPCompressionPolicy{MimeTypes: []operatorv1.CompressionMIMEType{"text/plain; a=\"\\\x01\""}}
			})}},
		{name: "a log format and a unique ID format with $(VAR) reach the routers as written, not expanded by the kubelet",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.Logging = &operatorv1.IngressControllerLogging{Access: &operatorv1.AccessLogging{
					Destination: operatorv1.LoggingDestination{Type: operatorv1.ContainerLoggingDestinationType}, HttpLogFormat: "%ci $(ROUTER_COOKIE_KEY) $$"}}
				s.HTTPHeaders = &operatorv1.IngressControllerHTTPHeaders{UniqueId: &operatorv1.IngressControllerHTTPUniqueIdHeaderPolicy{
					Name: "X-Id", Format: "$(ROUTER_COOKIE_KEY)"}}
			})},
			change: map[string]string{"ROUTER_SYSLOG_ADDRESS": "/var/lib/rsyslog/rsyslog.sock", "ROUTER_LOG_LEVEL": "info", "ROUTER_LOG_MAX_LENGTH": "1024",
				"ROUTER_SYSLOG_FORMAT": `"%ci $$(ROUTER_COOKIE_KEY) $$$$"`, "ROUTER_UNIQUE_ID_HEADER_NAME": "X-Id", "ROUTER_UNIQUE_ID_FORMAT": `"$$(ROUTER_COOKIE_KEY)"`}},
		{name: "a unique ID header the routers refuse: none",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.HTTPHeaders = &operatorv1.IngressControllerHTTPHeaders{UniqueId: &operatorv1.IngressControllerHTTPUniqueIdHeaderPolicy{Name: "Cookie"}}
			})}},
		{name: "Respond and no MIME types are the router's defaults",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.HTTPEmptyRequestsPolicy = operatorv1.HTTPEmptyRequestsPolicyRespond
				s.HTTPCompression = &operatorv1.HTTPCompressionPolicy{}
			})}},
		{name: "access log to the logs sidecar, everything set",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.Logging = &operatorv1.IngressControllerLogging{Access: &operatorv1.AccessLogging{
					Destination:   operatorv1.LoggingDestination{Type: operatorv1.ContainerLoggingDestinationType, Container: &operatorv1.ContainerLoggingDestinationParameters{MaxLength: 8192}},
					HttpLogFormat: `%ci:%cp [%t] "%r"`,
					HTTPCaptureHeaders: &operatorv1.IngressControllerCaptureHTTPHeaders{
						Request:  []operatorv1.IngressControllerCaptureHTTPHeader{{Name: "Host", MaxLength: 90}, {Name: "X-Huge", MaxLength: 1 << 20}},
						Response: []operatorv1.IngressControllerCaptureHTTPHeader{{Name: "Content-Type", MaxLength: 40}}},
					HTTPCaptureCookies: []operatorv1.IngressControllerCaptureHTTPCookie{{MatchType: operatorv1.CookieMatchTypeExact, Name: "session", MaxLength: 32}},
					LogEmptyRequests:   operatorv1.LoggingPolicyIgnore,
				}}
			})},
			change: map[string]string{"ROUTER_SYSLOG_ADDRESS": "/var/lib/rsyslog/rsyslog.sock", "ROUTER_LOG_LEVEL": "info", "ROUTER_LOG_MAX_LENGTH": "8192",
				"ROUTER_SYSLOG_FORMAT": `"%ci:%cp [%t] \"%r\""`, "ROUTER_CAPTURE_HTTP_REQUEST_HEADERS": "Host:90,X-Huge:8192",
				"ROUTER_CAPTURE_HTTP_RESPONSE_HEADERS": "Content-Type:40", "ROUTER_CAPTURE_HTTP_COOKIE": "session=:32", "ROUTER_DONT_LOG_NULL": "true"}},
		{name: "access log to syslog over IPv6, a cookie prefix, and a format the routers refuse left out",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.Logging = &operatorv1.IngressControllerLogging{Access: &operatorv1.AccessLogging{
					Destination: operatorv1.LoggingDestination{Type: operatorv1.SyslogLoggingDestinationType,
						Syslog: &operatorv1.SyslogLoggingDestinationParameters{Address: "2001:db8::5", Port: 514, Facility: "local3"}},
					HttpLogFormat:      "%[env(ROUTER_COOKIE_KEY)]",
					HTTPCaptureCookies: []operatorv1.IngressControllerCaptureHTTPCookie{{MatchType: operatorv1.CookieMatchTypePrefix, NamePrefix: "sess", MaxLength: 8}},
				}}
			})},
			change: map[string]string{"ROUTER_SYSLOG_ADDRESS": "[2001:db8::5]:514", "ROUTER_LOG_FACILITY": "local3", "ROUTER_LOG_LEVEL": "info",
				"ROUTER_LOG_MAX_LENGTH": "1024", "ROUTER_CAPTURE_HTTP_COOKIE": "sess:8"}},
		{name: "header actions in OKD's encoding, one the routers would refuse left out",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				set := func(v string) operatorv1.IngressControllerHTTPHeaderActionUnion {
					return operatorv1.IngressControllerHTTPHeaderActionUnion{Type: operatorv1.Set, Set: &operatorv1.IngressControllerSetHTTPHeader{Value: v}}
				}
				s.HTTPHeaders = &operatorv1.IngressControllerHTTPHeaders{Actions: &operatorv1.IngressControllerHTTPHeaderActions{
					Request: []operatorv1.IngressControllerHTTPHeader{{Name: "X-Client-Cert", Action: set("%[ssl_c_der,base64]")},
						{Name: "X-Debug", Action: operatorv1.IngressControllerHTTPHeaderActionUnion{Type: operatorv1.Delete}}},
					Response: []operatorv1.IngressControllerHTTPHeader{{Name: "X-Frame-Options", Action: set("DENY")},
						{Name: "X-Leak", Action: set("%[env(HOME)]")}},
				}}
			})},
			change: map[string]string{"ROUTER_HTTP_REQUEST_HEADERS": "X-Client-Cert:%25%5Bssl_c_der%2Cbase64%5D:Set,X-Debug:Delete",
				"ROUTER_HTTP_RESPONSE_HEADERS": "X-Frame-Options:DENY:Set"}},
		{name: "header names whose case to keep, once each",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.HTTPHeaders = &operatorv1.IngressControllerHTTPHeaders{HeaderNameCaseAdjustments: []operatorv1.IngressControllerHTTPHeaderNameCaseAdjustment{
					"X-Forwarded-For", "Host", "HOST", ""}}
			})},
			change: map[string]string{"ROUTER_H1_CASE_ADJUST": "X-Forwarded-For,Host"}},
		{name: "unsupportedConfigOverrides loadBalancingAlgorithm leastconn, as in OKD",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.UnsupportedConfigOverrides = runtime.RawExtension{Raw: []byte(`{"loadBalancingAlgorithm":"leastconn","contStats":true}`)}
			})},
			change: map[string]string{"ROUTER_LOAD_BALANCE_ALGORITHM": "leastconn"}},
		{name: "unsupportedConfigOverrides loadBalancingAlgorithm other than leastconn: the default",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.UnsupportedConfigOverrides = runtime.RawExtension{Raw: []byte(`{"loadBalancingAlgorithm":"source"}`)}
			})}},
		{name: "a unique ID header with a format",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.HTTPHeaders = &operatorv1.IngressControllerHTTPHeaders{UniqueId: &operatorv1.IngressControllerHTTPUniqueIdHeaderPolicy{
					Name: "X-Request-Id", Format: "%{+X}o %ci-%rt"}}
			})},
			change: map[string]string{"ROUTER_UNIQUE_ID_HEADER_NAME": "X-Request-Id", "ROUTER_UNIQUE_ID_FORMAT": `"%{+X}o %ci-%rt"`}},
		{name: "a unique ID header with a format the routers refuse: their default",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.HTTPHeaders = &operatorv1.IngressControllerHTTPHeaders{UniqueId: &operatorv1.IngressControllerHTTPUniqueIdHeaderPolicy{
					Name: "X-Request-Id", Format: "%ID"}}
			})},
			change: map[string]string{"ROUTER_UNIQUE_ID_HEADER_NAME": "X-Request-Id"}},
		{name: "Immediate and Continue are the router's defaults",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.IdleConnectionTerminationPolicy = operatorv1.IngressControllerConnectionTerminationPolicyImmediate
				s.ClosedClientConnectionPolicy = operatorv1.IngressControllerClosedClientConnectionPolicyContinue
			})}},
		{name: "routeAdmission InterNamespaceAllowed and WildcardsAllowed",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.RouteAdmission = &operatorv1.RouteAdmissionPolicy{NamespaceOwnership: operatorv1.InterNamespaceAllowedOwnershipCheck,
					WildcardPolicy: operatorv1.WildcardPolicyAllowed}
			})},
			change: map[string]string{"ROUTER_DISABLE_NAMESPACE_OWNERSHIP_CHECK": "true", "ROUTER_ALLOW_WILDCARD_ROUTES": "true"}},
		{name: "routeAdmission Strict and WildcardsDisallowed are the router's defaults",
			mods: []icMod{private, withSpec(func(s *operatorv1.IngressControllerSpec) {
				s.RouteAdmission = &operatorv1.RouteAdmissionPolicy{NamespaceOwnership: operatorv1.StrictNamespaceOwnershipCheck,
					WildcardPolicy: operatorv1.WildcardPolicyDisallowed}
			})}},
		{name: "forwardedHeaderPolicy Append", mods: []icMod{private, forwarded(operatorv1.AppendHTTPHeaderPolicy)}},
		{name: "forwardedHeaderPolicy Replace", mods: []icMod{private, forwarded(operatorv1.ReplaceHTTPHeaderPolicy)},
			change: map[string]string{"ROUTER_SET_FORWARDED_HEADERS": "replace"}},
		{name: "forwardedHeaderPolicy IfNone", mods: []icMod{private, forwarded(operatorv1.IfNoneHTTPHeaderPolicy)},
			change: map[string]string{"ROUTER_SET_FORWARDED_HEADERS": "if-none"}},
		{name: "forwardedHeaderPolicy Never", mods: []icMod{private, forwarded(operatorv1.NeverHTTPHeaderPolicy)},
			change: map[string]string{"ROUTER_SET_FORWARDED_HEADERS": "never"}},
		{name: "http2 annotation false disables HTTP/2",
			mods:   []icMod{private, annotate("ingress.operator.openshift.io/default-enable-http2", "false")},
			change: map[string]string{"ROUTER_DISABLE_HTTP2": "true"}},
		{name: "http2 annotation true keeps HTTP/2", mods: []icMod{private, annotate("ingress.operator.openshift.io/default-enable-http2", "true")}},
		{name: "http2 annotation read as OKD reads it: 0 disables HTTP/2",
			mods:   []icMod{private, annotate("ingress.operator.openshift.io/default-enable-http2", "0")},
			change: map[string]string{"ROUTER_DISABLE_HTTP2": "true"}},
		{name: "http2 annotation read as OKD reads it: False disables HTTP/2",
			mods:   []icMod{private, annotate("ingress.operator.openshift.io/default-enable-http2", "False")},
			change: map[string]string{"ROUTER_DISABLE_HTTP2": "true"}},
		{name: "http2 annotation invalid keeps HTTP/2", mods: []icMod{private, annotate("ingress.operator.openshift.io/default-enable-http2", "no")}},
		{name: "threadCount", mods: []icMod{private, withTuning(func(t *operatorv1.IngressControllerTuningOptions) { t.ThreadCount = 8 })},
			change: map[string]string{"ROUTER_THREADS": "8"}},
		{name: "header buffers",
			mods: []icMod{private, withTuning(func(t *operatorv1.IngressControllerTuningOptions) {
				t.HeaderBufferBytes, t.HeaderBufferMaxRewriteBytes = 65536, 16384
			})},
			change: map[string]string{"ROUTER_BUF_SIZE": "65536", "ROUTER_MAX_REWRITE_SIZE": "16384"}},
		{name: "maxConnections number", mods: []icMod{private, withTuning(func(t *operatorv1.IngressControllerTuningOptions) { t.MaxConnections = 2000 })},
			change: map[string]string{"ROUTER_MAX_CONNECTIONS": "2000"}},
		{name: "maxConnections -1 is auto", mods: []icMod{private, withTuning(func(t *operatorv1.IngressControllerTuningOptions) { t.MaxConnections = -1 })},
			change: map[string]string{"ROUTER_MAX_CONNECTIONS": "auto"}},
		{name: "maxConnections 0 is the default", mods: []icMod{private, withTuning(func(t *operatorv1.IngressControllerTuningOptions) { t.MaxConnections = 0 })}},
		{name: "timeouts",
			mods: []icMod{private, withTuning(func(t *operatorv1.IngressControllerTuningOptions) {
				t.ClientTimeout, t.ClientFinTimeout, t.ServerTimeout = dur("45s"), dur("500ms"), dur("1m")
				t.ServerFinTimeout, t.TunnelTimeout, t.ConnectTimeout = dur("2s"), dur("1h"), dur("1500ms")
				t.HTTPKeepAliveTimeout, t.TLSInspectDelay = dur("5m"), dur("10s")
			})},
			change: map[string]string{
				"ROUTER_DEFAULT_CLIENT_TIMEOUT": "45s", "ROUTER_CLIENT_FIN_TIMEOUT": "500ms", "ROUTER_DEFAULT_SERVER_TIMEOUT": "60s",
				"ROUTER_DEFAULT_SERVER_FIN_TIMEOUT": "2s", "ROUTER_DEFAULT_TUNNEL_TIMEOUT": "3600s", "ROUTER_DEFAULT_CONNECT_TIMEOUT": "1500ms",
				"ROUTER_SLOWLORIS_HTTP_KEEPALIVE": "300s", "ROUTER_INSPECT_DELAY": "10s",
			}},
		{name: "zero timeouts mean the default",
			mods: []icMod{private, withTuning(func(t *operatorv1.IngressControllerTuningOptions) {
				t.ClientTimeout, t.ServerTimeout, t.ReloadInterval = dur("0s"), dur("0s"), dur("0s")
			})}},
		{name: "reloadInterval", mods: []icMod{private, withTuning(func(t *operatorv1.IngressControllerTuningOptions) { t.ReloadInterval = dur("15s") })},
			change: map[string]string{"RELOAD_INTERVAL": "15s"}},
		{name: "reloadInterval below 1s is clamped to 1s",
			mods:   []icMod{private, withTuning(func(t *operatorv1.IngressControllerTuningOptions) { t.ReloadInterval = dur("500ms") })},
			change: map[string]string{"RELOAD_INTERVAL": "1s"}},
		{name: "reloadInterval above 120s is clamped to 120s",
			mods:   []icMod{private, withTuning(func(t *operatorv1.IngressControllerTuningOptions) { t.ReloadInterval = dur("10m") })},
			change: map[string]string{"RELOAD_INTERVAL": "120s"}},
		{name: "healthCheckInterval", mods: []icMod{private, withTuning(func(t *operatorv1.IngressControllerTuningOptions) { t.HealthCheckInterval = dur("2s") })},
			change: map[string]string{"ROUTER_BACKEND_CHECK_INTERVAL": "2s"}},
		{name: "graceful shutdown delay option", mods: []icMod{private},
			opts:   func(o *Options) { o.GracefulShutdownDelay = 45 * time.Second },
			change: map[string]string{"ROUTER_GRACEFUL_SHUTDOWN_DELAY": "45s"}},
		{name: "the operator's proxy is the routers'", mods: []icMod{private},
			opts: func(o *Options) {
				o.Proxy = Proxy{HTTP: "http://proxy.example.com:3128", HTTPS: "http://u:pa$$@proxy.example.com:3128", NoProxy: ".svc,198.18.0.0/15"}
			},
			change: map[string]string{"HTTP_PROXY": "http://proxy.example.com:3128", "HTTPS_PROXY": "http://u:pa$$$$@proxy.example.com:3128",
				"NO_PROXY": ".svc,198.18.0.0/15"}},
		{name: "only the proxy variables that are set", mods: []icMod{private},
			opts:   func(o *Options) { o.Proxy = Proxy{HTTPS: "http://proxy.example.com:3128"} },
			change: map[string]string{"HTTPS_PROXY": "http://proxy.example.com:3128"}},
		{name: "client certificates: the policy, the mounted CA and the subject filter, its $ as the kubelet hands it over",
			mods: []icMod{private}, in: clusterInputs{ClientCA: clientCA{Policy: "required", Filter: `(?:^/CN=ops$|^/O=Example/)`}},
			change: map[string]string{"ROUTER_MUTUAL_TLS_AUTH": "required", "ROUTER_MUTUAL_TLS_AUTH_CA": "/etc/pki/tls/client-ca/ca-bundle.pem",
				"ROUTER_MUTUAL_TLS_AUTH_FILTER": `(?:^/CN=ops$$|^/O=Example/)`}},
		{name: "TLS Old: TLS 1.0 is raised to 1.1, as OKD does",
			mods: []icMod{private, tls(operatorv1.TLSSecurityProfile{Type: operatorv1.TLSProfileOldType})},
			change: map[string]string{"SSL_MIN_VERSION": "TLSv1.1", "ROUTER_CIPHERS": intermediateCiphersEnv +
				":ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA" +
				":ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA" +
				":DHE-RSA-AES128-SHA256:DHE-RSA-AES256-SHA256:AES128-GCM-SHA256:AES256-GCM-SHA384" +
				":AES128-SHA256:AES256-SHA256:AES128-SHA:AES256-SHA"}},
		{name: "TLS Intermediate", mods: []icMod{private, tls(operatorv1.TLSSecurityProfile{Type: operatorv1.TLSProfileIntermediateType})}},
		{name: "TLS Modern has only TLS 1.3 suites",
			mods:   []icMod{private, tls(operatorv1.TLSSecurityProfile{Type: operatorv1.TLSProfileModernType})},
			change: map[string]string{"SSL_MIN_VERSION": "TLSv1.3", "ROUTER_CIPHERS": absent}},
		{name: "TLS Custom: IANA names translated, TLS 1.3 suites split, exclusions and 3DES dropped",
			mods: []icMod{private, custom(operatorv1.VersionTLS11,
				"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305",
				"!RC4", "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_AES_128_CCM_SHA256", "!aNULL", "DES-CBC3-SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA")},
			change: map[string]string{"SSL_MIN_VERSION": "TLSv1.1",
				"ROUTER_CIPHERS":      "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:AES128-SHA",
				"ROUTER_CIPHERSUITES": "TLS_AES_256_GCM_SHA384:TLS_AES_128_CCM_SHA256",
				"ROUTER_CURVES":       "X25519MLKEM768:X25519:secp256r1:secp384r1:secp521r1"}},
		{name: "TLS Custom with groups: in their order",
			mods: []icMod{private, tls(operatorv1.TLSSecurityProfile{Type: operatorv1.TLSProfileCustomType,
				Custom: &operatorv1.CustomTLSProfile{TLSProfileSpec: operatorv1.TLSProfileSpec{MinTLSVersion: operatorv1.VersionTLS13,
					Ciphers: []string{"TLS_AES_128_GCM_SHA256"},
					Groups:  []operatorv1.TLSGroup{operatorv1.TLSGroupSecP384r1, operatorv1.TLSGroupSecP384r1MLKEM1024}}}})},
			change: map[string]string{"SSL_MIN_VERSION": "TLSv1.3", "ROUTER_CIPHERS": absent, "ROUTER_CIPHERSUITES": "TLS_AES_128_GCM_SHA256",
				"ROUTER_CURVES": "secp384r1:SecP384r1MLKEM1024"}},
		{name: "TLS Custom: TLS 1.0 is raised to 1.1",
			mods: []icMod{private, custom(operatorv1.VersionTLS10, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")},
			change: map[string]string{"SSL_MIN_VERSION": "TLSv1.1", "ROUTER_CIPHERS": "ECDHE-ECDSA-AES256-GCM-SHA384", "ROUTER_CIPHERSUITES": absent,
				"ROUTER_CURVES": "X25519MLKEM768:X25519:secp256r1:secp384r1:secp521r1"}},
		{name: "hard-stop-after annotation",
			mods:   []icMod{private, annotate("ingress.operator.openshift.io/hard-stop-after", "30m")},
			change: map[string]string{"ROUTER_HARD_STOP_AFTER": "30m"}},
		{name: "hard-stop-after annotation that is not an HAProxy time is left out",
			mods: []icMod{private, annotate("ingress.operator.openshift.io/hard-stop-after", "30 minutes")}},
		{name: "TLS Custom with TLS 1.2 ciphers only",
			mods: []icMod{private, custom(operatorv1.VersionTLS12, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")},
			change: map[string]string{"ROUTER_CIPHERS": "ECDHE-ECDSA-AES256-GCM-SHA384", "ROUTER_CIPHERSUITES": absent,
				"ROUTER_CURVES": "X25519MLKEM768:X25519:secp256r1:secp384r1:secp521r1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions(PlatformNone)
			if tc.opts != nil {
				tc.opts(&o)
			}
			ic := newIC("shard", tc.mods...)
			env := routerEnv(ic, admitted(ic, o), o, tc.in)
			want := maps.Clone(baseEnv)
			for k, v := range tc.change {
				if v == absent {
					delete(want, k)
				} else {
					want[k] = v
				}
			}
			got := envMap(env)
			if len(got) != len(env) {
				t.Errorf("duplicate variables in %v", env)
			}
			for _, k := range slices.Sorted(maps.Keys(want)) {
				if g, ok := got[k]; !ok {
					t.Errorf("%s missing, want %q", k, want[k])
				} else if g != want[k] {
					t.Errorf("%s = %q, want %q", k, g, want[k])
				}
			}
			for _, k := range slices.Sorted(maps.Keys(got)) {
				if _, ok := want[k]; !ok {
					t.Errorf("unexpected %s = %q", k, got[k])
				}
			}
			routerAccepts(t, env)
		})
	}
}

// The environment is sorted by name, so that the pod template (and its
// hash) does not depend on map order.
// routerAccepts fails t unless the router starts with env as the kubelet
// hands it over ($$ is $; no other reference is left): a value the
// operator writes and the router refuses would crash-loop every new pod.
func routerAccepts(t *testing.T, env []corev1.EnvVar) {
	t.Helper()
	vals := map[string]string{}
	for _, e := range env {
		if e.ValueFrom == nil {
			vals[e.Name] = strings.ReplaceAll(e.Value, "$$", "$")
		}
	}
	if _, ok := vals[names.EnvRouterMutualTLSAuthCA]; ok {
		// The router reads the CA as it starts: here, one of the test's.
		ca, err := certs.NewCA("clients", time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "ca-bundle.pem")
		if err := os.WriteFile(file, ca.CertPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		vals[names.EnvRouterMutualTLSAuthCA] = file
	}
	if _, ok := vals[names.EnvRouterMetricsTLSCertFile]; ok {
		// The router loads the metrics certificate as it starts: here,
		// one of the test's.
		ca, err := certs.NewCA("metrics", time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "metrics.pem")
		if err := os.WriteFile(file, append(ca.CertPEM, ca.KeyPEM...), 0o600); err != nil {
			t.Fatal(err)
		}
		vals[names.EnvRouterMetricsTLSCertFile], vals[names.EnvRouterMetricsTLSKeyFile] = file, file
	}
	c := config.Defaults()
	if err := c.FromEnv(func(k string) (string, bool) { v, ok := vals[k]; return v, ok }); err != nil {
		t.Errorf("the router refuses the environment: %v", err)
	}
}

// TestProxyFromEnv: the operator reads its proxy as Go's HTTP client
// would, so that the routers use the one it uses.
func TestProxyFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want Proxy
	}{
		{"none", nil, Proxy{}},
		{"upper case", map[string]string{"HTTP_PROXY": "http://a:1", "HTTPS_PROXY": "http://b:2", "NO_PROXY": "c"},
			Proxy{HTTP: "http://a:1", HTTPS: "http://b:2", NoProxy: "c"}},
		{"lower case", map[string]string{"http_proxy": "http://a:1", "https_proxy": "http://b:2", "no_proxy": "c"},
			Proxy{HTTP: "http://a:1", HTTPS: "http://b:2", NoProxy: "c"}},
		{"upper case wins", map[string]string{"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:1"},
			Proxy{HTTPS: "http://upper:1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ProxyFromEnv(func(k string) string { return tc.env[k] }); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestMIMEWordsRoundTrip: what the operator writes in ROUTER_COMPRESSION_MIME
// the router reads back type by type, and takes.
func TestMIMEWordsRoundTrip(t *testing.T) {
	types := []string{"text/html", "text/*", `text/plain; charset="utf-8"`, `application/x-a; b="c\\d"`, "x-ab/c'd; e='f'"}
	words := make([]string, len(types))
	for i, m := range types {
		words[i] = mimeWord(m)
	}
	got, err := config.SplitWords(strings.Join(words, " "))
	if err != nil || !slices.Equal(got, types) {
		t.Fatalf("read back %q (%v), want %q", got, err, types)
	}
	for _, m := range got {
		if !config.ValidMIMEType(m) {
			t.Errorf("the router refuses %q", m)
		}
	}
}

func TestRouterEnvSorted(t *testing.T) {
	o := testOptions(PlatformNone)
	o.GracefulShutdownDelay = time.Minute
	ic := newIC("sorted", withHostPorts(operatorv1.ProxyProtocol, 80, 443, 1936), withSpec(func(s *operatorv1.IngressControllerSpec) {
		s.RouteSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}
		s.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"c": "d"}}
		s.RouteAdmission = &operatorv1.RouteAdmissionPolicy{NamespaceOwnership: operatorv1.InterNamespaceAllowedOwnershipCheck}
	}), withTuning(func(t *operatorv1.IngressControllerTuningOptions) {
		t.ClientTimeout, t.ServerTimeout, t.TunnelTimeout, t.MaxConnections = dur("1s"), dur("2s"), dur("3s"), -1
	}))
	a := admitted(ic, o)
	first := routerEnv(ic, a, o, clusterInputs{})
	if !slices.IsSortedFunc(first, func(x, y corev1.EnvVar) int { return strings.Compare(x.Name, y.Name) }) {
		t.Fatalf("env not sorted: %v", first)
	}
	for range 20 {
		if again := routerEnv(ic, a, o, clusterInputs{}); !equality.Semantic.DeepEqual(again, first) {
			t.Fatalf("env differs between calls:\n%v\n%v", first, again)
		}
	}
}

// TestHardStopAfter: the annotation reaches ROUTER_HARD_STOP_AFTER only as
// a time HAProxy takes (digits, an optional unit, 1ms to 2147483647ms).
func TestHardStopAfter(t *testing.T) {
	for _, tc := range []struct {
		value string
		ok    bool
	}{
		{"30m", true}, {"1h", true}, {"2d", true}, {"45s", true}, {"500ms", true}, {"500", true}, {"1000us", true},
		{"2147483647ms", true}, {"2147483647", true}, {"24d", true}, {"35791m", true},
		{"2147483648ms", false}, {"25d", false}, {"596524h", false}, {"99999999999999999999999h", false},
		{"0", false}, {"0s", false}, {"999us", false}, {"", false}, {"30 m", false}, {" 30m", false}, {"1.5h", false},
		{"-1s", false}, {"+1s", false}, {"30min", false}, {"1h30m", false}, {"30M", false}, {"ms", false}, {"$(HOME)", false},
	} {
		ic := newIC("x", func(ic *operatorv1.IngressController) {
			ic.Annotations = map[string]string{names.HardStopAfterAnnotation: tc.value}
		})
		v, ok := hardStopAfter(ic)
		if ok != tc.ok || v != tc.value {
			t.Errorf("%q: %q, %v; want %v", tc.value, v, ok, tc.ok)
		}
		ignored := ignoredAnnotations(ic)
		if (len(ignored) == 0) != tc.ok {
			t.Errorf("%q: ignoredAnnotations = %q", tc.value, ignored)
		}
	}
	bad := newIC("x", func(ic *operatorv1.IngressController) {
		ic.Annotations = map[string]string{names.HardStopAfterAnnotation: "1.5h"}
	})
	want := `metadata.annotations[ingress.operator.openshift.io/hard-stop-after] (ROUTER_HARD_STOP_AFTER is not set: "1.5h" is not an HAProxy time ` +
		`from 1ms to 2147483647ms, digits with an optional unit us, ms, s, m, h or d, such as 30m)`
	if got := admitted(bad, testOptions(PlatformNone)).Ignored; !slices.Equal(got, []string{want}) {
		t.Errorf("admission's ignored fields = %q, want %q", got, want)
	}
	if v, ok := hardStopAfter(newIC("x")); ok || v != "" || ignoredAnnotations(newIC("x")) != nil {
		t.Errorf("no annotation: %q, %v", v, ok)
	}
}

// TestServedTLSProfile: status.tlsProfile names only the ciphers the
// routers get; one they are not given (an exclusion) is left out, as from the
// routers' environment; a Custom profile without groups shows the
// default groups the routers are given.
func TestServedTLSProfile(t *testing.T) {
	custom := &operatorv1.TLSSecurityProfile{Type: operatorv1.TLSProfileCustomType, Custom: &operatorv1.CustomTLSProfile{
		TLSProfileSpec: operatorv1.TLSProfileSpec{MinTLSVersion: operatorv1.VersionTLS12,
			Ciphers: []string{"TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "!RC4", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}}}}
	got := servedTLSProfile(custom)
	want := []string{"TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}
	wantGroups := []operatorv1.TLSGroup{"X25519MLKEM768", "X25519", "secp256r1", "secp384r1", "secp521r1"}
	if !slices.Equal(got.Ciphers, want) || got.MinTLSVersion != operatorv1.VersionTLS12 || !slices.Equal(got.Groups, wantGroups) {
		t.Errorf("served profile = %+v, want ciphers %q and the default groups %q", got, want, wantGroups)
	}
	if n := len(custom.Custom.Ciphers); n != 4 {
		t.Errorf("the spec lost ciphers: %d left", n)
	}
	if got, want := servedTLSProfile(nil), effectiveTLSProfile(nil); !slices.Equal(got.Ciphers, want.Ciphers) {
		t.Errorf("intermediate profile changed: %q, want %q", got.Ciphers, want.Ciphers)
	}
	// Status holds the served profile, and a patch decodes into it: writing
	// into it changes no named profile.
	served := servedTLSProfile(nil)
	served.Ciphers[0], served.Groups[0] = "x", "x"
	if named := tlsProfiles[operatorv1.TLSProfileIntermediateType]; named.Ciphers[0] == "x" || named.Groups[0] == "x" {
		t.Errorf("the Intermediate profile shares its lists with status: %+v", named)
	}
}

// Every cipher of OKD's named profiles is one the routers configure, but
// the Old profile's DES-CBC3-SHA, which OpenSSL 3 lacks; none is reported.
func TestNamedProfilesCiphersKnown(t *testing.T) {
	for typ, spec := range tlsProfiles {
		_, _, unknown := splitCiphers(spec.Ciphers)
		if len(unknown) > 0 && !(typ == operatorv1.TLSProfileOldType && slices.Equal(unknown, []string{"DES-CBC3-SHA"})) {
			t.Errorf("profile %s: unknown ciphers %q", typ, unknown)
		}
		spec := operatorv1.IngressControllerSpec{TLSSecurityProfile: &operatorv1.TLSSecurityProfile{Type: typ}}
		if ignored := ignoredFields(&spec); len(ignored) > 0 {
			t.Errorf("profile %s: reported %q", typ, ignored)
		}
	}
}

func TestDurationEnv(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second: "30s", 1500 * time.Millisecond: "1500ms", 500 * time.Microsecond: "500us",
		1500 * time.Microsecond: "1500us", 100 * time.Nanosecond: "1us", time.Hour: "3600s",
	} {
		if got := durationEnv(d); got != want {
			t.Errorf("durationEnv(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestHeaderBuffers(t *testing.T) {
	for _, tc := range []struct {
		name              string
		buf, rewrite      int32
		wantBuf, wantRewr int
		ignored           int
	}{
		{name: "unset"},
		{name: "in range", buf: 65536, rewrite: 16384, wantBuf: 65536, wantRewr: 16384},
		{name: "above the routers' range: their default", buf: 2 << 20, ignored: 1},
		{name: "rewrite above its range", buf: 1 << 20, rewrite: 600000, wantBuf: 1 << 20, ignored: 1},
		{name: "rewrite not less than the default buffer left in force", buf: 4 << 20, rewrite: 40000, ignored: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := headerBuffers(&operatorv1.IngressControllerTuningOptions{HeaderBufferBytes: tc.buf, HeaderBufferMaxRewriteBytes: tc.rewrite})
			if b.buf != tc.wantBuf || b.rewrite != tc.wantRewr || len(b.ignored) != tc.ignored {
				t.Errorf("headerBuffers = %d, %d, %q; want %d, %d and %d ignored", b.buf, b.rewrite, b.ignored, tc.wantBuf, tc.wantRewr, tc.ignored)
			}
			env := map[string]string{}
			if b.buf > 0 {
				env[names.EnvRouterBufSize] = strconv.Itoa(b.buf)
			}
			if b.rewrite > 0 {
				env[names.EnvRouterMaxRewriteSize] = strconv.Itoa(b.rewrite)
			}
			c := config.Defaults()
			if err := c.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
				t.Errorf("the router refuses %v: %v", env, err)
			}
		})
	}
}
