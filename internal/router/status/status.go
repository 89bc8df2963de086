// Package status writes this router's entry in Route status.ingress[]. All
// replicas of one IngressController compute the same verdicts, but only the
// holder of a Lease writes, and only entries that differ from what is
// stored, so replicas never fight and an idle router writes nothing. It
// takes the entry off routes that leave the router, backs off from a
// failing API server and from another writer of the same router name.
package status

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
)

// Options configure a Writer.
type Options struct {
	RouterName        string
	CanonicalHostname string
	// Namespace holds the Lease named LeaseName(RouterName).
	Namespace string
	// Identity names this replica in the Lease (pod name and pid by default).
	Identity string
	// Sharded says the router serves only Routes of a label selector,
	// which the reader's cache holds alone: a new status writer then
	// looks at every Route once, for entries of Routes that left the
	// shard while no writer watched.
	Sharded bool
}

// LeaseName is the Lease that elects the status writer of a router.
func LeaseName(routerName string) string { return names.RouterStatusLease(routerName) }

// The pace of status writes. A write that fails is tried again after
// retryFirst, doubling up to retryMax, so that a failing API server gets
// no storm. An entry changed by another writer contentionLimit times
// within contentionWindow (another router of the same name) is left alone
// for contentionPause: two writers would otherwise fight at API speed.
const (
	retryFirst       = time.Second
	retryMax         = 5 * time.Minute
	contentionLimit  = 5
	contentionWindow = time.Minute
	contentionPause  = time.Minute
	sweepPageSize    = 500
)

// Writer writes route status when it holds the Lease.
type Writer struct {
	o      Options
	cfg    *rest.Config
	reader client.Reader
	writer client.Client
	now    func() time.Time

	mu       sync.Mutex
	verdicts map[types.NamespacedName]admission.Verdict
	taken    time.Time
	// full asks the next pass to look at every route, dirty only at these.
	full  bool
	dirty map[types.NamespacedName]struct{}
	wake  chan struct{}
	// unhealthy says the router fails to sync: it gives up the Lease, and
	// campaigns again once healthy (healthyWake), so that a replica that
	// serves writes status. stopTerm ends the current term.
	unhealthy   bool
	healthyWake chan struct{}
	stopTerm    context.CancelFunc

	// Only the write loop uses these.
	state   map[types.NamespacedName]*routeState
	sweep   sweepState
	retries *time.Timer
	retryAt time.Time // when retries fires; zero: not set
}

// sweepState is the progress of a term's look at every route.
type sweepState struct {
	done     bool
	failures int
	retryAt  time.Time
	// unsure is the snapshot time of a sweep that left entries alone only
	// because they were stored in its own second (newerThan): the next
	// sweep takes them off if no later snapshot came meanwhile.
	unsure time.Time
}

// unsureWait is how long a sweep that left entries in doubt waits for a
// later snapshot before it takes them as older: a change that made another
// router write one is an event this router syncs on, and reports, within
// that time (its reload interval, 0.5 s by default, 5 s as OKD's, and the
// reload). Longer, a router restarted in the second its predecessor wrote
// keeps a stale entry that long.
const unsureWait = 6 * time.Second

// routeState is what the writer knows of one Route it wrote or judged.
type routeState struct {
	uid types.UID
	// readRV and wroteRV are the resourceVersions its last write was made
	// over and made; wrote is the entry it wrote.
	readRV, wroteRV string
	wrote           *routev1.RouteIngress
	failures        int
	retryAt         time.Time
	overwrites      []time.Time
}

// New creates a writer; reader is the router's informer cache, writer a
// direct client.
func New(cfg *rest.Config, reader client.Reader, writer client.Client, o Options) *Writer {
	if o.Identity == "" {
		host, _ := os.Hostname()
		o.Identity = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	return &Writer{o: o, cfg: cfg, reader: reader, writer: writer, now: time.Now,
		wake: make(chan struct{}, 1), healthyWake: make(chan struct{}, 1)}
}

// Update records the latest verdicts, judged on the cluster as it was at
// taken, and wakes the writer.
func (w *Writer) Update(v map[types.NamespacedName]admission.Verdict, taken time.Time) {
	w.mu.Lock()
	w.verdicts, w.taken = v, taken
	w.mu.Unlock()
	w.Poke()
}

// Poke asks the writer to compare every route's stored status with its
// verdict again.
func (w *Writer) Poke() {
	w.mu.Lock()
	w.full = true
	w.mu.Unlock()
	w.wakeUp()
}

// PokeRoutes asks the writer to compare these routes' stored status with
// their verdicts again: someone else changed it. Only they are looked at
// (unless a pass over all is due): another router's bulk write would
// otherwise make a pass over every route per event.
func (w *Writer) PokeRoutes(keys []types.NamespacedName) {
	if len(keys) == 0 {
		return
	}
	w.mu.Lock()
	if !w.full {
		if w.dirty == nil {
			w.dirty = map[types.NamespacedName]struct{}{}
		}
		for _, k := range keys {
			w.dirty[k] = struct{}{}
		}
	}
	w.mu.Unlock()
	w.wakeUp()
}

func (w *Writer) wakeUp() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// SetHealthy says whether the router syncs: one that keeps failing gives
// up the Lease to a replica that does (its own verdicts are stale).
func (w *Writer) SetHealthy(ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.unhealthy != ok {
		return
	}
	w.unhealthy = !ok
	if !ok && w.stopTerm != nil {
		w.stopTerm()
	}
	if ok {
		select {
		case w.healthyWake <- struct{}{}:
		default:
		}
	}
}

// startTerm waits until the router is healthy and returns the context of
// a term of campaigning and writing, which SetHealthy(false) ends.
func (w *Writer) startTerm(ctx context.Context) (context.Context, context.CancelFunc, bool) {
	for {
		w.mu.Lock()
		if !w.unhealthy {
			term, stop := context.WithCancel(ctx)
			w.stopTerm = stop
			w.mu.Unlock()
			return term, stop, true
		}
		w.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, nil, false
		case <-w.healthyWake:
		}
	}
}

// Run campaigns for the Lease and writes while holding it, until ctx ends.
func (w *Writer) Run(ctx context.Context) error {
	cs, err := kubernetes.NewForConfig(w.cfg)
	if err != nil {
		return err
	}
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: w.o.Namespace, Name: LeaseName(w.o.RouterName)},
		Client:     cs.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: w.o.Identity},
	}
	elect := func(term context.Context, lead func(context.Context)) {
		leaderelection.RunOrDie(term, leaderelection.LeaderElectionConfig{
			Lock: lock, ReleaseOnCancel: true,
			LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second,
			Callbacks: leaderelection.LeaderCallbacks{OnStartedLeading: lead, OnStoppedLeading: func() {}},
		})
	}
	for ctx.Err() == nil {
		term, stop, ok := w.startTerm(ctx)
		if !ok {
			return nil
		}
		w.runTerm(term, stop, elect)
	}
	return nil
}

// runTerm campaigns for the Lease through elect, which calls lead (maybe
// from another goroutine) once it holds it and returns when the Lease is
// lost or term ends; lead writes until its context ends. runTerm returns
// only when no write loop of this term runs or can start any more: the
// loop uses the writer's state unlocked, and two would interleave writes.
func (w *Writer) runTerm(term context.Context, stop context.CancelFunc, elect func(context.Context, func(context.Context))) {
	var loop termLoop
	elect(term, func(ctx context.Context) { loop.run(ctx, w.writeLoop) })
	stop()
	loop.end()
}

// termLoop runs at most one term's write loop and waits for it. client-go
// starts OnStartedLeading in a goroutine and does not wait for it, so the
// term may be over before that goroutine runs: counting the loop only once
// it runs would let end return first and the loop then run beside the next
// term's. end therefore also closes the term to loops that come late.
type termLoop struct {
	mu      sync.Mutex
	over    bool
	running sync.WaitGroup
}

// run calls loop unless end was called first.
func (t *termLoop) run(ctx context.Context, loop func(context.Context)) {
	t.mu.Lock()
	if t.over {
		t.mu.Unlock()
		return
	}
	t.running.Add(1)
	t.mu.Unlock()
	defer t.running.Done()
	loop(ctx)
}

// end keeps loops from starting and waits for the one that started.
func (t *termLoop) end() {
	t.mu.Lock()
	t.over = true
	t.mu.Unlock()
	t.running.Wait()
}

func (w *Writer) writeLoop(ctx context.Context) {
	if ctx.Err() != nil {
		return // the Lease is lost already: the state is the next term's
	}
	log := ctrl.LoggerFrom(ctx).WithName("status")
	log.Info("writing route status", "router", w.o.RouterName, "identity", w.o.Identity)
	// A new term starts afresh: another replica may have written since.
	w.state, w.sweep = map[types.NamespacedName]*routeState{}, sweepState{}
	w.retries = time.AfterFunc(time.Hour, w.Poke)
	defer w.retries.Stop()
	w.Poke()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		}
		// select picks at random when both are ready: a term that just
		// ended must not write once more.
		if ctx.Err() != nil {
			return
		}
		n, next, full, err := w.writeAll(ctx)
		switch {
		case apierrors.IsConflict(err):
			// Expected: every IngressController's router writes its own
			// entry of a route it serves, and so do the others.
			log.V(1).Info("route status conflict, retrying", "written", n, "reason", err.Error())
		case err != nil:
			log.Error(err, "writing route status", "written", n)
		case n > 0:
			log.V(1).Info("route status written", "routes", n)
		}
		w.scheduleRetry(next, full)
	}
}

// scheduleRetry sets the retries timer for next, the earliest retry a pass
// found: after a pass over every route, whatever it was; after one over
// some, only sooner (the others' retries stand).
func (w *Writer) scheduleRetry(next time.Time, full bool) {
	if !full && (next.IsZero() || !w.retryAt.IsZero() && !next.Before(w.retryAt)) {
		return
	}
	w.retryAt = next
	if next.IsZero() {
		w.retries.Stop() // nothing waits: no pass for an old retry
		return
	}
	w.retries.Reset(max(next.Sub(w.now()), 10*time.Millisecond))
}

// writeAll brings the routes' entries in line with their verdicts, all of
// them (and takes this router's entry off routes it no longer judges) or
// those PokeRoutes named. It returns how many it wrote, when a route waits
// to be tried again, and whether it looked at all.
func (w *Writer) writeAll(ctx context.Context) (int, time.Time, bool, error) {
	w.mu.Lock()
	verdicts, taken, full, dirty := w.verdicts, w.taken, w.full, w.dirty
	w.full, w.dirty = false, nil
	w.mu.Unlock()
	if verdicts == nil {
		return 0, time.Time{}, full, nil // no sync yet: nothing is known
	}
	var firstErr error
	keep := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	written, now, next := 0, w.now(), time.Time{}
	write := func(key types.NamespacedName, v admission.Verdict) {
		ok, retryAt, err := w.writeRoute(ctx, key, v, now)
		if ok {
			written++
		}
		keep(err)
		if !retryAt.IsZero() && now.Before(retryAt) {
			next = earliest(next, retryAt)
		}
	}
	if !full {
		for key := range dirty {
			if v, ok := verdicts[key]; ok && ctx.Err() == nil {
				write(key, v)
			}
		}
		return written, next, false, cmp.Or(ctx.Err(), firstErr)
	}
	next, err := w.leaveAll(ctx, verdicts, taken, now)
	keep(err)
	for key, v := range verdicts {
		if ctx.Err() != nil {
			return written, next, true, ctx.Err()
		}
		write(key, v)
	}
	return written, next, true, firstErr
}

// writeRoute writes one route's entry unless it waits for a retry; it
// returns whether it wrote, and when the route is to be tried again.
func (w *Writer) writeRoute(ctx context.Context, key types.NamespacedName, v admission.Verdict, now time.Time) (bool, time.Time, error) {
	st := w.state[key]
	if st == nil {
		st = &routeState{}
		w.state[key] = st
	}
	if now.Before(st.retryAt) {
		return false, st.retryAt, nil
	}
	ok, err := w.writeOne(ctx, key, v, st, now)
	return ok, st.retryAt, err
}

// retryAfter is when to try again after one more failure, counted in
// failures: retryFirst, doubling up to retryMax.
func retryAfter(now time.Time, failures *int) time.Time {
	at := now.Add(min(retryMax, retryFirst<<min(*failures, 10)))
	*failures++
	return at
}

// leaveFailed sets when to try taking this router's entry off again after
// err: at once after a conflict (another writer's), else with backoff.
func (st *routeState) leaveFailed(err error, now time.Time) {
	st.retryAt = now
	if !apierrors.IsConflict(err) {
		st.retryAt = retryAfter(now, &st.failures)
	}
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// writeOne updates one route's entry if it differs from the verdict.
func (w *Writer) writeOne(ctx context.Context, key types.NamespacedName, v admission.Verdict, st *routeState, now time.Time) (bool, error) {
	log := ctrl.LoggerFrom(ctx).WithName("status")
	// Every status event compares every route: read the cache's own copy
	// (nothing below changes it) and copy only a route to write.
	var r routev1.Route
	if err := w.reader.Get(ctx, key, &r, client.UnsafeDisableDeepCopy); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		st.retryAt = retryAfter(now, &st.failures) // nothing else would try it again
		return false, fmt.Errorf("route %s: %w", key, err)
	}
	if v.UID != "" && (r.UID != v.UID || r.Generation != v.Generation || !maps.Equal(r.Annotations, v.Annotations)) {
		return false, nil // a new Route of that name, or a new spec or annotations: their verdict comes with the next sync
	}
	if st.wrote != nil && r.UID == st.uid && r.ResourceVersion == st.readRV {
		return false, nil // the cache has not seen the last write yet
	}
	if w.contended(st, &r, now) {
		st.retryAt, st.overwrites, st.wrote = now.Add(contentionPause), nil, nil
		log.Info("another writer keeps changing this router's entry of the route: left alone for a while",
			"route", key, "router", w.o.RouterName, "pause", contentionPause)
		return false, nil
	}
	ingress, changed := Merge(r.Status.Ingress, w.entry(v), metav1.NewTime(now))
	if !changed {
		st.failures = 0
		return false, nil
	}
	readRV := r.ResourceVersion
	upd := r.DeepCopy()
	// The merged entries share conditions with the cache, and the update
	// decodes the answer into upd: copy them.
	upd.Status.Ingress = (&routev1.RouteStatus{Ingress: ingress}).DeepCopy().Ingress
	err := w.writer.Status().Update(ctx, upd)
	switch {
	case err == nil:
		mine, _ := own(upd.Status.Ingress, w.o.RouterName)
		st.uid, st.readRV, st.wroteRV, st.wrote, st.failures, st.retryAt = upd.UID, readRV, upd.ResourceVersion, mine, 0, time.Time{}
		return true, nil
	case apierrors.IsNotFound(err):
		return false, nil
	case apierrors.IsConflict(err):
		st.retryAt = now.Add(retryFirst) // the watch event that comes sooner wakes the writer too
	default:
		st.retryAt = retryAfter(now, &st.failures)
	}
	return false, fmt.Errorf("route %s: %w", key, err)
}

// contended records whether r shows this router's entry changed by
// someone else since the writer's last write, and reports whether that
// happened contentionLimit times within contentionWindow.
func (w *Writer) contended(st *routeState, r *routev1.Route, now time.Time) bool {
	if st.wrote == nil || r.UID != st.uid || r.ResourceVersion == st.wroteRV {
		return false
	}
	if cur, ok := own(r.Status.Ingress, w.o.RouterName); ok && sameEntry(*cur, *st.wrote) {
		return false // another router's entry changed, not ours
	}
	st.wrote = nil // counted once per write
	recent := st.overwrites[:0]
	for _, t := range st.overwrites {
		if now.Sub(t) < contentionWindow {
			recent = append(recent, t)
		}
	}
	st.overwrites = append(recent, now)
	return len(st.overwrites) >= contentionLimit
}

// own is this router's entry among entries.
func own(entries []routev1.RouteIngress, router string) (*routev1.RouteIngress, bool) {
	for i := range entries {
		if entries[i].RouterName == router {
			e := entries[i]
			return &e, true
		}
	}
	return nil, false
}

// leaveAll takes this router's entry off routes it no longer judges (they
// left the shard, by their labels or their namespace's, or were
// deleted), as OKD's router does not (OCPBUGS-1689): status would claim a
// router serves a route it does not. Routes the writer judged in this term
// are read directly, as the cache drops a route whose labels no longer
// match; at the start of a term, every route is looked at once.
func (w *Writer) leaveAll(ctx context.Context, verdicts map[types.NamespacedName]admission.Verdict, taken, now time.Time) (time.Time, error) {
	var firstErr error
	var next time.Time
	for key, st := range w.state {
		if _, ok := verdicts[key]; ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			return next, err // the term is over: no write after it
		}
		if now.Before(st.retryAt) {
			next = earliest(next, st.retryAt)
			continue
		}
		var r routev1.Route
		err := w.writer.Get(ctx, key, &r)
		if err == nil {
			err = w.leave(ctx, &r)
		}
		if err == nil || apierrors.IsNotFound(err) {
			delete(w.state, key)
			continue
		}
		st.leaveFailed(err, now)
		next = earliest(next, st.retryAt)
		if firstErr == nil {
			firstErr = err
		}
	}
	if w.sweep.done {
		return next, firstErr
	}
	if now.Before(w.sweep.retryAt) {
		return earliest(next, w.sweep.retryAt), firstErr
	}
	// A second look with the same snapshot: nothing changed since, so what
	// was in doubt is older than the verdicts.
	sure := w.sweep.unsure.Equal(taken)
	unsure, retry, err := w.sweepAll(ctx, verdicts, taken, now, sure)
	if !retry.IsZero() {
		next = earliest(next, retry)
	}
	if err != nil {
		w.sweep.retryAt = retryAfter(now, &w.sweep.failures)
		return earliest(next, w.sweep.retryAt), errors.Join(firstErr, err)
	}
	if unsure {
		w.sweep.unsure, w.sweep.retryAt = taken, now.Add(unsureWait)
		return earliest(next, w.sweep.retryAt), firstErr
	}
	w.sweep.done = true
	return next, firstErr
}

// sweepAll takes this router's entry off every route that has one and
// that it does not judge: the cache's routes, and, for a sharded router,
// every route of the cluster, a page at a time. A route made, or an entry
// written, after the verdicts were judged is left for the next sync: the
// last writer may have seen it come. One stored in taken's own second is
// left too, unless sure, and reported (unsure): it may be either. A route
// whose entry cannot be taken off is left to leaveAll, which tries again
// at retry (the earliest such), as it does its own.
func (w *Writer) sweepAll(ctx context.Context, verdicts map[types.NamespacedName]admission.Verdict, taken, now time.Time, sure bool) (unsure bool, retry time.Time, err error) {
	var list routev1.RouteList
	reader, opts := w.reader, []client.ListOption{}
	if w.o.Sharded {
		reader, opts = w.writer, []client.ListOption{client.Limit(sweepPageSize)}
	}
	for {
		if err := reader.List(ctx, &list, opts...); err != nil {
			return unsure, retry, err
		}
		for i := range list.Items {
			r := &list.Items[i]
			key := types.NamespacedName{Namespace: r.Namespace, Name: r.Name}
			if _, judged := verdicts[key]; judged {
				continue
			}
			e, has := own(r.Status.Ingress, w.o.RouterName)
			if !has {
				continue // nothing to take off, nor to doubt
			}
			switch newerThan(r, e, taken) {
			case after:
				continue
			case sameSecond:
				if !sure {
					unsure = true
					continue
				}
			}
			if err := ctx.Err(); err != nil {
				return unsure, retry, err // the term is over: no write after it
			}
			if err := w.leave(ctx, r); err != nil && !apierrors.IsNotFound(err) {
				st := &routeState{}
				st.leaveFailed(err, now)
				w.state[key] = st
				retry = earliest(retry, st.retryAt)
			}
		}
		if list.Continue == "" {
			return unsure, retry, nil
		}
		opts = []client.ListOption{client.Limit(sweepPageSize), client.Continue(list.Continue)}
	}
}

// storedAge places what the API server stored of a route against a time t:
// before t, after it, or in t's own second, which the stored times (to the
// second, rounded down) cannot tell apart from t.
type storedAge int

const (
	before storedAge = iota
	sameSecond
	after
)

// newerThan places r and this router's entry of it, e, against t: the
// newest of its creation and the entry's transition times.
func newerThan(r *routev1.Route, e *routev1.RouteIngress, t time.Time) storedAge {
	newest := r.CreationTimestamp.Time
	for _, c := range e.Conditions {
		if c.LastTransitionTime != nil && c.LastTransitionTime.After(newest) {
			newest = c.LastTransitionTime.Time
		}
	}
	switch since := t.Truncate(time.Second); {
	case newest.Before(since):
		return before
	case newest.Equal(since):
		return sameSecond // rounded down: before t or after it
	case newest.After(t):
		return after
	}
	return before // a time kept finer than the second, before t
}

// leave removes this router's entry from r, if it has one.
func (w *Writer) leave(ctx context.Context, r *routev1.Route) error {
	kept := slices.DeleteFunc(slices.Clone(r.Status.Ingress), func(e routev1.RouteIngress) bool { return e.RouterName == w.o.RouterName })
	if len(kept) == len(r.Status.Ingress) {
		return nil
	}
	r.Status.Ingress = kept
	if err := w.writer.Status().Update(ctx, r); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("route %s/%s: taking off the entry of router %s: %w", r.Namespace, r.Name, w.o.RouterName, err)
	}
	return nil
}

func (w *Writer) entry(v admission.Verdict) routev1.RouteIngress {
	return routev1.RouteIngress{
		Host: v.Host, RouterName: w.o.RouterName, WildcardPolicy: v.WildcardPolicy,
		RouterCanonicalHostname: w.o.CanonicalHostname,
		Conditions:              v.Conditions(),
	}
}

// Merge puts want into entries in place of the entry with the same router
// name, keeping the condition's lastTransitionTime when its status did not
// change. It reports whether anything differs.
func Merge(entries []routev1.RouteIngress, want routev1.RouteIngress, now metav1.Time) ([]routev1.RouteIngress, bool) {
	out := make([]routev1.RouteIngress, 0, len(entries)+1)
	found, changed := false, false
	for _, e := range entries {
		if e.RouterName != want.RouterName {
			out = append(out, e)
			continue
		}
		if found {
			changed = true // a duplicate entry for this router: drop it
			continue
		}
		found = true
		merged := withTransitionTime(want, e, now)
		changed = changed || !sameEntry(e, merged)
		out = append(out, merged)
	}
	if !found {
		out = append(out, withTransitionTime(want, routev1.RouteIngress{}, now))
		changed = true
	}
	return out, changed
}

func withTransitionTime(want, old routev1.RouteIngress, now metav1.Time) routev1.RouteIngress {
	want.Conditions = append([]routev1.RouteIngressCondition(nil), want.Conditions...)
	for i := range want.Conditions {
		c := &want.Conditions[i]
		c.LastTransitionTime = &now
		for _, oc := range old.Conditions {
			if oc.Type == c.Type && oc.Status == c.Status && oc.LastTransitionTime != nil {
				c.LastTransitionTime = oc.LastTransitionTime
			}
		}
	}
	return want
}

func sameEntry(a, b routev1.RouteIngress) bool {
	if a.Host != b.Host || a.RouterName != b.RouterName || a.WildcardPolicy != b.WildcardPolicy ||
		a.RouterCanonicalHostname != b.RouterCanonicalHostname || len(a.Conditions) != len(b.Conditions) {
		return false
	}
	for i := range a.Conditions {
		x, y := a.Conditions[i], b.Conditions[i]
		if x.Type != y.Type || x.Status != y.Status || x.Reason != y.Reason || x.Message != y.Message ||
			!x.LastTransitionTime.Equal(y.LastTransitionTime) {
			return false
		}
	}
	return true
}
