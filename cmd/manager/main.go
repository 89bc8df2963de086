// Command manager runs the okd-ingress controllers, the Route admission
// webhooks (used by the Route CRD install) and the certificates of the Route
// API server (used by the aggregated install): flags → options → run.
package main

import (
	"flag"
	"os"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/okd-ingress/okd-ingress/controllers/ingresscontroller"
	"github.com/okd-ingress/okd-ingress/internal/manager"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

func main() {
	var o manager.Options
	flag.StringVar(&o.Domain, "domain", "apps.okd.test", "default router domain (OKD's apps.<base domain>): the default IngressController's, and, with the Route CRD, that of generated Route hosts (<name>-<namespace>.<domain>; the Route API server's --route-domain otherwise; the installs set both from config/domain)")
	flag.StringVar(&o.OperatorNamespace, "operator-namespace", names.OperatorNamespace, "namespace of the IngressControllers and of the manager")
	flag.StringVar(&o.RouterNamespace, "router-namespace", names.RouterNamespace, "namespace of the router Deployments")
	flag.StringVar(&o.WebhookHost, "webhook-host", "", "address the webhook server listens on (empty: all)")
	flag.IntVar(&o.WebhookPort, "webhook-port", 9443, "port of the webhook server")
	flag.StringVar(&o.WebhookCertDir, "webhook-cert-dir", os.TempDir()+"/okd-ingress-webhook", "directory for the webhook serving certificate")
	flag.StringVar(&o.WebhookURL, "webhook-url", "", "base URL the API server calls the webhooks at, for a manager outside the cluster (e.g. https://127.0.0.1:9443); empty: the in-cluster Service")
	flag.StringVar(&o.MetricsAddr, "metrics-bind-address", ":8080", "metrics endpoint address (0 disables)")
	flag.StringVar(&o.ProbeAddr, "health-probe-bind-address", ":8081", "health probe address")
	flag.BoolVar(&o.LeaderElection, "leader-elect", false, "elect a leader among manager replicas (controllers run on the leader only; webhooks on all)")
	flag.StringVar((*string)(&o.Operator.Platform), "platform", "None", "infrastructure platform: None, BareMetal, AWS, Azure, GCP, IBMCloud, OpenStack, Kind (picks the default publishing strategy and the cloud's load-balancer annotations)")
	flag.StringVar(&o.Operator.RouterImage, "router-image", "okd-ingress:latest", "image of the router pods")
	manageDNS := flag.Bool("manage-dns", true, "publish the *.<domain> record of each LoadBalancerService IngressController as an ExternalDNS DNSEndpoint (an IngressController opts out with dnsManagementPolicy: Unmanaged)")
	flag.StringVar(&o.Operator.DNS.CheckServer, "dns-check-server", "", "host:port of a DNS server of the apps zone: DNSReady then also waits until the wildcard resolves there")
	var minReady int
	flag.IntVar(&minReady, "router-min-ready-seconds", 30, "seconds a router pod must be ready to count as available (time for load balancer health checks)")
	flag.DurationVar(&o.Operator.GracefulShutdownDelay, "router-graceful-shutdown-delay", 45*time.Second, "how long a stopping router keeps serving while load balancers take it out")
	flag.BoolVar(&o.Operator.CanaryChecks, "canary-checks", true, "run the default IngressController's canary in "+names.CanaryNamespace+" and check it through the routers every --canary-interval (condition CanaryChecksSucceeding)")
	flag.DurationVar(&o.Operator.CanaryInterval, "canary-interval", time.Minute, "how often the canary is checked")
	flag.BoolVar(&o.DefaultIngressController, "default-ingresscontroller", true, "create the IngressController \"default\" when absent")
	flag.StringVar((*string)(&o.DefaultStrategy), "default-strategy", "", "endpoint publishing strategy of the default IngressController (empty: the platform's default)")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	o.Operator.MinReadySeconds = int32(minReady)
	o.Operator.DNS.Disabled = !*manageDNS
	o.Operator.Proxy = ingresscontroller.ProxyFromEnv(os.Getenv)
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))

	ctx := ctrl.SetupSignalHandler()
	mgr, err := manager.New(ctx, ctrl.GetConfigOrDie(), o)
	if err != nil {
		ctrl.Log.Error(err, "setting up the manager")
		os.Exit(1)
	}
	if err := mgr.Start(ctx); err != nil {
		ctrl.Log.Error(err, "manager stopped")
		os.Exit(1)
	}
}
