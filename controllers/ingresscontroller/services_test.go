package ingresscontroller

import (
	"maps"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

var (
	svcHTTP    = corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}
	svcHTTPS   = corev1.ServicePort{Name: "https", Port: 443, TargetPort: intstr.FromString("https"), Protocol: corev1.ProtocolTCP}
	svcMetrics = corev1.ServicePort{Name: "metrics", Port: 1936, TargetPort: intstr.FromString("metrics"), Protocol: corev1.ProtocolTCP}
)

func serviceLabels(ic string) map[string]string {
	return map[string]string{owningLabel: ic, "app": "router", "router": "router-" + ic}
}

func TestDesiredServices(t *testing.T) {
	for _, tc := range []struct {
		name     string
		platform Platform
		build    func(*operatorv1.IngressController, admission, Options) *corev1.Service
		mods     []icMod
		want     *corev1.Service
	}{
		{name: "internal", platform: PlatformNone,
			build: func(ic *operatorv1.IngressController, _ admission, o Options) *corev1.Service {
				return desiredInternalService(ic, o)
			},
			want: &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "router-internal-edge", Namespace: "openshift-ingress", Labels: serviceLabels("edge")},
				Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, Selector: map[string]string{deploymentLabel: "edge"},
					Ports: []corev1.ServicePort{svcHTTP, svcHTTPS, svcMetrics}}}},
		{name: "NodePort", platform: PlatformNone,
			build: func(ic *operatorv1.IngressController, _ admission, o Options) *corev1.Service {
				return desiredNodePortService(ic, o)
			},
			want: &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "router-nodeport-edge", Namespace: "openshift-ingress", Labels: serviceLabels("edge")},
				Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Selector: map[string]string{deploymentLabel: "edge"},
					Ports: []corev1.ServicePort{svcHTTP, svcHTTPS, svcMetrics}, ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyLocal}}},
		{name: "LoadBalancer External on AWS", platform: PlatformAWS, mods: []icMod{withLB(operatorv1.ExternalLoadBalancer)},
			want: lbService(awsClassicAnnotations(nil))},
		{name: "LoadBalancer by platform default on AWS", platform: PlatformAWS, want: lbService(awsClassicAnnotations(nil))},
		{name: "LoadBalancer Internal on AWS", platform: PlatformAWS, mods: []icMod{withLB(operatorv1.InternalLoadBalancer)},
			want: lbService(awsClassicAnnotations(map[string]string{"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}))},
		{name: "AWS Classic with an idle timeout and subnets", platform: PlatformAWS,
			mods: []icMod{withProvider(operatorv1.ExternalLoadBalancer, &operatorv1.ProviderLoadBalancerParameters{Type: operatorv1.AWSLoadBalancerProvider,
				AWS: &operatorv1.AWSLoadBalancerParameters{Type: operatorv1.AWSClassicLoadBalancer,
					ClassicLoadBalancerParameters: &operatorv1.AWSClassicLoadBalancerParameters{ConnectionIdleTimeout: &metav1.Duration{Duration: 90*time.Second + 400*time.Millisecond},
						Subnets: &operatorv1.AWSSubnets{Names: []operatorv1.AWSSubnetName{"public-a", "public-b"}}}}})},
			want: lbService(awsClassicAnnotations(map[string]string{
				"service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout": "90",
				"service.beta.kubernetes.io/aws-load-balancer-subnets":                 "public-a,public-b"}))},
		{name: "AWS Classic: an idle timeout under a second is one second", platform: PlatformAWS,
			mods: []icMod{withProvider(operatorv1.ExternalLoadBalancer, &operatorv1.ProviderLoadBalancerParameters{Type: operatorv1.AWSLoadBalancerProvider,
				AWS: &operatorv1.AWSLoadBalancerParameters{Type: operatorv1.AWSClassicLoadBalancer,
					ClassicLoadBalancerParameters: &operatorv1.AWSClassicLoadBalancerParameters{ConnectionIdleTimeout: &metav1.Duration{Duration: 300 * time.Millisecond}}}})},
			want: lbService(awsClassicAnnotations(map[string]string{"service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout": "1"}))},
		{name: "AWS NLB with subnets, EIPs and PROXY", platform: PlatformAWS,
			mods: []icMod{withProvider(operatorv1.ExternalLoadBalancer, awsNLB(operatorv1.ProxyProtocol, &operatorv1.AWSSubnets{
				IDs: []operatorv1.AWSSubnetID{"subnet-0123456789abcdef0"}, Names: []operatorv1.AWSSubnetName{"public-b"}},
				"eipalloc-0123456789abcdef0", "eipalloc-0123456789abcdef1"))},
			want: lbService(awsNLBAnnotations(map[string]string{
				"service.beta.kubernetes.io/aws-load-balancer-subnets":                 "subnet-0123456789abcdef0,public-b",
				"service.beta.kubernetes.io/aws-load-balancer-eip-allocations":         "eipalloc-0123456789abcdef0,eipalloc-0123456789abcdef1",
				"service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": "preserve_client_ip.enabled=false,proxy_protocol_v2.enabled=true"}))},
		{name: "AWS NLB without PROXY", platform: PlatformAWS,
			mods: []icMod{withProvider(operatorv1.InternalLoadBalancer, awsNLB(operatorv1.TCPProtocol, nil))},
			want: lbService(awsNLBAnnotations(map[string]string{"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}))},
		{name: "another cloud's parameters have no effect", platform: PlatformAWS,
			mods: []icMod{withProvider(operatorv1.ExternalLoadBalancer, &operatorv1.ProviderLoadBalancerParameters{Type: operatorv1.IBMLoadBalancerProvider,
				IBM: &operatorv1.IBMLoadBalancerParameters{Protocol: operatorv1.ProxyProtocol}})},
			want: lbService(awsClassicAnnotations(nil))},
		{name: "LoadBalancer Internal on Azure", platform: PlatformAzure, mods: []icMod{withLB(operatorv1.InternalLoadBalancer)},
			want: lbService(map[string]string{"service.beta.kubernetes.io/azure-load-balancer-internal": "true"})},
		{name: "LoadBalancer Internal on GCP", platform: PlatformGCP, mods: []icMod{withLB(operatorv1.InternalLoadBalancer)},
			want: lbService(map[string]string{"networking.gke.io/load-balancer-type": "Internal"})},
		{name: "GCP Internal with Global client access", platform: PlatformGCP,
			mods: []icMod{withProvider(operatorv1.InternalLoadBalancer, gcpAccess(operatorv1.GCPGlobalAccess))},
			want: lbService(map[string]string{"networking.gke.io/load-balancer-type": "Internal",
				"networking.gke.io/internal-load-balancer-allow-global-access": "true"})},
		{name: "GCP Internal with Local client access", platform: PlatformGCP,
			mods: []icMod{withProvider(operatorv1.InternalLoadBalancer, gcpAccess(operatorv1.GCPLocalAccess))},
			want: lbService(map[string]string{"networking.gke.io/load-balancer-type": "Internal",
				"networking.gke.io/internal-load-balancer-allow-global-access": "false"})},
		{name: "GCP client access is for internal load balancers only", platform: PlatformGCP,
			mods: []icMod{withProvider(operatorv1.ExternalLoadBalancer, gcpAccess(operatorv1.GCPGlobalAccess))},
			want: lbService(map[string]string{})},
		{name: "LoadBalancer Internal on IBMCloud", platform: PlatformIBMCloud, mods: []icMod{withLB(operatorv1.InternalLoadBalancer)},
			want: clusterTraffic(lbService(map[string]string{"service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": "private"}))},
		{name: "IBMCloud External with PROXY", platform: PlatformIBMCloud,
			mods: []icMod{withProvider(operatorv1.ExternalLoadBalancer, &operatorv1.ProviderLoadBalancerParameters{Type: operatorv1.IBMLoadBalancerProvider,
				IBM: &operatorv1.IBMLoadBalancerParameters{Protocol: operatorv1.ProxyProtocol}})},
			want: clusterTraffic(lbService(map[string]string{"service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": "public",
				"service.kubernetes.io/ibm-load-balancer-cloud-provider-enable-features": "proxy-protocol"}))},
		{name: "LoadBalancer Internal on OpenStack", platform: PlatformOpenStack, mods: []icMod{withLB(operatorv1.InternalLoadBalancer)},
			want: lbService(map[string]string{"service.beta.kubernetes.io/openstack-internal-load-balancer": "true"})},
		{name: "OpenStack floating IP", platform: PlatformOpenStack,
			mods: []icMod{withProvider(operatorv1.ExternalLoadBalancer, &operatorv1.ProviderLoadBalancerParameters{Type: operatorv1.OpenStackLoadBalancerProvider,
				OpenStack: &operatorv1.OpenStackLoadBalancerParameters{FloatingIP: "198.51.100.7"}})},
			want: func() *corev1.Service {
				s := lbService(map[string]string{})
				s.Spec.LoadBalancerIP = "198.51.100.7"
				return s
			}()},
		{name: "LoadBalancer Internal on bare metal has no annotation to set", platform: PlatformBareMetal,
			mods: []icMod{withLB(operatorv1.InternalLoadBalancer)}, want: lbService(map[string]string{})},
		{name: "allowedSourceRanges", platform: PlatformAWS,
			mods: []icMod{withLB(operatorv1.ExternalLoadBalancer, "10.0.0.0/8", "fd00::/8")},
			want: func() *corev1.Service {
				s := lbService(awsClassicAnnotations(nil))
				s.Spec.LoadBalancerSourceRanges = []string{"10.0.0.0/8", "fd00::/8"}
				return s
			}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions(tc.platform)
			ic := newIC("edge", tc.mods...)
			build := tc.build
			if build == nil {
				build = func(ic *operatorv1.IngressController, a admission, o Options) *corev1.Service {
					return desiredLoadBalancerService(ic, a.Strategy.LoadBalancer, o)
				}
			}
			got := build(ic, admitted(ic, o), o)
			if !equality.Semantic.DeepEqual(got, tc.want) {
				t.Errorf("service =\n%#v\nwant\n%#v", got, tc.want)
			}
		})
	}
}

// awsClassicAnnotations are a Classic load balancer's, with more.
func awsClassicAnnotations(more map[string]string) map[string]string {
	a := map[string]string{
		"service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval":            "5",
		"service.beta.kubernetes.io/aws-load-balancer-healthcheck-timeout":             "4",
		"service.beta.kubernetes.io/aws-load-balancer-healthcheck-healthy-threshold":   "2",
		"service.beta.kubernetes.io/aws-load-balancer-healthcheck-unhealthy-threshold": "2",
		"service.beta.kubernetes.io/aws-load-balancer-proxy-protocol":                  "*",
	}
	maps.Copy(a, more)
	return a
}

// awsNLBAnnotations are an NLB's, with more.
func awsNLBAnnotations(more map[string]string) map[string]string {
	a := awsClassicAnnotations(more)
	delete(a, "service.beta.kubernetes.io/aws-load-balancer-proxy-protocol")
	a["service.beta.kubernetes.io/aws-load-balancer-type"] = "nlb"
	a["service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval"] = "10"
	return a
}

func awsNLB(protocol operatorv1.IngressControllerProtocol, subnets *operatorv1.AWSSubnets, eips ...operatorv1.EIPAllocation) *operatorv1.ProviderLoadBalancerParameters {
	return &operatorv1.ProviderLoadBalancerParameters{Type: operatorv1.AWSLoadBalancerProvider,
		AWS: &operatorv1.AWSLoadBalancerParameters{Type: operatorv1.AWSNetworkLoadBalancer,
			NetworkLoadBalancerParameters: &operatorv1.AWSNetworkLoadBalancerParameters{Subnets: subnets, EIPAllocations: eips, Protocol: protocol}}}
}

func gcpAccess(a operatorv1.GCPClientAccess) *operatorv1.ProviderLoadBalancerParameters {
	return &operatorv1.ProviderLoadBalancerParameters{Type: operatorv1.GCPLoadBalancerProvider, GCP: &operatorv1.GCPLoadBalancerParameters{ClientAccess: a}}
}

func clusterTraffic(s *corev1.Service) *corev1.Service {
	s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	return s
}

func lbService(annotations map[string]string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "router-edge", Namespace: "openshift-ingress", Labels: serviceLabels("edge"), Annotations: annotations},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Selector: map[string]string{deploymentLabel: "edge"},
			Ports: []corev1.ServicePort{svcHTTP, svcHTTPS}, ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyLocal},
	}
}

func TestKeepNodePorts(t *testing.T) {
	withNodePort := func(p corev1.ServicePort, n int32) corev1.ServicePort { p.NodePort = n; return p }
	for _, tc := range []struct {
		name          string
		desired, live []corev1.ServicePort
		want          []corev1.ServicePort
	}{
		{name: "new Service: nothing to keep", desired: []corev1.ServicePort{svcHTTP, svcHTTPS, svcMetrics},
			want: []corev1.ServicePort{svcHTTP, svcHTTPS, svcMetrics}},
		{name: "allocated and edited node ports are kept by name",
			desired: []corev1.ServicePort{svcHTTP, svcHTTPS, svcMetrics},
			live:    []corev1.ServicePort{withNodePort(svcMetrics, 31936), withNodePort(svcHTTPS, 30443), withNodePort(svcHTTP, 30080)},
			want:    []corev1.ServicePort{withNodePort(svcHTTP, 30080), withNodePort(svcHTTPS, 30443), withNodePort(svcMetrics, 31936)}},
		{name: "a port missing from the live Service gets none",
			desired: []corev1.ServicePort{svcHTTP, svcHTTPS, svcMetrics},
			live:    []corev1.ServicePort{withNodePort(svcHTTP, 30080)},
			want:    []corev1.ServicePort{withNodePort(svcHTTP, 30080), svcHTTPS, svcMetrics}},
		{name: "a node port the operator wants wins",
			desired: []corev1.ServicePort{withNodePort(svcHTTP, 32000)},
			live:    []corev1.ServicePort{withNodePort(svcHTTP, 30080)},
			want:    []corev1.ServicePort{withNodePort(svcHTTP, 32000)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			desired := &corev1.Service{Spec: corev1.ServiceSpec{Ports: tc.desired}}
			live := &corev1.Service{Spec: corev1.ServiceSpec{Ports: tc.live}}
			keepNodePorts(desired, live)
			if !equality.Semantic.DeepEqual(desired.Spec.Ports, tc.want) {
				t.Errorf("ports = %+v, want %+v", desired.Spec.Ports, tc.want)
			}
		})
	}
}

// A metrics port the admin removed from the NodePort Service stays
// removed, as in OKD; everything else the operator owns is put back.
func TestKeepRemovedMetricsPort(t *testing.T) {
	o := testOptions(PlatformNone)
	ic := newIC("np", withStrategy(operatorv1.NodePortServiceStrategyType))
	existing := metav1.NewTime(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		name    string
		desired *corev1.Service
		live    corev1.Service
		want    []corev1.ServicePort
	}{
		{name: "new NodePort Service: all ports", desired: desiredNodePortService(ic, o),
			want: []corev1.ServicePort{svcHTTP, svcHTTPS, svcMetrics}},
		{name: "live NodePort Service with metrics keeps it", desired: desiredNodePortService(ic, o),
			live: corev1.Service{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: existing}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{svcHTTP, svcMetrics}}},
			want: []corev1.ServicePort{svcHTTP, svcHTTPS, svcMetrics}},
		{name: "live NodePort Service without metrics stays without", desired: desiredNodePortService(ic, o),
			live: corev1.Service{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: existing}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{svcHTTP, svcHTTPS}}},
			want: []corev1.ServicePort{svcHTTP, svcHTTPS}},
		{name: "http removed by hand comes back, metrics does not", desired: desiredNodePortService(ic, o),
			live: corev1.Service{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: existing}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{svcHTTPS}}},
			want: []corev1.ServicePort{svcHTTP, svcHTTPS}},
		{name: "the internal Service gets its metrics port back", desired: desiredInternalService(ic, o),
			live: corev1.Service{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: existing}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{svcHTTP, svcHTTPS}}},
			want: []corev1.ServicePort{svcHTTP, svcHTTPS, svcMetrics}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keepRemovedMetricsPort(tc.desired, &tc.live)
			if !equality.Semantic.DeepEqual(tc.desired.Spec.Ports, tc.want) {
				t.Errorf("ports = %+v, want %+v", tc.desired.Spec.Ports, tc.want)
			}
		})
	}
}

func TestDesiredPDB(t *testing.T) {
	o := testOptions(PlatformNone)
	for _, tc := range []struct {
		replicas *int32
		want     *intstr.IntOrString // nil: no PDB
	}{
		{replicas: ptrInt32(0)},
		{replicas: ptrInt32(1)},
		{replicas: nil, want: num(1)}, // unset: 2 replicas
		{replicas: ptrInt32(2), want: num(1)},
		{replicas: ptrInt32(3), want: pct("25%")},
		{replicas: ptrInt32(4), want: pct("25%")},
		{replicas: ptrInt32(20), want: pct("25%")},
	} {
		ic := newIC("edge", func(ic *operatorv1.IngressController) { ic.Spec.Replicas = tc.replicas })
		got := desiredPDB(ic, o)
		name := "unset"
		if tc.replicas != nil {
			name = strconv.Itoa(int(*tc.replicas))
		}
		if tc.want == nil {
			if got != nil {
				t.Errorf("replicas %s: PDB %+v, want none", name, got.Spec)
			}
			continue
		}
		policy := policyv1.AlwaysAllow
		want := &policyv1.PodDisruptionBudget{
			ObjectMeta: metav1.ObjectMeta{Name: "router-edge", Namespace: "openshift-ingress", Labels: map[string]string{owningLabel: "edge"}},
			Spec: policyv1.PodDisruptionBudgetSpec{
				Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{deploymentLabel: "edge"}},
				MaxUnavailable: tc.want, UnhealthyPodEvictionPolicy: &policy,
			},
		}
		if !equality.Semantic.DeepEqual(got, want) {
			t.Errorf("replicas %s: PDB =\n%#v\nwant\n%#v", name, got, want)
		}
	}
}

func ptrInt32(n int32) *int32 { return &n }

// On a dual-stack cluster the published Services ask for both families;
// elsewhere they leave the policy to the API server (single-stack).
func TestBothFamilies(t *testing.T) {
	o := testOptions(PlatformAWS)
	ic := newIC("edge", withLB(operatorv1.ExternalLoadBalancer))
	for mode, want := range map[config.IPMode]*corev1.IPFamilyPolicy{
		"":     nil,
		"v6":   nil,
		"v4v6": func() *corev1.IPFamilyPolicy { p := corev1.IPFamilyPolicyPreferDualStack; return &p }(),
	} {
		for _, s := range []*corev1.Service{desiredLoadBalancerService(ic, admitted(ic, o).Strategy.LoadBalancer, o), desiredNodePortService(ic, o)} {
			got := bothFamilies(s, clusterInputs{IPMode: mode}).Spec.IPFamilyPolicy
			if (got == nil) != (want == nil) || got != nil && *got != *want {
				t.Errorf("mode %q, %s: ipFamilyPolicy %v, want %v", mode, s.Spec.Type, got, want)
			}
		}
	}
}

// What a live load balancer Service keeps until it is created anew, and
// what the operator says of the change.
func TestKeepLive(t *testing.T) {
	svc := func(ip string, a map[string]string) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Annotations: maps.Clone(a)}, Spec: corev1.ServiceSpec{LoadBalancerIP: ip}}
	}
	classic := map[string]string{awsProxyProtocol: "*", awsCheckInterval: "5", awsCheckTimeout: "4", awsCheckHealthy: "2", awsCheckUnhealthy: "2"}
	with := func(a map[string]string, kv ...string) map[string]string {
		a = maps.Clone(a)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(a, kv[i])
			} else {
				a[kv[i]] = kv[i+1]
			}
		}
		return a
	}
	nlbProxy := with(classic, awsProxyProtocol, "", awsType, "nlb", awsCheckInterval, "10", awsSubnets, "a,b",
		awsTargetGroupAttrs, "preserve_client_ip.enabled=false,proxy_protocol_v2.enabled=true")
	for _, tc := range []struct {
		name       string
		platform   Platform
		live, want *corev1.Service
		kept       *corev1.Service // want after keepLive
		changes    string
	}{
		{name: "AWS Classic to NLB waits, and the Classic one keeps its own settings", platform: PlatformAWS,
			live: svc("", with(classic, awsIdleTimeout, "300", awsCheckTimeout, "10")), want: svc("", nlbProxy),
			kept:    svc("", with(classic, awsIdleTimeout, "300", awsCheckTimeout, "10")),
			changes: `service.beta.kubernetes.io/aws-load-balancer-type changed from "" to "nlb"; service.beta.kubernetes.io/aws-load-balancer-subnets changed from "" to "a,b"`},
		{name: "AWS NLB with PROXY to Classic waits, PROXY v2 kept", platform: PlatformAWS,
			live: svc("", nlbProxy), want: svc("", classic), kept: svc("", nlbProxy),
			changes: `service.beta.kubernetes.io/aws-load-balancer-type changed from "nlb" to ""; service.beta.kubernetes.io/aws-load-balancer-subnets changed from "a,b" to ""`},
		{name: "AWS: same kind, settings in place; an admin's health-check timeout stays", platform: PlatformAWS,
			live: svc("", with(classic, awsCheckTimeout, "10")), want: svc("", with(classic, awsIdleTimeout, "120")),
			kept: svc("", with(classic, awsCheckTimeout, "10", awsIdleTimeout, "120"))},
		{name: "AWS: Internal to External waits", platform: PlatformAWS,
			live: svc("", with(classic, awsInternal, "true")), want: svc("", classic),
			kept: svc("", with(classic, awsInternal, "true")), changes: "The scope changed from Internal to External"},
		{name: "IBM: an older Service does not get the external annotation in place", platform: PlatformIBMCloud,
			live: svc("", nil), want: svc("", map[string]string{ibmIPType: "public"}), kept: svc("", map[string]string{})},
		{name: "IBM: private to public waits", platform: PlatformIBMCloud,
			live: svc("", map[string]string{ibmIPType: "private"}), want: svc("", map[string]string{ibmIPType: "public"}),
			kept: svc("", map[string]string{ibmIPType: "private"}), changes: "The scope changed from Internal to External"},
		{name: "OpenStack: a new floating IP waits", platform: PlatformOpenStack,
			live: svc("198.51.100.7", map[string]string{}), want: svc("198.51.100.8", map[string]string{}),
			kept: svc("198.51.100.7", map[string]string{}), changes: `The floating IP changed from "198.51.100.7" to "198.51.100.8"`},
		{name: "OpenStack: a floating IP added to spec waits too", platform: PlatformOpenStack,
			live: svc("", map[string]string{}), want: svc("198.51.100.8", map[string]string{}),
			kept: svc("", map[string]string{}), changes: `The floating IP changed from "" to "198.51.100.8"`},
		{name: "AWS: a creation default an admin removed stays removed", platform: PlatformAWS,
			live: svc("", with(classic, awsCheckHealthy, "")), want: svc("", classic), kept: svc("", with(classic, awsCheckHealthy, ""))},
		{name: "OpenStack: a floating IP out of spec leaves the one in use", platform: PlatformOpenStack,
			live: svc("198.51.100.7", map[string]string{}), want: svc("", map[string]string{}),
			kept: svc("198.51.100.7", map[string]string{})},
		{name: "GCP: scope changes in place", platform: PlatformGCP,
			live: svc("", map[string]string{"networking.gke.io/load-balancer-type": "Internal"}), want: svc("", map[string]string{}),
			kept: svc("", map[string]string{})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := creationChanges(tc.live, tc.want, tc.platform); got != tc.changes {
				t.Errorf("changes = %q, want %q", got, tc.changes)
			}
			keepLive(tc.live, tc.want, tc.platform)
			if !equality.Semantic.DeepEqual(tc.want, tc.kept) {
				t.Errorf("kept\n%v %q\nwant\n%v %q", tc.want.Annotations, tc.want.Spec.LoadBalancerIP, tc.kept.Annotations, tc.kept.Spec.LoadBalancerIP)
			}
		})
	}
}

// The operator removes a managed annotation only if it set it.
func TestRemovable(t *testing.T) {
	recorded := map[string]string{managedRecord: awsProxyProtocol + "," + awsCheckInterval}
	for _, tc := range []struct {
		key  string
		want bool
	}{
		{awsProxyProtocol, true},
		{awsIdleTimeout, false}, // an admin's
		{awsInternal, true},     // scope: always the operator's
		{managedRecord, true},
	} {
		if got := removable(tc.key, recorded); got != tc.want {
			t.Errorf("removable(%s) = %v, want %v", tc.key, got, tc.want)
		}
	}
	a := map[string]string{awsIdleTimeout: "60", awsType: "nlb", gcpGlobalAccess: "true"}
	recordManaged(a, nil, nil)
	if got := a[managedRecord]; got != awsIdleTimeout+","+gcpGlobalAccess {
		t.Errorf("record = %q", got)
	}
	// Taken from the live Service: the operator's only if recorded there.
	a = map[string]string{awsIdleTimeout: "300", awsCheckInterval: "5", awsTargetGroupAttrs: "x"}
	recordManaged(a, map[string]string{managedRecord: awsCheckInterval}, []string{awsIdleTimeout, awsCheckInterval})
	if got := a[managedRecord]; got != awsTargetGroupAttrs+","+awsCheckInterval {
		t.Errorf("record with kept annotations = %q", got)
	}
}

// The annotations a Service ends up with: an admin's stay, also a managed
// one, while the operator's own that spec dropped go.
func TestServiceAnnotations(t *testing.T) {
	live := map[string]string{awsTargetGroupAttrs: "proxy_protocol_v2.enabled=true", "example.com/team": "web",
		awsProxyProtocol: "*", awsInternal: "true", managedRecord: awsProxyProtocol}
	want := map[string]string{awsCheckInterval: "10", managedRecord: awsCheckInterval}
	got := serviceAnnotations(live, want, PlatformAWS)
	wantAll := map[string]string{awsTargetGroupAttrs: "proxy_protocol_v2.enabled=true", "example.com/team": "web",
		awsCheckInterval: "10", managedRecord: awsCheckInterval}
	if !maps.Equal(got, wantAll) {
		t.Errorf("annotations = %v, want %v", got, wantAll)
	}
	if !lbSendsProxy(lbAnnotationsWithType(got, "nlb"), PlatformAWS) {
		t.Errorf("an admin's PROXY v2 on an NLB is not seen")
	}
	if len(live) != 5 {
		t.Errorf("the live annotations were changed: %v", live)
	}
}

func lbAnnotationsWithType(a map[string]string, typ string) map[string]string {
	a = maps.Clone(a)
	a[awsType] = typ
	return a
}
