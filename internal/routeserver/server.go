package routeserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	storagenames "k8s.io/apiserver/pkg/storage/names"
	"k8s.io/apiserver/pkg/util/compatibility"
	"k8s.io/client-go/kubernetes"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
	"github.com/okd-ingress/okd-ingress/internal/routeserver/openapi"
)

// DefaultEtcdPrefix is where Routes live in etcd:
// <prefix>/route.openshift.io/routes/<namespace>/<name>. It differs from the
// API server's /registry, so that the server can share a local etcd with it
// and never touch the keys of the Route CRD.
const DefaultEtcdPrefix = "/okd-ingress"

// Options configure the Route API server. Recommended holds the generic
// server's options (serving, etcd, delegated authentication and
// authorization, admission, audit); the rest are the Route API's own.
type Options struct {
	Recommended *genericoptions.RecommendedOptions
	// Domain is the default router domain of generated hosts
	// (<name>-<namespace>.<domain>); empty turns host generation off.
	Domain string
	// RouterNamespace is where the routers' ServiceAccount lives, for the
	// external certificate checks.
	RouterNamespace string
	// ShutdownDelay is how long a server told to stop keeps serving, with
	// /readyz failing, so that its endpoint is gone from the aggregator
	// before it stops listening: a rollout then fails no request.
	ShutdownDelay time.Duration
}

// NewOptions returns the defaults: Routes stored as JSON under
// DefaultEtcdPrefix, the routers in OKD's namespace.
func NewOptions() *Options {
	ro := genericoptions.NewRecommendedOptions(DefaultEtcdPrefix, Codecs.LegacyCodec(routev1.GroupVersion))
	ro.Etcd.DefaultStorageMediaType = runtime.ContentTypeJSON
	ro.Etcd.StorageConfig.EncodeVersioner = runtime.NewMultiGroupVersioner(routev1.GroupVersion,
		schema.GroupKind{Group: routev1.GroupVersion.Group})
	// The main API server already applies priority and fairness to the
	// requests it proxies here.
	ro.Features.EnablePriorityAndFairness = false
	// routes/custom-host answers: a role granted a moment ago must count at
	// once, as with the CRD's webhook; allowed answers stay cached briefly.
	ro.Authorization.DenyCacheTTL = 0
	addQuota(ro)
	return &Options{Recommended: ro, RouterNamespace: names.RouterNamespace}
}

// AddFlags adds the generic server's flags and the Route API's own.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	o.Recommended.AddFlags(fs)
	fs.StringVar(&o.Domain, "route-domain", o.Domain,
		"default router domain: a Route without host or subdomain gets <name>-<namespace>.<domain>")
	fs.StringVar(&o.RouterNamespace, "router-namespace", o.RouterNamespace, "namespace of the routers' ServiceAccount")
	fs.DurationVar(&o.ShutdownDelay, "shutdown-delay", o.ShutdownDelay,
		"how long to keep serving after SIGTERM with /readyz failing, so that load balancers and the aggregator stop sending requests first")
}

// Validate reports every invalid option.
func (o *Options) Validate() error {
	errs := o.Recommended.Validate()
	if o.Domain != "" {
		if err := routeapi.ValidateDomain(o.Domain); err != nil {
			errs = append(errs, fmt.Errorf("--route-domain %q: %w", o.Domain, err))
		}
	}
	if o.ShutdownDelay < 0 {
		errs = append(errs, fmt.Errorf("--shutdown-delay %v: negative", o.ShutdownDelay))
	}
	return utilerrors.NewAggregate(errs)
}

// NewServer builds the server: the generic API server with the Route group
// installed. Call PrepareRun().RunWithContext on the result.
func (o *Options) NewServer() (*genericapiserver.GenericAPIServer, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if err := o.Recommended.SecureServing.MaybeDefaultWithSelfSignedCerts("localhost", nil,
		[]net.IP{net.ParseIP("127.0.0.1")}); err != nil {
		return nil, fmt.Errorf("self-signed serving certificate: %w", err)
	}
	cfg := genericapiserver.NewRecommendedConfig(Codecs)
	cfg.EffectiveVersion = compatibility.DefaultBuildEffectiveVersion()
	namer := openapinamer.NewDefinitionNamer(namerScheme())
	cfg.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(openapi.GetOpenAPIDefinitions, namer)
	cfg.OpenAPIConfig.Info.Title, cfg.OpenAPIConfig.Info.Version = "okd-ingress Route API", "v1"
	cfg.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(openapi.GetOpenAPIDefinitions, namer)
	cfg.OpenAPIV3Config.Info.Title, cfg.OpenAPIV3Config.Info.Version = "okd-ingress Route API", "v1"
	cfg.BuildHandlerChainFunc = markResponses
	// On shutdown (a rollout, a migration back to the CRD) close the
	// watches within a few seconds, so routers and controllers reconnect to
	// another replica or server at once instead of at their watch timeout.
	cfg.ShutdownWatchTerminationGracePeriod = 5 * time.Second
	cfg.ShutdownDelayDuration = o.ShutdownDelay
	if err := o.Recommended.ApplyTo(cfg); err != nil {
		return nil, err
	}
	server, err := cfg.Complete().New("okd-ingress-route-apiserver", genericapiserver.NewEmptyDelegate())
	if err != nil {
		return nil, err
	}
	if err := o.installRoutes(server, cfg); err != nil {
		return nil, err
	}
	server.AddPostStartHookOrDie("start-informers", func(ctx genericapiserver.PostStartHookContext) error {
		cfg.SharedInformerFactory.Start(ctx.Done())
		return nil
	})
	return server, nil
}

func (o *Options) installRoutes(server *genericapiserver.GenericAPIServer, cfg *genericapiserver.RecommendedConfig) error {
	client, err := kubernetes.NewForConfig(cfg.ClientConfig)
	if err != nil {
		return err
	}
	s := strategy{
		ObjectTyper: Scheme, NameGenerator: storagenames.SimpleNameGenerator,
		Domain: o.Domain, RouterNamespace: o.RouterNamespace,
		Authorizer: cfg.Authorization.Authorizer, Client: client,
	}
	routes, status, err := newREST(s, cfg.RESTOptionsGetter)
	if err != nil {
		return err
	}
	group := genericapiserver.NewDefaultAPIGroupInfo(routev1.GroupVersion.Group, Scheme, metav1.ParameterCodec, Codecs)
	group.NegotiatedSerializer = withoutProtobuf{Codecs}
	group.VersionedResourcesStorageMap[routev1.GroupVersion.Version] = map[string]rest.Storage{
		"routes": routes, "routes/status": status,
	}
	return server.InstallAPIGroup(&group)
}

// markResponses adds names.RouteAPIServerHeader to every response, so a
// client of the main API server can tell that this server answered.
func markResponses(h http.Handler, c *genericapiserver.Config) http.Handler {
	chain := genericapiserver.DefaultBuildHandlerChain(h, c)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(names.RouteAPIServerHeader, "okd-ingress")
		chain.ServeHTTP(w, r)
	})
}

// Run serves until ctx ends, or until the etcd CA file changes.
func Run(ctx context.Context, o *Options) error {
	ca := o.Recommended.Etcd.StorageConfig.Transport.TrustedCAFile
	var trusted []byte
	if ca != "" {
		trusted, _ = os.ReadFile(ca) // what the server is about to read
	}
	server, err := o.NewServer()
	if err != nil {
		return err
	}
	return untilChanged(ctx, ca, trusted, caCheckInterval, server.PrepareRun().RunWithContext)
}

// untilChanged runs run until ctx ends or, when trusted holds what file
// held, until the file holds other bytes. The etcd client reads the CAs it
// trusts once, and the manager changes that set (a successor CA ahead of
// its use, a lost CA Secret); the kubelet then updates the mounted file. The
// server stops, gracefully (run's shutdown, --shutdown-delay), and returns
// ErrEtcdCAChanged, for its container to restart and trust the new set.
func untilChanged(ctx context.Context, file string, trusted []byte, every time.Duration, run func(context.Context) error) error {
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	if len(trusted) > 0 {
		go watchFile(ctx, file, trusted, every, func() { stop(fmt.Errorf("%w: %s", ErrEtcdCAChanged, file)) })
	}
	err := run(ctx)
	if cause := context.Cause(ctx); errors.Is(cause, ErrEtcdCAChanged) {
		return cause
	}
	return err
}

// ErrEtcdCAChanged ends Run when the etcd CA file changed.
var ErrEtcdCAChanged = errors.New("the etcd CA file changed; stopping so that a restart reads it")

// caCheckInterval is how often Run reads the etcd CA file; the kubelet
// takes up to about a minute to update a mounted Secret anyway.
const caCheckInterval = 10 * time.Second

// watchFile calls changed once, when path holds other bytes than first. A
// file that cannot be read, or is empty, is not a change: it may be between
// writes, and the server runs on what it read.
func watchFile(ctx context.Context, path string, first []byte, every time.Duration, changed func()) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if changedFrom(path, first) {
			changed()
			return
		}
	}
}

// changedFrom reports whether path now holds bytes other than first (and
// some: see watchFile).
func changedFrom(path string, first []byte) bool {
	now, err := os.ReadFile(path)
	return err == nil && len(now) > 0 && !bytes.Equal(now, first)
}
