// Package router runs one router: it watches the cluster, and on every
// change runs the pipeline admission → model → render, then makes HAProxy
// serve the result — through the runtime API when only endpoints or map
// entries changed, by a checked, coalesced reload otherwise — and hands the
// verdicts to the status writer.
package router

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/okd-ingress/okd-ingress/internal/router/admission"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/internal/router/crl"
	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
	"github.com/okd-ingress/okd-ingress/internal/router/render"
	"github.com/okd-ingress/okd-ingress/internal/router/status"
	"github.com/okd-ingress/okd-ingress/internal/router/watch"
)

// batchDelay gathers the events of a burst (a Deployment rollout, many
// routes applied at once) into one sync.
const batchDelay = 30 * time.Millisecond

// Router is one running router.
type Router struct {
	cfg     config.Config
	log     logr.Logger
	watcher *watch.Watcher
	hap     *haproxy.Supervisor
	status  *status.Writer
	// failedSyncs counts syncs that failed in a row (syncOutcome).
	failedSyncs int
	params      render.Params
	metrics     *metrics

	// prev is the model HAProxy runs; rejected holds routes whose config
	// HAProxy refused, until they change.
	prev     *model.Model
	rejected map[string]admission.Verdict
	// nofile is the file-descriptor limit HAProxy inherits (0: none).
	nofile int
	// lastReload is when the last HAProxy reload started, for ReloadInterval.
	lastReload time.Time
	// reloadCosts are the last reloads' times per backend, oldest first
	// (noteReload).
	reloadCosts []time.Duration
	// takes are when routes took spares, oldest first, over takesWindow.
	takes []time.Time
	// seen is when the snapshot HAProxy serves was read (the last sync
	// that served all of it), woke when the router, idle, last woke up to
	// a change: with lastReload, they measure how fast routes arrive,
	// which sizes spare pools.
	seen, woke time.Time
	ready      atomic.Bool
	// stopping is set on shutdown: the router then reports not ready.
	stopping atomic.Bool
	// metricsAuth decides who reads /metrics.
	metricsAuth *metricsAuth
	// proxyLabels are OKD's labels of the served backends (serving).
	proxyLabels atomic.Pointer[map[string]proxyLabels]
	// crls keeps the revocation lists the client CA bundle names, unless
	// ROUTER_MUTUAL_TLS_AUTH_CRL gives them (nil then, or without mutual
	// TLS); servedCRL is the file HAProxy checks clients with.
	crls      *crl.Manager
	servedCRL []byte
	// health is which servers of the running worker have their health
	// checks turned off (setServers).
	health healthState
	// stale is set when HAProxy may not run what prev and params say: a
	// runtime update failed partway, a reload failed after HAProxy took it
	// (a timeout), or the default certificate changed. The next sync
	// reloads rather than diff against prev.
	stale bool
	// defaultCertErr is the last error reading the default certificate
	// again, so that a broken Secret is logged once, not every check.
	defaultCertErr string
	// servedDefaultCert is the default certificate HAProxy last loaded;
	// refusedDefaultCert one it refused (say, a key too small for its
	// OpenSSL), which is not tried again until the files change.
	servedDefaultCert, refusedDefaultCert []byte
	// logTargetErr is the last error looking up the access log's host;
	// logLookups brings the answers (nil: its address is not a name).
	logTargetErr string
	logLookups   chan logLookup
}

// New prepares a router; Run starts it.
func New(restCfg *rest.Config, scheme *runtime.Scheme, cfg config.Config, log logr.Logger) (*Router, error) {
	for _, d := range []string{cfg.ConfigDir, cfg.RunDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	nofile := NofileLimit()
	if fit := fitMaxConnections(cfg.MaxConnections, nofile, 0); fit != cfg.MaxConnections {
		log.Info("lowering maxconn to fit the file-descriptor limit (and lower still as health-checked servers are added)",
			"wanted", cfg.MaxConnections, "maxconn", fit, "nofile", nofile)
	}
	defaultCert, err := loadDefaultCertificate(cfg, time.Now())
	if err != nil {
		return nil, err
	}
	w, err := watch.New(restCfg, scheme, watch.Options{RouteSelector: cfg.RouteSelector, NamespaceSelector: cfg.NamespaceSelector})
	if err != nil {
		return nil, err
	}
	configDir, _ := filepath.Abs(cfg.ConfigDir)
	runDir, _ := filepath.Abs(cfg.RunDir)
	curves, err := offeredCurves(cfg, runDir, log)
	if err != nil {
		return nil, err
	}
	r := &Router{
		cfg: cfg, log: log, watcher: w, rejected: map[string]admission.Verdict{}, nofile: nofile,
		hap: haproxy.New(haproxy.Options{Binary: cfg.HAProxyBinary, ConfigDir: configDir, RunDir: runDir,
			Log: log.WithName("haproxy"), Stdout: os.Stdout, Stderr: os.Stderr}),
		params: render.Params{
			Config: cfg, ConfigDir: configDir, StatsSocket: haproxy.StatsSocket(runDir),
			// Socket files, not abstract sockets: the template makes them the
			// router's own (mode 600), where any process in the network
			// namespace (the node's, on HostNetwork) could reach an abstract
			// one, and the TLS hop trusts the PROXY header it is sent. (And
			// HAProxy pads abstract names, which Go cannot dial.)
			MetricsSocket: "unix@" + filepath.Join(runDir, "metrics.sock"), TLSSocket: "unix@" + filepath.Join(runDir, "tls.sock"),
			DefaultCertificate: defaultCert, HardStopAfter: cfg.HardStop(),
		},
		metrics: newMetrics(),
	}
	r.params.Config.AccessLog = withoutLogHostName(cfg.AccessLog)
	r.params.Config.Curves = curves
	kc, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		return nil, err
	}
	r.metricsAuth = &metricsAuth{user: cfg.StatsUsername, password: cfg.StatsPassword, routerName: cfg.RouterName,
		tokens: kc.AuthenticationV1().TokenReviews(), access: kc.AuthorizationV1().SubjectAccessReviews(),
		reviews: rate.NewLimiter(metricsReviewsPerSecond, metricsReviewsBurst)}
	if m := cfg.MutualTLS; m != nil && m.CRL == nil {
		var skipped []string
		if r.crls, skipped, err = crl.New(m.CA, crl.Options{Log: log.WithName("crl")}); err != nil {
			return nil, err
		}
		if len(skipped) > 0 {
			log.Info("the client CA bundle names revocation lists the router cannot fetch (only http and https are fetched)", "points", skipped)
		}
	}
	if cfg.UpdateStatus {
		direct, err := client.New(restCfg, client.Options{Scheme: scheme})
		if err != nil {
			return nil, err
		}
		r.status = status.New(restCfg, w.Reader(), direct, status.Options{
			RouterName: cfg.RouterName, CanonicalHostname: cfg.CanonicalHostname, Namespace: cfg.Namespace,
			Sharded: cfg.RouteSelector != nil && !cfg.RouteSelector.Empty(),
		})
	}
	return r, nil
}

// Run serves until ctx ends, then shuts down gracefully: it reports not
// ready at once, keeps HAProxy serving for GracefulShutdownDelay so that
// load balancers take it out of rotation, then stops HAProxy softly.
func (r *Router) Run(ctx context.Context) error {
	ctx = ctrl.LoggerInto(ctx, r.log)
	// The stats server outlives ctx: it must answer "not ready" during the delay.
	statsCtx, stopStats := context.WithCancel(ctrl.LoggerInto(context.Background(), r.log))
	defer stopStats()
	errs := make(chan error, 3)
	go func() { errs <- r.watcher.Start(ctx) }()
	go func() { errs <- r.serveStats(statsCtx) }()
	if !r.watcher.WaitForSync(ctx) {
		return errors.New("the informer caches did not sync")
	}
	if r.status != nil {
		go func() { errs <- r.status.Run(ctx) }()
	}
	if r.crls != nil {
		r.fetchFirstCRLs(ctx)
		go r.crls.Run(ctx)
	}
	if host := r.logHost(); host != "" {
		r.logLookups = make(chan logLookup)
		go watchLogHost(ctx, host, r.logLookups)
		// HAProxy's first start waits a moment for the address: without
		// it, a reload soon after would only add the access log.
		select {
		case answer := <-r.logLookups:
			r.applyLogTarget(answer)
		case <-time.After(firstLogLookupWait):
		}
	}
	err := r.loop(ctx, errs)
	r.stopping.Store(true)
	if d := r.cfg.GracefulShutdownDelay; d > 0 && err == nil {
		r.log.Info("shutting down: not ready, still serving", "delay", d)
		time.Sleep(d)
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if serr := r.hap.Stop(stopCtx); serr != nil && err == nil {
		err = serr
	}
	return err
}

func (r *Router) loop(ctx context.Context, errs <-chan error) error {
	retry := time.NewTimer(0)
	defer retry.Stop()
	var crlChanged <-chan struct{} // nil: never
	if r.crls != nil {
		crlChanged = r.crls.Changed()
	}
	certCheck := time.NewTicker(defaultCertificateCheck)
	defer certCheck.Stop()
	for {
		idle := time.Now()
		select {
		case <-ctx.Done():
			return nil
		case err := <-errs:
			if err != nil {
				return err
			}
		case <-r.hap.Done():
			return fmt.Errorf("haproxy supervisor stopped: %w", r.hap.Err())
		case <-r.hap.Restarted():
			r.checkLoneServers(ctx) // a new worker, checking every server
			if r.health.unsure {
				retry.Reset(time.Second)
			}
			continue
		case <-r.watcher.StatusChanged():
			if keys := r.watcher.StatusChangedRoutes(); r.status != nil {
				r.status.PokeRoutes(keys)
			}
			continue
		case <-r.watcher.Changed():
			// A change that was waiting already came during the last
			// sync (a reload, say): it does not start a burst now (see
			// sparePool), and what came during that sync is batched
			// already; waiting would only delay it.
			if time.Since(idle) > time.Millisecond {
				r.woke = time.Now()
				time.Sleep(batchDelay)
			}
		case <-retry.C:
		case <-crlChanged:
		case <-certCheck.C:
			if !r.defaultCertificateChanged() {
				continue
			}
		case answer := <-r.logLookups:
			if !r.applyLogTarget(answer) {
				continue
			}
		}
		err := r.sync(ctx)
		r.syncOutcome(err)
		if err != nil {
			r.log.Error(err, "sync failed; retrying")
			retry.Reset(time.Second)
		} else if r.health.unsure {
			retry.Reset(time.Second) // checkLoneServers failed
		}
	}
}

// failedSyncsToStepDown is how many syncs in a row may fail (a second
// apart) before the router gives up writing status to another replica.
const failedSyncsToStepDown = 5

// syncOutcome counts failed syncs in a row, and tells the status writer.
func (r *Router) syncOutcome(err error) {
	if err == nil {
		r.failedSyncs = 0
	} else {
		r.failedSyncs++
	}
	if r.status != nil {
		r.status.SetHealthy(r.failedSyncs < failedSyncsToStepDown)
	}
}

// Ready reports whether the router has served its first full sync.
func (r *Router) Ready() bool { return r.ready.Load() && !r.stopping.Load() && r.hap.Running() }

// RenderOnce reads the cluster once and returns the files the router
// would give HAProxy, without running it (`router render`).
func (r *Router) RenderOnce(ctx context.Context) (render.Files, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 1)
	go func() { errs <- r.watcher.Start(ctx) }()
	if !r.watcher.WaitForSync(ctx) {
		select {
		case err := <-errs:
			return nil, err
		default:
			return nil, errors.New("the informer caches did not sync")
		}
	}
	if host := r.logHost(); host != "" {
		r.applyLogTarget(lookupLogHost(ctx, host))
	}
	snap, err := r.watcher.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	p, err := r.plan(snap)
	if err != nil {
		return nil, err
	}
	return p.files, nil
}

// firstCRLWait bounds how long a starting router waits for the client CA's
// revocation lists before it serves: meanwhile clients with certificates
// would be refused (the placeholder), and a rollout's new pods would refuse
// clients the old ones served.
const firstCRLWait = 10 * time.Second

// fetchFirstCRLs fetches the revocation lists once before the first sync;
// Run's loop fetches the rest, and those due again.
func (r *Router) fetchFirstCRLs(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, firstCRLWait)
	defer cancel()
	r.crls.FetchDue(ctx)
	if missing := r.crls.Missing(); len(missing) > 0 {
		r.log.Info("serving without some client CA revocation lists: clients of those CAs are refused until they are fetched", "missing", missing)
	}
}
