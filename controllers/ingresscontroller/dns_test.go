package ingresscontroller

import (
	"context"
	"net"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	corev1 "k8s.io/api/core/v1"

	externaldnsv1alpha1 "github.com/okd-ingress/okd-ingress/api/externaldns/v1alpha1"
	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

func lbWith(ingress ...corev1.LoadBalancerIngress) *corev1.Service {
	s := &corev1.Service{}
	s.Status.LoadBalancer.Ingress = ingress
	return s
}

func annotated(s *corev1.Service, kv ...string) *corev1.Service {
	s.Annotations = map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		s.Annotations[kv[i]] = kv[i+1]
	}
	return s
}

func TestDesiredDNSEndpoint(t *testing.T) {
	ic := &operatorv1.IngressController{}
	ic.Name = "public"
	lbAdmission := func(scope operatorv1.LoadBalancerScope, policy operatorv1.LoadBalancerDNSManagementPolicy) admission {
		return admission{Admitted: true, Domain: "apps.example.com", Strategy: &operatorv1.EndpointPublishingStrategy{
			Type: operatorv1.LoadBalancerServiceStrategyType, LoadBalancer: &operatorv1.LoadBalancerStrategy{Scope: scope, DNSManagementPolicy: policy}}}
	}
	external := lbAdmission(operatorv1.ExternalLoadBalancer, operatorv1.ManagedLoadBalancerDNS)
	ep := func(t string, targets ...string) externaldnsv1alpha1.Endpoint {
		return externaldnsv1alpha1.Endpoint{DNSName: "*.apps.example.com", RecordType: t, Targets: targets, RecordTTL: 30}
	}
	cases := []struct {
		name string
		a    admission
		lb   *corev1.Service
		o    Options
		want []externaldnsv1alpha1.Endpoint // nil: no DNSEndpoint
		zone string
	}{
		{name: "an IP", a: external, lb: lbWith(corev1.LoadBalancerIngress{IP: "198.51.100.7"}),
			want: []externaldnsv1alpha1.Endpoint{ep("A", "198.51.100.7")}, zone: "public"},
		{name: "two IPs, sorted", a: external, lb: lbWith(corev1.LoadBalancerIngress{IP: "198.51.100.9"}, corev1.LoadBalancerIngress{IP: "198.51.100.7"}),
			want: []externaldnsv1alpha1.Endpoint{ep("A", "198.51.100.7", "198.51.100.9")}, zone: "public"},
		{name: "dual stack", a: external, lb: lbWith(corev1.LoadBalancerIngress{IP: "2001:db8::7"}, corev1.LoadBalancerIngress{IP: "198.51.100.7"}),
			want: []externaldnsv1alpha1.Endpoint{ep("A", "198.51.100.7"), ep("AAAA", "2001:db8::7")}, zone: "public"},
		{name: "a host name", a: external, lb: lbWith(corev1.LoadBalancerIngress{Hostname: "lb-123.elb.example.net"}),
			want: []externaldnsv1alpha1.Endpoint{ep("CNAME", "lb-123.elb.example.net")}, zone: "public"},
		{name: "internal scope: the private zone", a: lbAdmission(operatorv1.InternalLoadBalancer, operatorv1.ManagedLoadBalancerDNS),
			lb: lbWith(corev1.LoadBalancerIngress{IP: "10.1.2.3"}), want: []externaldnsv1alpha1.Endpoint{ep("A", "10.1.2.3")}, zone: "private"},
		{name: "internal scope on AWS, in force", a: lbAdmission(operatorv1.InternalLoadBalancer, operatorv1.ManagedLoadBalancerDNS),
			lb: annotated(lbWith(corev1.LoadBalancerIngress{Hostname: "internal-lb.elb.example.net"}), awsInternal, "true"), o: Options{Platform: PlatformAWS},
			want: []externaldnsv1alpha1.Endpoint{ep("CNAME", "internal-lb.elb.example.net")}, zone: "private"},
		{name: "internal scope on AWS, waiting for a new Service: the internet-facing one stays public",
			a: lbAdmission(operatorv1.InternalLoadBalancer, operatorv1.ManagedLoadBalancerDNS), o: Options{Platform: PlatformAWS},
			lb: lbWith(corev1.LoadBalancerIngress{Hostname: "lb-123.elb.example.net"}), want: []externaldnsv1alpha1.Endpoint{ep("CNAME", "lb-123.elb.example.net")}, zone: "public"},
		{name: "external scope on AWS, waiting for a new Service: the internal one stays private", a: external, o: Options{Platform: PlatformAWS},
			lb:   annotated(lbWith(corev1.LoadBalancerIngress{Hostname: "internal-lb.elb.example.net"}), awsInternal, "true"),
			want: []externaldnsv1alpha1.Endpoint{ep("CNAME", "internal-lb.elb.example.net")}, zone: "private"},
		{name: "no address yet", a: external, lb: lbWith()},
		{name: "no Service yet", a: external},
		{name: "unmanaged", a: lbAdmission(operatorv1.ExternalLoadBalancer, operatorv1.UnmanagedLoadBalancerDNS),
			lb: lbWith(corev1.LoadBalancerIngress{IP: "198.51.100.7"})},
		{name: "DNS management off", a: external, lb: lbWith(corev1.LoadBalancerIngress{IP: "198.51.100.7"}), o: Options{DNS: DNSOptions{Disabled: true}}},
		{name: "NodePort publishes nothing", a: admission{Domain: "apps.example.com", Strategy: &operatorv1.EndpointPublishingStrategy{Type: operatorv1.NodePortServiceStrategyType}},
			lb: lbWith(corev1.LoadBalancerIngress{IP: "198.51.100.7"})},
		{name: "HostNetwork publishes nothing", a: admission{Domain: "apps.example.com", Strategy: &operatorv1.EndpointPublishingStrategy{Type: operatorv1.HostNetworkStrategyType}}},
		{name: "Private publishes nothing", a: admission{Domain: "apps.example.com", Strategy: &operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.OperatorNamespace = "ops"
			got := desiredDNSEndpoint(ic, tc.a, tc.lb, tc.o)
			if tc.want == nil {
				if got != nil {
					t.Fatalf("DNSEndpoint %+v, want none", got.Spec)
				}
				return
			}
			if got == nil {
				t.Fatal("no DNSEndpoint")
			}
			if !reflect.DeepEqual(got.Spec.Endpoints, tc.want) {
				t.Errorf("endpoints %+v, want %+v", got.Spec.Endpoints, tc.want)
			}
			if got.Name != "public-wildcard" || got.Namespace != "ops" || got.Labels[names.OwningLabel] != "public" || got.Labels[names.DNSZoneLabel] != tc.zone {
				t.Errorf("object %s/%s labels %v, want ops/public-wildcard in zone %s", got.Namespace, got.Name, got.Labels, tc.zone)
			}
		})
	}
}

func TestDNSTargets(t *testing.T) {
	eps := []externaldnsv1alpha1.Endpoint{{RecordType: "AAAA", Targets: []string{"2001:db8::1"}}, {RecordType: "A", Targets: []string{"198.51.100.7"}}}
	if got, want := targets(eps), []string{"198.51.100.7", "2001:db8::1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("targets %v, want %v", got, want)
	}
	if got, want := targets([]externaldnsv1alpha1.Endpoint{{RecordType: "CNAME", Targets: []string{"lb.example.net"}}}), []string{"lb.example.net."}; !reflect.DeepEqual(got, want) {
		t.Errorf("CNAME targets %v, want %v", got, want)
	}
}

// TestDNSRecheck: a record that does not resolve is looked at again every
// two seconds for DNSReady's grace period after its first miss, however
// many reconciles come meanwhile, then less often as time goes, up to a
// minute; once it resolves, the next miss starts over, and another
// IngressController's record has its own clock.
func TestDNSRecheck(t *testing.T) {
	var r Reconciler
	t0 := time.Unix(1000, 0)
	for i := range 50 { // a burst of reconciles (a rollout's events)
		if d := r.dnsRecheck("a", true, t0.Add(time.Duration(i)*10*time.Millisecond)); d != dnsCheckInterval {
			t.Fatalf("reconcile %d within the grace period: %v", i, d)
		}
	}
	for _, c := range []struct {
		at, want time.Duration
	}{{29 * time.Second, 2 * time.Second}, {40 * time.Second, 10 * time.Second}, {2 * time.Minute, 30 * time.Second}, {10 * time.Minute, time.Minute}} {
		if d := r.dnsRecheck("a", true, t0.Add(c.at)); d != c.want {
			t.Errorf("%v after the first miss: %v, want %v", c.at, d, c.want)
		}
	}
	if d := r.dnsRecheck("b", true, t0.Add(10*time.Minute)); d != dnsCheckInterval {
		t.Errorf("another IngressController's first miss: %v", d)
	}
	if d := r.dnsRecheck("a", false, t0.Add(11*time.Minute)); d != 0 {
		t.Errorf("resolving: %v, want no recheck", d)
	}
	if d := r.dnsRecheck("a", true, t0.Add(12*time.Minute)); d != dnsCheckInterval {
		t.Errorf("a miss after resolving: %v, want %v", d, dnsCheckInterval)
	}
}

// lossyDNS is a DNS server on 127.0.0.1 that answers every A question with
// addr, except that it drops the first drop A questions it gets (UDP
// packets lost; a lost AAAA answer alone, Go's resolver passes over), and
// records the names asked.
func lossyDNS(t *testing.T, addr string, drop int) (server string, asked func() []string) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	var mu sync.Mutex
	var names []string
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			mu.Lock()
			names = append(names, q.Name.String())
			dropped := drop > 0 && q.Type == dnsmessage.TypeA
			if dropped {
				drop--
			}
			mu.Unlock()
			if dropped {
				continue
			}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
			_ = b.StartQuestions()
			_ = b.Question(q)
			_ = b.StartAnswers()
			if q.Type == dnsmessage.TypeA {
				_ = b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 30},
					dnsmessage.AResource{A: [4]byte(net.ParseIP(addr).To4())})
			}
			if out, err := b.Finish(); err == nil {
				_, _ = pc.WriteTo(out, from)
			}
		}
	}()
	return pc.LocalAddr().String(), func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(names)
	}
}

// TestDNSCheckLostPacket: one lost answer does not make the record read as
// not resolving (DNSReady, and Available with it, False until the next
// check), and the name asked is rooted, so that no search domain of the
// operator's pod is tried first.
func TestDNSCheckLostPacket(t *testing.T) {
	server, asked := lossyDNS(t, "198.51.100.7", 1)
	r := &Reconciler{Options: Options{DNS: DNSOptions{CheckServer: server}}}
	ep := &externaldnsv1alpha1.DNSEndpoint{Spec: externaldnsv1alpha1.DNSEndpointSpec{Endpoints: []externaldnsv1alpha1.Endpoint{
		{DNSName: "*.apps.example.com", RecordType: "A", Targets: []string{"198.51.100.7"}}}}}
	got := r.checkDNS(context.Background(), ep, "apps.example.com")
	if !got.ready {
		t.Errorf("not ready after one lost packet: %s: %s", got.reason, got.message)
	}
	for _, n := range asked() {
		if n != "okd-ingress-dns-check.apps.example.com." {
			t.Errorf("asked %q", n)
		}
	}
}
