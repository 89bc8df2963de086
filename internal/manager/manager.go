// Package manager wires the controller-runtime manager that cmd/manager runs:
// the Route admission webhooks with their self-managed certificate, the
// IngressController controller and the default IngressController.
package manager

import (
	"context"
	"fmt"
	"maps"
	"net"
	"strconv"
	"time"

	"github.com/go-logr/logr"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	externaldnsv1alpha1 "github.com/okd-ingress/okd-ingress/api/externaldns/v1alpha1"
	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/controllers/ingresscontroller"
	"github.com/okd-ingress/okd-ingress/internal/etcdcert"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
	routewebhook "github.com/okd-ingress/okd-ingress/internal/webhook"
	"github.com/okd-ingress/okd-ingress/internal/webhookcert"
)

// Options configure the manager; cmd/manager fills them from flags.
type Options struct {
	// Domain is the default router domain (OKD's apps.<base domain>), used to
	// generate Route hosts and as the default IngressController's domain.
	Domain            string
	OperatorNamespace string
	RouterNamespace   string

	// WebhookHost and WebhookPort are where the webhook server listens.
	WebhookHost string
	WebhookPort int
	// WebhookCertDir receives the webhook serving certificate.
	WebhookCertDir string
	// WebhookURL, when set, is the base URL the API server uses to call the
	// webhooks instead of the in-cluster Service (local runs and tests).
	WebhookURL string

	// SkipNameValidation lets one process run several managers (the local
	// cluster's tests and benchmarks): controller names are unique per
	// process otherwise.
	SkipNameValidation bool

	MetricsAddr    string
	ProbeAddr      string
	LeaderElection bool
	// Logger, when set, replaces the global logger for this manager.
	Logger logr.Logger

	// Operator configures the IngressController controller.
	Operator ingresscontroller.Options
	// DefaultIngressController creates the IngressController "default"
	// when absent; DefaultStrategy, when set, is its strategy type.
	DefaultIngressController bool
	DefaultStrategy          operatorv1.EndpointPublishingStrategyType
}

// Scheme returns a scheme with the Kubernetes types and this project's APIs.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, routev1.AddToScheme, operatorv1.AddToScheme, apiregistrationv1.AddToScheme, externaldnsv1alpha1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

// New builds the manager. It serves the Route webhooks, which the Route CRD
// install configures (config/crd-mode), and keeps the certificates of the
// Route API server and its etcd, which the aggregated install uses (config/
// default); one manager serves either install, and both while Routes move
// from one to the other. The webhook certificate exists and is trusted
// before New returns, so the webhook server can start serving.
func New(ctx context.Context, cfg *rest.Config, o Options) (manager.Manager, error) {
	if err := routeapi.ValidateDomain(o.Domain); o.Domain != "" && err != nil {
		return nil, fmt.Errorf("--domain %q: %w", o.Domain, err)
	}
	scheme := Scheme()
	direct, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	if err := webhookcert.Ensure(ctx, direct, o.webhookCertOptions(), time.Now()); err != nil {
		return nil, fmt.Errorf("webhook certificate: %w", err)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme,
		Logger:                  o.Logger,
		Metrics:                 metricsserver.Options{BindAddress: o.MetricsAddr},
		HealthProbeBindAddress:  o.ProbeAddr,
		Controller:              ctrlconfig.Controller{SkipNameValidation: &o.SkipNameValidation},
		LeaderElection:          o.LeaderElection,
		LeaderElectionID:        "okd-ingress-manager",
		LeaderElectionNamespace: o.OperatorNamespace,
		WebhookServer: webhook.NewServer(webhook.Options{
			Host: o.WebhookHost, Port: o.WebhookPort, CertDir: o.WebhookCertDir,
		}),
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			// IngressControllers of other namespaces are not reconciled.
			&operatorv1.IngressController{}: {Namespaces: map[string]cache.Config{o.OperatorNamespace: {}}},
			// Operands live in the router namespace: watch nothing else.
			&appsv1.Deployment{}:            {Namespaces: map[string]cache.Config{o.RouterNamespace: {}}},
			&policyv1.PodDisruptionBudget{}: {Namespaces: map[string]cache.Config{o.RouterNamespace: {}}},
			&corev1.ServiceAccount{}:        {Namespaces: map[string]cache.Config{o.RouterNamespace: {}}},
			// The default IngressController's canary.
			&appsv1.DaemonSet{}: {Namespaces: map[string]cache.Config{names.CanaryNamespace: {}}},
			// Error pages: the admin's, and the routers' copies.
			&corev1.ConfigMap{}: {Namespaces: map[string]cache.Config{o.RouterNamespace: {}, names.ConfigNamespace: {}}},
			// Wildcard records live beside their IngressControllers.
			&externaldnsv1alpha1.DNSEndpoint{}: {Namespaces: map[string]cache.Config{o.OperatorNamespace: {}}},
			// Secrets are watched by metadata only; what of their metadata
			// can hold their contents is not kept either.
			secretMetadata(): {Transform: stripSecretContents},
		}},
		// Secrets are read rarely and must not be cached cluster-wide.
		Client: client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
	})
	if err != nil {
		return nil, err
	}
	if err := setUpOperator(mgr, o); err != nil {
		return nil, err
	}
	if err := setUpIngress(mgr, o); err != nil {
		return nil, err
	}
	hook := &routewebhook.RouteWebhook{Client: direct, Domain: o.Domain, RouterNamespace: o.RouterNamespace}
	if err := hook.SetupWithManager(mgr); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("webhook", mgr.GetWebhookServer().StartedChecker()); err != nil {
		return nil, err
	}
	if err := mgr.Add(certificateKeeper(o.certificates(direct))); err != nil {
		return nil, err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, err
	}
	return mgr, nil
}

// certificates returns what keeps the serving certificates current: the
// webhooks', the Route API server's and its etcd's.
func (o Options) certificates(c client.Client) func(context.Context, time.Time) error {
	return func(ctx context.Context, now time.Time) error {
		if err := webhookcert.Ensure(ctx, c, o.webhookCertOptions(), now); err != nil {
			return err
		}
		if err := webhookcert.Ensure(ctx, c, RouteAPIServerCertOptions(o.OperatorNamespace, ""), now); err != nil {
			return err
		}
		return etcdcert.Ensure(ctx, c, o.OperatorNamespace, now)
	}
}

// certificateKeeper runs keep at once, every ten seconds until it succeeds,
// then every six hours. Every replica runs it (each serves the webhooks);
// the shared Secrets keep them on one CA.
type certificateKeeper func(context.Context, time.Time) error

func (certificateKeeper) NeedLeaderElection() bool { return false }

func (keep certificateKeeper) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("serving-certificates")
	for {
		next := 6 * time.Hour
		if err := keep(ctx, time.Now()); err != nil {
			log.Error(err, "keeping the serving certificates; retrying in 10s")
			next = 10 * time.Second
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(next):
		}
	}
}

// webhookCertOptions describe the webhooks' serving certificate.
func (o Options) webhookCertOptions() webhookcert.Options {
	svc := names.WebhookServiceName + "." + o.OperatorNamespace
	co := webhookcert.Options{
		Namespace: o.OperatorNamespace, SecretName: names.WebhookCertSecretName, CertDir: o.WebhookCertDir,
		DNSNames: []string{svc + ".svc", svc + ".svc.cluster.local", "localhost"},
		IPs:      []net.IP{net.IPv4(127, 0, 0, 1)},
		URL:      o.WebhookURL,
		Mutating: names.MutatingWebhookConfigurationName, Validating: names.ValidatingWebhookConfigurationName,
	}
	if ip := net.ParseIP(o.WebhookHost); ip != nil && !ip.IsUnspecified() && !ip.IsLoopback() {
		co.IPs = append(co.IPs, ip)
	}
	return co
}

// RouteAPIServerCertOptions describe the Route API server's serving
// certificate: a Secret in the operator namespace, valid for the name the main
// API server verifies (<service>.<namespace>.svc) and for loopback, trusted by
// the APIService. certDir, when set, also receives the files.
func RouteAPIServerCertOptions(namespace, certDir string) webhookcert.Options {
	svc := names.RouteAPIServerServiceDNS(namespace)
	return webhookcert.Options{
		Namespace: namespace, SecretName: names.RouteAPIServerCertSecretName, CertDir: certDir,
		DNSNames:   []string{svc, svc + ".cluster.local", "localhost"},
		IPs:        []net.IP{net.IPv4(127, 0, 0, 1)},
		APIService: names.RouteAPIServiceName,
	}
}

// LocalWebhookURL is the webhook base URL for a manager running outside the cluster.
func LocalWebhookURL(host string, port int) string {
	return "https://" + net.JoinHostPort(host, strconv.Itoa(port))
}

// setUpOperator registers the IngressController controller and the
// runnable that keeps the default IngressController.
func setUpOperator(mgr manager.Manager, o Options) error {
	op := o.Operator
	op.OperatorNamespace, op.RouterNamespace, op.Domain = o.OperatorNamespace, o.RouterNamespace, o.Domain
	r := &ingresscontroller.Reconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Options: op,
		Recorder: mgr.GetEventRecorder("ingress-operator"),
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return err
	}
	if !o.DefaultIngressController {
		return nil
	}
	return mgr.Add(&ingresscontroller.DefaultIngressController{
		Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Namespace: o.OperatorNamespace, Strategy: o.DefaultStrategy,
	})
}

// secretMetadata stands for the Secrets that controllers watch by metadata.
func secretMetadata() *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	return m
}

// stripSecretContents drops, before a Secret's metadata is cached, the
// fields that can repeat its data: the annotation `kubectl apply` keeps the
// whole applied object in, and the managed fields.
func stripSecretContents(in any) (any, error) {
	if obj, err := meta.Accessor(in); err == nil {
		obj.SetManagedFields(nil)
		if a := obj.GetAnnotations(); a != nil {
			if _, ok := a[corev1.LastAppliedConfigAnnotation]; ok {
				a = maps.Clone(a)
				delete(a, corev1.LastAppliedConfigAnnotation)
				obj.SetAnnotations(a)
			}
		}
	}
	return in, nil
}
