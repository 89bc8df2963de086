package ingresscontroller

import (
	"fmt"
	"sort"
	"strings"

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

// admit works out the effective domain and strategy of ic and checks that
// no older admitted IngressController serves the same domain. others are
// the other IngressControllers of the namespace.
func admit(ic *operatorv1.IngressController, others []operatorv1.IngressController, o Options) admission {
	a := admission{Domain: effectiveDomain(ic, o), Strategy: effectiveStrategy(ic, o), Ignored: ignoredFields(&ic.Spec)}
	var problems []string
	if a.Domain == "" {
		problems = append(problems, "no domain: set spec.domain, or start the manager with --domain")
	} else if msgs := validation.IsDNS1123Subdomain(a.Domain); len(msgs) > 0 {
		problems = append(problems, fmt.Sprintf("domain %q: %s", a.Domain, strings.Join(msgs, "; ")))
	}
	if owner := domainOwner(ic, others, a.Domain); owner != "" {
		problems = append(problems, fmt.Sprintf("domain %s is already used by IngressController %s", a.Domain, owner))
	}
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

// domainOwner names the older IngressController (creation time, then name)
// that already holds domain, if any: the oldest keeps it, as with routes.
func domainOwner(ic *operatorv1.IngressController, others []operatorv1.IngressController, domain string) string {
	sorted := append([]operatorv1.IngressController(nil), others...)
	sort.Slice(sorted, func(i, j int) bool { return olderIC(&sorted[i], &sorted[j]) })
	for i := range sorted {
		o := &sorted[i]
		if o.Name == ic.Name || !olderIC(o, ic) || o.DeletionTimestamp != nil {
			continue
		}
		if d := o.Status.Domain; d != "" && d == domain && isAdmitted(o) {
			return o.Name
		}
	}
	return ""
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
