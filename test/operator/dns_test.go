package operator

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	externaldnsv1alpha1 "github.com/okd-ingress/okd-ingress/api/externaldns/v1alpha1"
	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// setLoadBalancer writes the LoadBalancer Service's status as a cloud
// provider would.
func setLoadBalancer(t *testing.T, ic string, ingress ...corev1.LoadBalancerIngress) {
	t.Helper()
	eventually(t, "writing the load balancer status", func() error {
		var svc corev1.Service
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: names.LoadBalancerService(ic)}, &svc); err != nil {
			return err
		}
		svc.Status.LoadBalancer.Ingress = ingress
		return k8s.Status().Update(ctx, &svc)
	})
}

// wildcardRecord reads the IngressController's DNSEndpoint, or nil.
func wildcardRecord(ic string) (*externaldnsv1alpha1.DNSEndpoint, error) {
	ep := &externaldnsv1alpha1.DNSEndpoint{}
	err := k8s.Get(ctx, client.ObjectKey{Namespace: names.OperatorNamespace, Name: names.WildcardDNSEndpoint(ic)}, ep)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return ep, err
}

// observe marks the DNSEndpoint read, as ExternalDNS does.
func observe(t *testing.T, ic string) {
	t.Helper()
	eventually(t, "ExternalDNS's status write", func() error {
		ep, err := wildcardRecord(ic)
		if err != nil || ep == nil {
			return fmt.Errorf("no record (%v)", err)
		}
		ep.Status.ObservedGeneration = ep.Generation
		return k8s.Status().Update(ctx, ep)
	})
}

func waitRecord(t *testing.T, ic, zone string, want ...externaldnsv1alpha1.Endpoint) {
	t.Helper()
	eventually(t, "the wildcard record", func() error { return recordIs(ic, zone, want) })
}

// recordIs says how ic's DNSEndpoint differs from want in zone; want nil
// is no DNSEndpoint.
func recordIs(ic, zone string, want []externaldnsv1alpha1.Endpoint) error {
	ep, err := wildcardRecord(ic)
	switch {
	case err != nil:
		return err
	case ep == nil && want == nil:
		return nil
	case ep == nil:
		return fmt.Errorf("no DNSEndpoint")
	case want == nil:
		return fmt.Errorf("DNSEndpoint %+v still there", ep.Spec)
	case !reflect.DeepEqual(ep.Spec.Endpoints, want):
		return fmt.Errorf("endpoints %+v, want %+v", ep.Spec.Endpoints, want)
	case ep.Labels[names.DNSZoneLabel] != zone:
		return fmt.Errorf("zone %q, want %q", ep.Labels[names.DNSZoneLabel], zone)
	case len(ep.OwnerReferences) != 1 || ep.OwnerReferences[0].Name != ic || ep.OwnerReferences[0].Kind != "IngressController":
		return fmt.Errorf("owners %+v", ep.OwnerReferences)
	}
	return nil
}

// waitLoadBalancerSeen waits for LoadBalancerReady to name addr: the
// operator writes status after ensureDNS in the same reconcile, so from
// then on the record reflects a load balancer at addr.
func waitLoadBalancerSeen(t *testing.T, ic, addr string) {
	t.Helper()
	eventually(t, "LoadBalancerReady naming "+addr, func() error {
		x, err := getIC(ic)
		if err != nil {
			return err
		}
		c := condition(x, "LoadBalancerReady")
		if c == nil || !strings.Contains(c.Message, " "+addr+".") {
			return fmt.Errorf("LoadBalancerReady is %+v", c)
		}
		return nil
	})
}

// recordHold is how long a record that must not change is watched: a few
// reconciles' worth on a loaded 2-core machine.
const recordHold = 5 * time.Second

// holdRecord checks that the wildcard record is want now and stays so for
// recordHold.
func holdRecord(t *testing.T, ic, zone string, want ...externaldnsv1alpha1.Endpoint) {
	t.Helper()
	for end := time.Now().Add(recordHold); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if err := recordIs(ic, zone, want); err != nil {
			t.Fatalf("the wildcard record did not hold: %v", err)
		}
	}
}

func waitConditions(t *testing.T, ic string, want map[string]string) {
	t.Helper()
	eventually(t, fmt.Sprintf("conditions %v", want), func() error {
		x, err := getIC(ic)
		if err != nil {
			return err
		}
		for typ, st := range want {
			c := condition(x, typ)
			if st == "" && c == nil {
				continue
			}
			if c == nil || string(c.Status) != st {
				return fmt.Errorf("%s is %+v, want %q", typ, c, st)
			}
		}
		return nil
	})
}

func record(t string, targets ...string) func(domain string) externaldnsv1alpha1.Endpoint {
	return func(domain string) externaldnsv1alpha1.Endpoint {
		return externaldnsv1alpha1.Endpoint{DNSName: "*." + domain, RecordType: t, Targets: targets, RecordTTL: 30}
	}
}

// TestWildcardDNS: the DNSEndpoint for each publishing type and scope,
// following the load balancer's address, and the DNS conditions.
func TestWildcardDNS(t *testing.T) {
	lb := func(scope operatorv1.LoadBalancerScope, policy operatorv1.LoadBalancerDNSManagementPolicy) icMod {
		return strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.LoadBalancerServiceStrategyType,
			LoadBalancer: &operatorv1.LoadBalancerStrategy{Scope: scope, DNSManagementPolicy: policy}})
	}
	ready := func(ic string) {
		setRolledOut(t, ic)
	}

	t.Run("external: A record, then dual stack, then a host name", func(t *testing.T) {
		const ic, dom = "dns-ext", "dns-ext.op.test"
		createIC(t, ic, domain(dom), lb(operatorv1.ExternalLoadBalancer, ""))
		ready(ic)
		waitConditions(t, ic, map[string]string{"DNSManaged": "True", "DNSReady": "False", "Available": "False"})
		waitRecord(t, ic, "public")

		setLoadBalancer(t, ic, corev1.LoadBalancerIngress{IP: "198.51.100.20"})
		waitRecord(t, ic, "public", record("A", "198.51.100.20")(dom))
		waitConditions(t, ic, map[string]string{"LoadBalancerReady": "True", "DNSReady": "False", "Available": "False"})
		observe(t, ic)
		waitConditions(t, ic, map[string]string{"DNSReady": "True", "Available": "True"})

		setLoadBalancer(t, ic, corev1.LoadBalancerIngress{IP: "2001:db8::20"}, corev1.LoadBalancerIngress{IP: "198.51.100.20"})
		waitRecord(t, ic, "public", record("A", "198.51.100.20")(dom), record("AAAA", "2001:db8::20")(dom))
		// A new generation is not ready until ExternalDNS has read it.
		waitConditions(t, ic, map[string]string{"DNSReady": "False", "Available": "False"})
		observe(t, ic)
		waitConditions(t, ic, map[string]string{"DNSReady": "True", "Available": "True"})

		setLoadBalancer(t, ic, corev1.LoadBalancerIngress{Hostname: "lb-20.elb.example.net"})
		waitRecord(t, ic, "public", record("CNAME", "lb-20.elb.example.net")(dom))

		// Deleting the IngressController deletes its record.
		x, err := getIC(ic)
		must(t, err)
		must(t, k8s.Delete(ctx, x))
		waitRecord(t, ic, "")
	})

	t.Run("internal scope: the private zone", func(t *testing.T) {
		const ic, dom = "dns-int", "dns-int.op.test"
		createIC(t, ic, domain(dom), lb(operatorv1.InternalLoadBalancer, ""))
		setLoadBalancer(t, ic, corev1.LoadBalancerIngress{IP: "10.20.0.4"})
		waitRecord(t, ic, "private", record("A", "10.20.0.4")(dom))
	})

	// As OKD leaves the record in its zones: an admin taking the domain's
	// DNS over does not begin with an outage.
	t.Run("turned off: the record stays as it is, and Available no longer waits for it", func(t *testing.T) {
		const ic, dom = "dns-off", "dns-off.op.test"
		createIC(t, ic, domain(dom), lb(operatorv1.ExternalLoadBalancer, operatorv1.ManagedLoadBalancerDNS))
		ready(ic)
		setLoadBalancer(t, ic, corev1.LoadBalancerIngress{IP: "198.51.100.30"})
		waitRecord(t, ic, "public", record("A", "198.51.100.30")(dom))
		waitConditions(t, ic, map[string]string{"DNSReady": "False", "Available": "False"})
		updateIC(t, ic, func(x *operatorv1.IngressController) {
			x.Spec.EndpointPublishingStrategy.LoadBalancer.DNSManagementPolicy = operatorv1.UnmanagedLoadBalancerDNS
		})
		waitConditions(t, ic, map[string]string{"DNSManaged": "False", "DNSReady": "", "Available": "True"})
		x, err := getIC(ic)
		must(t, err)
		expect(t, "DNSManaged reason", condition(x, "DNSManaged").Reason, "UnmanagedLoadBalancerDNS")
		setLoadBalancer(t, ic, corev1.LoadBalancerIngress{IP: "198.51.100.31"})
		// The record is still .30 before the operator has looked: wait for
		// the reconcile that read the moved load balancer (it writes
		// LoadBalancerReady after ensureDNS), then the record must stay.
		waitLoadBalancerSeen(t, ic, "198.51.100.31")
		holdRecord(t, ic, "public", record("A", "198.51.100.30")(dom))

		// Managed again, it follows the load balancer once more.
		updateIC(t, ic, func(x *operatorv1.IngressController) {
			x.Spec.EndpointPublishingStrategy.LoadBalancer.DNSManagementPolicy = operatorv1.ManagedLoadBalancerDNS
		})
		waitRecord(t, ic, "public", record("A", "198.51.100.31")(dom))
	})

	t.Run("other strategies publish nothing", func(t *testing.T) {
		for _, s := range []operatorv1.EndpointPublishingStrategyType{operatorv1.NodePortServiceStrategyType,
			operatorv1.HostNetworkStrategyType, operatorv1.PrivateStrategyType} {
			ic := "dns-" + map[operatorv1.EndpointPublishingStrategyType]string{operatorv1.NodePortServiceStrategyType: "np",
				operatorv1.HostNetworkStrategyType: "hn", operatorv1.PrivateStrategyType: "pv"}[s]
			createIC(t, ic, domain(ic+".op.test"), strategy(operatorv1.EndpointPublishingStrategy{Type: s}))
			waitConditions(t, ic, map[string]string{"DNSManaged": "False", "DNSReady": ""})
			x, err := getIC(ic)
			must(t, err)
			expect(t, ic+" DNSManaged reason", condition(x, "DNSManaged").Reason, "UnsupportedEndpointPublishingStrategy")
			ep, err := wildcardRecord(ic)
			must(t, err)
			if ep != nil {
				t.Errorf("%s has a DNSEndpoint", ic)
			}
		}
	})
}
