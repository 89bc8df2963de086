package ingresscontroller

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
)

func TestAdmitDefaultStrategyPerPlatform(t *testing.T) {
	hostNetwork := &operatorv1.EndpointPublishingStrategy{Type: operatorv1.HostNetworkStrategyType,
		HostNetwork: &operatorv1.HostNetworkStrategy{Protocol: operatorv1.TCPProtocol, HTTPPort: 80, HTTPSPort: 443, StatsPort: 1936}}
	external := &operatorv1.EndpointPublishingStrategy{Type: operatorv1.LoadBalancerServiceStrategyType,
		LoadBalancer: &operatorv1.LoadBalancerStrategy{Scope: operatorv1.ExternalLoadBalancer, DNSManagementPolicy: operatorv1.ManagedLoadBalancerDNS}}
	for _, tc := range []struct {
		platform Platform
		want     *operatorv1.EndpointPublishingStrategy
	}{
		{"", hostNetwork},
		{PlatformNone, hostNetwork},
		{PlatformBareMetal, hostNetwork},
		{PlatformKind, hostNetwork},
		{PlatformAWS, external},
		{PlatformAzure, external},
		{PlatformGCP, external},
		{PlatformIBMCloud, external},
		{PlatformOpenStack, external},
	} {
		o := testOptions(tc.platform)
		a := admit(newIC("default"), nil, o)
		if !a.Admitted || a.Reason != "Valid" || a.Message != "the IngressController is valid" {
			t.Errorf("%q: admitted=%v reason=%q message=%q", tc.platform, a.Admitted, a.Reason, a.Message)
		}
		if a.Domain != "apps.example.com" {
			t.Errorf("%q: domain = %q", tc.platform, a.Domain)
		}
		if !equality.Semantic.DeepEqual(a.Strategy, tc.want) {
			t.Errorf("%q: strategy = %+v, want %+v", tc.platform, a.Strategy, tc.want)
		}
	}
}

func TestAdmitStrategyDefaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		ic   *operatorv1.IngressController
		want *operatorv1.EndpointPublishingStrategy
	}{
		{name: "HostNetwork partial ports",
			ic: newIC("x", withHostPorts(operatorv1.ProxyProtocol, 8080, 0, 0)),
			want: &operatorv1.EndpointPublishingStrategy{Type: operatorv1.HostNetworkStrategyType,
				HostNetwork: &operatorv1.HostNetworkStrategy{Protocol: operatorv1.ProxyProtocol, HTTPPort: 8080, HTTPSPort: 443, StatsPort: 1936}}},
		{name: "NodePortService",
			ic: newIC("x", withStrategy(operatorv1.NodePortServiceStrategyType)),
			want: &operatorv1.EndpointPublishingStrategy{Type: operatorv1.NodePortServiceStrategyType,
				NodePort: &operatorv1.NodePortStrategy{Protocol: operatorv1.TCPProtocol}}},
		{name: "Private",
			ic: newIC("x", withStrategy(operatorv1.PrivateStrategyType)),
			want: &operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType,
				Private: &operatorv1.PrivateStrategy{Protocol: operatorv1.TCPProtocol}}},
		{name: "LoadBalancerService Internal with ranges",
			ic: newIC("x", withLB(operatorv1.InternalLoadBalancer, "10.0.0.0/8")),
			want: &operatorv1.EndpointPublishingStrategy{Type: operatorv1.LoadBalancerServiceStrategyType,
				LoadBalancer: &operatorv1.LoadBalancerStrategy{Scope: operatorv1.InternalLoadBalancer,
					AllowedSourceRanges: []operatorv1.CIDR{"10.0.0.0/8"}, DNSManagementPolicy: operatorv1.ManagedLoadBalancerDNS}}},
		{name: "LoadBalancerService without parameters",
			ic: newIC("x", withStrategy(operatorv1.LoadBalancerServiceStrategyType)),
			want: &operatorv1.EndpointPublishingStrategy{Type: operatorv1.LoadBalancerServiceStrategyType,
				LoadBalancer: &operatorv1.LoadBalancerStrategy{Scope: operatorv1.ExternalLoadBalancer, DNSManagementPolicy: operatorv1.ManagedLoadBalancerDNS}}},
		{name: "the strategy in status is kept when spec names none, whatever the platform",
			ic: newIC("x", func(ic *operatorv1.IngressController) {
				ic.Status.EndpointPublishingStrategy = &operatorv1.EndpointPublishingStrategy{Type: operatorv1.NodePortServiceStrategyType,
					NodePort: &operatorv1.NodePortStrategy{Protocol: operatorv1.ProxyProtocol}}
			}),
			want: &operatorv1.EndpointPublishingStrategy{Type: operatorv1.NodePortServiceStrategyType,
				NodePort: &operatorv1.NodePortStrategy{Protocol: operatorv1.ProxyProtocol}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.ic.DeepCopy()
			a := admit(tc.ic, nil, testOptions(PlatformAWS))
			if !a.Admitted {
				t.Fatalf("not admitted: %s", a.Message)
			}
			if !equality.Semantic.DeepEqual(a.Strategy, tc.want) {
				t.Errorf("strategy = %+v, want %+v", a.Strategy, tc.want)
			}
			if !equality.Semantic.DeepEqual(before, tc.ic) {
				t.Errorf("admit changed its input")
			}
		})
	}
}

func TestAdmitDomain(t *testing.T) {
	spec := func(d string) icMod {
		return withSpec(func(s *operatorv1.IngressControllerSpec) { s.Domain = d })
	}
	status := func(d string) icMod { return func(ic *operatorv1.IngressController) { ic.Status.Domain = d } }
	for _, tc := range []struct {
		name, clusterDomain string
		mods                []icMod
		admitted            bool
		domain, message     string
	}{
		{name: "cluster domain", clusterDomain: "apps.example.com", admitted: true, domain: "apps.example.com"},
		{name: "spec.domain", clusterDomain: "apps.example.com", mods: []icMod{spec("shard.example.org")}, admitted: true, domain: "shard.example.org"},
		{name: "status.domain sticks", clusterDomain: "apps.example.com", mods: []icMod{spec("new.example.org"), status("old.example.org")},
			admitted: true, domain: "old.example.org"},
		{name: "status.domain sticks over the cluster domain", clusterDomain: "apps.changed.com", mods: []icMod{status("apps.example.com")},
			admitted: true, domain: "apps.example.com"},
		{name: "no domain at all", message: "no domain: set spec.domain, or start the manager with --domain"},
		{name: "invalid cluster domain", clusterDomain: "Apps_Example.com", domain: "Apps_Example.com",
			message: `domain "Apps_Example.com": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', ` +
				`and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is ` +
				`'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions(PlatformNone)
			o.Domain = tc.clusterDomain
			a := admit(newIC("x", tc.mods...), nil, o)
			if a.Admitted != tc.admitted || a.Domain != tc.domain {
				t.Errorf("admitted=%v domain=%q, want %v %q (%s)", a.Admitted, a.Domain, tc.admitted, tc.domain, a.Message)
			}
			if !tc.admitted && (a.Reason != "Invalid" || a.Message != tc.message) {
				t.Errorf("reason %q message\n%s\nwant Invalid\n%s", a.Reason, a.Message, tc.message)
			}
		})
	}
}

func TestAdmitDuplicateDomain(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ic := func(name string, created time.Time, domain string, admittedStatus operatorv1.ConditionStatus) operatorv1.IngressController {
		x := newIC(name, withSpec(func(s *operatorv1.IngressControllerSpec) { s.Domain = domain }))
		x.CreationTimestamp = metav1.NewTime(created)
		if admittedStatus != "" {
			x.Status.Domain = domain
			x.Status.Conditions = []operatorv1.OperatorCondition{{Type: "Admitted", Status: admittedStatus}}
		}
		return *x
	}
	deleting := func(x operatorv1.IngressController) operatorv1.IngressController {
		x.DeletionTimestamp = &metav1.Time{Time: t0.Add(time.Hour)}
		return x
	}
	const taken = "domain shared.example.com is already used by IngressController first"
	for _, tc := range []struct {
		name    string
		self    operatorv1.IngressController
		others  []operatorv1.IngressController
		message string // "" when admitted
	}{
		{name: "alone", self: ic("second", t0.Add(time.Minute), "shared.example.com", "")},
		{name: "older admitted owner wins",
			self:    ic("second", t0.Add(time.Minute), "shared.example.com", ""),
			others:  []operatorv1.IngressController{ic("first", t0, "shared.example.com", operatorv1.ConditionTrue)},
			message: taken},
		{name: "the list may include self",
			self: ic("second", t0.Add(time.Minute), "shared.example.com", ""),
			others: []operatorv1.IngressController{ic("second", t0.Add(time.Minute), "shared.example.com", ""),
				ic("first", t0, "shared.example.com", operatorv1.ConditionTrue)},
			message: taken},
		{name: "the oldest of several owners is named",
			self: ic("third", t0.Add(2*time.Minute), "shared.example.com", ""),
			others: []operatorv1.IngressController{ic("second", t0.Add(time.Minute), "shared.example.com", operatorv1.ConditionTrue),
				ic("first", t0, "shared.example.com", operatorv1.ConditionTrue)},
			message: taken},
		{name: "an older IngressController that is not admitted owns nothing",
			self:   ic("second", t0.Add(time.Minute), "shared.example.com", ""),
			others: []operatorv1.IngressController{ic("first", t0, "shared.example.com", operatorv1.ConditionFalse)}},
		{name: "a younger admitted one does not block the older",
			self:   ic("first", t0, "shared.example.com", ""),
			others: []operatorv1.IngressController{ic("second", t0.Add(time.Minute), "shared.example.com", operatorv1.ConditionTrue)}},
		{name: "same creation time: the name decides",
			self:    ic("b", t0, "shared.example.com", ""),
			others:  []operatorv1.IngressController{ic("a", t0, "shared.example.com", operatorv1.ConditionTrue)},
			message: "domain shared.example.com is already used by IngressController a"},
		{name: "same creation time, later name admitted",
			self:   ic("a", t0, "shared.example.com", ""),
			others: []operatorv1.IngressController{ic("b", t0, "shared.example.com", operatorv1.ConditionTrue)}},
		{name: "an owner being deleted lets go",
			self:   ic("second", t0.Add(time.Minute), "shared.example.com", ""),
			others: []operatorv1.IngressController{deleting(ic("first", t0, "shared.example.com", operatorv1.ConditionTrue))}},
		{name: "other domain",
			self:   ic("second", t0.Add(time.Minute), "other.example.com", ""),
			others: []operatorv1.IngressController{ic("first", t0, "shared.example.com", operatorv1.ConditionTrue)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := admit(&tc.self, tc.others, testOptions(PlatformNone))
			if tc.message == "" {
				if !a.Admitted {
					t.Errorf("rejected: %s", a.Message)
				}
				return
			}
			if a.Admitted || a.Reason != "Invalid" || a.Message != tc.message {
				t.Errorf("admitted=%v reason=%q message=%q, want rejected with %q", a.Admitted, a.Reason, a.Message, tc.message)
			}
		})
	}
}
