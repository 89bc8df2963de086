package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

// endpointsRun is one approach's measurement of endpoint → first request.
type endpointsRun struct {
	name    string
	lat     []time.Duration
	reloads int
}

// endpointsSetup is what both approaches serve: filler applications and
// the tested Service web with one pod, behind route web.
type endpointsSetup struct {
	ns     string
	apps   []app
	web    *pod
	slice  *discoveryv1.EndpointSlice
	host   string
	routes int
}

// benchEndpoints adds a ready endpoint to a Service again and again and
// times until the new pod gets its first request through the router;
// the baseline runs the same pipeline and Supervisor but reloads HAProxy
// for every EndpointSlice change, as routers without runtime updates do.
func benchEndpoints(e *env) ([]*table, error) {
	c, err := e.cluster()
	if err != nil {
		return nil, err
	}
	setup, err := newEndpointsSetup(e, c.Client, e.s.pick(1000, 200))
	if err != nil {
		return nil, err
	}
	defer setup.web.Close()
	n := e.s.pick(50, 10)
	ours, err := endpointsOurs(e, c, setup, n)
	if err != nil {
		return nil, fmt.Errorf("ours: %w", err)
	}
	base, err := endpointsReloading(e, c, setup, n)
	if err != nil {
		return nil, fmt.Errorf("reload per change: %w", err)
	}
	return []*table{endpointsTable([]endpointsRun{ours, base}, setup.routes)}, nil
}

func newEndpointsSetup(e *env, c client.Client, filler int) (*endpointsSetup, error) {
	ctx := context.Background()
	s := &endpointsSetup{ns: "endpoints"}
	if err := createNamespace(ctx, c, s.ns, map[string]string{"bench": s.ns}); err != nil {
		return nil, err
	}
	for i := range filler {
		a, err := e.mix.app(s.ns, i)
		if err != nil {
			return nil, err
		}
		s.apps = append(s.apps, a)
	}
	if err := createApps(ctx, c, s.apps, 8); err != nil {
		return nil, err
	}
	var err error
	if s.web, err = startPod("web-0", newPodAddr(), nil); err != nil {
		return nil, err
	}
	if s.slice, err = createService(ctx, c, s.ns, "web", s.web); err != nil {
		s.web.Close()
		return nil, err
	}
	rt := plainRoute(s.ns, "web")
	rt.Spec.To.Name = "web"
	if err := c.Create(ctx, rt); err != nil {
		s.web.Close()
		return nil, err
	}
	s.host, s.routes = rt.Spec.Host, filler+1
	return s, nil
}

// snapshot is the setup as a router's informers would hold it, with the
// tested slice as it is now.
func (s *endpointsSetup) snapshot() *snapshot {
	snap := newSnapshot()
	for _, a := range s.apps {
		snap.add(a)
	}
	svc, _ := serviceFor(s.ns, "web", nil, framework.HTTPPort, framework.HTTPSPort)
	snap.add(app{Route: plainRoute(s.ns, "web"), Service: svc, Slice: s.slice.DeepCopy()})
	return snap
}

func endpointsOurs(e *env, c *localcluster.Cluster, s *endpointsSetup, n int) (endpointsRun, error) {
	res := endpointsRun{name: "ours (runtime API)"}
	r, err := e.startRouter(c.Kubeconfig, "endpoints", routerEnv(s.ns, nil))
	if err != nil {
		return res, err
	}
	defer r.Stop()
	if pid, err := routerPID(r); err == nil {
		waitQuiet(pid, time.Minute) // initial status writes done
	}
	settle := reloadSettle(defaultReloadInterval)
	before, err := settledReloads(r.ReloadCount, settle)
	if err != nil {
		return res, err
	}
	res.lat, err = scaleUps(c.Client, s, r.Addr, n)
	if err != nil {
		return res, err
	}
	after, err := settledReloads(r.ReloadCount, settle)
	res.reloads = after - before
	return res, err
}

// endpointsReloading is the baseline: on every change of the tested
// EndpointSlice (a watch, as informers get it) it runs the pipeline and
// reloads HAProxy through the Supervisor, without any rate limit.
func endpointsReloading(e *env, c *localcluster.Cluster, s *endpointsSetup, n int) (endpointsRun, error) {
	res := endpointsRun{name: "reload per change"}
	dir, err := e.newDir("e")
	if err != nil {
		return res, err
	}
	addr := framework.NewAddr(framework.RouterNet)
	p := newPipeline(e.haproxy, addr, dir, 1, e.defCertPEM, true)
	snap := s.snapshot()
	m, files, err := p.plan(snap, nil)
	if err != nil {
		return res, err
	}
	sup, err := p.supervisor()
	if err != nil {
		return res, err
	}
	defer stopSupervisor(sup)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := sup.Reload(ctx, haproxy.Files(files), "initial"); err != nil {
		return res, err
	}
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return res, err
	}
	w, err := cs.DiscoveryV1().EndpointSlices(s.ns).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + s.slice.Name})
	if err != nil {
		return res, err
	}
	defer w.Stop()
	errs := make(chan error, 1)
	go func() { errs <- reloadOnChange(ctx, w, p, sup, snap, m) }()
	// No reload interval here, but the watch delivers the last changes
	// and their reloads after the last request: the same settling.
	count := func() (int, error) { return sup.ReloadCount(ctx) }
	settle := reloadSettle(defaultReloadInterval)
	before, err := settledReloads(count, settle)
	if err != nil {
		return res, err
	}
	if res.lat, err = scaleUps(c.Client, s, addr, n); err != nil {
		return res, err
	}
	after, err := settledReloads(count, settle)
	res.reloads = after - before
	cancel()
	if werr := <-errs; werr != nil && err == nil {
		err = werr
	}
	return res, err
}

// reloadOnChange renders and reloads for every modification of the slice.
func reloadOnChange(ctx context.Context, w watch.Interface, p pipeline, sup *haproxy.Supervisor, snap *snapshot, prev *model.Model) error {
	key := types.NamespacedName{Namespace: "endpoints", Name: "web"}
	for ev := range w.ResultChan() {
		sl, ok := ev.Object.(*discoveryv1.EndpointSlice)
		if !ok || ev.Type != watch.Modified {
			continue
		}
		key.Namespace = sl.Namespace
		snap.Slices[key] = []*discoveryv1.EndpointSlice{sl}
		m, files, err := p.plan(snap, prev)
		if err != nil {
			return err
		}
		if err := sup.Reload(ctx, haproxy.Files(files), "endpoints"); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		prev = m
	}
	return nil
}

// scaleUps adds a new pod n times and times until it answers its first
// request through the router at addr, while a client keeps requesting the
// route; after each, the pod is removed again (not timed), so the Service
// goes 1 → 2 → 1 pods and every scale-up is a new endpoint.
func scaleUps(c client.Client, s *endpointsSetup, addr string, n int) ([]time.Duration, error) {
	ctx := context.Background()
	hc := hostClient(addr, true, 2*time.Second)
	url := "http://" + s.host + "/"
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); keepRequesting(hc, url, stop) }()
	defer func() { close(stop); wg.Wait() }()
	var lat []time.Duration
	for i := range n {
		d, err := scaleUpOnce(ctx, c, s, i)
		if err != nil {
			return nil, err
		}
		lat = append(lat, d)
	}
	return lat, nil
}

// scaleUpOnce adds a new pod to the tested slice and returns the time to
// its first request, then removes it again.
func scaleUpOnce(ctx context.Context, c client.Client, s *endpointsSetup, i int) (time.Duration, error) {
	p, err := startPod(fmt.Sprintf("web-new-%d", i), newPodAddr(), nil)
	if err != nil {
		return 0, err
	}
	defer p.Close()
	start := time.Now()
	if err := setPods(ctx, c, s.slice, s.web, p); err != nil {
		return 0, err
	}
	first, err := waitFirstHit(p, 30*time.Second)
	if err != nil {
		return 0, err
	}
	if err := setPods(ctx, c, s.slice, s.web); err != nil {
		return 0, err
	}
	// Stop the pod only once the router sends it nothing, as a pod
	// terminates after its endpoint is gone: HAProxy would otherwise
	// retry a refused connection after a 1 s turn-around, and the client
	// would wait that long.
	return first.Sub(start), waitDrained(p, 30*time.Second)
}

// keepRequesting sends a request every 2 ms until stop: with two pods,
// a new one gets one of the next few requests.
func keepRequesting(hc *http.Client, url string, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		ok(hc, url)
		time.Sleep(2 * time.Millisecond)
	}
}

// waitDrained waits until the pod got no request for 200 ms: with two
// pods and a request every few ms, it is then out of the router's config.
func waitDrained(p *pod, timeout time.Duration) error {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if p.Idle() > 200*time.Millisecond {
			return nil
		}
	}
	return fmt.Errorf("pod %s still gets requests %s after its removal", p.Name, timeout)
}

func waitFirstHit(p *pod, timeout time.Duration) (time.Time, error) {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if t := p.FirstHit(); !t.IsZero() {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("pod %s got no request within %s", p.Name, timeout)
}

func endpointsTable(rs []endpointsRun, routes int) *table {
	t := newTable("Endpoints to traffic: new ready endpoint (EndpointSlice update) → its first request (goal: 0 reloads)",
		"approach", "scale-ups", "p50", "p99", "max", "HAProxy reloads", "routes configured")
	for _, r := range rs {
		t.add(r.name, fmt.Sprint(len(r.lat)), ms(percentile(r.lat, 50)), ms(percentile(r.lat, 99)), ms(percentile(r.lat, 100)),
			fmt.Sprint(r.reloads), fmt.Sprint(routes))
	}
	if len(rs) == 2 {
		t.add("ratio reload / ours", "", ratio(float64(percentile(rs[1].lat, 50)), float64(percentile(rs[0].lat, 50))),
			ratio(float64(percentile(rs[1].lat, 99)), float64(percentile(rs[0].lat, 99))), "", "", "")
	}
	t.note("ours: a real router process watching the API server; it adds the new server with the runtime API (or sets it into a slot an earlier scale-down emptied). Reloads count scale-ups and scale-downs (2 changes per sample); both rows read the count once settled (two reads %s apart agree), before and after, so that reloads still queued count.", reloadSettle(defaultReloadInterval))
	t.note("reload per change: the same watch → pipeline → Supervisor path, but every EndpointSlice change is a reload (write, master CLI reload, which parses the config, new worker ready), with no rate limit; OKD without its dynamic configuration manager also reloads per change, after up to RELOAD_INTERVAL (5 s).")
	t.note("A client requests the route every 2 ms; the time ends when the new pod receives its first request. Both configs hold the same %d routes (mixed kinds, health checks on).", routes)
	return t
}
