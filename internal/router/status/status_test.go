package status

import (
	"context"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
)

// testWriter is a writer of router "default" over a fake API holding n
// routes, all admitted, whose status updates go through update (nil: the
// fake's own); the clock is the returned pointer's.
func testWriter(t *testing.T, n int, update func(ctx context.Context, c client.Client, obj client.Object) error) (*Writer, client.Client, *time.Time) {
	t.Helper()
	s := runtime.NewScheme()
	if err := routev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	verdicts := map[types.NamespacedName]admission.Verdict{}
	b := fake.NewClientBuilder().WithScheme(s).WithStatusSubresource(&routev1.Route{})
	for i := range n {
		r := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: fmt.Sprintf("r%d", i), UID: types.UID(fmt.Sprint("uid-", i))},
			Spec: routev1.RouteSpec{Host: fmt.Sprintf("r%d.example.com", i)}}
		b = b.WithObjects(r)
		verdicts[types.NamespacedName{Namespace: "ns", Name: r.Name}] = admission.Verdict{Admitted: true, Host: r.Spec.Host,
			WildcardPolicy: routev1.WildcardPolicyNone, UID: r.UID}
	}
	if update != nil {
		b = b.WithInterceptorFuncs(interceptor.Funcs{SubResourceUpdate: func(ctx context.Context, c client.Client, _ string, obj client.Object, _ ...client.SubResourceUpdateOption) error {
			return update(ctx, c, obj)
		}})
	}
	c := b.Build()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := New(nil, c, c, Options{RouterName: "default", CanonicalHostname: "router-default.apps.example.com"})
	w.now = func() time.Time { return now }
	w.state, w.sweep = map[types.NamespacedName]*routeState{}, sweepState{done: true}
	w.Update(verdicts, now)
	return w, c, &now
}

// pass runs a pass over every route, as the write loop does after Poke.
func pass(w *Writer) (int, time.Time, error) {
	w.Poke()
	<-w.wake
	n, next, _, err := w.writeAll(context.Background())
	return n, next, err
}

// PokeRoutes looks at the routes it names only: another router's status
// write does not make a pass over every route. A later full pass still
// finds the others.
func TestPokeRoutes(t *testing.T) {
	w, c, _ := testWriter(t, 20, nil)
	if n, _, err := pass(w); err != nil || n != 20 {
		t.Fatalf("first pass: %d written, %v", n, err)
	}
	ctx := context.Background()
	for _, name := range []string{"r3", "r7"} {
		var r routev1.Route
		if err := c.Get(ctx, types.NamespacedName{Namespace: "ns", Name: name}, &r); err != nil {
			t.Fatal(err)
		}
		r.Status.Ingress = nil // someone took the entry off
		if err := c.Status().Update(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	w.PokeRoutes([]types.NamespacedName{{Namespace: "ns", Name: "r3"}, {Namespace: "ns", Name: "gone"}})
	<-w.wake
	if n, _, full, err := w.writeAll(ctx); err != nil || n != 1 || full {
		t.Errorf("a pass over r3: %d written, full %v, %v; want r3 alone", n, full, err)
	}
	if n, _, err := pass(w); err != nil || n != 1 {
		t.Errorf("a full pass after it: %d written, %v; want r7", n, err)
	}
}

// A pass over some routes only brings the retry timer forward; one over
// all sets it.
func TestScheduleRetry(t *testing.T) {
	w, _, now := testWriter(t, 0, nil)
	w.retries = time.AfterFunc(time.Hour, func() {})
	defer w.retries.Stop()
	at := func(d time.Duration) time.Time { return now.Add(d) }
	for _, step := range []struct {
		next time.Time
		full bool
		want time.Time
	}{
		{at(time.Minute), true, at(time.Minute)},
		{at(2 * time.Minute), false, at(time.Minute)},
		{time.Time{}, false, at(time.Minute)},
		{at(time.Second), false, at(time.Second)},
		{at(time.Hour), true, at(time.Hour)},
		{time.Time{}, true, time.Time{}},
		{at(time.Minute), false, at(time.Minute)},
	} {
		w.scheduleRetry(step.next, step.full)
		if !w.retryAt.Equal(step.want) {
			t.Errorf("after %v (full %v): retry at %v, want %v", step.next, step.full, w.retryAt, step.want)
		}
	}
}

// A failing API server gets each route's write again after 1 s, 2 s, 4 s…,
// not every route every second.
func TestWriteBackoff(t *testing.T) {
	attempts := 0
	w, _, now := testWriter(t, 20, func(context.Context, client.Client, client.Object) error {
		attempts++
		return apierrors.NewServiceUnavailable("overloaded")
	})
	start := *now
	if _, next, err := pass(w); err == nil || !next.Equal(start.Add(retryFirst)) {
		t.Fatalf("a failed write: error %v, next try at %v; want an error and %v", err, next, start.Add(retryFirst))
	}
	for ; now.Sub(start) < time.Minute; *now = now.Add(100 * time.Millisecond) {
		_, _, _ = pass(w)
	}
	// Tries at 0, 1, 3, 7, 15 and 31 s: six per route, where a retry every
	// second would be sixty.
	if attempts < 20*5 || attempts > 20*7 {
		t.Errorf("%d status updates in a minute for 20 routes against a failing API server, want about %d", attempts, 20*6)
	}
}

// Another writer of the same router name, which writes its own entry back
// after each of ours, is left alone after a few rounds instead of fought at
// API speed.
func TestWriteContention(t *testing.T) {
	ours := 0
	w, _, now := testWriter(t, 1, func(ctx context.Context, c client.Client, obj client.Object) error {
		ours++
		if err := c.Status().Update(ctx, obj); err != nil {
			return err
		}
		// The other writer, at once.
		r := obj.(*routev1.Route).DeepCopy()
		r.Status.Ingress[0].RouterCanonicalHostname = "router-default.apps.other.example.com"
		return c.Status().Update(ctx, r)
	})
	for range 50 {
		if _, _, err := pass(w); err != nil {
			t.Fatal(err)
		}
		*now = now.Add(10 * time.Millisecond)
	}
	if ours != contentionLimit {
		t.Errorf("%d writes while contended, want %d, then a pause", ours, contentionLimit)
	}
	*now = now.Add(contentionPause)
	if _, _, err := pass(w); err != nil {
		t.Fatal(err)
	}
	if ours != contentionLimit+1 {
		t.Errorf("%d writes after the pause, want one more", ours)
	}
}

// A verdict is not written on another Route of the same name (deleted and
// made again), nor again while the cache has not seen the last write.
func TestWriteNoStaleVerdict(t *testing.T) {
	writes := 0
	w, c, _ := testWriter(t, 1, func(ctx context.Context, c client.Client, obj client.Object) error {
		writes++
		return c.Status().Update(ctx, obj)
	})
	key := types.NamespacedName{Namespace: "ns", Name: "r0"}
	var r routev1.Route
	if err := c.Get(context.Background(), key, &r); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
	r = routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "r0", UID: "uid-new"}, Spec: routev1.RouteSpec{Host: "new.example.com"}}
	if err := c.Create(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
	if _, _, err := pass(w); err != nil {
		t.Fatal(err)
	}
	if writes != 0 {
		t.Errorf("the old Route's verdict was written on the new one")
	}

	// Nor on the same Route once its annotations changed (a path type the
	// router refuses, say), which leaves its generation as it was: the
	// next sync judges it again.
	v := w.verdicts[key]
	v.UID, v.Generation, v.Annotations = r.UID, r.Generation, nil
	w.Update(map[types.NamespacedName]admission.Verdict{key: v}, time.Now())
	r.Annotations = map[string]string{"router.okd-ingress.io/path-type": "prefix"}
	if err := c.Update(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
	if _, _, err := pass(w); err != nil {
		t.Fatal(err)
	}
	if writes != 0 {
		t.Errorf("a verdict on the Route's old annotations was written")
	}
}

// A router that keeps failing to sync ends its term (giving up the Lease)
// and campaigns again only once it syncs.
func TestUnhealthyEndsTerm(t *testing.T) {
	w, _, _ := testWriter(t, 0, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	term, _, ok := w.startTerm(ctx)
	if !ok {
		t.Fatal("no term while healthy")
	}
	w.SetHealthy(false)
	select {
	case <-term.Done():
	case <-time.After(time.Second):
		t.Fatal("the term goes on while the router fails")
	}
	started := make(chan context.Context)
	go func() {
		next, _, _ := w.startTerm(ctx)
		started <- next
	}()
	select {
	case <-started:
		t.Fatal("a new term while the router fails")
	case <-time.After(100 * time.Millisecond):
	}
	w.SetHealthy(true)
	select {
	case next := <-started:
		if next == nil || next.Err() != nil {
			t.Fatal("the new term is over already")
		}
	case <-time.After(time.Second):
		t.Fatal("no new term once the router syncs")
	}
}

// The first pass of a term takes the router's entry off every route it no
// longer judges, but not off one newer than its verdicts (the last writer
// may have seen it come), and one failure stops neither the others nor
// costs a look at every route each second.
func TestSweep(t *testing.T) {
	lists, armed := 0, false
	w, c, now := testWriter(t, 0, func(ctx context.Context, c client.Client, obj client.Object) error {
		if armed && obj.GetName() == "bad" {
			return apierrors.NewInternalError(fmt.Errorf("refused"))
		}
		return c.Status().Update(ctx, obj)
	})
	taken := *now
	entry := func(at time.Time) []routev1.RouteIngress {
		lt := metav1.NewTime(at)
		return []routev1.RouteIngress{{RouterName: "default", Host: "x.example.com",
			Conditions: []routev1.RouteIngressCondition{{Type: routev1.RouteAdmitted, Status: "True", LastTransitionTime: &lt}}}}
	}
	for name, at := range map[string]time.Time{"bad": taken.Add(-time.Hour), "left": taken.Add(-time.Hour), "new": taken.Add(time.Second)} {
		r := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}
		if err := c.Create(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		r.Status.Ingress = entry(at)
		if err := c.Status().Update(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	w.reader = interceptor.NewClient(c.(client.WithWatch), interceptor.Funcs{List: func(ctx context.Context, c client.WithWatch, l client.ObjectList, o ...client.ListOption) error {
		lists++
		return c.List(ctx, l, o...)
	}})
	w.sweep, armed = sweepState{}, true
	w.Update(map[types.NamespacedName]admission.Verdict{}, taken)
	has := func(name string) bool {
		var r routev1.Route
		if err := c.Get(context.Background(), types.NamespacedName{Namespace: "ns", Name: name}, &r); err != nil {
			t.Fatal(err)
		}
		_, ok := own(r.Status.Ingress, "default")
		return ok
	}
	for range 100 {
		_, _, _ = pass(w)
		*now = now.Add(100 * time.Millisecond)
	}
	if has("left") || !has("new") || !has("bad") {
		t.Errorf("entries left %v, new %v, bad %v; want false, true, true", has("left"), has("new"), has("bad"))
	}
	if lists != 1 {
		t.Errorf("%d looks at every route, want 1", lists)
	}
}

// TestSweepRetriesRemoval: an entry the sweep at the start of a term
// fails to take off (a conflict: another shard's router wrote the route)
// is tried again, at once, by the writer's own timer: the sweep is done
// with it, and nothing else would bring the route back.
func TestSweepRetriesRemoval(t *testing.T) {
	conflicts := 1
	w, c, now := testWriter(t, 0, func(ctx context.Context, c client.Client, obj client.Object) error {
		if obj.GetName() == "stale" && conflicts > 0 {
			conflicts--
			return apierrors.NewConflict(routev1.Resource("routes"), "stale", fmt.Errorf("changed"))
		}
		return c.Status().Update(ctx, obj)
	})
	lt := metav1.NewTime(now.Add(-time.Hour))
	r := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "stale"}}
	if err := c.Create(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	r.Status.Ingress = []routev1.RouteIngress{{RouterName: "default", Host: "x.example.com",
		Conditions: []routev1.RouteIngressCondition{{Type: routev1.RouteAdmitted, Status: "True", LastTransitionTime: &lt}}}}
	conflicts = 0
	if err := c.Status().Update(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	conflicts = 1
	w.sweep = sweepState{}
	w.Update(map[types.NamespacedName]admission.Verdict{}, *now)
	_, next, _ := pass(w)
	if next.IsZero() || next.After(*now) {
		t.Fatalf("after a conflict, next pass at %v; want one at once (%v)", next, *now)
	}
	_, _, _ = pass(w)
	if err := c.Get(context.Background(), types.NamespacedName{Namespace: "ns", Name: "stale"}, r); err != nil {
		t.Fatal(err)
	}
	if _, has := own(r.Status.Ingress, "default"); has {
		t.Error("the entry is still there after the retry")
	}
}

// A route the writer cannot read is tried again later, with backoff:
// nothing else would bring it back.
func TestReadFailureRetried(t *testing.T) {
	w, c, now := testWriter(t, 1, nil)
	failing := true
	w.reader = interceptor.NewClient(c.(client.WithWatch), interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if failing {
				return apierrors.NewServiceUnavailable("cache not ready")
			}
			return c.Get(ctx, key, obj, opts...)
		}})
	if _, next, err := pass(w); err == nil || !next.Equal(now.Add(retryFirst)) {
		t.Fatalf("a failed read: error %v, next try at %v; want an error and %v", err, next, now.Add(retryFirst))
	}
	failing = false
	*now = now.Add(retryFirst)
	if n, _, err := pass(w); err != nil || n != 1 {
		t.Errorf("after the retry time: %d written, %v; want the route written", n, err)
	}
}

// The API server stores creationTimestamp and lastTransitionTime to the
// second, rounded down, while a sync's taken has nanoseconds: a route made,
// or an entry written by the last writer, later in taken's own second reads
// as older than taken. The sweep leaves such entries alone (the next sync
// judges them) but still takes off one a second or more older.
func TestSweepSameSecond(t *testing.T) {
	w, c, now := testWriter(t, 0, nil)
	taken := now.Add(400 * time.Millisecond)
	*now = taken.Add(time.Second)
	after := metav1.NewTime(taken.Add(300 * time.Millisecond).Truncate(time.Second)) // as stored
	before := metav1.NewTime(taken.Truncate(time.Second).Add(-time.Second))
	long := metav1.NewTime(taken.Add(-time.Hour).Truncate(time.Second))
	later := metav1.NewTime(taken.Truncate(time.Second).Add(2 * time.Second))
	cases := []struct {
		name                string
		created, transition metav1.Time
		kept                bool // by the first sweep
		keptLater           bool // by the one after unsureWait, the snapshot unchanged
	}{
		{"made-in-taken's-second", after, after, true, false},
		{"written-in-taken's-second", long, after, true, false},
		{"made-in-taken's-second-old-entry", after, before, true, false},
		{"old", long, before, false, false},
		{"written-after", long, later, true, true},
	}
	for _, tc := range cases {
		r := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: tc.name, CreationTimestamp: tc.created}}
		if err := c.Create(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		r.Status.Ingress = []routev1.RouteIngress{{RouterName: "default", Host: "x.example.com",
			Conditions: []routev1.RouteIngressCondition{{Type: routev1.RouteAdmitted, Status: "True", LastTransitionTime: &tc.transition}}}}
		if err := c.Status().Update(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string, kept func(int) bool) {
		t.Helper()
		for i, tc := range cases {
			var r routev1.Route
			if err := c.Get(context.Background(), types.NamespacedName{Namespace: "ns", Name: tc.name}, &r); err != nil {
				t.Fatal(err)
			}
			if _, ok := own(r.Status.Ingress, "default"); ok != kept(i) {
				t.Errorf("%s: %s (created %v, entry of %v, verdicts of %v): entry kept %v, want %v",
					when, tc.name, tc.created.UTC(), tc.transition.UTC(), taken, ok, kept(i))
			}
		}
	}
	if !taken.Truncate(time.Second).Equal(after.Time) {
		t.Fatalf("the test wants taken+300ms in taken's second")
	}
	w.sweep = sweepState{}
	w.Update(map[types.NamespacedName]admission.Verdict{}, taken)
	if _, _, err := pass(w); err != nil {
		t.Fatal(err)
	}
	check("first sweep", func(i int) bool { return cases[i].kept })
	if w.sweep.done {
		t.Fatal("a sweep that left entries in doubt is done")
	}
	// No later snapshot came: what was in doubt is older than the verdicts.
	*now = now.Add(unsureWait)
	if _, _, err := pass(w); err != nil {
		t.Fatal(err)
	}
	check("after unsureWait", func(i int) bool { return cases[i].keptLater })
	if !w.sweep.done {
		t.Error("the second sweep is not done")
	}
}

// A route made in the snapshot's second without this router's entry leaves
// the sweep in no doubt: there is nothing to take off.
func TestSweepNoEntryNoDoubt(t *testing.T) {
	w, c, now := testWriter(t, 0, nil)
	taken := now.Add(400 * time.Millisecond)
	*now = taken.Add(time.Second)
	route := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "fresh", CreationTimestamp: metav1.NewTime(taken.Truncate(time.Second))}}
	if err := c.Create(context.Background(), route); err != nil {
		t.Fatal(err)
	}
	w.sweep = sweepState{}
	w.Update(map[types.NamespacedName]admission.Verdict{}, taken)
	if _, _, err := pass(w); err != nil {
		t.Fatal(err)
	}
	if !w.sweep.done {
		t.Error("a route without this router's entry left the sweep in doubt")
	}
}

// A term may end before client-go's goroutine starts its write loop: that
// loop must then not run at all, or it would reset the state of, and write
// beside, the next term's.
func TestTermLoopStartsLate(t *testing.T) {
	writes := 0
	w, _, _ := testWriter(t, 1, func(ctx context.Context, c client.Client, obj client.Object) error {
		writes++
		return c.Status().Update(ctx, obj)
	})
	var lead func(context.Context)
	term, stop := context.WithCancel(context.Background())
	w.runTerm(term, stop, func(_ context.Context, l func(context.Context)) { lead = l })
	// The goroutine runs now, with a live context (it would block for ever
	// then, so the first write ends it).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.writer = interceptor.NewClient(w.writer.(client.WithWatch), interceptor.Funcs{
		SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, o ...client.SubResourceUpdateOption) error {
			cancel()
			return c.SubResource(sub).Update(ctx, obj, o...)
		}})
	lead(ctx)
	if writes != 0 {
		t.Errorf("the write loop of a term that is over wrote %d routes", writes)
	}
}

// A term waits for its write loop to return.
func TestTermLoopWaited(t *testing.T) {
	var loop termLoop
	ctx, cancel := context.WithCancel(context.Background())
	started, returned := make(chan struct{}), false
	go loop.run(ctx, func(ctx context.Context) {
		close(started)
		<-ctx.Done()
		returned = true // read after end: the race detector checks the order
	})
	<-started
	cancel()
	loop.end()
	if !returned {
		t.Error("the term ended before its write loop returned")
	}
}

// A write loop whose term is over writes nothing more, though a wake is
// pending, nor does a pass go on writing once the term ends in it.
func TestNoWriteAfterTerm(t *testing.T) {
	writes := 0
	var cancel context.CancelFunc
	w, c, now := testWriter(t, 0, func(ctx context.Context, c client.Client, obj client.Object) error {
		writes++
		if cancel != nil {
			cancel()
		}
		return c.Status().Update(ctx, obj)
	})
	long := metav1.NewTime(now.Add(-time.Hour))
	for _, name := range []string{"a", "b"} {
		r := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, CreationTimestamp: long}}
		if err := c.Create(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		r.Status.Ingress = []routev1.RouteIngress{{RouterName: "default", Host: "x.example.com",
			Conditions: []routev1.RouteIngressCondition{{Type: routev1.RouteAdmitted, Status: "True", LastTransitionTime: &long}}}}
		if err := c.Status().Update(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	w.Update(map[types.NamespacedName]admission.Verdict{}, *now)
	writes = 0
	// A loop whose term is over before it starts, and one whose term ends
	// once it is past its first check, with a wake pending: its select
	// then picks at random between the end and the wake, so try often.
	for i := range 40 {
		ctx, done := context.WithCancel(context.Background())
		done()
		w.Poke()
		if i%2 == 0 {
			w.writeLoop(ctx)
		} else {
			w.writeLoop(&endsAfterFirstCheck{Context: ctx})
		}
	}
	if writes != 0 {
		t.Fatalf("%d writes by write loops whose term was over", writes)
	}
	// Both routes are to be swept; the term ends at the first write.
	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	w.writeLoop(ctx)
	if writes != 1 {
		t.Errorf("%d writes in a pass whose term ended at the first, want 1", writes)
	}
}

// endsAfterFirstCheck is a term's context that reads as live to its first
// Err call and as over afterwards (its Done channel is closed).
type endsAfterFirstCheck struct {
	context.Context
	checked bool
}

func (c *endsAfterFirstCheck) Err() error {
	if !c.checked {
		c.checked = true
		return nil
	}
	return c.Context.Err()
}
