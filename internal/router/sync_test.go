package router

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
	"github.com/okd-ingress/okd-ingress/internal/router/render"
	"github.com/okd-ingress/okd-ingress/internal/router/watch"
)

// TestQuarantineBlamesCertificates: HAProxy reports a certificate it cannot
// load at the frontend's bind line, naming the crt-list line; the route of
// that line must be rejected, and only it, so that the others go live.
func TestQuarantineBlamesCertificates(t *testing.T) {
	now := time.Now()
	ca, err := certs.NewCA("quarantine-test", time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	var routes []*routev1.Route
	for i, name := range []string{"first", "second", "third"} {
		kp, err := certs.NewServingCert(ca, []string{name + ".example.com"}, nil, time.Hour, now)
		if err != nil {
			t.Fatal(err)
		}
		routes = append(routes, &routev1.Route{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID("uid-" + name), ResourceVersion: "1",
				CreationTimestamp: metav1.NewTime(now.Add(time.Duration(i) * time.Second))},
			Spec: routev1.RouteSpec{Host: name + ".example.com", To: routev1.RouteTargetReference{Kind: "Service", Name: "web"},
				TLS: &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: string(kp.CertPEM), Key: string(kp.KeyPEM)}},
		})
	}
	def, err := certs.NewServingCert(ca, []string{"*.apps.example.com"}, nil, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	r := planningRouter("abns@quarantine-test", append(def.KeyPEM, def.CertPEM...))
	snap := &watch.Snapshot{Routes: routes}
	p, err := r.plan(snap)
	if err != nil {
		t.Fatal(err)
	}
	crtList := strings.Split(strings.TrimSuffix(string(p.files[render.CrtListFile]), "\n"), "\n")
	if len(crtList) != 4 || !strings.Contains(crtList[2], "ns_second") {
		t.Fatalf("crt-list %q: the test expects the default certificate, then the second route's certificate on line 3", crtList)
	}
	// As HAProxy 3.0 prints it for a 512-bit RSA key (the config line is the bind's).
	msg := "config : parsing [/conf/haproxy.cfg:57] : 'bind abns@quarantine-test' in section 'frontend' : 'crt-list' : " +
		"error processing line 3 in file '/conf/crt-list' : unable to load SSL certificate into SSL Context '" +
		strings.Fields(crtList[2])[0] + "': ee key too small."
	// An alert naming line 1, the default certificate's, blames no route.
	first := strings.Replace(msg, "error processing line 3", "error processing line 1", 1)
	if r.quarantine(p, []haproxy.Alert{{File: "/conf/haproxy.cfg", Line: 57, Message: first}}) || len(r.rejected) != 0 {
		t.Fatalf("a route blamed for the default certificate: %v", r.rejected)
	}
	// Nor does one in a free spare backend, which holds no route's input.
	if n := spareLine(t, p); r.quarantine(p, []haproxy.Alert{{File: "/conf/haproxy.cfg", Line: n, Message: "some alert"}}) || len(r.rejected) != 0 {
		t.Fatalf("a route blamed for an alert at line %d, in a free spare: %v", n, r.rejected)
	}
	alerts := []haproxy.Alert{{File: "/conf/haproxy.cfg", Line: 57, Message: msg}}
	if !r.quarantine(p, alerts) {
		t.Fatal("no route blamed for a certificate HAProxy refused")
	}
	p, err = r.plan(snap)
	if err != nil {
		t.Fatal(err)
	}
	v := p.result.Verdicts[types.NamespacedName{Namespace: "ns", Name: "second"}]
	if v.Admitted || v.Reason != admission.ReasonExtendedValidationFailed || !strings.Contains(v.Message, "ee key too small") {
		t.Errorf("second route: %+v, want rejected with HAProxy's message", v)
	}
	var admitted []string
	for _, a := range p.result.Routes {
		admitted = append(admitted, a.Name)
	}
	if strings.Join(admitted, ",") != "first,third" {
		t.Errorf("admitted %v, want first and third", admitted)
	}
	if len(p.result.Held) != 1 || p.result.Held[0].Name != "second" {
		t.Errorf("held %v, want second: it keeps its host, away from any default backend", p.result.Held)
	}
	if n := strings.Count(string(p.files[render.CrtListFile]), "\n"); n != 3 {
		t.Errorf("crt-list has %d lines after the quarantine, want 3:\n%s", n, p.files[render.CrtListFile])
	}
	// The message does not move with other routes' lines.
	if strings.Contains(v.Message, "haproxy.cfg:57") || strings.Contains(v.Message, "line 3") {
		t.Errorf("message %q names a place in the files", v.Message)
	}
	// Its own status write (a new resourceVersion) gives the route no new
	// chance; a change of its spec does.
	second := func(edit func(*routev1.Route)) bool {
		t.Helper()
		for _, rt := range snap.Routes {
			if rt.Name == "second" {
				edit(rt)
			}
		}
		p, err := r.plan(snap)
		if err != nil {
			t.Fatal(err)
		}
		return p.result.Verdicts[types.NamespacedName{Namespace: "ns", Name: "second"}].Admitted
	}
	if second(func(rt *routev1.Route) { rt.ResourceVersion = "999" }) {
		t.Error("admitted again after a status write")
	}
	if !second(func(rt *routev1.Route) { rt.Generation++ }) {
		t.Error("still refused after a spec change")
	}
}

// planningRouter is a Router with the default settings that plans (runs
// the pure stages) but runs no HAProxy; tlsSocket names its TLS listener.
func planningRouter(tlsSocket string, defaultCert []byte) *Router {
	cfg := config.Defaults()
	return &Router{
		cfg: cfg, log: logr.Discard(), rejected: map[string]admission.Verdict{}, metrics: newMetrics(),
		params: render.Params{Config: cfg, ConfigDir: "/conf", StatsSocket: "/run/haproxy.sock", MetricsSocket: "unix@/run/metrics.sock",
			TLSSocket: tlsSocket, DefaultCertificate: defaultCert, HardStopAfter: time.Hour},
	}
}

// spareLine is the number of a line inside a free spare backend of p's config.
func spareLine(t *testing.T, p *plan) int {
	t.Helper()
	for i, l := range strings.Split(string(p.files[render.ConfigFile]), "\n") {
		if name, ok := strings.CutPrefix(l, "backend "); ok && model.IsSpare(name) {
			return i + 2 // the line after the section's
		}
	}
	t.Fatal("no spare backend in the config")
	return 0
}

// TestSparesPlanHoldsHosts: the routes a runtime update before a reload
// leaves for the reload keep their hosts in hosts.map, so that until the
// reload their requests do not reach another namespace's default backend.
func TestSparesPlanHoldsHosts(t *testing.T) {
	now := time.Now()
	route := func(name string, age int, annotations map[string]string) *routev1.Route {
		return &routev1.Route{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID("uid-" + name), Annotations: annotations,
				CreationTimestamp: metav1.NewTime(now.Add(time.Duration(age) * time.Second))},
			Spec: routev1.RouteSpec{Host: name + ".example.com", To: routev1.RouteTargetReference{Kind: "Service", Name: "web"}},
		}
	}
	r := planningRouter("abns@spares-test", nil)
	plan := func(routes ...*routev1.Route) *plan {
		t.Helper()
		snap := &watch.Snapshot{Routes: routes}
		res, m, files, err := Plan(r.renderParams(), 0, snap, r.prev, r.applyQuarantine, func(int, int) int { return 4 })
		if err != nil {
			t.Fatal(err)
		}
		return &plan{snap: snap, result: res, model: m, files: files}
	}
	catchAll := route("catch-all", 0, map[string]string{names.DefaultBackendAnnotation: "true"})
	r.serving(plan(catchAll).model, now)
	// "fits" takes a spare; "tuned", whose timeout no spare has, waits for the reload.
	fits, tuned := route("fits", 1, nil), route("tuned", 2, map[string]string{names.TimeoutAnnotation: "5m"})
	p := plan(catchAll, fits, tuned)
	early := r.sparesPlan(p)
	if early == nil {
		t.Fatal("no runtime update: the test expects the new plain route to take a spare")
	}
	var served []string
	for _, a := range early.result.Routes {
		served = append(served, a.Name)
	}
	if strings.Join(served, ",") != "catch-all,fits" {
		t.Fatalf("served before the reload: %v, want catch-all and fits", served)
	}
	hosts := map[string]bool{}
	for _, e := range early.model.Maps[model.MapHosts] {
		hosts[e.Key] = true
	}
	for _, h := range []string{"fits.example.com", "tuned.example.com"} {
		if !hosts[h] {
			t.Errorf("hosts.map lacks %s: its requests would reach the default backend until the reload (%v)", h, early.model.Maps[model.MapHosts])
		}
	}
}

func TestSpareCount(t *testing.T) {
	const ms = time.Millisecond
	cases := []struct {
		name  string
		base  int
		rate  float64 // routes per second
		cycle time.Duration
		want  int
	}{
		{"off", 0, 5000, time.Second, 0},
		{"no new routes: the configured pool", 10, 0, time.Second, 10},
		{"a trickle: ten routes a minute", 10, 10.0 / 60, time.Second, 10},
		{"a stream: 30 routes a second over a 0.5 s cycle, with headroom", 10, 30, 500 * ms, 120},
		{"a burst: 200 routes a second over a 0.5 s cycle, with headroom", 10, 200, 500 * ms, 800},
		{"never past the bound", 10, 10000, 2 * time.Second, config.MaxSpareBackends},
		{"a larger configured pool stands", 200, 200, 100 * ms, 200},
	}
	for _, tc := range cases {
		if got := spareCount(tc.base, tc.rate, tc.cycle); got != tc.want {
			t.Errorf("%s: spareCount = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestPerSecond(t *testing.T) {
	for _, tc := range []struct {
		n    int
		d    time.Duration
		want float64
	}{{30, 100 * time.Millisecond, 300}, {30, 5 * time.Millisecond, 300}, {30, 0, 300}, {60, time.Minute, 1}} {
		if got := perSecond(tc.n, tc.d); got != tc.want {
			t.Errorf("perSecond(%d, %s) = %v, want %v", tc.n, tc.d, got, tc.want)
		}
	}
}

func TestArrivalStart(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	for _, tc := range []struct {
		name       string
		seen, woke time.Time
		want       time.Time
	}{
		{"idle, then woken by the first change", at(0), at(5000), at(5000)},
		// The changes came during a 0.8 s reload of the snapshot read at
		// 0: counting from the reload's end would make 0.8 s of arrivals
		// look like a burst of a few milliseconds.
		{"busy in a reload when the changes came", at(0), at(-300), at(0)},
		{"never woken yet", at(0), time.Time{}, at(0)},
	} {
		if got := arrivalStart(tc.seen, tc.woke); !got.Equal(tc.want) {
			t.Errorf("%s: arrivalStart = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestReloadCycle(t *testing.T) {
	const ms = time.Millisecond
	for _, tc := range []struct {
		last, interval, want time.Duration
	}{
		{0, 500 * ms, 500 * ms},                // no reload measured yet: the interval
		{100 * ms, 500 * ms, 600 * ms},         // the next reload starts after the interval, then runs
		{800 * ms, 500 * ms, 1600 * ms},        // a reload longer than the interval: the next starts when it ends
		{300 * ms, 5 * time.Second, 5300 * ms}, // OKD's interval
		{2 * time.Second, 0, 4 * time.Second},  // no interval: back to back
	} {
		if got := reloadCycle(tc.last, tc.interval); got != tc.want {
			t.Errorf("reloadCycle(%s, %s) = %s, want %s", tc.last, tc.interval, got, tc.want)
		}
	}
}

func TestExpectedReload(t *testing.T) {
	const ms = time.Millisecond
	for _, tc := range []struct {
		name       string
		last       time.Duration
		lastN, n   int
		perBackend time.Duration
		want       time.Duration
	}{
		{"the same config size: as long as the last", 130 * ms, 310, 310, 400 * time.Microsecond, 130 * ms},
		// The one-by-one stream's reload (200 routes, 110 spares) before
		// a burst's reload that brings 900 spares more.
		{"a burst's pool: each backend more adds its cost", 130 * ms, 310, 1210, 400 * time.Microsecond, 490 * ms},
		{"a smaller config: no faster than the last", 460 * ms, 1137, 300, 400 * time.Microsecond, 460 * ms},
		{"no cost known yet", 200 * ms, 20, 1000, 0, 200 * ms},
	} {
		if got := expectedReload(tc.last, tc.lastN, tc.n, tc.perBackend); got != tc.want {
			t.Errorf("%s: expectedReload = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestReloadCosts(t *testing.T) {
	const ms = time.Millisecond
	var costs []time.Duration
	if perBackendCost(costs) != 0 {
		t.Fatal("a cost before any reload")
	}
	costs = appendCost(costs, 220*ms, 20)  // a small config: the fixed start-up weighs
	costs = appendCost(costs, 132*ms, 220) // a larger one spreads it
	costs = appendCost(costs, 50*ms, 0)    // no backends: nothing learnt
	if got, want := perBackendCost(costs), 600*time.Microsecond; got != want {
		t.Errorf("perBackendCost = %s, want %s (the least)", got, want)
	}
	// The machine got busier: once the cheap reload is older than the
	// last reloadCostSamples, the cost follows.
	for range reloadCostSamples {
		costs = appendCost(costs, 900*ms, 1000)
	}
	if got, want := perBackendCost(costs), 900*time.Microsecond; got != want || len(costs) != reloadCostSamples {
		t.Errorf("perBackendCost = %s over %d samples, want %s over %d", got, len(costs), want, reloadCostSamples)
	}
}

func TestRecentRate(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	ago := func(ms ...int) []time.Time {
		out := make([]time.Time, len(ms))
		for i, m := range ms {
			out[i] = now.Add(-time.Duration(m) * time.Millisecond)
		}
		return out
	}
	// A stream of a route every 50 ms for the last second, then 35
	// routes within 70 ms: a burst's start.
	var stream []int
	for ms := 1000; ms > 100; ms -= 50 {
		stream = append(stream, ms)
	}
	burst := append([]int{}, stream...)
	for range 35 {
		burst = append(burst, 70)
	}
	for _, tc := range []struct {
		name    string
		takes   []time.Time
		pending int
		want    float64
	}{
		{"nothing", nil, 0, 0},
		{"only routes waiting: sparePool's other terms count them", nil, 3, 0},
		{"a stream of 20 a second, the last 150 ms ago", ago(stream...), 0, 18},
		{"a burst's first 70 ms, after the stream", ago(burst...), 3, 380},
	} {
		if got := recentRate(tc.takes, tc.pending, now); got != tc.want {
			t.Errorf("%s: recentRate = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestReloadReason: the reason a reload is logged and counted under. A
// reload that also drops emptied server lines (model.Compact) is not a
// resize.
func TestReloadReason(t *testing.T) {
	backend := func(name, balance string, slots, capacity int) *model.Backend {
		return &model.Backend{Name: name, Mode: model.ModeHTTP, Balance: balance, Slots: make([]model.Slot, slots), Capacity: capacity}
	}
	models := func(bs ...*model.Backend) *model.Model { return &model.Model{Backends: bs} }
	cases := []struct {
		name       string
		prev, next *model.Model
		running    bool
		want       string
	}{
		{"first start", nil, models(backend("a", "random", 1, 4)), false, "initial"},
		{"haproxy stopped", models(), models(), false, "restart"},
		{"a route more", models(backend("a", "random", 1, 4)), models(backend("a", "random", 1, 4), backend("b", "random", 1, 4)), true, "routes"},
		{"a route less", models(backend("a", "random", 1, 4), backend("b", "random", 1, 4)), models(backend("a", "random", 1, 4)), true, "routes"},
		{"past its capacity", models(backend("a", "random", 4, 4)), models(backend("a", "random", 5, 8)), true, "server-slots"},
		{"source-balanced slots grow", models(backend("a", "source", 4, 4)), models(backend("a", "source", 8, 8)), true, "server-slots"},
		{"emptied lines dropped on a reload for something else", models(backend("a", "random", 3, 4)), models(backend("a", "random", 1, 4)), true, "config"},
		{"a spare's servers start anew", models(backend("_spare_1", "random", 3, 16)), models(backend("_spare_1", "random", 0, 16)), true, "config"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got, detail := reloadReason(tc.prev, tc.next, tc.running); got != tc.want {
				t.Errorf("reason %q (%s), want %q", got, detail, tc.want)
			}
		})
	}
}

// TestSparePool runs the pool sizing as a sync does, on a router's state:
// the rate from routes waiting and from spares taken lately, the cycle
// from the reload cost per backend, sized twice (the pool lengthens the
// reload that brings it). The pure parts have their own tests; this one
// fails when one of them is left out of the sum.
func TestSparePool(t *testing.T) {
	prev := &model.Model{}
	for i := range 100 {
		prev.Backends = append(prev.Backends, &model.Backend{Name: fmt.Sprintf("be_http:ns:r%d", i), Mode: model.ModeHTTP, Balance: "random"})
	}
	now := time.Now()
	recent := func(n int, over time.Duration) []time.Time {
		var ts []time.Time
		for i := range n {
			ts = append(ts, now.Add(-over+time.Duration(i)*over/time.Duration(n)))
		}
		return ts
	}
	cases := []struct {
		name     string
		balance  string
		prev     *model.Model
		pending  int
		cost     time.Duration // per backend, of the last reloads
		takes    []time.Time
		min, max int
	}{
		{"the first config", "random", nil, 500, time.Millisecond, nil, 10, 10},
		{"idle", "random", prev, 0, time.Millisecond, nil, 10, 10},
		{"idle, balance source (consistent hashing takes servers at runtime too)", "source", prev, 0, time.Millisecond, nil, 10, 10},
		// 10 routes/s over a 0.5 s interval, 8 times over: 41.
		{"a slow stream, cheap reloads", "random", prev, 10, 100 * time.Microsecond, nil, 40, 42},
		// The same stream; each backend more costs 20 ms: 72 spares
		// lengthen the reload to 1.64 s, and that cycle needs 263.
		{"a slow stream, costly reloads", "random", prev, 10, 20 * time.Millisecond, nil, 255, 265},
		// Ten spares taken in the last 100 ms: 200 routes/s.
		{"spares taken fast", "random", prev, 10, 100 * time.Microsecond, recent(10, 100*time.Millisecond), 850, 950},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Defaults()
			cfg.BalanceHTTP = tc.balance
			r := &Router{cfg: cfg, prev: tc.prev, hap: haproxy.New(haproxy.Options{ConfigDir: t.TempDir(), RunDir: t.TempDir()}),
				lastReload: now.Add(-time.Second), seen: now.Add(-time.Second), takes: tc.takes,
				reloadCosts: []time.Duration{tc.cost}}
			if got := r.sparePoolAt(tc.pending, 110, now); got < tc.min || got > tc.max {
				t.Errorf("pool %d, want %d..%d", got, tc.min, tc.max)
			}
		})
	}
}

// TestServerCommands: a slot pointed at another pod passes through
// maintenance, so the pod starts with fresh health, not the health checks
// gave the pod before, and is then put fully up, so that a late check of
// the old pod cannot take it down; an emptied slot goes to maintenance
// first, a filled one leaves it last.
func TestServerCommands(t *testing.T) {
	b, unchecked := &model.Backend{Name: "be_http:ns:r"}, &model.Backend{Name: "be_http:ns:u"}
	a := &model.Server{Addr: "198.18.0.1", Port: 8080, Weight: 1}
	moved := &model.Server{Addr: "198.18.0.2", Port: 8080, Weight: 1}
	heavier := &model.Server{Addr: "198.18.0.1", Port: 8080, Weight: 5}
	cases := []struct {
		name   string
		change model.ServerChange
		want   []string
	}{
		{"another pod", model.ServerChange{Backend: b, Slot: "s1", Prev: a, Server: moved}, []string{
			"set server be_http:ns:r/s1 state maint",
			"set server be_http:ns:r/s1 addr 198.18.0.2 port 8080",
			"set server be_http:ns:r/s1 state ready",
			"set server be_http:ns:r/s1 health up"}},
		{"another pod, unchecked", model.ServerChange{Backend: unchecked, Slot: "s1", Prev: a, Server: moved}, []string{
			"set server be_http:ns:u/s1 state maint",
			"set server be_http:ns:u/s1 addr 198.18.0.2 port 8080",
			"set server be_http:ns:u/s1 state ready"}},
		{"another weight", model.ServerChange{Backend: b, Slot: "s1", Prev: a, Server: heavier}, []string{
			"set server be_http:ns:r/s1 addr 198.18.0.1 port 8080",
			"set server be_http:ns:r/s1 weight 5",
			"set server be_http:ns:r/s1 state ready"}},
		{"emptied", model.ServerChange{Backend: b, Slot: "s1", Prev: a}, []string{
			"set server be_http:ns:r/s1 state maint",
			"set server be_http:ns:r/s1 addr 127.0.0.1 port 1"}},
		{"filled", model.ServerChange{Backend: b, Slot: "s1", Server: moved}, []string{
			"set server be_http:ns:r/s1 addr 198.18.0.2 port 8080",
			"set server be_http:ns:r/s1 state ready"}},
	}
	for _, tc := range cases {
		check := 5 * time.Second
		if tc.change.Backend == unchecked {
			check = 0
		}
		got, err := serverCommands([]model.ServerChange{tc.change}, "/conf", check)
		if err != nil || strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}
