package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

// routeRun is one router's measurement of Route → first 200.
type routeRun struct {
	name           string
	reloadInterval string
	spares         string // ROUTER_BLUEPRINT_ROUTE_POOL_SIZE
	oneByOne       []time.Duration
	burst          []time.Duration
	reloads        int
	lastReload     time.Duration // the router's last reload, check included
	burstCreate    time.Duration // from the first Create of the burst to the last
	routerRSS      int           // kB, after all routes
	routes         int
}

// benchRouteToTraffic creates Routes through the API server (with the
// Route webhooks) and times each until the router answers 200 for it;
// the baseline is the same router with OKD's 5 s reload interval.
func benchRouteToTraffic(e *env) ([]*table, error) {
	c, err := e.cluster()
	if err != nil {
		return nil, err
	}
	runs := []struct {
		name, interval, spares string
		oneByOne, burstN       int
	}{
		{"ours", defaultReloadInterval.String(), strconv.Itoa(config.Defaults().SpareBackends), e.s.pick(200, 30), e.s.pick(1000, 200)},
		{"ours without spares", defaultReloadInterval.String(), "0", e.s.pick(200, 30), e.s.pick(1000, 200)},
		{"OKD-like", "5s", "0", e.s.pick(20, 5), e.s.pick(1000, 200)},
	}
	rows := os.Getenv("BENCH_ROUTE_ROWS") // a comma-separated subset of the rows' names; empty: all
	var results []routeRun
	for _, r := range runs {
		if rows != "" && !slices.Contains(strings.Split(rows, ","), r.name) {
			continue
		}
		res, err := measureRoutes(e, c.Client, c.Kubeconfig, r.name, r.interval, r.spares, r.oneByOne, r.burstN)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.name, err)
		}
		results = append(results, res)
	}
	return []*table{routeTable(results)}, nil
}

func measureRoutes(e *env, c client.Client, kubeconfig, name, interval, spares string, oneByOne, burstN int) (routeRun, error) {
	res := routeRun{name: name, reloadInterval: interval, spares: spares}
	ctx := context.Background()
	shard := "route-" + sanitize(name)
	ns := shard
	if err := createNamespace(ctx, c, ns, map[string]string{"bench": shard}); err != nil {
		return res, err
	}
	p, err := startPod(ns+"-web", newPodAddr(), nil)
	if err != nil {
		return res, err
	}
	defer p.Close()
	if _, err := createService(ctx, c, ns, "web", p); err != nil {
		return res, err
	}
	r, err := e.startRouter(kubeconfig, sanitize(name), routerEnv(shard, map[string]string{"RELOAD_INTERVAL": interval, names.EnvRouterBlueprintRoutePoolSize: spares}))
	if err != nil {
		return res, err
	}
	defer r.Stop()
	if dir := os.Getenv("BENCH_LOG_DIR"); dir != "" {
		// The router's log, kept after the run (its directory is not).
		defer func() {
			b, err := os.ReadFile(filepath.Join(r.Dir, "router.log"))
			if err != nil {
				fmt.Fprintf(os.Stderr, "BENCH_LOG_DIR: %v\n", err)
				return
			}
			keepLog(dir, "route-"+sanitize(name)+".log", b)
		}()
	}
	client := r.NewClient(framework.ClientOptions{})
	client.Timeout = 2 * time.Second
	every, err := time.ParseDuration(interval)
	if err != nil {
		return res, fmt.Errorf("RELOAD_INTERVAL %q: %w", interval, err)
	}
	settle := reloadSettle(every)
	reloads0, err := settledReloads(r.ReloadCount, settle)
	if err != nil {
		return res, err
	}
	for i := range oneByOne {
		d, err := createAndWait(ctx, c, client.Client, plainRoute(ns, fmt.Sprintf("one-%d", i)))
		if err != nil {
			return res, err
		}
		res.oneByOne = append(res.oneByOne, d)
	}
	if res.burst, res.burstCreate, err = burst(ctx, c, net.JoinHostPort(r.Addr, "80"), ns, burstN); err != nil {
		return res, err
	}
	// The count once the reloads the run queued are done, and the last
	// one's length after them.
	reloads1, err := settledReloads(r.ReloadCount, settle)
	if err != nil {
		return res, err
	}
	if v, err := r.Metric("okd_router_last_reload_duration_seconds"); err == nil {
		res.lastReload = time.Duration(v * float64(time.Second))
	}
	res.reloads, res.routes = reloads1-reloads0, oneByOne+burstN
	if pid, err := routerPID(r); err == nil {
		waitQuiet(pid, 30*time.Second) // status writes done
		res.routerRSS = rssKB(pid)
	}
	return res, nil
}

// plainRoute is an HTTP route to Service web.
func plainRoute(ns, name string) *routev1.Route {
	return &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: routev1.RouteSpec{Host: name + "." + ns + ".bench.test", To: routev1.RouteTargetReference{Kind: "Service", Name: "web"},
			Port: &routev1.RoutePort{TargetPort: intstr.FromString("http")}},
	}
}

// createAndWait creates a route and polls it every 5 ms until a 200.
func createAndWait(ctx context.Context, c client.Client, hc *http.Client, rt *routev1.Route) (time.Duration, error) {
	start := time.Now()
	if err := c.Create(ctx, rt); err != nil {
		return 0, err
	}
	url := "http://" + rt.Spec.Host + "/"
	for deadline := start.Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if ok(hc, url) {
			return time.Since(start), nil
		}
	}
	return 0, fmt.Errorf("route %s: no 200 within a minute", rt.Name)
}

// ok reports whether url answers 200.
func ok(hc *http.Client, url string) bool {
	resp, err := hc.Get(url)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body) // drained, so the keep-alive connection is reused
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// burstPollers request the routes of a burst that do not answer yet. A
// poller's requests are answered one after another, and each route that
// has gone live costs a connection to its pod (5-25 ms on this loaded
// machine): with 8 pollers, a pass carried up to 35 requests and took up
// to 0.3 s, which a route that went live early in it waited out. 32 keep
// a pass to a few requests.
const burstPollers = 32

// burst creates n routes at once (16 creators, as `kubectl apply` of a
// big list or a GitOps sync would), while burstPollers request every created
// route that does not answer 200 yet; each route's time runs from just
// before its own Create.
func burst(ctx context.Context, c client.Client, routerAddr, ns string, n int) ([]time.Duration, time.Duration, error) {
	var mu sync.Mutex
	created := make([]time.Time, n)
	createdDone := make([]time.Time, n)
	got := make([]time.Duration, n)
	errs := make(chan error, 16)
	next := make(chan int)
	for range 16 {
		go func() {
			var first error
			for i := range next {
				rt := plainRoute(ns, fmt.Sprintf("burst-%d", i))
				mu.Lock()
				created[i] = time.Now()
				mu.Unlock()
				if err := c.Create(ctx, rt); err != nil && first == nil {
					first = err
				}
				mu.Lock()
				createdDone[i] = time.Now()
				mu.Unlock()
			}
			errs <- first
		}()
	}
	var wg sync.WaitGroup
	deadline := time.Now().Add(3 * time.Minute)
	for w := range burstPollers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pollBurst(routerAddr, ns, w, burstPollers, &mu, created, got, deadline)
		}()
	}
	start := time.Now()
	for i := range n {
		next <- i
	}
	close(next)
	var err error
	for range 16 {
		if e := <-errs; e != nil && err == nil {
			err = e
		}
	}
	creating := time.Since(start)
	wg.Wait()
	if dir := os.Getenv("BENCH_LOG_DIR"); dir != "" {
		var b strings.Builder
		for i := range created {
			fmt.Fprintf(&b, "%d %s %d %d %d\n", i, created[i].UTC().Format("15:04:05.000"), created[i].Sub(start).Milliseconds(), got[i].Milliseconds(), createdDone[i].Sub(created[i]).Milliseconds())
		}
		keepLog(dir, fmt.Sprintf("burst-%s.txt", ns), []byte(b.String()))
	}
	if err != nil {
		return nil, 0, err
	}
	for i, d := range got {
		if d == 0 {
			return nil, 0, fmt.Errorf("burst route %d: no 200 within 3 minutes", i)
		}
	}
	return got, creating, nil
}

// pollBurst polls routes w, w+step, … until each answered 200. Each pass
// sends one request per pending route, pipelined on one keep-alive
// connection, and then reads the answers: a pass over hundreds of routes
// takes milliseconds, where a request at a time took most of a second on
// this loaded machine and made the polling, not the router, the slow part.
func pollBurst(routerAddr, ns string, w, step int, mu *sync.Mutex, created []time.Time, got []time.Duration, deadline time.Time) {
	var conn net.Conn
	var br *bufio.Reader
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for time.Now().Before(deadline) {
		var pending, sent []int
		mu.Lock()
		for i := w; i < len(created); i += step {
			if got[i] == 0 {
				pending = append(pending, i)
				if !created[i].IsZero() {
					sent = append(sent, i)
				}
			}
		}
		mu.Unlock()
		if len(pending) == 0 {
			return
		}
		if conn == nil {
			var err error
			if conn, err = net.DialTimeout("tcp", routerAddr, 2*time.Second); err != nil {
				conn = nil
				time.Sleep(5 * time.Millisecond)
				continue
			}
			br = bufio.NewReader(conn)
		}
		if !pollPass(conn, br, ns, sent, mu, created, got) {
			conn.Close() // a reload's old worker closed it, or a failure: a new one next pass
			conn = nil
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// pollPass sends a request for each route in idx on conn and reads the
// answers, recording the routes that answer 200. It returns false when the
// connection cannot carry on.
func pollPass(conn net.Conn, br *bufio.Reader, ns string, idx []int, mu *sync.Mutex, created []time.Time, got []time.Duration) bool {
	if err := conn.SetDeadline(time.Now().Add(2 * time.Second)); err != nil {
		return false
	}
	var req bytes.Buffer
	for _, i := range idx {
		fmt.Fprintf(&req, "GET / HTTP/1.1\r\nHost: burst-%d.%s.bench.test\r\n\r\n", i, ns)
	}
	if _, err := conn.Write(req.Bytes()); err != nil {
		return false
	}
	for _, i := range idx {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return false
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			mu.Lock()
			got[i] = time.Since(created[i])
			mu.Unlock()
		}
		if resp.Close {
			return false
		}
	}
	return true
}

func routeTable(rs []routeRun) *table {
	t := newTable("Route to traffic: Route created → first 200 through the router (goal: p99 < 1 s)",
		"router", "RELOAD_INTERVAL", "spares", "one by one: n", "p50", "p99", "max", "burst: n", "created in", "p50", "p99", "max", "reloads",
		"last reload", "router RSS after")
	for _, r := range rs {
		t.add(r.name, r.reloadInterval, r.spares, fmt.Sprint(len(r.oneByOne)), ms(percentile(r.oneByOne, 50)), ms(percentile(r.oneByOne, 99)),
			ms(percentile(r.oneByOne, 100)), fmt.Sprint(len(r.burst)), ms(r.burstCreate), ms(percentile(r.burst, 50)), ms(percentile(r.burst, 99)),
			ms(percentile(r.burst, 100)), fmt.Sprint(r.reloads), ms(r.lastReload), fmt.Sprintf("%s (%d routes)", mib(r.routerRSS), r.routes))
	}
	for _, b := range rs[min(1, len(rs)):] {
		o := rs[0]
		t.add("ratio "+b.name+" / "+o.name, "", "", "", ratio(float64(percentile(b.oneByOne, 50)), float64(percentile(o.oneByOne, 50))),
			ratio(float64(percentile(b.oneByOne, 99)), float64(percentile(o.oneByOne, 99))), "", "", "",
			ratio(float64(percentile(b.burst, 50)), float64(percentile(o.burst, 50))),
			ratio(float64(percentile(b.burst, 99)), float64(percentile(o.burst, 99))), "", "", "", "")
	}
	t.note("Every row is the same router binary and HAProxy; only RELOAD_INTERVAL and the spare backends (ROUTER_BLUEPRINT_ROUTE_POOL_SIZE) differ. ours: the router's defaults (interval %s, which the operator keeps unless tuningOptions.reloadInterval is set; %d spares, more while routes arrive faster than reloads follow): a new plain route takes a spare backend through the runtime API, and a reload comes only when the spares run out. Without spares and OKD-like (OKD's 5 s, OKD's default of no dynamic configuration manager), each route is a new backend, so it goes live by a reload.", defaultReloadInterval, config.Defaults().SpareBackends)
	t.note("One by one: each Route is created when the previous one answers; by a reload, it waits for the reload interval since the last reload. Burst: created by 16 concurrent clients through the API server and the Route webhooks; the time includes the Create call and a polling resolution of a few tens of ms (32 pollers over up to 1,000 routes, each pass pipelined on one connection). Percentiles are nearest-rank: with the OKD-like row's fewer one-by-one samples (5 s each), its p99 is its maximum.")
	t.note("created in: from the burst's first Create to its last. reloads: HAProxy reloads during the run (master CLI `show proc`), one by one and burst together, each count read once settled (two reads RELOAD_INTERVAL + 0.5 s apart agree), so that reloads the router still had queued count; last reload: the router's okd_router_last_reload_duration_seconds at the end (write, master CLI reload, which parses the config, new worker ready), which a route waits for on top of the interval.")
	return t
}

// keepLog writes b to name in BENCH_LOG_DIR, which it creates; a log that
// cannot be kept is said on stderr rather than missed at reading time.
func keepLog(dir, name string, b []byte) {
	err := os.MkdirAll(dir, 0o755)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "BENCH_LOG_DIR: %v\n", err)
	}
}
