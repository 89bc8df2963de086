package router

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/okd-ingress/okd-ingress/internal/router/admission"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
	"github.com/okd-ingress/okd-ingress/internal/router/render"
	"github.com/okd-ingress/okd-ingress/internal/router/watch"
)

// plan is the outcome of one pass of the pipeline.
type plan struct {
	snap   *watch.Snapshot
	result admission.Result
	model  *model.Model
	files  render.Files
	// taken is when snap was read: every change before it is in p.
	taken time.Time
}

// sync runs the pipeline on a fresh snapshot and makes HAProxy serve it.
func (r *Router) sync(ctx context.Context) error {
	start := time.Now()
	p, err := r.snapshotPlan(ctx)
	if err != nil {
		return err
	}
	planned := time.Since(start)
	if r.needsReload(p) {
		served := r.serveEarly(ctx, p) || r.serveServers(ctx, p)
		waited, err := r.waitReloadInterval(ctx, r.serveEarlyOnChange)
		if err != nil {
			return err
		}
		if waited || served && r.changedMeanwhile() {
			// Changes that arrived during the wait or the runtime
			// update join this reload instead of waiting for the next
			// one (and its reload, in a burst that used up the spares).
			if p, err = r.snapshotPlan(ctx); err != nil {
				return err
			}
		}
	}
	if err := r.apply(ctx, p); err != nil {
		alerts, refused := haproxy.Refusal(err)
		if !refused {
			return err
		}
		if !r.quarantine(p, alerts) {
			r.keepServedDefaultCertificate(alerts) // the next sync tries without the new one
			return err
		}
		// The routes HAProxy refused are now rejected: serve the others.
		taken := p.taken
		if p, err = r.plan(p.snap); err != nil {
			return err
		}
		p.taken = taken
		if err := r.apply(ctx, p); err != nil {
			return err
		}
	}
	r.serving(p.model, p.taken)
	if r.status != nil {
		r.status.Update(p.result.Verdicts, p.taken)
	}
	r.seen = p.taken
	r.checkLoneServers(ctx)
	r.metrics.observeSync(p.result, p.model, time.Since(start))
	held, free := model.Spares(p.model)
	r.log.V(1).Info("synced", "took", time.Since(start), "planned", planned, "routes", len(p.result.Routes), "sparesHeld", held-free, "sparesFree", free)
	r.ready.Store(true)
	return nil
}

func (r *Router) snapshotPlan(ctx context.Context) (*plan, error) {
	taken := time.Now()
	snap, err := r.watcher.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	p, err := r.plan(snap)
	if err != nil {
		return nil, err
	}
	p.taken = taken
	return p, nil
}

func (r *Router) plan(snap *watch.Snapshot) (*plan, error) {
	defer prometheusTimer(r.metrics.renderSeconds)()
	res, m, files, err := Plan(r.renderParams(), r.nofile, snap, r.prev, r.applyQuarantine, r.sparePool)
	if err != nil {
		return nil, err
	}
	return &plan{snap: snap, result: res, model: m, files: files}, nil
}

// Plan runs the router's pure stages on snap with the settings in
// params.Config: admission (then filter, when not nil, which may reject
// more routes), the model with server slots kept from prev, and the files,
// with maxconn fitted to the open-file limit nofile (0: none). New routes
// take prev's spare backends when that spares a reload; otherwise pool
// (nil: none) says how many spares the reload adds, given how many new
// routes could have taken one and how many backends the reload has
// without spares. bench/ calls it too, so that what it
// measures is exactly what the router runs.
func Plan(params render.Params, nofile int, snap *watch.Snapshot, prev *model.Model,
	filter func(admission.Result) admission.Result, pool func(pending, backends int) int) (admission.Result, *model.Model, render.Files, error) {
	cfg := params.Config
	res := admission.Admit(snap.Routes, admission.Policy{
		Domain: cfg.Domain, InterNamespaceAllowed: cfg.InterNamespaceAllowed,
		AllowWildcards: cfg.AllowWildcards, VerifyChains: cfg.ExtendedValidation,
		AllowedDomains: cfg.AllowedDomains, DeniedDomains: cfg.DeniedDomains,
		Secret: func(key types.NamespacedName) (*corev1.Secret, error) {
			read := snap.Secret(key)
			return read.Secret, read.Err
		},
	})
	if filter != nil {
		res = filter(res)
	}
	m := withSpares(prev, buildModel(cfg, snap, res), cfg.BalanceHTTP, pool)
	files, err := renderModel(m, params, nofile)
	return res, m, files, err
}

// buildModel is the model of res's routes.
func buildModel(cfg config.Config, snap *watch.Snapshot, res admission.Result) *model.Model {
	return model.Build(model.Input{Routes: res.Routes, Held: res.Held, Services: snap.Services, Slices: snap.Slices, Options: model.Options{
		BalanceHTTP: cfg.BalanceHTTP, BalanceTCP: cfg.BalanceTCP, DisableHTTP2: cfg.DisableHTTP2,
		DefaultDestinationCA: render.DefaultDestinationCA(cfg), CookieName: cfg.CookieName,
	}})
}

// renderModel renders m, with maxconn fitted to the open-file limit nofile.
func renderModel(m *model.Model, params render.Params, nofile int) (render.Files, error) {
	cfg := params.Config
	params.Config.MaxConnections = fitMaxConnections(cfg.MaxConnections, nofile, checkedServers(m, cfg.Timeouts.HealthCheck))
	return render.Render(m, params)
}

// serveServers applies, before the reload p needs, the server changes
// (endpoints, weights) of the backends whose shape the reload keeps, when
// serveEarly could not: a route added or changed must not hold back every
// other route's endpoints for the reload interval and the reload itself
// (seconds, with tens of thousands of routes), during which a pod that went
// away would still be sent requests. It is a best effort, as serveEarly.
func (r *Router) serveServers(ctx context.Context, p *plan) bool {
	if r.stale || r.startsAnew() {
		return false
	}
	next := model.KeepSpares(r.prev, buildModel(r.params.Config, p.snap, p.result))
	model.AssignSlots(r.prev, next) // p.model's slots may be compacted for the reload
	m := model.WithServersOf(r.prev, next)
	if m == nil {
		return false
	}
	files, err := renderModel(m, r.paramsWithCRL(r.servedCRL), r.nofile)
	if err == nil {
		err = r.applyRuntime(ctx, &plan{snap: p.snap, result: p.result, model: m, files: files})
	}
	if err != nil {
		r.log.Error(err, "runtime update of servers before a reload failed")
		r.stale = true
		return false
	}
	r.serving(m, p.taken)
	return true
}

// serveEarly puts as many of p's new routes live as prev's free spares
// can take, before the reload that p needs: in a burst, routes that fit
// need not wait for the reload interval and the reload itself. It is a
// best effort; the reload serves them anyway. It says whether it served
// any.
func (r *Router) serveEarly(ctx context.Context, p *plan) bool {
	early := r.earlyPlan(p)
	if early == nil {
		return false
	}
	if err := r.applyRuntime(ctx, early); err != nil {
		r.log.Error(err, "runtime update before a reload failed")
		r.stale = true
		return false
	}
	// r.seen stays: the routes left out arrived before p.taken.
	r.serving(early.model, p.taken)
	return true
}

// changedMeanwhile takes a pending change signal, if any: the caller is
// about to read a snapshot that holds that change.
func (r *Router) changedMeanwhile() bool {
	select {
	case <-r.watcher.Changed():
		return true
	default:
		return false
	}
}

// earlyPlan is p without the new routes that prev's free spares cannot
// take, when that needs no reload; else nil.
func (r *Router) earlyPlan(p *plan) *plan {
	if r.stale || r.startsAnew() {
		return nil
	}
	return r.sparesPlan(p)
}

// sparesPlan is p's routes that r.prev serves or its free spares can
// take, when that needs no reload; else nil. The routes it leaves for the
// reload keep their hosts, out of the default backend's reach.
func (r *Router) sparesPlan(p *plan) *plan {
	_, free := model.Spares(r.prev)
	order := make([]types.NamespacedName, len(p.result.Routes))
	for i, a := range p.result.Routes {
		order[i] = types.NamespacedName{Namespace: a.Namespace, Name: a.Name}
	}
	chosen := model.SpareCandidates(r.prev, p.model, r.cfg.BalanceHTTP, free, order)
	if len(chosen) == 0 {
		return nil
	}
	onlyChosen := func(res admission.Result) admission.Result {
		res = r.applyQuarantine(res)
		had := model.RoutesOf(r.prev)
		kept := res.Routes[:0:0]
		for _, a := range res.Routes {
			key := types.NamespacedName{Namespace: a.Namespace, Name: a.Name}
			if had[key] || chosen[key] {
				kept = append(kept, a)
			} else {
				res.Held = append(res.Held, a)
			}
		}
		res.Routes = kept
		return res
	}
	// The revocation lists HAProxy has: new ones come with p itself, which
	// may go live by a reload after this (and must not be undone by it).
	res, m, files, err := Plan(r.paramsWithCRL(r.servedCRL), r.nofile, p.snap, r.prev, onlyChosen, nil)
	if err != nil || !model.SameShape(r.prev, m) {
		return nil
	}
	return &plan{snap: p.snap, result: res, model: m, files: files}
}

// withSpares serves m through prev's spare backends when the result needs
// no reload; otherwise m keeps every route under its own backend and gets
// pool(pending, backends) free spares for the reload, and the reload drops
// the server lines that endpoints left empty.
func withSpares(prev, m *model.Model, balance string, pool func(pending, backends int) int) *model.Model {
	fitted, pending := model.FitSpares(prev, m, balance)
	if fitted != nil {
		model.AssignSlots(prev, fitted)
		if model.SameShape(prev, fitted) {
			return fitted
		}
	}
	model.AssignSlots(prev, m)
	if pool != nil {
		// After the slots: a reload's spares start without servers,
		// whatever a spare of the same name held before.
		model.AddSpares(m, pool(pending, len(m.Backends)), balance)
	}
	if !model.SameShape(prev, m) {
		// m goes live by a reload (Compact cannot make it the same shape
		// again: it only takes slots away).
		model.Compact(m)
	}
	return m
}

// minRateWindow keeps a burst's first few routes, seen within
// milliseconds, from being read as an endless rate.
const minRateWindow = 100 * time.Millisecond

// sparePool sizes the spare backends of a reload: the configured number,
// or, while routes arrive faster than reloads follow, spareHeadroom times
// what arrives during one reload cycle. Routes that arrive while a reload
// runs then go live as soon as it ends instead of waiting for the next
// one. The rate is the faster of two: the routes new since the last reload
// (in spares or waiting) over the time since it, which follows a steady
// stream; and the routes waiting now over the time they can have taken to
// arrive, which catches a burst in its first milliseconds. That time
// starts when the router, idle, woke up to a change, or else (changes
// came while it was busy, say during a reload) when the snapshot HAProxy
// serves was read: counting from the end of a long reload instead would
// read its arrivals as a burst many times faster than it is.
//
// The cycle depends on the pool: its spares lengthen the reload that
// brings them, and a burst's first pool is many times the size of the
// one before it. So the pool is sized twice: for a reload with the
// configured pool, then for one that carries that first estimate.
func (r *Router) sparePool(pending, backends int) int {
	return r.sparePoolAt(pending, backends, time.Now())
}

// sparePoolAt is sparePool as of now: a test passes the instant its
// history was written at, so that a busy machine does not age it.
func (r *Router) sparePoolAt(pending, backends int, now time.Time) int {
	if r.prev == nil {
		return r.cfg.SpareBackends // the first config: its routes are not a burst
	}
	total, free := model.Spares(r.prev)
	since := now.Sub(arrivalStart(r.seen, r.woke))
	rate := max(perSecond(total-free+pending, now.Sub(r.lastReload)), perSecond(pending, since),
		recentRate(r.takes, pending, now))
	last := r.hap.Metrics().LastReloadDuration
	cycle := func(spares int) time.Duration {
		return reloadCycle(expectedReload(last, len(r.prev.Backends), backends+spares, perBackendCost(r.reloadCosts)), r.cfg.ReloadInterval)
	}
	first := spareCount(r.cfg.SpareBackends, rate, cycle(r.cfg.SpareBackends))
	return spareCount(r.cfg.SpareBackends, rate, cycle(first))
}

// expectedReload estimates how long a reload of n backends takes, from
// the last reload, which took last for lastN backends (spares included),
// and perBackend, what each backend more adds: a reload's work grows
// about linearly with its backends (BENCHMARKS.md §3). A smaller config
// is taken to reload as slowly as the last: the estimate errs on the side
// of more spares.
func expectedReload(last time.Duration, lastN, n int, perBackend time.Duration) time.Duration {
	return last + time.Duration(max(0, n-lastN))*perBackend
}

// noteReload records the time per backend of a reload of backends.
func (r *Router) noteReload(backends int) {
	r.reloadCosts = appendCost(r.reloadCosts, r.hap.Metrics().LastReloadDuration, backends)
}

// reloadCostSamples is how many reloads perBackendCost looks back on.
const reloadCostSamples = 8

// appendCost adds took over backends to costs, keeping the last
// reloadCostSamples.
func appendCost(costs []time.Duration, took time.Duration, backends int) []time.Duration {
	if backends <= 0 {
		return costs
	}
	costs = append(costs, took/time.Duration(backends))
	return costs[max(0, len(costs)-reloadCostSamples):]
}

// perBackendCost is what one backend more adds to a reload: the least
// time per backend of the last reloads (0: none yet). A reload's fixed
// part (the new worker's start) weighs on a small config's time per
// backend, so the least is the nearest; the last few only, so that a
// machine that got busier is followed.
func perBackendCost(costs []time.Duration) time.Duration {
	if len(costs) == 0 {
		return 0
	}
	return slices.Min(costs)
}

// serving records that HAProxy serves m, from the snapshot read at taken:
// m is what the next plan builds on, and the spares it holds that the
// model before did not are arrivals that recentRate counts.
func (r *Router) serving(m *model.Model, taken time.Time) {
	before := heldSpares(r.prev)
	r.prev = m
	labels := routeLabels(m)
	r.proxyLabels.Store(&labels)
	after := heldSpares(m)
	for range after - before {
		r.takes = append(r.takes, taken)
	}
	i := 0
	for i < len(r.takes) && taken.Sub(r.takes[i]) > takesWindow {
		i++
	}
	r.takes = r.takes[i:]
}

func heldSpares(m *model.Model) int {
	total, free := model.Spares(m)
	return total - free
}

// takesWindow is how far back recentRate looks.
const takesWindow = time.Second

// recentRate is the fastest rate at which routes took spares over any
// recent stretch (takes, oldest first, up to now) of at least
// minRateWindow, pending routes counted as arriving now. A burst's first
// routes take the spares left by the stream before it: counted over the
// time since the last reload, those few hundred milliseconds read as the
// stream's rate, and the pool sized for it runs out mid-burst.
func recentRate(takes []time.Time, pending int, now time.Time) float64 {
	best := 0.0
	for i := len(takes) - 1; i >= 0; i-- {
		best = max(best, perSecond(len(takes)-i+pending, now.Sub(takes[i])))
	}
	return best
}

// reloadCycle is how long a pool must last for the routes that arrive
// meanwhile to find a spare: until the next reload can end. That one
// starts at least an interval after this one (or when this one ends, if
// later) and takes about as long as the last.
func reloadCycle(lastReload, interval time.Duration) time.Duration {
	return max(lastReload, interval) + lastReload
}

// arrivalStart is the earliest the routes not yet served can have
// arrived: when the router, idle, woke up to the first of them, or, if it
// woke before the snapshot HAProxy serves was read (they came while it
// was busy), that read.
func arrivalStart(seen, woke time.Time) time.Time {
	if seen.After(woke) {
		return seen
	}
	return woke
}

// perSecond is n routes over d, d at least minRateWindow.
func perSecond(n int, d time.Duration) float64 {
	return float64(n) / max(d, minRateWindow).Seconds()
}

// spareHeadroom over-provisions spares: a burst's first milliseconds
// understate its rate, and a reload under a burst takes longer than the
// last one did. Too few spares cost the routes that miss them a reload
// (in a burst, a wait of a second or more for a reload of a config grown
// by the burst); a spare too many costs about 8 kB of HAProxy's memory
// and 0.07 ms of each reload until a reload sizes the pool again. So the
// pool errs on the large side. Measured in bench/'s burst of 1,000 routes
// (six runs each): headroom 4 often left the burst's first pool short, and
// a second reload made p99 0.78–1.56 s; with 8 the first pool lasted in
// every run, p99 0.62–0.92 s.
const spareHeadroom = 8

// spareCount is how many spares cover spareHeadroom times what arrives at
// rate during a reload cycle (see reloadCycle), within base and
// MaxSpareBackends.
func spareCount(base int, rate float64, cycle time.Duration) int {
	if base <= 0 {
		return 0
	}
	return min(config.MaxSpareBackends, max(base, int(math.Ceil(spareHeadroom*rate*cycle.Seconds()))))
}

// needsReload is whether p cannot be served by runtime updates alone.
func (r *Router) needsReload(p *plan) bool {
	return r.stale || r.startsAnew() || !model.SameShape(r.prev, p.model) || len(r.crlChange(p)) > maxRuntimeCRL
}

// maxRuntimeCRL is the largest revocation-list file set at runtime: the
// command must fit in one runtime API request. A larger one goes live by a
// reload.
const maxRuntimeCRL = haproxy.MaxRequestSize - 1024

// renderParams are the router's render parameters with the client CA's
// revocation lists as they are now.
func (r *Router) renderParams() render.Params {
	if r.crls == nil {
		return r.params
	}
	return r.paramsWithCRL(r.crls.PEM())
}

// paramsWithCRL are the render parameters with crl as the client CA's
// revocation lists.
func (r *Router) paramsWithCRL(crl []byte) render.Params {
	p := r.params
	if r.crls != nil {
		m := *p.Config.MutualTLS
		m.CRL = crl
		p.Config.MutualTLS = &m
	}
	return p
}

// crlChange is p's revocation-list file when it is not the one HAProxy
// checks clients with; nil otherwise.
func (r *Router) crlChange(p *plan) []byte {
	if r.crls == nil || bytes.Equal(p.files[render.ClientCRLFile], r.servedCRL) {
		return nil
	}
	return p.files[render.ClientCRLFile]
}

// setCRL has HAProxy check clients with p's revocation lists from the next
// handshake on (its file is written already, for the next reload).
func (r *Router) setCRL(ctx context.Context, p *plan) error {
	b := r.crlChange(p)
	if b == nil {
		return nil
	}
	file := render.ClientCRLPath(r.params.ConfigDir)
	out, err := r.hap.Exec(ctx, "set ssl crl-file "+file+" <<\n"+string(b), "commit ssl crl-file "+file)
	if err == nil && (len(out) != 2 || !strings.Contains(out[1], "Success!")) {
		// A commit that fails says so after its first line, unprefixed.
		err = fmt.Errorf("commit ssl crl-file: %q", strings.Join(out, "\n"))
	}
	if err != nil {
		_, _ = r.hap.Exec(ctx, "abort ssl crl-file "+file)
		return fmt.Errorf("revocation lists: %w", err)
	}
	r.servedCRL = b
	r.metrics.runtimeUpdates.WithLabelValues("crl").Inc()
	return nil
}

// startsAnew is whether the next reload starts HAProxy rather than
// reloading it: the first one, or after HAProxy stopped. No process then
// serves r.prev, to update at runtime or to hand connections over.
func (r *Router) startsAnew() bool {
	return r.prev == nil || !r.hap.Running()
}

// waitReloadInterval waits until ReloadInterval has passed since the last
// reload started, and says whether it had to wait. Counting from the
// start bounds the reload rate without adding the reload's own duration
// to the wait of every change that arrives during a long reload. When
// onChange is set, cluster changes during the wait call it.
func (r *Router) waitReloadInterval(ctx context.Context, onChange func(context.Context)) (bool, error) {
	var changed <-chan struct{}
	if onChange != nil {
		changed = r.watcher.Changed()
	}
	waited := false
	for {
		wait := r.cfg.ReloadInterval - time.Since(r.lastReload)
		if wait <= 0 {
			return waited, nil
		}
		waited = true
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(wait):
			return true, nil
		case <-changed:
			onChange(ctx)
		}
	}
}

// serveEarlyOnChange serves, while a reload waits for its interval, what
// changed since without a reload: all of it when it needs none (the
// change that needed one is gone), else the new routes that spares can
// take. The reload re-plans after its wait anyway.
func (r *Router) serveEarlyOnChange(ctx context.Context) {
	time.Sleep(batchDelay)
	p, err := r.snapshotPlan(ctx)
	switch {
	case err != nil:
	case r.needsReload(p):
		_ = r.serveEarly(ctx, p) || r.serveServers(ctx, p)
	case r.applyRuntime(ctx, p) == nil:
		r.serving(p.model, p.taken)
		r.seen = p.taken
	default:
		r.stale = true // the reload under way serves it
	}
}

// apply makes HAProxy serve p: at runtime when the shape of the config is
// unchanged, else by a reload (sync has waited for ReloadInterval).
func (r *Router) apply(ctx context.Context, p *plan) error {
	if !r.needsReload(p) {
		err := r.applyRuntime(ctx, p)
		if err == nil {
			return nil
		}
		r.log.Error(err, "runtime update failed; reloading instead")
		r.stale = true // until a reload lands: it may be refused
		// A runtime failure that repeats (say, a weight HAProxy refuses)
		// must not turn every change into an immediate reload.
		if _, err := r.waitReloadInterval(ctx, nil); err != nil {
			return err
		}
	}
	reason, detail := reloadReason(r.prev, p.model, r.hap.Running())
	_, spares := model.Spares(p.model)
	r.log.Info("reloading haproxy", "reason", reason, "detail", detail, "spares", spares)
	r.lastReload = time.Now()
	// HAProxy's first start, or its restart, is a new process: its time
	// says nothing of what a backend costs a reload.
	reloaded := !r.startsAnew()
	if err := r.hap.Reload(ctx, haproxy.Files(p.files), reason); err != nil {
		if _, refused := haproxy.Refusal(err); !refused {
			r.stale = true // HAProxy may run p's files, or the old ones
		}
		return err
	}
	r.stale = false
	r.servedCRL = p.files[render.ClientCRLFile]
	r.servedDefaultCert = r.params.DefaultCertificate
	if reloaded {
		r.noteReload(len(p.model.Backends))
	}
	return nil
}

// applyRuntime writes the files first (runtime changes are lost on the
// next reload), then sets changed servers, then replaces changed maps,
// committing them together: a route that takes a spare backend finds its
// servers ready when its map entries appear, and its entries in the
// exact and prefix maps appear together.
func (r *Router) applyRuntime(ctx context.Context, p *plan) (err error) {
	stop := prometheusTimer(r.metrics.writeSeconds)
	restore, err := r.hap.WriteFiles(haproxy.Files(p.files))
	stop()
	if err != nil {
		return err
	}
	// A failure leaves the disk as HAProxy last loaded it (the reload that
	// follows writes p's files itself, and a refused one keeps the disk).
	defer func() {
		if err != nil {
			restore()
		}
	}()
	if err := r.setCRL(ctx, p); err != nil {
		return err
	}
	if err := r.setServers(ctx, model.ServerChanges(r.prev, p.model), p.model); err != nil {
		return err
	}
	var changed []haproxy.MapContent
	for _, name := range model.MapNames {
		if mapsEqual(r.prev.Maps[name], p.model.Maps[name]) {
			continue
		}
		entries := make([][2]string, 0, len(p.model.Maps[name]))
		for _, e := range p.model.Maps[name] {
			entries = append(entries, [2]string{e.Key, e.Value})
		}
		changed = append(changed, haproxy.MapContent{Path: render.MapPath(r.params.ConfigDir, name), Entries: entries})
	}
	if len(changed) == 0 {
		return nil
	}
	if err := r.hap.ReplaceMaps(ctx, changed...); err != nil {
		return fmt.Errorf("maps: %w", err)
	}
	r.metrics.runtimeUpdates.WithLabelValues("map").Add(float64(len(changed)))
	return nil
}

// emptySlotWeight is the weight of an empty slot, as render writes it and
// setServers leaves it.
const emptySlotWeight = 1

// setServers applies slot changes in as few round trips as the runtime
// API's request size allows (a burst of routes taking spares sets many),
// and turns health checks on or off where m's backends gained or lost
// their second server (in a new worker, off for every lone server).
func (r *Router) setServers(ctx context.Context, changes []model.ServerChange, m *model.Model) error {
	check := r.cfg.Timeouts.HealthCheck
	cmds, err := serverCommands(changes, r.params.ConfigDir, check)
	if err != nil {
		return err
	}
	health := r.health.forWorker(r.hap.Workers())
	health.added(changes, check)
	cmds = append(cmds, health.commands(m, changes, check)...)
	if len(cmds) == 0 {
		r.health = health
		return nil
	}
	if _, err := r.hap.Exec(ctx, cmds...); err != nil {
		// Some commands may have run: which checks are on is not known
		// until every server is told again (a runtime update that fails
		// is followed by a reload anyway: a new worker).
		r.health = healthState{worker: health.worker, off: map[slotKey]bool{}, unsure: true}
		return fmt.Errorf("servers: %w", err)
	}
	r.health = health
	r.metrics.runtimeUpdates.WithLabelValues("server").Add(float64(len(changes)))
	return nil
}

// checkLoneServers turns off the health checks of lone servers in a new
// worker (a reload, or a restart after a crash), whose server lines all
// check, or sets every server's after a failed try. It comes after the
// routes are served and their status handed on: ten thousand lone
// servers take HAProxy about half a second. A failure only costs checks;
// the loop tries again a second later.
func (r *Router) checkLoneServers(ctx context.Context) {
	// A stale router reloads next (HAProxy may run other files than prev).
	if r.prev == nil || r.stale || r.health.worker == r.hap.Workers() && !r.health.unsure {
		return
	}
	if err := r.setServers(ctx, nil, r.prev); err != nil {
		r.log.Error(err, "cannot set the health checks of backends by their server count; trying again")
	}
}

// serverCommands are the runtime API commands that make the slots what
// changes say; check is the router's health-check interval.
func serverCommands(changes []model.ServerChange, configDir string, check time.Duration) ([]string, error) {
	var cmds []string
	for _, c := range changes {
		addr, port, weight, ready := "127.0.0.1", 1, emptySlotWeight, false
		if s := c.Server; s != nil {
			addr, port, weight, ready = s.Addr, int(s.Port), s.Weight, true
		}
		if c.Added {
			opts := strings.TrimSpace(render.ServerOptions(configDir, check, c.Backend) + " " + render.SlotOptions(c.Line))
			// Its checks start off; setServers turns them on if the
			// backend has more servers than this one.
			more, err := haproxy.AddServerCommands(c.Backend.Name, c.Slot, addr, port, weight, opts, ready)
			if err != nil {
				return nil, err
			}
			cmds = append(cmds, more...)
			continue
		}
		before := emptySlotWeight
		if c.Prev != nil {
			before = c.Prev.Weight
		}
		if weight == before {
			weight = -1 // unchanged: one command fewer per server when a burst fills spares
		}
		move := moved(c)
		if move {
			// A server keeps its health across "set server addr": a slot
			// whose pod failed its checks would hold the new pod down until
			// checks pass again. Out of maintenance, health starts afresh.
			more, _ := haproxy.ServerCommands(c.Backend.Name, c.Slot, "", 0, -1, false)
			cmds = append(cmds, more...)
		}
		more, err := haproxy.ServerCommands(c.Backend.Name, c.Slot, addr, port, weight, ready)
		if err != nil {
			return nil, err
		}
		cmds = append(cmds, more...)
		if move && c.Backend.CheckEvery(check) > 0 {
			// Out of maintenance, health is just up: a check of the old
			// pod still under way would take the new one down when it
			// fails. Fully up, it takes as many failures as ever.
			cmds = append(cmds, "set server "+c.Backend.Name+"/"+c.Slot+" health up")
		}
	}
	return cmds, nil
}

// moved reports whether c points a serving slot at another pod.
func moved(c model.ServerChange) bool {
	return c.Prev != nil && c.Server != nil && (c.Prev.Addr != c.Server.Addr || c.Prev.Port != c.Server.Port)
}

func mapsEqual(a, b []model.Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// reloadReason names why a reload is needed: a short reason for metrics
// and a detail for the log.
func reloadReason(prev, next *model.Model, running bool) (string, string) {
	switch {
	case prev == nil:
		return "initial", fmt.Sprintf("%d backends", len(next.Backends))
	case !running:
		return "restart", "haproxy was not running"
	}
	old := make(map[string]*model.Backend, len(prev.Backends))
	for _, b := range prev.Backends {
		old[b.Name] = b
	}
	var added, changed int
	for _, b := range next.Backends {
		if o, ok := old[b.Name]; !ok {
			added++
		} else if model.Resized(o, b) && !model.IsSpare(b.Name) { // spares start anew
			changed++
		}
		delete(old, b.Name)
	}
	detail := fmt.Sprintf("backends: %d added, %d removed, %d resized", added, len(old), changed)
	switch {
	case added > 0 || len(old) > 0:
		return "routes", detail
	case changed > 0:
		return "server-slots", detail
	}
	return "config", detail + "; certificates or route settings changed"
}

// crtListAlert is how HAProxy names the crt-list line whose certificate it
// cannot load ("... 'crt-list' : error processing line 2 in file
// '/conf/crt-list' : unable to load SSL certificate ...: ee key too small.").
var crtListAlert = regexp.MustCompile(`error processing line (\d+) in file '([^']*)'`)

// quarantine marks the routes whose backends or certificates HAProxy
// refused as rejected, so that one bad route never holds the others
// back. It returns false when no route could be blamed.
func (r *Router) quarantine(p *plan, alerts []haproxy.Alert) bool {
	lines := bytes.Split(p.files[render.ConfigFile], []byte("\n"))
	blamed := false
	blame := func(route types.NamespacedName, msg string) {
		r.rejected[quarantineKey(route, p)] = admission.Verdict{
			Reason:  admission.ReasonExtendedValidationFailed,
			Message: "HAProxy rejected this route's configuration: " + placeless(msg),
		}
		blamed = true
	}
	for _, a := range alerts {
		// A certificate is loaded from a crt-list line, which the alert
		// names; the config line it gives is the frontend's bind.
		if m := crtListAlert.FindStringSubmatch(a.Message); m != nil && filepath.Base(m[2]) == render.CrtListFile {
			n, _ := strconv.Atoi(m[1])
			if i, ok := render.CertOfCrtListLine(n); ok && i < len(p.model.Certs) {
				blame(p.model.Certs[i].Route, a.Message)
			}
			continue
		}
		if filepath.Base(a.File) != render.ConfigFile {
			continue
		}
		backend := enclosingBackend(lines, a.Line)
		for _, b := range p.model.Backends {
			// A free spare holds no route's input: nothing to blame.
			if b.Name == backend && b.Route != (types.NamespacedName{}) {
				blame(b.Route, a.Message)
			}
		}
	}
	return blamed
}

// enclosingBackend returns the name of the backend section holding line n (1-based).
func enclosingBackend(lines [][]byte, n int) string {
	for i := min(n, len(lines)) - 1; i >= 0; i-- {
		if name, ok := bytes.CutPrefix(lines[i], []byte("backend ")); ok {
			return string(name)
		}
		if len(lines[i]) > 0 && lines[i][0] != ' ' && lines[i][0] != '#' {
			return ""
		}
	}
	return ""
}

// alertPlaces are the file names and line numbers in HAProxy's alerts,
// which move with other routes: a route's status message must not.
var alertPlaces = regexp.MustCompile(`\[[^\[\]]*:\d+\]|line \d+ in file '[^']*'`)

// placeless is an alert without its file names and line numbers.
func placeless(msg string) string {
	return strings.Join(strings.Fields(alertPlaces.ReplaceAllStringFunc(msg, func(m string) string {
		if strings.HasPrefix(m, "line ") {
			return "its certificate"
		}
		return ""
	})), " ")
}

// quarantineKey ties a rejection to the route's current version: editing
// the route gives it a new chance.
func quarantineKey(route types.NamespacedName, p *plan) string {
	for _, a := range p.result.Routes {
		if a.Namespace == route.Namespace && a.Name == route.Name {
			return routeVersion(a)
		}
	}
	return route.String()
}

// routeVersion names what the router served of a route: its spec's
// generation, its annotations, and the version of the Secret it takes its
// certificate from, so that a change of any, and only of those, gives a
// refused route a new chance. Not its resourceVersion: the router's own
// status write (that it is refused) changes that.
func routeVersion(a admission.Route) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(a.Annotations)) {
		fmt.Fprintf(h, "%q=%q;", k, a.Annotations[k])
	}
	return fmt.Sprintf("%s/%d/%x/%s", a.UID, a.Generation, h.Sum(nil)[:8], a.SecretVersion)
}

// applyQuarantine moves quarantined routes from admitted to rejected.
func (r *Router) applyQuarantine(res admission.Result) admission.Result {
	if len(r.rejected) == 0 {
		return res
	}
	kept := res.Routes[:0:0]
	live := map[string]bool{}
	for _, a := range res.Routes {
		key := routeVersion(a)
		v, bad := r.rejected[key]
		if !bad {
			kept = append(kept, a)
			continue
		}
		live[key] = true
		res.Held = append(res.Held, a)
		v.Host, v.WildcardPolicy = a.Host, res.Verdicts[types.NamespacedName{Namespace: a.Namespace, Name: a.Name}].WildcardPolicy
		v.UID, v.Generation, v.Annotations = a.UID, a.Generation, a.Annotations
		res.Verdicts[types.NamespacedName{Namespace: a.Namespace, Name: a.Name}] = v
	}
	for k := range r.rejected {
		if !live[k] {
			delete(r.rejected, k)
		}
	}
	res.Routes = kept
	return res
}

// prometheusTimer starts timing; calling the result observes the duration.
func prometheusTimer(h interface{ Observe(float64) }) func() {
	start := time.Now()
	return func() { h.Observe(time.Since(start).Seconds()) }
}
