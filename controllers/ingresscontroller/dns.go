package ingresscontroller

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	externaldnsv1alpha1 "github.com/okd-ingress/okd-ingress/api/externaldns/v1alpha1"
	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// The wildcard record of a load-balanced IngressController: *.<domain> to
// the load balancer's addresses (A, AAAA) or host name (CNAME), published
// by ExternalDNS from a DNSEndpoint. The TTL is OKD's.
const wildcardTTL = 30

// DNSOptions configure DNS management.
type DNSOptions struct {
	// Disabled turns DNS management off for every IngressController, as
	// dnsManagementPolicy: Unmanaged does for one.
	Disabled bool
	// CheckServer, host:port, is a DNS server of the zone: when set, the
	// record counts as ready once a name under the domain resolves there to
	// the load balancer, not only once ExternalDNS has read it.
	CheckServer string
}

// dnsManagement is whether the operator publishes ic's wildcard record.
type dnsManagement struct {
	managed bool
	// leftAlone: a load-balanced IngressController's record that is not
	// managed stays as it is (Unmanaged, --manage-dns=false), as OKD leaves
	// its record in the zones: taking over a domain's DNS must not begin
	// with an outage. It no longer follows the load balancer; deleting the
	// DNSEndpoint removes it.
	leftAlone       bool
	reason, message string
}

func dnsManaged(a admission, o Options) dnsManagement {
	s := a.Strategy
	switch {
	case s == nil || s.Type != operatorv1.LoadBalancerServiceStrategyType:
		return dnsManagement{reason: "UnsupportedEndpointPublishingStrategy",
			message: "DNS is published only for the LoadBalancerService strategy; point the domain's records at the routers yourself"}
	case o.DNS.Disabled:
		return dnsManagement{leftAlone: true, reason: "DNSManagementDisabled", message: "the manager runs with --manage-dns=false"}
	case s.LoadBalancer != nil && s.LoadBalancer.DNSManagementPolicy == operatorv1.UnmanagedLoadBalancerDNS:
		return dnsManagement{leftAlone: true, reason: "UnmanagedLoadBalancerDNS",
			message: "spec.endpointPublishingStrategy.loadBalancer.dnsManagementPolicy is Unmanaged"}
	}
	return dnsManagement{managed: true, reason: "Normal", message: "The wildcard record of the domain is published through ExternalDNS."}
}

// dnsZone is the zone label value for the scope of the load balancer in
// force: where the platform marks it on lb, a scope change that waits for
// a new Service (planLoadBalancer) keeps the record in its zone, rather
// than take the address of an internet-facing load balancer out of the
// public zone, or put an internal one's into it, before the change.
func dnsZone(a admission, lb *corev1.Service, p Platform) string {
	scope := operatorv1.ExternalLoadBalancer
	if internal := internalLBAnnotations[p]; len(internal) > 0 {
		scope = scopeOf(lb.Annotations, internal)
	} else if a.Strategy.LoadBalancer != nil {
		scope = a.Strategy.LoadBalancer.Scope
	}
	if scope == operatorv1.InternalLoadBalancer {
		return "private"
	}
	return "public"
}

// wildcardEndpoints are the records for the load balancer's addresses: one
// A and one AAAA set for its IPs, or a CNAME to its host name. None until the
// load balancer has an address.
func wildcardEndpoints(domain string, lb *corev1.Service) []externaldnsv1alpha1.Endpoint {
	if lb == nil {
		return nil
	}
	name := "*." + domain
	var v4, v6 []string
	for _, in := range lb.Status.LoadBalancer.Ingress {
		if ip := net.ParseIP(in.IP); ip != nil {
			if ip.To4() != nil {
				v4 = append(v4, ip.String())
			} else {
				v6 = append(v6, ip.String())
			}
		}
	}
	var out []externaldnsv1alpha1.Endpoint
	for _, set := range []struct {
		t       string
		targets []string
	}{{"A", v4}, {"AAAA", v6}} {
		if len(set.targets) > 0 {
			slices.Sort(set.targets)
			out = append(out, externaldnsv1alpha1.Endpoint{DNSName: name, RecordType: set.t, Targets: set.targets, RecordTTL: wildcardTTL})
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, in := range lb.Status.LoadBalancer.Ingress {
		if in.Hostname != "" {
			return []externaldnsv1alpha1.Endpoint{{DNSName: name, RecordType: "CNAME", Targets: []string{in.Hostname}, RecordTTL: wildcardTTL}}
		}
	}
	return nil
}

// desiredDNSEndpoint is the wildcard DNSEndpoint of ic, or nil when there
// is none to publish.
func desiredDNSEndpoint(ic *operatorv1.IngressController, a admission, lb *corev1.Service, o Options) *externaldnsv1alpha1.DNSEndpoint {
	if !dnsManaged(a, o).managed {
		return nil
	}
	eps := wildcardEndpoints(a.Domain, lb)
	if len(eps) == 0 {
		return nil
	}
	return &externaldnsv1alpha1.DNSEndpoint{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: o.OperatorNamespace, Name: names.WildcardDNSEndpoint(ic.Name),
			Labels: map[string]string{names.OwningLabel: ic.Name, names.DNSZoneLabel: dnsZone(a, lb, o.Platform)},
		},
		Spec: externaldnsv1alpha1.DNSEndpointSpec{Endpoints: eps},
	}
}

// ensureDNS keeps ic's DNSEndpoint as desired, deletes it, or, as m says,
// leaves it alone.
func (r *Reconciler) ensureDNS(ctx context.Context, ic *operatorv1.IngressController, a admission, lb *corev1.Service, m dnsManagement) (*externaldnsv1alpha1.DNSEndpoint, error) {
	if m.leftAlone {
		return nil, nil
	}
	want := desiredDNSEndpoint(ic, a, lb, r.Options)
	if want == nil {
		gone := &externaldnsv1alpha1.DNSEndpoint{ObjectMeta: metav1.ObjectMeta{Namespace: r.Options.OperatorNamespace, Name: names.WildcardDNSEndpoint(ic.Name)}}
		return nil, r.deleteOwned(ctx, gone, ic.Name)
	}
	live := &externaldnsv1alpha1.DNSEndpoint{ObjectMeta: metav1.ObjectMeta{Namespace: want.Namespace, Name: want.Name}}
	_, err := controllerutil.CreateOrPatch(ctx, r.Client, live, func() error {
		if !live.CreationTimestamp.IsZero() && live.Labels[names.OwningLabel] != ic.Name {
			return fmt.Errorf("DNSEndpoint %s/%s exists and is not managed by this IngressController (label %s): delete or rename it",
				live.Namespace, live.Name, names.OwningLabel)
		}
		live.Labels = mergeMaps(live.Labels, want.Labels)
		if !equality.Semantic.DeepEqual(live.Spec, want.Spec) {
			live.Spec = want.Spec
		}
		return controllerutil.SetControllerReference(ic, live, r.Scheme())
	})
	if err != nil {
		return nil, fmt.Errorf("DNSEndpoint %s: %w", want.Name, err)
	}
	return live, nil
}

// recordNotResolving is DNSReady's reason while the check server does not
// answer with the record yet.
const recordNotResolving = "RecordNotResolving"

// dnsCheck is the verdict on a published record.
type dnsCheck struct {
	ready           bool
	reason, message string
}

// checkDNS decides whether the record is published: ExternalDNS has read
// its current generation, and, with a check server, the domain resolves
// there to the record's targets.
func (r *Reconciler) checkDNS(ctx context.Context, ep *externaldnsv1alpha1.DNSEndpoint, domain string) dnsCheck {
	if ep == nil {
		return dnsCheck{reason: "RecordNotFound", message: "The load balancer has no address yet, so there is no record to publish."}
	}
	if ep.Status.ObservedGeneration < ep.Generation {
		return dnsCheck{reason: "RecordNotObserved",
			message: fmt.Sprintf("ExternalDNS has not read DNSEndpoint %s/%s yet (is one running with --source=crd, its --label-filter taking %s=%s?)",
				ep.Namespace, ep.Name, names.DNSZoneLabel, ep.Labels[names.DNSZoneLabel])}
	}
	if r.Options.DNS.CheckServer == "" {
		return dnsCheck{ready: true, reason: "NoFailedZones", message: "ExternalDNS has read the record."}
	}
	// Rooted: the operator pod's search domains must not be tried first
	// (one with a wildcard record of its own would answer for it).
	probe := "okd-ingress-dns-check." + domain + "."
	got, err := lookup(ctx, r.Options.DNS.CheckServer, probe, ep.Spec.Endpoints)
	if err != nil {
		return dnsCheck{reason: recordNotResolving, message: fmt.Sprintf("%s does not resolve at %s: %v", probe, r.Options.DNS.CheckServer, err)}
	}
	if want := targets(ep.Spec.Endpoints); !slices.Equal(got, want) {
		return dnsCheck{reason: recordNotResolving, message: fmt.Sprintf("%s resolves at %s to %v, want %v", probe, r.Options.DNS.CheckServer, got, want)}
	}
	return dnsCheck{ready: true, reason: "NoFailedZones", message: fmt.Sprintf("*.%s resolves at %s.", domain, r.Options.DNS.CheckServer)}
}

// targets lists a record's targets as a resolver returns them: addresses,
// or the CNAME's host name with its final dot.
func targets(eps []externaldnsv1alpha1.Endpoint) []string {
	var out []string
	for _, e := range eps {
		for _, t := range e.Targets {
			if e.RecordType == "CNAME" {
				t = strings.TrimSuffix(t, ".") + "."
			}
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// lookup asks server for name: its CNAME when the record is one, else its
// addresses. A failed lookup is made once more: one lost UDP packet must
// not turn DNSReady, and Available with it, False until the next check.
// (Any failure: when the A answer is lost and the AAAA one says there are
// none, Go's resolver reports the name as not found.)
func lookup(ctx context.Context, server, name string, eps []externaldnsv1alpha1.Endpoint) ([]string, error) {
	got, err := lookupOnce(ctx, server, name, eps)
	if err != nil && ctx.Err() == nil {
		got, err = lookupOnce(ctx, server, name, eps)
	}
	return got, err
}

// dnsTimeout bounds one lookup: a server of the zone answers in
// milliseconds, and a reconcile waits for it.
const dnsTimeout = 1500 * time.Millisecond

func lookupOnce(ctx context.Context, server, name string, eps []externaldnsv1alpha1.Endpoint) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, dnsTimeout)
	defer cancel()
	res := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, server)
	}}
	if len(eps) == 1 && eps[0].RecordType == "CNAME" {
		cname, err := res.LookupCNAME(ctx, name)
		return []string{cname}, err
	}
	addrs, err := res.LookupHost(ctx, name)
	slices.Sort(addrs)
	return addrs, err
}
