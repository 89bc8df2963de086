package main

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/controllers/ingresscontroller"
	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

// dnsRun is one ExternalDNS configuration's numbers.
type dnsRun struct {
	label    string
	resolved []time.Duration // load balancer address → wildcard resolves
}

// benchDNS measures the time from a load balancer getting an address to
// the IngressController's wildcard name resolving, through the operator's
// DNSEndpoint, ExternalDNS (coredns provider) and CoreDNS, for 20
// IngressControllers; against ExternalDNS's default periodic sync (1m) in
// the same run (issue 11, "Measured in bench/").
func benchDNS(e *env) ([]*table, error) {
	n := e.s.pick(20, 5)
	var runs []dnsRun
	for _, cfg := range []struct {
		label    string
		interval time.Duration
	}{{"ours: ExternalDNS on every change (--events)", 0}, {"ExternalDNS's default: every minute (--interval=1m)", time.Minute}} {
		r, err := dnsMode(e, cfg.label, cfg.interval, n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.label, err)
		}
		runs = append(runs, r)
	}
	return []*table{dnsTable(runs, n)}, nil
}

func dnsMode(e *env, label string, interval time.Duration, n int) (dnsRun, error) {
	run := dnsRun{label: label}
	dir, err := e.newDir("dns-")
	if err != nil {
		return run, err
	}
	c, err := localcluster.Start(localcluster.Options{Domain: "apps.bench.test", Manager: true, Dir: dir,
		AdvertiseAddress: framework.HostAddress,
		Operator:         ingresscontroller.Options{DNS: ingresscontroller.DNSOptions{CheckServer: net.JoinHostPort(framework.HostAddress, "53")}}})
	if err != nil {
		return run, err
	}
	defer func() { _ = c.Stop() }()
	dns, err := c.StartDNS(localcluster.DNSOptions{Address: net.ParseIP(framework.HostAddress), Zone: "bench.test", Interval: interval})
	if err != nil {
		return run, err
	}
	ctx := context.Background()
	for i := range n {
		ic := &operatorv1.IngressController{ObjectMeta: metav1.ObjectMeta{Namespace: names.OperatorNamespace, Name: fmt.Sprintf("lb%02d", i)},
			Spec: operatorv1.IngressControllerSpec{Domain: fmt.Sprintf("lb%02d.bench.test", i),
				EndpointPublishingStrategy: &operatorv1.EndpointPublishingStrategy{Type: operatorv1.LoadBalancerServiceStrategyType}}}
		if err := c.Client.Create(ctx, ic); err != nil {
			return run, err
		}
	}
	// A cloud provider gives every load balancer an address at once; each
	// wildcard is timed from its own address write.
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := timeWildcard(ctx, c.Client, dns.Server, i)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			run.resolved = append(run.resolved, d)
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return run, errs[0]
	}
	return run, nil
}

// timeWildcard gives IngressController lb<i>'s load balancer an address
// and returns how long until a name under its domain resolves to it.
func timeWildcard(ctx context.Context, c client.Client, server string, i int) (time.Duration, error) {
	ic, addr := fmt.Sprintf("lb%02d", i), fmt.Sprintf("198.18.251.%d", i+1)
	var svc corev1.Service
	deadline := time.Now().Add(time.Minute)
	for {
		err := c.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: names.LoadBalancerService(ic)}, &svc)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("no load balancer Service for %s: %w", ic, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: addr}}
	start := time.Now()
	if err := c.Status().Update(ctx, &svc); err != nil {
		return 0, err
	}
	name := "x." + ic + ".bench.test"
	for deadline = time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got, err := localcluster.Resolve(ctx, server, name); err == nil && len(got) == 1 && got[0] == addr {
			return time.Since(start), nil
		}
	}
	return 0, fmt.Errorf("%s did not resolve to %s within 3 minutes", name, addr)
}

func dnsTable(runs []dnsRun, n int) *table {
	t := newTable(fmt.Sprintf("DNS: load balancer address → *.<domain> resolves, %d IngressControllers", n),
		"ExternalDNS", "n", "p50", "p99", "max")
	for _, r := range runs {
		t.add(r.label, fmt.Sprint(len(r.resolved)), ms(percentile(r.resolved, 50)), ms(percentile(r.resolved, 99)), ms(percentile(r.resolved, 100)))
	}
	if len(runs) == 2 {
		t.add("ratio default / ours", "", ratio(float64(percentile(runs[1].resolved, 50)), float64(percentile(runs[0].resolved, 50))),
			ratio(float64(percentile(runs[1].resolved, 99)), float64(percentile(runs[0].resolved, 99))), "")
	}
	t.note("Each IngressController is published with LoadBalancerService; the benchmark writes its Service's load-balancer address as a cloud provider would, then asks CoreDNS (serving the zone from etcd) for a name under its domain every 20 ms until it answers that address. In between: the operator's DNSEndpoint, ExternalDNS's coredns provider writing etcd, CoreDNS reading it.")
	t.note("All load balancers get their address at once; both rows are the same operator, ExternalDNS and CoreDNS, with a control plane of their own, one after the other.")
	return t
}
