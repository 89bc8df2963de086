// Command local runs the whole okd-ingress stack on this machine, without
// Docker or a cluster, for `make run`: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok (built from source by
// hack/), the manager with its webhooks, three local nodes in network
// namespaces of their own with kube-proxy, and a node agent on each that
// runs router and demo pods as real processes. Ctrl-C stops everything.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/localstack"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

func main() {
	dir := flag.String("dir", "/tmp/okd-local", "directory for the kubeconfig and the nodes' files (keep it short)")
	nodes := flag.Int("nodes", 3, "number of local nodes")
	domain := flag.String("domain", "apps.okd.test", "apps domain of the default IngressController")
	haproxy := flag.String("haproxy", os.Getenv("OKD_INGRESS_HAPROXY"), "haproxy 3.0 binary for the routers")
	flag.Parse()
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "okd-ingress-local needs root: it creates a bridge, network namespaces and routes in the test range 198.18.0.0/15 "+
			"for its local nodes (so each router really gets ports 80, 443 and 1936 of its own node), and runs kube-proxy there. "+
			"Run it as root (sudo make run).")
		os.Exit(1)
	}
	if err := run(*dir, *nodes, *domain, *haproxy); err != nil {
		fmt.Fprintln(os.Stderr, "okd-ingress-local:", err)
		os.Exit(1)
	}
}

func run(dir string, nodes int, domain, haproxy string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	bin := filepath.Dir(self)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	logFile, err := os.Create(filepath.Join(dir, "stack.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	start := time.Now()
	s, err := localstack.Start(localstack.Options{
		Dir: dir, Nodes: nodes, Domain: domain, HAProxy: haproxy,
		RouterBinary: filepath.Join(bin, "okd-ingress-router"), EchoBinary: filepath.Join(bin, "okd-ingress-echo"),
		DefaultIngressController: true, DefaultStrategy: operatorv1.HostNetworkStrategyType,
		GracefulShutdownDelay: 2 * time.Second,
		Progress:              func(f string, a ...any) { say("· "+f, a...) },
		Log:                   logFile,
	})
	if err != nil {
		return fmt.Errorf("%w (logs: %s)", err, logFile.Name())
	}
	defer func() {
		say("stopping every process and removing the network…")
		if err := s.Stop(); err != nil {
			say("stopping: %v", err)
		}
		say("stopped.")
	}()
	say("· waiting for the default IngressController's routers…")
	routers, err := waitRouters(s.Cluster.Client, 2*time.Minute)
	if err != nil {
		return fmt.Errorf("%w (logs: %s)", err, logFile.Name())
	}
	caFile, err := writeRouterCA(s.Cluster.Client, dir)
	if err != nil {
		return err
	}
	dnsIP, _, _ := net.SplitHostPort(s.DNS.Server)
	printWelcome(s.Cluster.Kubeconfig, caFile, domain, dnsIP, routers, time.Since(start))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return nil
}

// waitRouters waits until the default IngressController is Available and
// returns the addresses of the nodes its routers run on.
func waitRouters(c client.Client, timeout time.Duration) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		var ic operatorv1.IngressController
		if err := c.Get(ctx, client.ObjectKey{Namespace: names.OperatorNamespace, Name: names.DefaultIngressController}, &ic); err == nil {
			for _, cond := range ic.Status.Conditions {
				if cond.Type == operatorv1.OperatorStatusTypeAvailable && cond.Status == operatorv1.ConditionTrue {
					return routerAddresses(ctx, c)
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("the default IngressController did not become Available within %s", timeout)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func routerAddresses(ctx context.Context, c client.Client) ([]string, error) {
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(names.RouterNamespace),
		client.MatchingLabels{names.DeploymentLabel: names.DefaultIngressController}); err != nil {
		return nil, err
	}
	var out []string
	for _, p := range pods.Items {
		if p.Status.HostIP != "" {
			out = append(out, p.Status.HostIP)
		}
	}
	return out, nil
}

// writeRouterCA saves the CA of the generated default certificates, so
// that curl can verify the routers (--cacert).
func writeRouterCA(c client.Client, dir string) (string, error) {
	var s corev1.Secret
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: names.OperatorNamespace, Name: names.RouterCASecret}, &s); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "router-ca.crt")
	return path, os.WriteFile(path, s.Data[corev1.TLSCertKey], 0o644)
}

func printWelcome(kubeconfig, caFile, domain, dns string, routers []string, took time.Duration) {
	assets, _ := localcluster.AssetsDir()
	first := "198.18.1.1"
	if len(routers) > 0 {
		first = routers[0]
	}
	say("")
	say("okd-ingress is running (started in %s).", took.Round(time.Second))
	say("  kubeconfig:      %s", kubeconfig)
	say("  routers (HostNetwork, ports 80/443/1936) on: %v", routers)
	say("  router CA:       %s", caFile)
	say("")
	say("Try:")
	say("  export KUBECONFIG=%s PATH=%s:$PATH", kubeconfig, assets)
	say("  kubectl apply -f config/samples/demo-app.yaml -f config/samples/route-edge.yaml   # from the repository's root")
	say("  kubectl wait -n demo deploy --all --for=condition=Available")
	say("  curl --cacert %s --resolve edge.%s:443:%s https://edge.%s/", caFile, domain, first, domain)
	say("  kubectl scale ingresscontroller/default -n openshift-ingress-operator --replicas=3")
	say("")
	say("DNS (CoreDNS on %s: cluster.local for pods, and the records ExternalDNS publishes for load-balanced IngressControllers):", dns)
	say("  kubectl apply -f config/samples/ingresscontroller-loadbalancer.yaml -f config/samples/route-internal.yaml")
	say("  kubectl wait -n openshift-ingress-operator ingresscontroller/internal --for=condition=DNSReady --timeout=2m   # ExternalDNS batches for 5 s")
	say("  dig +short @%s anything.internal.okd.test", dns)
	say("  curl --cacert %s --resolve hello.internal.okd.test:443:$(dig +short @%s hello.internal.okd.test) https://hello.internal.okd.test/", caFile, dns)
	say("")
	say("Ctrl-C stops everything.")
}

func say(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
