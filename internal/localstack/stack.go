package localstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/controllers/ingresscontroller"
	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/localnet"
	"github.com/okd-ingress/okd-ingress/internal/localnode"
	"github.com/okd-ingress/okd-ingress/internal/manager"
)

// The images local nodes run as processes.
const (
	RouterImage = "okd-ingress:latest"
	EchoImage   = "okd-ingress/echo:latest"
)

// Options configure a stack.
type Options struct {
	// Dir holds the kubeconfig and the nodes' files. Keep it short:
	// routers put unix sockets under it.
	Dir string
	// Nodes is the number of nodes (3 when 0).
	Nodes int
	// Domain is the apps domain (apps.okd.test when empty).
	Domain string
	// RouterBinary, EchoBinary and HAProxy are what the node agents run.
	RouterBinary, EchoBinary, HAProxy string
	// DefaultIngressController lets the manager create "default",
	// published with DefaultStrategy.
	DefaultIngressController bool
	DefaultStrategy          operatorv1.EndpointPublishingStrategyType
	// GracefulShutdownDelay is the routers' (short locally: nothing
	// outside needs time to take a router out of rotation).
	GracefulShutdownDelay time.Duration
	// CanaryInterval is how often the manager checks the default
	// IngressController's canary (a minute when 0, as on OKD).
	CanaryInterval time.Duration
	// Progress receives one line per step; Log the components' logs.
	Progress func(format string, args ...any)
	Log      io.Writer
}

// Stack is the whole local stack.
type Stack struct {
	Network *localnet.Network
	Cluster *localcluster.Cluster
	// DNS is CoreDNS (cluster.local and the apps zone) with ExternalDNS.
	DNS    *localcluster.DNS
	Agents []*localnode.Agent
	stopLB context.CancelFunc
	lbDone chan error
}

func (o *Options) defaults() {
	if o.Nodes == 0 {
		o.Nodes = 3
	}
	if o.Domain == "" {
		o.Domain = "apps.okd.test"
	}
	if o.Progress == nil {
		o.Progress = func(string, ...any) {}
	}
}

// Start brings the stack up: the network, the control plane with its
// manager, the nodes with their agents and kube-proxy, and the
// load-balancer controller. On error, whatever started is stopped.
func Start(o Options) (s *Stack, err error) {
	o.defaults()
	s = &Stack{}
	defer func() {
		if err != nil {
			_ = s.Stop()
		}
	}()
	var nodeNames []string
	for i := 1; i <= o.Nodes; i++ {
		nodeNames = append(nodeNames, fmt.Sprintf("node-%d", i))
	}
	o.Progress("network: bridge %s (%s) and %d nodes", localnet.Bridge, localnet.HostIP, o.Nodes)
	if s.Network, err = localnet.Setup(nodeNames...); err != nil {
		return s, err
	}
	o.Progress("control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok, the manager")
	if s.Cluster, err = startCluster(o); err != nil {
		return s, err
	}
	o.Progress("DNS: CoreDNS on %s (cluster.local, %s) and ExternalDNS", localnet.HostIP, Zone(o.Domain))
	if s.DNS, err = s.Cluster.StartDNS(localcluster.DNSOptions{Address: localnet.HostIP.AsSlice(), Zone: Zone(o.Domain)}); err != nil {
		return s, err
	}
	o.Progress("nodes: agents and kube-proxy on %d nodes", o.Nodes)
	if err = s.startNodes(o); err != nil {
		return s, err
	}
	return s, s.startLoadBalancers()
}

func startCluster(o Options) (*localcluster.Cluster, error) {
	host := localnet.HostIP.String()
	return localcluster.Start(localcluster.Options{
		Domain: o.Domain, Manager: true, Dir: o.Dir, Log: o.Log,
		AdvertiseAddress: host, BindAddress: host, Simulated: true, RealPods: true,
		DefaultIngressController: o.DefaultIngressController, DefaultStrategy: o.DefaultStrategy,
		Operator: ingresscontroller.Options{
			RouterImage: RouterImage, GracefulShutdownDelay: o.GracefulShutdownDelay, MinReadySeconds: 2,
			CanaryChecks: true, CanaryInterval: o.CanaryInterval,
			// A wildcard record is ready once the stack's CoreDNS answers it.
			DNS: ingresscontroller.DNSOptions{CheckServer: net.JoinHostPort(host, "53")},
		},
	})
}

func (s *Stack) startNodes(o Options) error {
	ctx := context.Background()
	assets, err := localcluster.AssetsDir()
	if err != nil {
		return err
	}
	var names []string
	for _, nd := range s.Network.Nodes() {
		labels := map[string]string{"node-role.kubernetes.io/worker": ""}
		if err := s.Cluster.AddNode(ctx, nd.Name, labels, nd.IP.String()); err != nil {
			return err
		}
		names = append(names, nd.Name)
	}
	if err := s.Cluster.WaitNodesReady(ctx, names...); err != nil {
		return err
	}
	images := map[string]localnode.Image{
		RouterImage: {Binary: o.RouterBinary, Router: true},
		EchoImage:   {Binary: o.EchoBinary},
	}
	for _, nd := range s.Network.Nodes() {
		a, err := localnode.Start(localnode.Config{
			Node: nd, Admin: s.Cluster.Config, Images: images, HAProxy: o.HAProxy,
			KubeProxy: filepath.Join(assets, "kube-proxy"), Dir: filepath.Join(o.Dir, nd.Name), Log: logger(o.Log),
			DNS: localnet.HostIP,
		})
		if err != nil {
			return fmt.Errorf("node %s: %w", nd.Name, err)
		}
		s.Agents = append(s.Agents, a)
	}
	return nil
}

// startLoadBalancers runs the load-balancer controller in a manager of
// its own, beside the project's manager, as a cloud controller would run.
func (s *Stack) startLoadBalancers() error {
	mgr, err := ctrl.NewManager(s.Cluster.Config, ctrl.Options{
		Scheme: manager.Scheme(), Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
	})
	if err != nil {
		return err
	}
	lb := &LoadBalancers{Client: mgr.GetClient(), Pool: localnet.LoadBalancerPool, Table: s.Network}
	if err := lb.SetupWithManager(mgr); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopLB, s.lbDone = cancel, make(chan error, 1)
	go func() { s.lbDone <- mgr.Start(ctx) }()
	return nil
}

// Stop stops everything in reverse order and removes the network.
func (s *Stack) Stop() error {
	var errs []error
	if s.stopLB != nil {
		s.stopLB()
		errs = append(errs, <-s.lbDone)
	}
	for _, a := range s.Agents {
		a.Stop()
	}
	if s.Cluster != nil {
		errs = append(errs, s.Cluster.Stop())
	}
	if s.Network != nil {
		errs = append(errs, s.Network.Teardown())
	}
	return errors.Join(errs...)
}

// Zone is the DNS zone of the stack's apps domains: the domain without its
// first label (okd.test for apps.okd.test), so that other IngressControllers'
// domains beside it (internal.okd.test) are in it too.
func Zone(domain string) string {
	if _, rest, ok := strings.Cut(domain, "."); ok && strings.Contains(rest, ".") {
		return rest
	}
	return domain
}

func logger(w io.Writer) logr.Logger {
	if w == nil {
		return logr.Discard()
	}
	return zap.New(zap.WriteTo(w))
}
