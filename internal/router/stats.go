package router

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/okd-ingress/okd-ingress/internal/router/admission"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
)

// metrics are the router's own series; HAProxy's frontend, backend and
// server series are appended from its prometheus exporter.
type metrics struct {
	registry       *prometheus.Registry
	syncSeconds    prometheus.Histogram
	routes         *prometheus.GaugeVec
	runtimeUpdates *prometheus.CounterVec
	spares         *prometheus.GaugeVec
	renderSeconds  prometheus.Histogram
	writeSeconds   prometheus.Histogram
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		syncSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "okd_router_sync_duration_seconds", Help: "Time from reading the cluster state to HAProxy serving it.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		routes: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "okd_router_routes", Help: "Routes this router sees, by admission result.",
		}, []string{"admitted"}),
		runtimeUpdates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "okd_router_runtime_updates_total", Help: "Changes applied through the HAProxy runtime API, without a reload.",
		}, []string{"kind"}),
		spares: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "okd_router_spare_backends", Help: "Spare backends in HAProxy's config: free, or held by a route that went live without a reload.",
		}, []string{"state"}),
	}
	m.renderSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "okd_router_render_duration_seconds", Help: "Time to admit routes, build the model and render HAProxy's files.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	})
	m.writeSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "okd_router_config_write_duration_seconds", Help: "Time to write changed files for a runtime update (reloads are in the reload duration).",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	})
	m.registry.MustRegister(m.syncSeconds, m.routes, m.runtimeUpdates, m.spares, m.renderSeconds, m.writeSeconds)
	return m
}

func (m *metrics) observeSync(res admission.Result, served *model.Model, d time.Duration) {
	m.syncSeconds.Observe(d.Seconds())
	total, free := model.Spares(served)
	m.spares.WithLabelValues("free").Set(float64(free))
	m.spares.WithLabelValues("held").Set(float64(total - free))
	m.routes.WithLabelValues("true").Set(float64(len(res.Routes)))
	m.routes.WithLabelValues("false").Set(float64(len(res.Verdicts) - len(res.Routes)))
}

// reloadCollector exports the supervisor's reload counters.
func (r *Router) registerReloadMetrics() {
	r.metrics.registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "okd_router_reloads_total", Help: "HAProxy reloads (including the first start)."},
			func() float64 { return float64(r.hap.Metrics().ReloadsTotal) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "okd_router_reload_failures_total", Help: "Reloads that failed (the previous configuration kept serving)."},
			func() float64 { return float64(r.hap.Metrics().ReloadFailuresTotal) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "okd_router_haproxy_restarts_total", Help: "HAProxy restarts after it exited unexpectedly."},
			func() float64 { return float64(r.hap.Metrics().RestartsTotal) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "okd_router_last_reload_duration_seconds", Help: "Duration of the last reload: files written, the master's reload (which parses the config), the new worker answering."},
			func() float64 { return r.hap.Metrics().LastReloadDuration.Seconds() }),
	)
	if r.crls != nil {
		r.metrics.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "okd_router_client_crls_missing",
			Help: "Certificates of the client CA bundle whose revocation list is not fetched or has expired: their clients are refused."},
			func() float64 { return float64(len(r.crls.Missing())) }))
	}
}

// serveStats serves /healthz, /healthz/ready and /metrics on the stats port.
func (r *Router) serveStats(ctx context.Context) error {
	r.registerReloadMetrics()
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if !r.hap.Running() && r.ready.Load() {
			http.Error(w, "haproxy is not running", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/healthz/ready", func(w http.ResponseWriter, _ *http.Request) {
		if !r.Ready() {
			http.Error(w, "not ready: waiting for the first sync and a running haproxy", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	mux.Handle("/metrics", r.metricsAuth.wrap(http.HandlerFunc(r.serveMetrics)))
	l, err := net.Listen("tcp", r.cfg.StatsAddress)
	if err != nil {
		return err
	}
	// The port is a node's on HostNetwork: idle connections do not stay.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	if r.cfg.MetricsTLS == nil {
		go func() { <-ctx.Done(); shutdown(srv) }()
		return serveUntilClosed(srv, l)
	}
	files := &certFiles{certFile: r.cfg.MetricsTLS.CertFile, keyFile: r.cfg.MetricsTLS.KeyFile}
	if _, err := files.get(nil); err != nil {
		// Metrics must not keep the router from serving routes: HTTPS
		// waits for a pair that loads, plain HTTP serves meanwhile.
		r.log.Error(err, "the metrics certificate does not load: HTTPS on the stats port fails until it does")
	}
	split := newSplitListener(l)
	tlsSrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute, TLSConfig: metricsTLSConfig(files)}
	go func() { <-ctx.Done(); shutdown(srv); shutdown(tlsSrv); split.Close() }()
	errs := make(chan error, 2)
	go func() { errs <- serveUntilClosed(srv, split.plain) }()
	go func() { errs <- serveUntilClosed(tlsSrv, tls.NewListener(split.secure, tlsSrv.TLSConfig)) }()
	err = <-errs
	if err == nil && ctx.Err() == nil {
		err = errors.New("the stats port stopped serving")
	}
	split.Close()
	return errors.Join(err, <-errs)
}

func shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

// serveUntilClosed serves l; its closing is no error.
func serveUntilClosed(srv *http.Server, l net.Listener) error {
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// serveMetrics writes the router's series and HAProxy's in the text
// format: one format for both, whatever the scraper would prefer, so that
// the two can simply follow each other.
func (r *Router) serveMetrics(w http.ResponseWriter, req *http.Request) {
	mfs, err := r.metrics.registry.Gather()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	w.Header().Set("Content-Type", string(format))
	enc := expfmt.NewEncoder(w, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return
		}
	}
	r.copyHAProxyMetrics(req.Context(), w)
}

// copyHAProxyMetrics appends HAProxy's own exporter output, read from its
// internal metrics listener.
func (r *Router) copyHAProxyMetrics(ctx context.Context, w io.Writer) {
	sock := strings.TrimPrefix(r.params.MetricsSocket, "unix@")
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://haproxy/metrics", nil)
	if err != nil {
		return
	}
	resp, err := c.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	var labels map[string]proxyLabels
	if l := r.proxyLabels.Load(); l != nil {
		labels = *l
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	bw := bufio.NewWriter(w)
	for sc.Scan() {
		bw.WriteString(relabel(sc.Text(), labels))
		bw.WriteByte('\n')
	}
	_ = bw.Flush()
}
