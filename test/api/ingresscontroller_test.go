package api

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/localcluster"
)

type icMod func(*operatorv1.IngressController)

func newIC(ns, name string, mods ...icMod) *operatorv1.IngressController {
	ic := &operatorv1.IngressController{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	for _, m := range mods {
		m(ic)
	}
	return ic
}

func icSpec(f func(*operatorv1.IngressControllerSpec)) icMod {
	return func(ic *operatorv1.IngressController) { f(&ic.Spec) }
}
func icName(n string) icMod { return func(ic *operatorv1.IngressController) { ic.Name = n } }
func icDomain(d string) icMod {
	return func(ic *operatorv1.IngressController) { ic.Spec.Domain = d }
}
func icReplicas(n int32) icMod {
	return func(ic *operatorv1.IngressController) { ic.Spec.Replicas = ptr.To(n) }
}

// icStrategy sets spec.endpointPublishingStrategy; typ "" removes it.
func icStrategy(typ string, mods ...func(*operatorv1.EndpointPublishingStrategy)) icMod {
	return func(ic *operatorv1.IngressController) {
		ic.Spec.EndpointPublishingStrategy = nil
		if typ != "" {
			ic.Spec.EndpointPublishingStrategy = strategy(typ, mods...)
		}
	}
}

func strategy(typ string, mods ...func(*operatorv1.EndpointPublishingStrategy)) *operatorv1.EndpointPublishingStrategy {
	s := &operatorv1.EndpointPublishingStrategy{Type: operatorv1.EndpointPublishingStrategyType(typ)}
	for _, m := range mods {
		m(s)
	}
	return s
}

func hostPorts(http, https, stats int32) func(*operatorv1.EndpointPublishingStrategy) {
	return func(s *operatorv1.EndpointPublishingStrategy) {
		s.HostNetwork = &operatorv1.HostNetworkStrategy{HTTPPort: http, HTTPSPort: https, StatsPort: stats}
	}
}
func loadBalancer(ranges ...operatorv1.CIDR) func(*operatorv1.EndpointPublishingStrategy) {
	return func(s *operatorv1.EndpointPublishingStrategy) {
		s.LoadBalancer = &operatorv1.LoadBalancerStrategy{Scope: operatorv1.ExternalLoadBalancer, AllowedSourceRanges: ranges}
	}
}
func nodePort(s *operatorv1.EndpointPublishingStrategy) { s.NodePort = &operatorv1.NodePortStrategy{} }

func icTuning(f func(*operatorv1.IngressControllerTuningOptions)) icMod {
	return func(ic *operatorv1.IngressController) {
		ic.Spec.TuningOptions = &operatorv1.IngressControllerTuningOptions{}
		f(ic.Spec.TuningOptions)
	}
}

// dur parses a Go duration; the API server sees it as the string
// metav1.Duration marshals to.
func dur(s string) *metav1.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return &metav1.Duration{Duration: d}
}

// icHeader appends a router-wide header action (dir "request" or
// "response"); value "" means Delete.
func icHeader(dir, name, value string) icMod {
	return func(ic *operatorv1.IngressController) {
		s := &ic.Spec
		if s.HTTPHeaders == nil {
			s.HTTPHeaders = &operatorv1.IngressControllerHTTPHeaders{Actions: &operatorv1.IngressControllerHTTPHeaderActions{}}
		}
		h := operatorv1.IngressControllerHTTPHeader{Name: name, Action: operatorv1.IngressControllerHTTPHeaderActionUnion{Type: operatorv1.Delete}}
		if value != "" {
			h.Action = operatorv1.IngressControllerHTTPHeaderActionUnion{Type: operatorv1.Set, Set: &operatorv1.IngressControllerSetHTTPHeader{Value: value}}
		}
		if dir == "request" {
			s.HTTPHeaders.Actions.Request = append(s.HTTPHeaders.Actions.Request, h)
		} else {
			s.HTTPHeaders.Actions.Response = append(s.HTTPHeaders.Actions.Response, h)
		}
	}
}

func icLogging(dest operatorv1.LoggingDestination) icMod {
	return func(ic *operatorv1.IngressController) {
		ic.Spec.Logging = &operatorv1.IngressControllerLogging{Access: &operatorv1.AccessLogging{Destination: dest}}
	}
}

// syslogAt sends access logs to a syslog endpoint at address, port 514.
func syslogAt(address string) icMod {
	return icLogging(operatorv1.LoggingDestination{Type: operatorv1.SyslogLoggingDestinationType,
		Syslog: &operatorv1.SyslogLoggingDestinationParameters{Address: address, Port: 514}})
}

// tlsGroups is a Custom profile (TLS 1.2, one cipher) with these groups.
func tlsGroups(groups ...operatorv1.TLSGroup) icMod {
	return icSpec(func(s *operatorv1.IngressControllerSpec) {
		s.TLSSecurityProfile = &operatorv1.TLSSecurityProfile{Type: operatorv1.TLSProfileCustomType,
			Custom: &operatorv1.CustomTLSProfile{TLSProfileSpec: operatorv1.TLSProfileSpec{MinTLSVersion: operatorv1.VersionTLS12,
				Ciphers: []string{"ECDHE-RSA-AES128-GCM-SHA256"}, Groups: groups}}}
	})
}

// replicas prints spec.replicas for a failure message.
func replicas(r *int32) string {
	if r == nil {
		return "unset"
	}
	return strconv.Itoa(int(*r))
}

// icCheck inspects an IngressController the API accepted.
type icCheck func(t *testing.T, ic *operatorv1.IngressController)

func wantICDefaults(t *testing.T, ic *operatorv1.IngressController) {
	t.Helper()
	s := ic.Spec
	// The operator writes replicas, counting the nodes; the API leaves it.
	if s.Replicas != nil {
		t.Errorf("spec.replicas = %s, want unset", replicas(s.Replicas))
	}
	if s.HTTPEmptyRequestsPolicy != operatorv1.HTTPEmptyRequestsPolicyRespond {
		t.Errorf("spec.httpEmptyRequestsPolicy = %q, want Respond", s.HTTPEmptyRequestsPolicy)
	}
	if s.IdleConnectionTerminationPolicy != operatorv1.IngressControllerConnectionTerminationPolicyImmediate {
		t.Errorf("spec.idleConnectionTerminationPolicy = %q, want Immediate", s.IdleConnectionTerminationPolicy)
	}
	if s.ClosedClientConnectionPolicy != operatorv1.IngressControllerClosedClientConnectionPolicyContinue {
		t.Errorf("spec.closedClientConnectionPolicy = %q, want Continue", s.ClosedClientConnectionPolicy)
	}
	// No defaults: the operator picks the domain, strategy and error pages
	// and reports them in status.
	if s.Domain != "" || s.EndpointPublishingStrategy != nil || s.HTTPErrorCodePages != nil || s.TuningOptions != nil {
		t.Errorf("spec = %+v, want no domain, endpointPublishingStrategy, httpErrorCodePages or tuningOptions", s)
	}
}

func wantHostPorts(http, https, stats int32) icCheck {
	return func(t *testing.T, ic *operatorv1.IngressController) {
		t.Helper()
		eps := ic.Spec.EndpointPublishingStrategy
		if eps == nil || eps.HostNetwork == nil {
			t.Fatalf("spec.endpointPublishingStrategy = %+v, want hostNetwork", eps)
		}
		if h := eps.HostNetwork; h.HTTPPort != http || h.HTTPSPort != https || h.StatsPort != stats {
			t.Errorf("hostNetwork = %+v, want ports %d/%d/%d", *h, http, https, stats)
		}
	}
}

func TestIngressControllerCreate(t *testing.T) {
	ns := newNamespace(t, "ic-create")
	ctx := context.Background()
	name47 := "r" + strings.Repeat("x", 46)
	label60 := strings.Repeat("d", 60)
	cases := []struct {
		name    string
		mods    []icMod
		wantErr string // empty: accepted
		checks  []icCheck
	}{
		// Defaults and valid values.
		{name: "minimal", checks: []icCheck{wantICDefaults}},
		{name: "replicas-zero", mods: []icMod{icReplicas(0)}, checks: []icCheck{func(t *testing.T, ic *operatorv1.IngressController) {
			if ic.Spec.Replicas == nil || *ic.Spec.Replicas != 0 {
				t.Errorf("spec.replicas = %s, want 0 kept", replicas(ic.Spec.Replicas))
			}
		}}},
		{name: "hostnetwork-defaults", mods: []icMod{icStrategy("HostNetwork", hostPorts(0, 0, 0))}, checks: []icCheck{wantHostPorts(80, 443, 1936)}},
		{name: "hostnetwork-custom", mods: []icMod{icStrategy("HostNetwork", hostPorts(8080, 8443, 0))}, checks: []icCheck{wantHostPorts(8080, 8443, 1936)}},
		{name: "loadbalancer", mods: []icMod{icStrategy("LoadBalancerService", loadBalancer("10.0.0.0/8", "fd00::/8"))},
			checks: []icCheck{func(t *testing.T, ic *operatorv1.IngressController) {
				eps := ic.Spec.EndpointPublishingStrategy
				if eps == nil || eps.LoadBalancer == nil {
					t.Fatalf("spec.endpointPublishingStrategy = %+v, want loadBalancer", eps)
				}
				if lb := eps.LoadBalancer; lb.DNSManagementPolicy != operatorv1.ManagedLoadBalancerDNS || len(lb.AllowedSourceRanges) != 2 {
					t.Errorf("loadBalancer = %+v, want dnsManagementPolicy Managed and 2 source ranges", lb)
				}
			}}},
		{name: "domain", mods: []icMod{icDomain("apps.example.com")}},
		{name: "selectors", mods: []icMod{icSpec(func(s *operatorv1.IngressControllerSpec) {
			s.RouteSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"shard": "a"}, MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "env", Operator: metav1.LabelSelectorOpIn, Values: []string{"prod"}}, {Key: "tier", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"x", "y"}},
				{Key: "public", Operator: metav1.LabelSelectorOpExists}, {Key: "legacy", Operator: metav1.LabelSelectorOpDoesNotExist}}}
			s.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": "web"}}
		})}},
		{name: "unique-id-okd-format", mods: []icMod{icSpec(func(s *operatorv1.IngressControllerSpec) {
			s.HTTPHeaders = &operatorv1.IngressControllerHTTPHeaders{UniqueId: &operatorv1.IngressControllerHTTPUniqueIdHeaderPolicy{
				Name: "X-Request-Id", Format: "%{+X}o %ci:%cp_%fi:%fp_%Ts_%rt:%pid"}}
		})}},
		{name: name47, mods: []icMod{icDomain("apps.example.com")}},
		// OKD manifests OKD's API takes.
		{name: "1shard"},
		{name: "okd-syslog-hostname", mods: []icMod{syslogAt("rsyslog.logging.svc.cluster.local")}},
		{name: "okd-syslog-ipv6", mods: []icMod{syslogAt("2001:db8::5")}},
		{name: "okd-health-check-below-1s", mods: []icMod{icTuning(func(o *operatorv1.IngressControllerTuningOptions) { o.HealthCheckInterval = dur("500ms") })}},
		{name: "okd-tls-profile-other-member", mods: []icMod{icSpec(func(s *operatorv1.IngressControllerSpec) {
			s.TLSSecurityProfile = &operatorv1.TLSSecurityProfile{Type: operatorv1.TLSProfileOldType, Custom: &operatorv1.CustomTLSProfile{
				TLSProfileSpec: operatorv1.TLSProfileSpec{MinTLSVersion: operatorv1.VersionTLS12, Ciphers: []string{"AES128-SHA"}}}}
		})}},
		{name: "okd-capture-cookie-both-names", mods: []icMod{icSpec(func(s *operatorv1.IngressControllerSpec) {
			s.Logging = &operatorv1.IngressControllerLogging{Access: &operatorv1.AccessLogging{
				Destination: operatorv1.LoggingDestination{Type: operatorv1.ContainerLoggingDestinationType},
				HTTPCaptureCookies: []operatorv1.IngressControllerCaptureHTTPCookie{{MatchType: operatorv1.CookieMatchTypeExact,
					Name: "a", NamePrefix: "b", MaxLength: 10}}}}
		})}},
		{name: "tuning", mods: []icMod{icTuning(func(o *operatorv1.IngressControllerTuningOptions) {
			o.HeaderBufferBytes, o.HeaderBufferMaxRewriteBytes, o.ThreadCount, o.MaxConnections = 16384, 8192, 64, -1
			o.ClientTimeout, o.TunnelTimeout, o.HealthCheckInterval, o.HTTPKeepAliveTimeout = dur("1m30s"), dur("596h"), dur("1s"), dur("15m")
		})}},
		{name: "logging-container", mods: []icMod{icLogging(operatorv1.LoggingDestination{Type: operatorv1.ContainerLoggingDestinationType})},
			checks: []icCheck{func(t *testing.T, ic *operatorv1.IngressController) {
				if l := ic.Spec.Logging; l == nil || l.Access == nil || l.Access.LogEmptyRequests != operatorv1.LoggingPolicyLog {
					t.Errorf("spec.logging = %+v, want access.logEmptyRequests Log", l)
				}
			}}},
		{name: "headers", mods: []icMod{icHeader("request", "X-Forwarded-Client-Cert", "%{+Q}[ssl_c_der,base64]"),
			icHeader("request", "X-Host", "%[req.hdr(host),lower]"), icHeader("request", "X-Remove", ""),
			icHeader("response", "X-Server", "%[res.hdr(server)]"), icHeader("response", "X-Percent", "100%%")}},

		// Names and domains.
		{name: "-router", wantErr: "metadata.name must be a DNS label"},
		{name: "a.b", wantErr: "metadata.name must be a DNS label"},
		{name: name47 + "x", wantErr: "of at most 47 characters"},
		{name: "domain-uppercase", mods: []icMod{icDomain("Apps.example.com")}, wantErr: "domain must be a DNS subdomain"},
		{name: "domain-underscore", mods: []icMod{icDomain("apps_1.example.com")}, wantErr: "domain must be a DNS subdomain"},
		{name: "domain-long-label", mods: []icMod{icDomain(strings.Repeat("a", 64) + ".example.com")}, wantErr: "each label of domain must be at most 63 characters"},
		{name: "domain-too-long", mods: []icMod{icDomain(strings.Repeat(label60+".", 4) + "example.com")}, wantErr: "spec.domain: Too long"},
		{name: "canonical-too-long", mods: []icMod{icName("c" + name47[1:]), icDomain(strings.Repeat(label60+".", 3) + "example.example.com")},
			wantErr: "(the router's canonical hostname) must be at most 253 characters"},
		{name: "replicas-negative", mods: []icMod{icReplicas(-1)}, wantErr: "spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0"},

		// Endpoint publishing strategies.
		{name: "strategy-bogus", mods: []icMod{icStrategy("Bogus")}, wantErr: `spec.endpointPublishingStrategy.type: Unsupported value: "Bogus"`},
		{name: "hostnetwork-http-eq-https", mods: []icMod{icStrategy("HostNetwork", hostPorts(8443, 8443, 0))},
			wantErr: "httpPort, httpsPort and statsPort must all differ"},
		{name: "hostnetwork-http-eq-default-stats", mods: []icMod{icStrategy("HostNetwork", hostPorts(1936, 0, 0))},
			wantErr: "httpPort, httpsPort and statsPort must all differ"},
		{name: "hostnetwork-port-range", mods: []icMod{icStrategy("HostNetwork", hostPorts(70000, 0, 0))},
			wantErr: "spec.endpointPublishingStrategy.hostNetwork.httpPort in body should be less than or equal to 65535"},
		{name: "private-with-hostnetwork", mods: []icMod{icStrategy("Private", hostPorts(0, 0, 0))},
			wantErr: "hostNetwork may only be set when type is HostNetwork"},
		{name: "loadbalancer-with-nodeport", mods: []icMod{icStrategy("LoadBalancerService", nodePort)},
			wantErr: "nodePort may only be set when type is NodePortService"},
		{name: "nodeport-with-loadbalancer", mods: []icMod{icStrategy("NodePortService", loadBalancer())},
			wantErr: "loadBalancer may only be set when type is LoadBalancerService"},
		{name: "cidr-no-prefix", mods: []icMod{icStrategy("LoadBalancerService", loadBalancer("10.0.0.1"))},
			wantErr: "must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8 or fd00::/8"},
		{name: "cidr-host-bits", mods: []icMod{icStrategy("LoadBalancerService", loadBalancer("10.0.0.1/8"))},
			wantErr: "must not have bits set beyond the prefix length"},
		{name: "cidr-host-bits-v6", mods: []icMod{icStrategy("LoadBalancerService", loadBalancer("fd00::1/8"))},
			wantErr: "must not have bits set beyond the prefix length"},
		{name: "cidr-bad-octet", mods: []icMod{icStrategy("LoadBalancerService", loadBalancer("10.0.0.300/8"))},
			wantErr: `allowedSourceRanges[0]: Invalid value: "10.0.0.300/8": must be an IPv4 or IPv6 CIDR`},

		// Tuning options.
		{name: "threads-too-many", mods: []icMod{icTuning(func(o *operatorv1.IngressControllerTuningOptions) { o.ThreadCount = 65 })},
			wantErr: "spec.tuningOptions.threadCount in body should be less than or equal to 64"},
		{name: "header-buffer-small", mods: []icMod{icTuning(func(o *operatorv1.IngressControllerTuningOptions) { o.HeaderBufferBytes = 8192 })},
			wantErr: "spec.tuningOptions.headerBufferBytes in body should be greater than or equal to 16384"},
		{name: "rewrite-eq-buffer", mods: []icMod{icTuning(func(o *operatorv1.IngressControllerTuningOptions) {
			o.HeaderBufferBytes, o.HeaderBufferMaxRewriteBytes = 16384, 16384
		})}, wantErr: "headerBufferMaxRewriteBytes must be less than headerBufferBytes"},
		{name: "rewrite-above-default-buffer", mods: []icMod{icTuning(func(o *operatorv1.IngressControllerTuningOptions) { o.HeaderBufferMaxRewriteBytes = 32768 })},
			wantErr: "headerBufferMaxRewriteBytes must be less than headerBufferBytes"},
		{name: "max-connections", mods: []icMod{icTuning(func(o *operatorv1.IngressControllerTuningOptions) { o.MaxConnections = 1999 })},
			wantErr: "maxConnections must be 0, -1, or between 2000 and 2000000"},
		{name: "timeout-negative", mods: []icMod{icTuning(func(o *operatorv1.IngressControllerTuningOptions) { o.ClientTimeout = dur("-1s") })},
			wantErr: "spec.tuningOptions.clientTimeout in body should match"},
		{name: "timeout-too-long", mods: []icMod{icTuning(func(o *operatorv1.IngressControllerTuningOptions) { o.ServerTimeout = dur("597h") })},
			wantErr: "serverTimeout must be at most 2147483647ms"},
		{name: "health-check-too-long", mods: []icMod{icTuning(func(o *operatorv1.IngressControllerTuningOptions) { o.HealthCheckInterval = dur("597h") })},
			wantErr: "healthCheckInterval must be at most 2147483647ms"},
		{name: "keepalive-too-long", mods: []icMod{icTuning(func(o *operatorv1.IngressControllerTuningOptions) { o.HTTPKeepAliveTimeout = dur("16m") })},
			wantErr: "httpKeepAliveTimeout must be between 1ms and 15m"},

		// Header actions.
		{name: "header-sample-not-allowed", mods: []icMod{icHeader("request", "X-A", "%[src]")}, wantErr: "a request header value must be text without control characters"},
		{name: "header-response-fetch-in-request", mods: []icMod{icHeader("request", "X-A", "%[res.hdr(server)]")},
			wantErr: "a request header value must be text without control characters"},
		{name: "header-request-fetch-in-response", mods: []icMod{icHeader("response", "X-A", "%[req.hdr(host)]")},
			wantErr: "a response header value must be text without control characters"},
		{name: "header-lone-percent", mods: []icMod{icHeader("response", "X-A", "100%")}, wantErr: "(%% is a literal %)"},
		{name: "header-newline", mods: []icMod{icHeader("request", "X-A", "a\r\nX-Injected: 1")}, wantErr: "a request header value must be text without control characters"},
		{name: "header-host", mods: []icMod{icHeader("request", "host", "x")}, wantErr: "Strict-Transport-Security, Proxy, Host, Cookie and Set-Cookie may not be changed by header actions"},
		{name: "header-name-space", mods: []icMod{icHeader("request", "X A", "")}, wantErr: "spec.httpHeaders.actions.request[0].name in body should match"},
		{name: "header-set-without-value", mods: []icMod{icHeader("request", "X-A", ""), func(ic *operatorv1.IngressController) {
			ic.Spec.HTTPHeaders.Actions.Request[0].Action.Type = operatorv1.Set
		}}, wantErr: "set is required when type is Set, and forbidden otherwise"},
		{name: "header-duplicate", mods: []icMod{icHeader("request", "X-A", ""), icHeader("request", "X-A", "b")},
			wantErr: `spec.httpHeaders.actions.request[1]: Duplicate value: {"name":"X-A"}`},

		// Other sub-structures.
		{name: "client-tls-without-ca", mods: []icMod{icSpec(func(s *operatorv1.IngressControllerSpec) {
			s.ClientTLS = &operatorv1.ClientTLS{ClientCertificatePolicy: operatorv1.ClientCertificatePolicyRequired}
		})}, wantErr: "clientCA.name is required when clientCertificatePolicy is set"},
		{name: "tls-profile-custom-no-ciphers", mods: []icMod{icSpec(func(s *operatorv1.IngressControllerSpec) {
			s.TLSSecurityProfile = &operatorv1.TLSSecurityProfile{Type: operatorv1.TLSProfileCustomType,
				Custom: &operatorv1.CustomTLSProfile{TLSProfileSpec: operatorv1.TLSProfileSpec{MinTLSVersion: operatorv1.VersionTLS12}}}
		})}, wantErr: "type Custom needs custom.ciphers with at least one cipher"},
		{name: "okd-configuration-management", mods: []icMod{icTuning(func(o *operatorv1.IngressControllerTuningOptions) {
			o.ConfigurationManagement = operatorv1.IngressControllerConfigurationManagementDynamic
		})}},
		{name: "configuration-management-unknown", mods: []icMod{icTuning(func(o *operatorv1.IngressControllerTuningOptions) {
			o.ConfigurationManagement = "Hot"
		})}, wantErr: `spec.tuningOptions.configurationManagement: Unsupported value: "Hot"`},
		{name: "okd-tls-profile-groups", mods: []icMod{tlsGroups("X25519MLKEM768", "X25519", "secp256r1", "secp384r1", "secp521r1",
			"SecP256r1MLKEM768", "SecP384r1MLKEM1024")}},
		{name: "tls-profile-groups-unknown", mods: []icMod{tlsGroups("X25519", "P-256")},
			wantErr: `spec.tlsSecurityProfile.custom.groups[1]: Unsupported value: "P-256"`},
		{name: "tls-profile-groups-twice", mods: []icMod{tlsGroups("X25519", "X25519")},
			wantErr: `spec.tlsSecurityProfile.custom.groups[1]: Duplicate value: "X25519"`},
		{name: "route-selector-in-without-values", mods: []icMod{icSpec(func(s *operatorv1.IngressControllerSpec) {
			s.RouteSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "shard", Operator: metav1.LabelSelectorOpIn}}}
		})}, wantErr: "spec.routeSelector: Invalid value: matchExpressions[].values must be set for operators In and NotIn"},
		{name: "route-selector-unknown-operator", mods: []icMod{icSpec(func(s *operatorv1.IngressControllerSpec) {
			s.RouteSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "shard", Operator: "Equals", Values: []string{"a"}}}}
		})}, wantErr: "spec.routeSelector: Invalid value: matchExpressions[].operator must be In, NotIn, Exists or DoesNotExist"},
		{name: "namespace-selector-exists-with-values", mods: []icMod{icSpec(func(s *operatorv1.IngressControllerSpec) {
			s.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "env", Operator: metav1.LabelSelectorOpIn, Values: []string{"prod"}}, {Key: "public", Operator: metav1.LabelSelectorOpExists, Values: []string{"yes"}}}}
		})}, wantErr: "spec.namespaceSelector: Invalid value: matchExpressions[].values must be set for operators In and NotIn"},
		{name: "namespace-selector-notin-empty-values", mods: []icMod{icSpec(func(s *operatorv1.IngressControllerSpec) {
			s.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: metav1.LabelSelectorOpNotIn, Values: []string{}}}}
		})}, wantErr: "matchExpressions[].values must be set for operators In and NotIn"},
		{name: "syslog-missing", mods: []icMod{icLogging(operatorv1.LoggingDestination{Type: operatorv1.SyslogLoggingDestinationType})},
			wantErr: "syslog is required when type is Syslog"},
		{name: "syslog-hostname-space", mods: []icMod{syslogAt("logs.example.com local0")},
			wantErr: "address must be an IPv4 or IPv6 address or a DNS name"},
		{name: "syslog-hostname-digits", mods: []icMod{syslogAt("300.1.1.1")},
			wantErr: "address must be an IPv4 or IPv6 address or a DNS name"},
		{name: "syslog-hostname-empty-label", mods: []icMod{syslogAt("logs..example.com")},
			wantErr: "address must be an IPv4 or IPv6 address or a DNS name"},
		{name: "compression-bad-mime", mods: []icMod{icSpec(func(s *operatorv1.IngressControllerSpec) {
			s.HTTPCompression = &operatorv1.HTTPCompressionPolicy{MimeTypes: []operatorv1.CompressionMIMEType{"text/html", "foo/bar"}}
		})}, wantErr: "spec.httpCompression.mimeTypes[1] in body should match"},
		{name: "empty-requests-bogus", mods: []icMod{icSpec(func(s *operatorv1.IngressControllerSpec) { s.HTTPEmptyRequestsPolicy = "Drop" })},
			wantErr: `spec.httpEmptyRequestsPolicy: Unsupported value: "Drop"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ic := newIC(ns, tc.name, tc.mods...)
			err := cluster.Client.Create(ctx, ic)
			if tc.wantErr != "" {
				wantError(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("rejected: %v", err)
			}
			var got operatorv1.IngressController
			must(t, cluster.Client.Get(ctx, client.ObjectKeyFromObject(ic), &got))
			for _, c := range tc.checks {
				c(t, &got)
			}
		})
	}
}

// wantError fails unless err is an API error whose text contains want.
func wantError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want an error containing %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not contain %q", err, want)
	}
}

// An object without any spec, as `kubectl create -f` sends it from a
// manifest with only metadata, still gets the spec defaults.
func TestIngressControllerDefaultsWithoutSpec(t *testing.T) {
	ns := newNamespace(t, "ic-nospec")
	ctx := context.Background()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(operatorv1.GroupVersion.WithKind("IngressController"))
	u.SetNamespace(ns)
	u.SetName("nospec")
	must(t, cluster.Client.Create(ctx, u))
	if _, found, _ := unstructured.NestedFieldNoCopy(u.Object, "spec"); !found {
		t.Fatalf("created object has no spec: %v", u.Object)
	}
	var got operatorv1.IngressController
	must(t, cluster.Client.Get(ctx, client.ObjectKeyFromObject(u), &got))
	wantICDefaults(t, &got)
}

func TestIngressControllerUpdate(t *testing.T) {
	ns := newNamespace(t, "ic-update")
	ctx := context.Background()
	statusDomain := func(d string) func(*operatorv1.IngressControllerStatus) {
		return func(s *operatorv1.IngressControllerStatus) { s.Domain = d }
	}
	statusStrategy := func(typ string, mods ...func(*operatorv1.EndpointPublishingStrategy)) func(*operatorv1.IngressControllerStatus) {
		return func(s *operatorv1.IngressControllerStatus) { s.EndpointPublishingStrategy = strategy(typ, mods...) }
	}
	const (
		domainImmutable   = "spec.domain: Invalid value: domain is immutable"
		domainAdded       = "spec.domain: Invalid value: spec.domain may only be added with the domain already in use (status.domain)"
		strategyImmutable = "spec.endpointPublishingStrategy: Invalid value: endpointPublishingStrategy.type is immutable and cannot be removed"
		strategyAdded     = "spec.endpointPublishingStrategy.type: Invalid value: spec.endpointPublishingStrategy may only be added with the type already in use (status.endpointPublishingStrategy.type)"
	)
	cases := []struct {
		name    string
		create  []icMod
		status  func(*operatorv1.IngressControllerStatus) // written through the status subresource first
		update  icMod
		wantErr string
	}{
		{name: "domain-change", create: []icMod{icDomain("a.example.com")}, update: icDomain("b.example.com"), wantErr: domainImmutable},
		{name: "domain-remove", create: []icMod{icDomain("a.example.com")}, update: icDomain(""), wantErr: domainImmutable},
		{name: "domain-kept", create: []icMod{icDomain("a.example.com")}, update: icReplicas(5)},
		{name: "domain-added-before-status", update: icDomain("a.example.com")},
		{name: "domain-added-as-status", status: statusDomain("apps.example.com"), update: icDomain("apps.example.com")},
		{name: "domain-added-differs", status: statusDomain("apps.example.com"), update: icDomain("other.example.com"), wantErr: domainAdded},
		{name: "strategy-change", create: []icMod{icStrategy("HostNetwork")}, update: icStrategy("Private"), wantErr: strategyImmutable},
		{name: "strategy-remove", create: []icMod{icStrategy("NodePortService")}, update: icStrategy(""), wantErr: strategyImmutable},
		{name: "strategy-params-change", create: []icMod{icStrategy("HostNetwork")}, update: icStrategy("HostNetwork", hostPorts(8080, 0, 0))},
		{name: "strategy-added-before-status", update: icStrategy("Private")},
		{name: "strategy-added-as-status", status: statusStrategy("NodePortService"), update: icStrategy("NodePortService")},
		{name: "strategy-added-differs", status: statusStrategy("LoadBalancerService", loadBalancer()), update: icStrategy("HostNetwork"), wantErr: strategyAdded},
		{name: "ports-collide", create: []icMod{icStrategy("HostNetwork")}, update: icStrategy("HostNetwork", hostPorts(443, 0, 0)),
			wantErr: "httpPort, httpsPort and statsPort must all differ"},
		{name: "replicas-negative", update: icReplicas(-3), wantErr: "should be greater than or equal to 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ic := newIC(ns, tc.name, tc.create...)
			must(t, cluster.Client.Create(ctx, ic))
			if tc.status != nil {
				tc.status(&ic.Status)
				must(t, cluster.Client.Status().Update(ctx, ic))
			}
			tc.update(ic)
			err := cluster.Client.Update(ctx, ic)
			if tc.wantErr != "" {
				wantError(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("rejected: %v", err)
			}
		})
	}
}

// The scale subresource is what `kubectl scale` and a HorizontalPodAutoscaler use.
func TestIngressControllerScale(t *testing.T) {
	ns := newNamespace(t, "ic-scale")
	ctx := context.Background()
	ic := newIC(ns, "scaled")
	ic.Spec.Replicas = ptr.To[int32](2) // as the operator writes it
	must(t, cluster.Client.Create(ctx, ic))

	scale := &autoscalingv1.Scale{}
	must(t, cluster.Client.SubResource("scale").Get(ctx, ic, scale))
	if scale.Spec.Replicas != 2 || scale.Status.Replicas != 0 || scale.Status.Selector != "" {
		t.Fatalf("scale of a new IngressController = spec %+v status %+v, want 2 replicas, none available, no selector", scale.Spec, scale.Status)
	}

	scale.Spec.Replicas = 3
	must(t, cluster.Client.SubResource("scale").Update(ctx, ic, client.WithSubResourceBody(scale)))
	must(t, cluster.Client.Get(ctx, client.ObjectKeyFromObject(ic), ic))
	if ic.Spec.Replicas == nil || *ic.Spec.Replicas != 3 {
		t.Fatalf("after scaling to 3, spec.replicas = %s", replicas(ic.Spec.Replicas))
	}

	const selector = "ingresscontroller.operator.openshift.io/deployment-ingresscontroller=scaled"
	ic.Status.AvailableReplicas, ic.Status.Selector = 3, selector
	ic.Status.Domain, ic.Status.EndpointPublishingStrategy = "apps.scaled.example", strategy("HostNetwork")
	must(t, cluster.Client.Status().Update(ctx, ic))
	must(t, cluster.Client.SubResource("scale").Get(ctx, ic, scale))
	if scale.Spec.Replicas != 3 || scale.Status.Replicas != 3 || scale.Status.Selector != selector {
		t.Fatalf("scale = spec %+v status %+v, want 3 replicas, 3 available, selector %q", scale.Spec, scale.Status, selector)
	}

	scale.Spec.Replicas = -1
	wantError(t, cluster.Client.SubResource("scale").Update(ctx, ic, client.WithSubResourceBody(scale)), "spec.replicas in body should be greater than or equal to 0")

	// The same through kubectl, as DESIGN.md promises OKD users.
	kubectl := newKubectl(t)
	if out, err := kubectl("scale", "ingresscontroller/scaled", "-n", ns, "--replicas=4"); err != nil {
		t.Fatalf("kubectl scale: %v\n%s", err, out)
	}
	must(t, cluster.Client.Get(ctx, client.ObjectKeyFromObject(ic), ic))
	if ic.Spec.Replicas == nil || *ic.Spec.Replicas != 4 {
		t.Fatalf("after kubectl scale --replicas=4, spec.replicas = %s", replicas(ic.Spec.Replicas))
	}
	out, err := kubectl("get", "ingresscontroller", "scaled", "-n", ns)
	if err != nil {
		t.Fatalf("kubectl get: %v\n%s", err, out)
	}
	wantTable(t, out, "NAME DOMAIN STRATEGY REPLICAS AVAILABLE AGE", "scaled apps.scaled.example HostNetwork 4 3")
}

// wantTable checks the header of `kubectl get` output and the start of its
// only row, comparing whitespace-separated fields.
func wantTable(t *testing.T, out, header, row string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != header ||
		!strings.HasPrefix(strings.Join(strings.Fields(lines[1]), " ")+" ", row+" ") {
		t.Fatalf("kubectl get printed\n%s\nwant the header %q and a row starting %q", out, header, row)
	}
}

// crd reads a CustomResourceDefinition as the API server serves it.
func crd(t *testing.T, name string) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	s := runtime.NewScheme()
	must(t, apiextensionsv1.AddToScheme(s))
	c, err := client.New(cluster.Config, client.Options{Scheme: s})
	must(t, err)
	out := &apiextensionsv1.CustomResourceDefinition{}
	must(t, c.Get(context.Background(), client.ObjectKey{Name: name}, out))
	return out
}

func TestPrinterColumns(t *testing.T) {
	cases := []struct {
		crd  string
		want [][2]string // name, JSONPath, in order
	}{
		{crd: "ingresscontrollers.operator.openshift.io", want: [][2]string{
			{"DOMAIN", ".status.domain"},
			{"STRATEGY", ".status.endpointPublishingStrategy.type"},
			{"REPLICAS", ".spec.replicas"},
			{"AVAILABLE", ".status.availableReplicas"},
			{"AGE", ".metadata.creationTimestamp"},
		}},
		{crd: "routes.route.openshift.io", want: [][2]string{
			{"HOST/PORT", ".spec.host"},
			{"PATH", ".spec.path"},
			{"SERVICES", ".spec.to.name"},
			{"PORT", ".spec.port.targetPort"},
			{"TERMINATION", ".spec.tls.termination"},
			{"WILDCARD", ".spec.wildcardPolicy"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.crd, func(t *testing.T) {
			if tc.crd == "routes.route.openshift.io" && cluster.RouteAPI != localcluster.RouteAPICRD {
				t.Skip("the Route API server prints the columns itself: see kubectl-get-routes")
			}
			got := crd(t, tc.crd)
			if len(got.Spec.Versions) != 1 {
				t.Fatalf("%d versions, want 1", len(got.Spec.Versions))
			}
			var cols []apiextensionsv1.CustomResourceColumnDefinition
			for _, c := range got.Spec.Versions[0].AdditionalPrinterColumns {
				if c.Priority == 0 { // the columns `kubectl get` shows without -o wide
					cols = append(cols, c)
				}
			}
			if len(cols) != len(tc.want) {
				t.Fatalf("default columns = %+v, want %v", cols, tc.want)
			}
			for i, w := range tc.want {
				if !strings.EqualFold(cols[i].Name, w[0]) || cols[i].JSONPath != w[1] {
					t.Errorf("column %d = %s %s, want %s %s", i, cols[i].Name, cols[i].JSONPath, w[0], w[1])
				}
			}
		})
	}

	// What `oc get routes` shows on OKD.
	t.Run("kubectl-get-routes", func(t *testing.T) {
		ns := newNamespace(t, "printer")
		must(t, cluster.Client.Create(context.Background(), newRoute(ns, "web", path("/api"), targetPort(intstr.FromString("http")), tls("edge"))))
		out, err := newKubectl(t)("get", "routes", "-n", ns)
		if err != nil {
			t.Fatalf("kubectl get routes: %v\n%s", err, out)
		}
		wantTable(t, out, "NAME HOST/PORT PATH SERVICES PORT TERMINATION WILDCARD", "web web.example.com /api frontend http edge None")
	})
}
