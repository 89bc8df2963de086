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
	awsExternal := external.DeepCopy()
	awsExternal.LoadBalancer.ProviderParameters = awsClassic()
	for _, tc := range []struct {
		platform Platform
		want     *operatorv1.EndpointPublishingStrategy
	}{
		{"", hostNetwork},
		{PlatformNone, hostNetwork},
		{PlatformBareMetal, hostNetwork},
		{PlatformKind, hostNetwork},
		{PlatformAWS, awsExternal},
		{PlatformAzure, external},
		{PlatformGCP, external},
		{PlatformIBMCloud, external},
		{PlatformOpenStack, hostNetwork},
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
					AllowedSourceRanges: []operatorv1.CIDR{"10.0.0.0/8"}, DNSManagementPolicy: operatorv1.ManagedLoadBalancerDNS,
					ProviderParameters: awsClassic()}}},
		{name: "LoadBalancerService without parameters",
			ic: newIC("x", withStrategy(operatorv1.LoadBalancerServiceStrategyType)),
			want: &operatorv1.EndpointPublishingStrategy{Type: operatorv1.LoadBalancerServiceStrategyType,
				LoadBalancer: &operatorv1.LoadBalancerStrategy{Scope: operatorv1.ExternalLoadBalancer, DNSManagementPolicy: operatorv1.ManagedLoadBalancerDNS,
					ProviderParameters: awsClassic()}}},
		{name: "providerParameters of spec are kept, another cloud's too",
			ic: newIC("x", withProvider(operatorv1.InternalLoadBalancer, &operatorv1.ProviderLoadBalancerParameters{Type: operatorv1.GCPLoadBalancerProvider,
				GCP: &operatorv1.GCPLoadBalancerParameters{ClientAccess: operatorv1.GCPGlobalAccess}})),
			want: &operatorv1.EndpointPublishingStrategy{Type: operatorv1.LoadBalancerServiceStrategyType,
				LoadBalancer: &operatorv1.LoadBalancerStrategy{Scope: operatorv1.InternalLoadBalancer, DNSManagementPolicy: operatorv1.ManagedLoadBalancerDNS,
					ProviderParameters: &operatorv1.ProviderLoadBalancerParameters{Type: operatorv1.GCPLoadBalancerProvider,
						GCP: &operatorv1.GCPLoadBalancerParameters{ClientAccess: operatorv1.GCPGlobalAccess}}}}},
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
		if admittedStatus == operatorv1.ConditionTrue {
			x.Status.Domain = domain // only an admission writes it
		}
		if admittedStatus != "" {
			x.Status.Conditions = []operatorv1.OperatorCondition{{Type: "Admitted", Status: admittedStatus}}
		}
		return *x
	}
	deleting := func(x operatorv1.IngressController) operatorv1.IngressController {
		x.DeletionTimestamp = &metav1.Time{Time: t0.Add(time.Hour)}
		return x
	}
	// admittedAt sets when x was admitted.
	admittedAt := func(at time.Time, x operatorv1.IngressController) operatorv1.IngressController {
		x.Status.Conditions[0].LastTransitionTime = metav1.NewTime(at)
		return x
	}
	// rejectedSince is x, admitted once, then rejected for a spec edit.
	rejectedSince := func(x operatorv1.IngressController) operatorv1.IngressController {
		x.Status.Conditions[0].Status = operatorv1.ConditionFalse
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
		{name: "a younger admitted one holds the domain against an older one not admitted yet",
			self:    ic("first", t0, "shared.example.com", ""),
			others:  []operatorv1.IngressController{ic("second", t0.Add(time.Minute), "shared.example.com", operatorv1.ConditionTrue)},
			message: "domain shared.example.com is already used by IngressController second"},
		{name: "a younger admitted one holds the domain against an older one rejected before",
			self:    ic("first", t0, "shared.example.com", operatorv1.ConditionFalse),
			others:  []operatorv1.IngressController{ic("second", t0.Add(time.Minute), "shared.example.com", operatorv1.ConditionTrue)},
			message: "domain shared.example.com is already used by IngressController second"},
		{name: "a running IngressController keeps its domain when an older one was admitted after it",
			self: admittedAt(t0.Add(2*time.Hour), ic("second", t0.Add(time.Minute), "shared.example.com", operatorv1.ConditionTrue)),
			others: []operatorv1.IngressController{
				admittedAt(t0.Add(3*time.Hour), ic("first", t0, "shared.example.com", operatorv1.ConditionTrue))}},
		{name: "of two admitted, the one admitted last gives way, whatever its age",
			self: admittedAt(t0.Add(3*time.Hour), ic("first", t0, "shared.example.com", operatorv1.ConditionTrue)),
			others: []operatorv1.IngressController{
				admittedAt(t0.Add(2*time.Hour), ic("second", t0.Add(time.Minute), "shared.example.com", operatorv1.ConditionTrue))},
			message: "domain shared.example.com is already used by IngressController second"},
		{name: "of two admitted at once, the oldest keeps it",
			self: admittedAt(t0.Add(time.Hour), ic("second", t0.Add(time.Minute), "shared.example.com", operatorv1.ConditionTrue)),
			others: []operatorv1.IngressController{
				admittedAt(t0.Add(time.Hour), ic("first", t0, "shared.example.com", operatorv1.ConditionTrue))},
			message: taken},
		{name: "among those not admitted yet, the oldest goes first",
			self:    ic("second", t0.Add(time.Minute), "shared.example.com", ""),
			others:  []operatorv1.IngressController{ic("first", t0, "shared.example.com", "")},
			message: taken},
		{name: "a younger one not admitted yet waits for the older",
			self:   ic("first", t0, "shared.example.com", ""),
			others: []operatorv1.IngressController{ic("second", t0.Add(time.Minute), "shared.example.com", "")}},
		{name: "an older one not admitted yet does not displace the holder",
			self:   ic("second", t0.Add(time.Minute), "shared.example.com", operatorv1.ConditionTrue),
			others: []operatorv1.IngressController{ic("first", t0, "shared.example.com", "")}},
		{name: "an older one not admitted yet, for another domain",
			self:   ic("second", t0.Add(time.Minute), "shared.example.com", ""),
			others: []operatorv1.IngressController{ic("first", t0, "other.example.com", "")}},
		{name: "same creation time: the name decides",
			self:    ic("b", t0, "shared.example.com", ""),
			others:  []operatorv1.IngressController{ic("a", t0, "shared.example.com", operatorv1.ConditionTrue)},
			message: "domain shared.example.com is already used by IngressController a"},
		{name: "same creation time: an admitted one holds it whatever its name",
			self:    ic("a", t0, "shared.example.com", ""),
			others:  []operatorv1.IngressController{ic("b", t0, "shared.example.com", operatorv1.ConditionTrue)},
			message: "domain shared.example.com is already used by IngressController b"},
		{name: "a holder rejected for a spec edit keeps its domain: its routers still serve it",
			self:    ic("second", t0.Add(time.Minute), "shared.example.com", ""),
			others:  []operatorv1.IngressController{rejectedSince(ic("first", t0, "shared.example.com", operatorv1.ConditionTrue))},
			message: taken},
		{name: "… also against an older IngressController",
			self:    ic("first", t0, "shared.example.com", ""),
			others:  []operatorv1.IngressController{rejectedSince(ic("second", t0.Add(time.Minute), "shared.example.com", operatorv1.ConditionTrue))},
			message: "domain shared.example.com is already used by IngressController second"},
		{name: "… and when its spec is fixed it is admitted again",
			self:   rejectedSince(ic("second", t0.Add(time.Minute), "shared.example.com", operatorv1.ConditionTrue)),
			others: []operatorv1.IngressController{ic("first", t0, "shared.example.com", operatorv1.ConditionFalse)}},
		{name: "a holder admitted comes before one rejected since (the loser of a race of first admissions)",
			self:    rejectedSince(ic("first", t0, "shared.example.com", operatorv1.ConditionTrue)),
			others:  []operatorv1.IngressController{ic("second", t0.Add(time.Minute), "shared.example.com", operatorv1.ConditionTrue)},
			message: "domain shared.example.com is already used by IngressController second"},
		{name: "an owner being deleted lets go",
			self:   ic("second", t0.Add(time.Minute), "shared.example.com", ""),
			others: []operatorv1.IngressController{deleting(ic("first", t0, "shared.example.com", operatorv1.ConditionTrue))}},
		{name: "other domain",
			self:   ic("second", t0.Add(time.Minute), "other.example.com", ""),
			others: []operatorv1.IngressController{ic("first", t0, "shared.example.com", operatorv1.ConditionTrue)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantVerdict(t, admit(&tc.self, tc.others, testOptions(PlatformNone)), tc.message)
		})
	}
}

// TestAdmitSpecProblems: specs the schema lets through and the routers
// could not run as written are rejected (Invalid), each problem named with
// its field, rather than run some other way.
func TestAdmitSpecProblems(t *testing.T) {
	expr := func(key string, op metav1.LabelSelectorOperator, values ...string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: op, Values: values}}}
	}
	routes := func(s *metav1.LabelSelector) icMod {
		return withSpec(func(spec *operatorv1.IngressControllerSpec) { spec.RouteSelector = s })
	}
	namespaces := func(s *metav1.LabelSelector) icMod {
		return withSpec(func(spec *operatorv1.IngressControllerSpec) { spec.NamespaceSelector = s })
	}
	nodes := func(s *metav1.LabelSelector) icMod {
		return withSpec(func(spec *operatorv1.IngressControllerSpec) {
			spec.NodePlacement = &operatorv1.NodePlacement{NodeSelector: s}
		})
	}
	custom := func(min operatorv1.TLSProtocolVersion, ciphers ...string) icMod {
		return withSpec(func(s *operatorv1.IngressControllerSpec) {
			s.TLSSecurityProfile = &operatorv1.TLSSecurityProfile{Type: operatorv1.TLSProfileCustomType,
				Custom: &operatorv1.CustomTLSProfile{TLSProfileSpec: operatorv1.TLSProfileSpec{MinTLSVersion: min, Ciphers: ciphers}}}
		})
	}
	const (
		routeSel = `ingresscontroller "x" has invalid spec.routeSelector: `
		nsSel    = `ingresscontroller "x" has invalid spec.namespaceSelector: `
		nodeSel  = `ingresscontroller "x" has invalid spec.nodePlacement.nodeSelector: `
		tls13    = "spec.tlsSecurityProfile.custom: minTLSVersion VersionTLS13 needs at least one TLS 1.3 cipher suite (such as TLS_AES_128_GCM_SHA256) in ciphers"
		below13  = " needs at least one cipher for TLS 1.2 or lower (such as ECDHE-RSA-AES128-GCM-SHA256) in ciphers, " +
			"not only TLS 1.3 suites (names HAProxy does not know do not count)"
	)
	for _, tc := range []struct {
		name    string
		mods    []icMod
		message string // "" when admitted
	}{
		{name: "valid selectors", mods: []icMod{routes(expr("shard", metav1.LabelSelectorOpIn, "a")), namespaces(expr("env", metav1.LabelSelectorOpExists))}},
		{name: "routeSelector In without values", mods: []icMod{routes(expr("shard", metav1.LabelSelectorOpIn))},
			message: routeSel + "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"},
		{name: "routeSelector unknown operator", mods: []icMod{routes(expr("shard", "Equals", "a"))},
			message: routeSel + `"Equals" is not a valid label selector operator`},
		{name: "namespaceSelector Exists with values", mods: []icMod{namespaces(expr("env", metav1.LabelSelectorOpExists, "prod"))},
			message: nsSel + `values: Invalid value: ["prod"]: values set must be empty for exists and does not exist`},
		{name: "namespaceSelector label value", mods: []icMod{namespaces(&metav1.LabelSelector{MatchLabels: map[string]string{"env": "a b"}})},
			message: nsSel + `values[0][env]: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, ` +
				`'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', ` +
				`regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`},
		{name: "both selectors, namespaces first", mods: []icMod{routes(expr("shard", "Equals", "a")), namespaces(expr("env", "Equals", "a"))},
			message: nsSel + `"Equals" is not a valid label selector operator; ` + routeSel + `"Equals" is not a valid label selector operator`},
		{name: "nodeSelector In with one value", mods: []icMod{nodes(expr("zone", metav1.LabelSelectorOpIn, "a"))}},
		{name: "nodeSelector Exists", mods: []icMod{nodes(expr("infra", metav1.LabelSelectorOpExists))},
			message: nodeSel + `operator "Exists" cannot be converted into the old label selector format`},
		{name: "nodeSelector In with two values", mods: []icMod{nodes(expr("zone", metav1.LabelSelectorOpIn, "a", "b"))},
			message: nodeSel + `operator "In" without a single value cannot be converted into the old label selector format`},
		{name: "nodeSelector NotIn", mods: []icMod{nodes(expr("zone", metav1.LabelSelectorOpNotIn, "a"))},
			message: nodeSel + `operator "NotIn" cannot be converted into the old label selector format`},
		{name: "nodeSelector key with two values", mods: []icMod{nodes(&metav1.LabelSelector{MatchLabels: map[string]string{"zone": "a"},
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "zone", Operator: metav1.LabelSelectorOpIn, Values: []string{"b"}}}})},
			message: nodeSel + `key "zone" must be both "a" and "b": no node has both`},
		{name: "nodeSelector key twice in expressions", mods: []icMod{nodes(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "zone", Operator: metav1.LabelSelectorOpIn, Values: []string{"a"}}, {Key: "zone", Operator: metav1.LabelSelectorOpIn, Values: []string{"b"}}}})},
			message: nodeSel + `key "zone" must be both "a" and "b": no node has both`},
		{name: "nodeSelector same value twice", mods: []icMod{nodes(&metav1.LabelSelector{MatchLabels: map[string]string{"zone": "a"},
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "zone", Operator: metav1.LabelSelectorOpIn, Values: []string{"a"}}}})}},
		{name: "nodeSelector label key", mods: []icMod{nodes(&metav1.LabelSelector{MatchLabels: map[string]string{"a b": "c"}})},
			message: nodeSel + `key: Invalid value: "a b": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and ` +
				`end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`},
		{name: "TLS 1.3 with TLS 1.3 suites", mods: []icMod{custom(operatorv1.VersionTLS13, "TLS_AES_128_GCM_SHA256")}},
		{name: "TLS 1.3 with TLS 1.2 ciphers only", mods: []icMod{custom(operatorv1.VersionTLS13, "ECDHE-RSA-AES128-GCM-SHA256")}, message: tls13},
		{name: "TLS 1.3 with unknown names only", mods: []icMod{custom(operatorv1.VersionTLS13, "TLS_AES_128_GCM_SHA512")}, message: tls13},
		{name: "TLS 1.2 with a TLS 1.2 cipher and a suite", mods: []icMod{custom(operatorv1.VersionTLS12, "TLS_AES_128_GCM_SHA256",
			"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")}},
		{name: "TLS 1.2 with TLS 1.3 suites only", mods: []icMod{custom(operatorv1.VersionTLS12, "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384")},
			message: "spec.tlsSecurityProfile.custom: minTLSVersion VersionTLS12" + below13},
		{name: "TLS 1.0 with TLS 1.3 suites and an exclusion", mods: []icMod{custom(operatorv1.VersionTLS10, "TLS_AES_128_GCM_SHA256", "!RC4")},
			message: "spec.tlsSecurityProfile.custom: minTLSVersion VersionTLS10" + below13},
		{name: "unknown cipher names are left out, not rejected (FieldsSupported names them)", mods: []icMod{custom(operatorv1.VersionTLS12,
			"ECDHE-RSA-AES128-GCM-SHA256", "NOT_A_CIPHER", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "DES-CBC3-SHA")}},
		{name: "a subject pattern the routers cannot match, as OKD rejects it", mods: []icMod{withSpec(func(s *operatorv1.IngressControllerSpec) {
			s.ClientTLS = &operatorv1.ClientTLS{ClientCertificatePolicy: operatorv1.ClientCertificatePolicyRequired,
				ClientCA: operatorv1.ConfigMapNameReference{Name: "cas"}, AllowedSubjectPatterns: []string{`^/CN=ops$`, `CN=(?!admin)`}}
		})}, message: `ingresscontroller "x" has invalid spec.clientTLS.allowedSubjectPatterns: [1] "CN=(?!admin)": error parsing regexp: ` +
			"invalid or unsupported Perl syntax: `(?!`"},
		{name: "named profiles are consistent", mods: []icMod{withSpec(func(s *operatorv1.IngressControllerSpec) {
			s.TLSSecurityProfile = &operatorv1.TLSSecurityProfile{Type: operatorv1.TLSProfileModernType}
		})}},
		{name: "every problem is named, after the domain's",
			mods: []icMod{routes(expr("shard", metav1.LabelSelectorOpIn)), nodes(expr("infra", metav1.LabelSelectorOpExists)),
				custom(operatorv1.VersionTLS13, "AES128-SHA"), withSpec(func(s *operatorv1.IngressControllerSpec) { s.Domain = "Bad_Domain" })},
			message: `domain "Bad_Domain": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', ` +
				`and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is ` +
				`'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'); ` +
				routeSel + "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty; " +
				nodeSel + `operator "Exists" cannot be converted into the old label selector format; ` + tls13},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantVerdict(t, admit(newIC("x", tc.mods...), nil, testOptions(PlatformNone)), tc.message)
		})
	}
}

// An IngressController's first verdict may free a domain for one it kept
// out while waiting (claimsFirst): the rejected are looked at again then.
func TestFirstVerdict(t *testing.T) {
	pending := newIC("a")
	admittedIC := newIC("a", func(ic *operatorv1.IngressController) {
		ic.Status.Conditions = []operatorv1.OperatorCondition{{Type: "Admitted", Status: operatorv1.ConditionTrue}}
	})
	rejectedIC := newIC("a", func(ic *operatorv1.IngressController) {
		ic.Status.Conditions = []operatorv1.OperatorCondition{{Type: "Admitted", Status: operatorv1.ConditionFalse}}
	})
	for _, tc := range []struct {
		name     string
		old, cur *operatorv1.IngressController
		want     bool
	}{
		{"first verdict: admitted", pending, admittedIC, true},
		{"first verdict: rejected", pending, rejectedIC, true},
		{"still waiting", pending, pending, false},
		{"a later verdict", admittedIC, rejectedIC, false},
		{"no change", admittedIC, admittedIC, false},
	} {
		if got := firstVerdict(tc.old, tc.cur); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// wantVerdict checks a: admitted when message is "", else rejected
// (Invalid) with exactly message.
func wantVerdict(t *testing.T, a admission, message string) {
	t.Helper()
	if message == "" {
		if !a.Admitted {
			t.Errorf("rejected: %s", a.Message)
		}
		return
	}
	if a.Admitted || a.Reason != "Invalid" || a.Message != message {
		t.Errorf("admitted=%v reason=%q message\n%s\nwant rejected (Invalid) with\n%s", a.Admitted, a.Reason, a.Message, message)
	}
}
