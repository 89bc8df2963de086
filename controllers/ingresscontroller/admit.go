package ingresscontroller

import (
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
)

// admission is the verdict on an IngressController's spec, and the
// effective values it runs with.
type admission struct {
	Admitted bool
	Reason   string
	Message  string
	Domain   string
	Strategy *operatorv1.EndpointPublishingStrategy
	// Ignored are the fields set that have no effect, each with why.
	Ignored []string
}

// admit works out the effective domain and strategy of ic, checks that no
// other IngressController holds the same domain, and checks what of the
// spec the API's schema cannot. others are the other IngressControllers
// of the namespace.
func admit(ic *operatorv1.IngressController, others []operatorv1.IngressController, o Options) admission {
	a := admission{Domain: effectiveDomain(ic, o), Strategy: effectiveStrategy(ic, o),
		Ignored: slices.Concat(ignoredFields(&ic.Spec), ignoredAnnotations(ic))}
	var problems []string
	if a.Domain == "" {
		problems = append(problems, "no domain: set spec.domain, or start the manager with --domain")
	} else if msgs := validation.IsDNS1123Subdomain(a.Domain); len(msgs) > 0 {
		problems = append(problems, fmt.Sprintf("domain %q: %s", a.Domain, strings.Join(msgs, "; ")))
	}
	if owner := domainOwner(ic, others, a.Domain, o); owner != "" {
		problems = append(problems, fmt.Sprintf("domain %s is already used by IngressController %s", a.Domain, owner))
	}
	problems = append(problems, specProblems(ic)...)
	if len(problems) > 0 {
		a.Reason, a.Message = "Invalid", strings.Join(problems, "; ")
		return a
	}
	a.Admitted, a.Reason, a.Message = true, "Valid", "the IngressController is valid"
	return a
}

func effectiveDomain(ic *operatorv1.IngressController, o Options) string {
	switch {
	case ic.Status.Domain != "":
		return ic.Status.Domain
	case ic.Spec.Domain != "":
		return ic.Spec.Domain
	}
	return o.Domain
}

// specProblems are the errors of ic's spec that the schema lets through
// and the routers could not run with, worded as OKD words them. A spec with
// any is rejected rather than run in some other way: the routers already
// running keep their configuration until it is fixed.
func specProblems(ic *operatorv1.IngressController) []string {
	var out []string
	for _, s := range []struct {
		field string
		sel   *metav1.LabelSelector
	}{{"spec.namespaceSelector", ic.Spec.NamespaceSelector}, {"spec.routeSelector", ic.Spec.RouteSelector}} {
		if s.sel == nil {
			continue
		}
		if _, err := metav1.LabelSelectorAsSelector(s.sel); err != nil {
			out = append(out, fmt.Sprintf("ingresscontroller %q has invalid %s: %v", ic.Name, s.field, err))
		}
	}
	if _, err := placementNodeSelector(ic); err != nil {
		out = append(out, fmt.Sprintf("ingresscontroller %q has invalid spec.nodePlacement.nodeSelector: %v", ic.Name, err))
	}
	if t := ic.Spec.ClientTLS; t != nil && t.ClientCertificatePolicy != "" {
		_, bad := subjectFilter(t.AllowedSubjectPatterns)
		for _, b := range bad {
			out = append(out, fmt.Sprintf("ingresscontroller %q has invalid spec.clientTLS.allowedSubjectPatterns: %s", ic.Name, b))
		}
	}
	return append(out, tlsProfileProblems(ic.Spec.TLSSecurityProfile)...)
}

// domainOwner names the IngressController that holds domain against ic, if
// any (see claimsFirst).
func domainOwner(ic *operatorv1.IngressController, others []operatorv1.IngressController, domain string, o Options) string {
	if domain == "" {
		return ""
	}
	self := claimOf(ic, domain, o)
	var owner *domainClaim
	for i := range others {
		x := &others[i]
		if x.Name == ic.Name || x.DeletionTimestamp != nil {
			continue
		}
		c := claimOf(x, domain, o)
		if c.none || !claimsFirst(c, self) {
			continue
		}
		if owner == nil || claimsFirst(c, *owner) {
			owner = &c
		}
	}
	if owner == nil {
		return ""
	}
	return owner.ic.Name
}

// domainClaim is how an IngressController stands towards a domain: it
// holds it (admitted with it in status), waits for its first verdict with
// it as effective domain, or neither (none). A holder rejected since (a bad
// spec edit) still holds it: its routers keep serving the domain.
type domainClaim struct {
	ic         *operatorv1.IngressController
	holds      bool
	admittedAt *metav1.Time // set while it holds the domain admitted
	none       bool
}

// claimOf is x's claim on domain, taking x's effective domain from o.
// status.domain is written only by an admission, so an IngressController
// with domain there was admitted with it and may still run routers for it.
// One rejected before it was ever admitted claims nothing: it serves
// nothing, and may stay rejected for good.
func claimOf(x *operatorv1.IngressController, domain string, o Options) domainClaim {
	c := domainClaim{ic: x}
	admitted := findCondition(x.Status.Conditions, operatorv1.IngressControllerAdmittedConditionType)
	switch {
	case x.Status.Domain == domain:
		c.holds = true
		if admitted != nil && admitted.Status == operatorv1.ConditionTrue {
			c.admittedAt = &admitted.LastTransitionTime
		}
	case admitted == nil && effectiveDomain(x, o) == domain:
		// waits for its first verdict
	default:
		c.none = true
	}
	return c
}

// claimsFirst tells whether a's claim on a domain comes before b's. One
// that holds the domain admitted comes first whatever its age: the routers
// it runs serve the domain, and an older IngressController admitted later
// must not take it from them. Next come holders rejected since, whose
// routers still serve it, so that a newcomer is not admitted beside them.
// Between two admitted holders (a race of first admissions) the one
// admitted first keeps it. Otherwise the oldest comes first (creation time,
// then name), as with routes.
func claimsFirst(a, b domainClaim) bool {
	switch {
	case (a.admittedAt != nil) != (b.admittedAt != nil):
		return a.admittedAt != nil
	case a.admittedAt != nil && !a.admittedAt.Equal(b.admittedAt):
		return a.admittedAt.Before(b.admittedAt)
	case a.holds != b.holds:
		return a.holds
	}
	return olderIC(a.ic, b.ic)
}

func olderIC(a, b *operatorv1.IngressController) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Name < b.Name
}

func isAdmitted(ic *operatorv1.IngressController) bool {
	c := findCondition(ic.Status.Conditions, operatorv1.IngressControllerAdmittedConditionType)
	return c != nil && c.Status == operatorv1.ConditionTrue
}

// effectiveStrategy is spec's strategy with every default filled in, or
// the platform's default when spec names none. The type, once in status,
// never changes (the API rejects such edits).
func effectiveStrategy(ic *operatorv1.IngressController, o Options) *operatorv1.EndpointPublishingStrategy {
	var s operatorv1.EndpointPublishingStrategy
	switch {
	case ic.Spec.EndpointPublishingStrategy != nil:
		s = *ic.Spec.EndpointPublishingStrategy.DeepCopy()
	case ic.Status.EndpointPublishingStrategy != nil:
		s = *ic.Status.EndpointPublishingStrategy.DeepCopy()
	default:
		s.Type = o.DefaultStrategyType()
	}
	switch s.Type {
	case operatorv1.LoadBalancerServiceStrategyType:
		if s.LoadBalancer == nil {
			s.LoadBalancer = &operatorv1.LoadBalancerStrategy{}
		}
		if s.LoadBalancer.Scope == "" {
			s.LoadBalancer.Scope = operatorv1.ExternalLoadBalancer
		}
		if s.LoadBalancer.DNSManagementPolicy == "" {
			s.LoadBalancer.DNSManagementPolicy = operatorv1.ManagedLoadBalancerDNS
		}
		// OKD's: on AWS a Classic load balancer unless spec says otherwise.
		if s.LoadBalancer.ProviderParameters == nil && o.Platform == PlatformAWS {
			s.LoadBalancer.ProviderParameters = &operatorv1.ProviderLoadBalancerParameters{Type: operatorv1.AWSLoadBalancerProvider,
				AWS: &operatorv1.AWSLoadBalancerParameters{Type: operatorv1.AWSClassicLoadBalancer}}
		}
	case operatorv1.HostNetworkStrategyType:
		if s.HostNetwork == nil {
			s.HostNetwork = &operatorv1.HostNetworkStrategy{}
		}
		h := s.HostNetwork
		h.HTTPPort, h.HTTPSPort, h.StatsPort = orPort(h.HTTPPort, 80), orPort(h.HTTPSPort, 443), orPort(h.StatsPort, 1936)
		if h.Protocol == "" {
			h.Protocol = operatorv1.TCPProtocol
		}
	case operatorv1.NodePortServiceStrategyType:
		if s.NodePort == nil {
			s.NodePort = &operatorv1.NodePortStrategy{}
		}
		if s.NodePort.Protocol == "" {
			s.NodePort.Protocol = operatorv1.TCPProtocol
		}
	case operatorv1.PrivateStrategyType:
		if s.Private == nil {
			s.Private = &operatorv1.PrivateStrategy{}
		}
		if s.Private.Protocol == "" {
			s.Private.Protocol = operatorv1.TCPProtocol
		}
	}
	return &s
}

func orPort(p, def int32) int32 {
	if p == 0 {
		return def
	}
	return p
}

func findCondition(cs []operatorv1.OperatorCondition, t string) *operatorv1.OperatorCondition {
	for i := range cs {
		if cs[i].Type == t {
			return &cs[i]
		}
	}
	return nil
}
