package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

// routeAPIRun is one Route API mode's numbers.
type routeAPIRun struct {
	mode      localcluster.RouteAPI
	created   time.Duration
	listFull  []time.Duration // the whole list in one response
	listPaged []time.Duration // pages of 500, as informers list
	listBytes int
	oneByOne  []time.Duration // an update → the last of the watchers has it
	burst     time.Duration   // a burst of updates → the last watcher has the last
}

// watchers is how many clients watch every Route, as routers do.
const watchers = 3

// benchRouteAPI compares the aggregated Route API server with the Route CRD
// on the same machine: listing 10,000 Routes, and delivering updates to
// three watchers (issue 10, "Performance").
func benchRouteAPI(e *env) ([]*table, error) {
	n, updates, burst := e.s.pick(10000, 1000), e.s.pick(200, 40), e.s.pick(1000, 200)
	var runs []routeAPIRun
	for _, mode := range []localcluster.RouteAPI{localcluster.RouteAPIAggregated, localcluster.RouteAPICRD} {
		r, err := routeAPIMode(e, mode, n, updates, burst)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", mode, err)
		}
		runs = append(runs, r)
	}
	return []*table{routeAPITable(runs, n, burst)}, nil
}

func routeAPIMode(e *env, mode localcluster.RouteAPI, n, updates, burst int) (routeAPIRun, error) {
	run := routeAPIRun{mode: mode}
	dir, err := e.newDir("api-" + string(mode) + "-")
	if err != nil {
		return run, err
	}
	c, err := localcluster.Start(localcluster.Options{Domain: "apps.bench.test", Manager: true, Dir: dir,
		AdvertiseAddress: framework.HostAddress, RouteAPI: mode})
	if err != nil {
		return run, err
	}
	defer func() { _ = c.Stop() }()
	ctx := context.Background()
	const ns = "bench-api"
	if err := createNamespace(ctx, c.Client, ns, nil); err != nil {
		return run, err
	}
	start := time.Now()
	if err := createRoutes(ctx, c.Client, ns, n, 32); err != nil {
		return run, err
	}
	run.created = time.Since(start)
	if run.listFull, run.listBytes, err = timeLists(c.Config, "", 5); err != nil {
		return run, err
	}
	if run.listPaged, _, err = timeLists(c.Config, "500", 3); err != nil {
		return run, err
	}
	w, err := startWatchers(ctx, c, watchers)
	if err != nil {
		return run, err
	}
	defer w.stop()
	for i := range updates {
		d, err := w.timeUpdates(ctx, c.Client, ns, []int{i}, fmt.Sprintf("one-%d", i))
		if err != nil {
			return run, err
		}
		run.oneByOne = append(run.oneByOne, d)
	}
	all := make([]int, burst)
	for i := range all {
		all[i] = i
	}
	run.burst, err = w.timeUpdates(ctx, c.Client, ns, all, "burst")
	return run, err
}

func routeName(i int) string { return fmt.Sprintf("r%05d", i) }

func createRoutes(ctx context.Context, c client.Client, ns string, n, workers int) error {
	next := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: routeName(i)},
					Spec: routev1.RouteSpec{Host: routeName(i) + ".api.bench.test", To: routev1.RouteTargetReference{Kind: "Service", Name: "web"}}}
				if err := c.Create(ctx, r); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
feed:
	for i := range n {
		select {
		case next <- i:
		case err = <-errs:
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err == nil && len(errs) > 0 {
		err = <-errs
	}
	return err
}

// timeLists lists every Route times times, whole or in pages of limit, as
// JSON through the main API server, and returns the durations and the
// bytes of one list.
func timeLists(cfg *rest.Config, limit string, times int) ([]time.Duration, int, error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, 0, err
	}
	base := strings.TrimSuffix(cfg.Host, "/") + "/apis/route.openshift.io/v1/routes"
	var ds []time.Duration
	size := 0
	for range times {
		start, cont, bytes := time.Now(), "", 0
		for {
			url := base
			if limit != "" {
				url += "?limit=" + limit + "&continue=" + cont
			}
			b, next, err := getList(hc, url)
			if err != nil {
				return nil, 0, err
			}
			bytes += b
			if cont = next; cont == "" || limit == "" {
				break
			}
		}
		ds = append(ds, time.Since(start))
		size = bytes
	}
	return ds, size, nil
}

// getList reads one list response and returns its size and continue token.
func getList(hc *http.Client, url string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var list struct {
		Metadata metav1.ListMeta   `json:"metadata"`
		Items    []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return 0, "", err
	}
	return len(body), list.Metadata.Continue, nil
}

// fanout is a set of watchers of every Route; it records when each one
// receives each tagged update.
type fanout struct {
	cancel context.CancelFunc
	mu     sync.Mutex
	cond   *sync.Cond
	// seen counts, per route/tag, the watchers that received it, and the
	// time the last of them did.
	seen map[string]int
	last map[string]time.Time
	err  error
}

// tagAnnotation marks an update so the watchers can tell it apart.
const tagAnnotation = "bench.okd-ingress.io/tag"

func startWatchers(ctx context.Context, c *localcluster.Cluster, n int) (*fanout, error) {
	ctx, cancel := context.WithCancel(ctx)
	f := &fanout{cancel: cancel, seen: map[string]int{}, last: map[string]time.Time{}}
	f.cond = sync.NewCond(&f.mu)
	for range n {
		wc, err := client.NewWithWatch(c.Config, client.Options{Scheme: c.Client.Scheme()})
		if err != nil {
			cancel()
			return nil, err
		}
		var list routev1.RouteList
		if err := wc.List(ctx, &list, client.Limit(1)); err != nil {
			cancel()
			return nil, err
		}
		w, err := wc.Watch(ctx, &routev1.RouteList{}, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: list.ResourceVersion}})
		if err != nil {
			cancel()
			return nil, err
		}
		go f.receive(w)
	}
	return f, nil
}

func (f *fanout) receive(w watch.Interface) {
	defer w.Stop()
	for ev := range w.ResultChan() {
		r, ok := ev.Object.(*routev1.Route)
		if !ok || ev.Type != watch.Modified {
			continue
		}
		tag := r.Annotations[tagAnnotation]
		if tag == "" {
			continue
		}
		now := time.Now()
		f.mu.Lock()
		key := r.Name + "/" + tag
		f.seen[key]++
		f.last[key] = now
		f.cond.Broadcast()
		f.mu.Unlock()
	}
	f.mu.Lock()
	if f.err == nil {
		f.err = fmt.Errorf("a watch ended")
	}
	f.cond.Broadcast()
	f.mu.Unlock()
}

func (f *fanout) stop() { f.cancel() }

// timeUpdates tags the given routes (16 at a time) and returns the time
// from the first write until every watcher has every update.
func (f *fanout) timeUpdates(ctx context.Context, c client.Client, ns string, idx []int, tag string) (time.Duration, error) {
	start := time.Now()
	patch := []byte(fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, tagAnnotation, tag))
	next := make(chan int)
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for range min(16, len(idx)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: routeName(i)}}
				if err := c.Patch(ctx, r, client.RawPatch(types.MergePatchType, patch)); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for _, i := range idx {
		next <- i
	}
	close(next)
	wg.Wait()
	if len(errs) > 0 {
		return 0, <-errs
	}
	deadline := time.AfterFunc(time.Minute, func() {
		f.mu.Lock()
		if f.err == nil {
			f.err = fmt.Errorf("updates %s not seen by %d watchers within a minute", tag, watchers)
		}
		f.cond.Broadcast()
		f.mu.Unlock()
	})
	defer deadline.Stop()
	f.mu.Lock()
	defer f.mu.Unlock()
	var last time.Time
	for _, i := range idx {
		key := routeName(i) + "/" + tag
		for f.seen[key] < watchers && f.err == nil {
			f.cond.Wait()
		}
		if f.err != nil {
			return 0, f.err
		}
		if f.last[key].After(last) {
			last = f.last[key]
		}
	}
	return last.Sub(start), nil
}

func routeAPITable(runs []routeAPIRun, n, burst int) *table {
	t := newTable(fmt.Sprintf("Route API: list %d Routes and deliver updates to %d watchers (goal: the Route API server no slower than the CRD)", n, watchers),
		"Route API", "create (32 clients)", "list all: p50", "list in pages of 500: p50", "list size",
		"update → all watchers: p50", "p99", fmt.Sprintf("burst of %d updates → all watchers", burst))
	for _, r := range runs {
		t.add(string(r.mode), ms(r.created), ms(percentile(r.listFull, 50)), ms(percentile(r.listPaged, 50)), bytesMiB(r.listBytes),
			ms(percentile(r.oneByOne, 50)), ms(percentile(r.oneByOne, 99)), ms(r.burst))
	}
	if len(runs) == 2 {
		a, c := runs[0], runs[1]
		t.add("ratio crd / aggregated", ratio(float64(c.created), float64(a.created)),
			ratio(float64(percentile(c.listFull, 50)), float64(percentile(a.listFull, 50))),
			ratio(float64(percentile(c.listPaged, 50)), float64(percentile(a.listPaged, 50))), "",
			ratio(float64(percentile(c.oneByOne, 50)), float64(percentile(a.oneByOne, 50))),
			ratio(float64(percentile(c.oneByOne, 99)), float64(percentile(a.oneByOne, 99))),
			ratio(float64(c.burst), float64(a.burst)))
	}
	t.note("Both modes run on the same machine, one after the other, each with its own kube-apiserver and etcd; the aggregated one adds the Route API server (in the benchmark's process) behind APIService v1.route.openshift.io, so every request takes one more hop, through the main API server's proxy.")
	t.note("Lists are JSON (what kubectl and the routers' clients ask for), through the main API server, as a cluster admin. Watchers are three watches of every Route, started from the current resourceVersion, as a router's informer watches; an update is a merge patch of an annotation. A ratio above 1.00× means the CRD is slower.")
	t.note("create: the time to create the Routes through the API, the CRD with the manager's admission webhooks.")
	return t
}
