package main

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
	"github.com/okd-ingress/okd-ingress/internal/router/render"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

// scaleResult is what one size costs.
type scaleResult struct {
	routes               int
	render               time.Duration // admission + model + render, median of runs
	heapKB               int           // Go heap holding the snapshot, model and files
	check, start         time.Duration // `haproxy -c`; first start through the Supervisor
	reload               time.Duration // a structural change through the Supervisor
	mem                  memory        // HAProxy after the reload, old worker gone
	configSize, certSize int
}

// benchScale renders mixed routes with the router's pure pipeline and
// runs the result under the router's Supervisor. Building the same
// numbers of routes through the API server would measure the API server.
func benchScale(e *env) ([]*table, error) {
	sizes := []int{1000, 10000, 30000}
	if e.s.quick {
		sizes = []int{1000, 5000}
	}
	// Certificates are generated once, up front, so that no size pays for
	// them and the heap measurements do not count the cache.
	if _, err := e.mix.synthesize(sizes[len(sizes)-1]); err != nil {
		return nil, err
	}
	var results []scaleResult
	for _, n := range sizes {
		r, err := measureScale(e, n)
		if err != nil {
			return nil, fmt.Errorf("%d routes: %w", n, err)
		}
		results = append(results, r)
	}
	tables := scaleTables(results)
	kinds, err := kindTable(e, sizes[0])
	if err != nil {
		return tables, err
	}
	return append(tables, kinds), nil
}

// kindTable shows where HAProxy's time and memory go: n routes of a
// single kind each.
func kindTable(e *env, n int) (*table, error) {
	t := newTable(fmt.Sprintf("Scale: %d routes of one kind (where HAProxy's cost goes)", n),
		"kind", "haproxy -c", "ms/1k routes", "worker RSS", "kB/route")
	for _, kind := range []string{kindHTTP, kindEdge, kindReencrypt, kindPassthrough} {
		snap := newSnapshot()
		for i := 0; len(snap.Routes) < n; i++ {
			if kindOf(i) != kind {
				continue
			}
			a, err := e.mix.app(fmt.Sprintf("ns%d", i/100), i)
			if err != nil {
				return nil, err
			}
			snap.add(a)
		}
		dir, err := e.newDir("k")
		if err != nil {
			return nil, err
		}
		p := newPipeline(e.haproxy, framework.NewAddr(framework.RouterNet), dir, e.s.threads, e.defCertPEM, checksFit())
		_, files, err := p.plan(snap, nil)
		if err != nil {
			return nil, err
		}
		check, mem, err := checkAndStart(p, files)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		t.add(kind, ms(check), num(msPerK(check, float64(n)), 0), mib(mem.WorkerRSS), num(float64(mem.WorkerRSS)/float64(n), 1))
	}
	t.note("%s", scaleChecksNote())
	t.note("Same mix rules as above: a third of the edge routes carry their own certificate, half the reencrypt routes a destination CA; the others verify against @system-ca (no service CA bundle in the benchmark), and HAProxy builds a TLS context per server slot, disabled slots included.")
	return t, nil
}

// checkAndStart times `haproxy -c` on files, then starts them under a
// Supervisor and reads HAProxy's memory; HAProxy is stopped after.
func checkAndStart(p pipeline, files render.Files) (time.Duration, memory, error) {
	sup, err := p.supervisor()
	if err != nil {
		return 0, memory{}, err
	}
	defer stopSupervisor(sup)
	if _, err := sup.WriteFiles(haproxy.Files(files)); err != nil {
		return 0, memory{}, err
	}
	check, err := timeCheck(p.params.Config.HAProxyBinary, sup.ConfigPath())
	if err != nil {
		return 0, memory{}, err
	}
	if err := sup.Reload(context.Background(), haproxy.Files(files), "initial"); err != nil {
		return 0, memory{}, err
	}
	pl, err := procsOf(p.params.Config.RunDir)
	if err != nil {
		return 0, memory{}, err
	}
	return check, haproxyMemory(pl), nil
}

func measureScale(e *env, n int) (scaleResult, error) {
	res := scaleResult{routes: n}
	heap0 := heapKB()
	snap, err := e.mix.synthesize(n)
	if err != nil {
		return res, err
	}
	dir, err := e.newDir("s")
	if err != nil {
		return res, err
	}
	p := newPipeline(e.haproxy, framework.NewAddr(framework.RouterNet), dir, e.s.threads, e.defCertPEM, checksFit())
	m, files, err := timeRender(p, snap, &res)
	if err != nil {
		return res, err
	}
	res.heapKB = heapKB() - heap0
	res.configSize, res.certSize = filesSize(files)
	sup, err := p.supervisor()
	if err != nil {
		return res, err
	}
	defer stopSupervisor(sup)
	if _, err := sup.WriteFiles(haproxy.Files(files)); err != nil {
		return res, err
	}
	if res.check, err = timeCheck(e.haproxy, sup.ConfigPath()); err != nil {
		return res, err
	}
	ctx := context.Background()
	start := time.Now()
	if err := sup.Reload(ctx, haproxy.Files(files), "initial"); err != nil {
		return res, err
	}
	res.start = time.Since(start)
	// One route fewer: a structural change, which the router reloads for.
	smaller := *snap
	smaller.Routes = snap.Routes[:n-1]
	_, files2, err := p.plan(&smaller, m)
	if err != nil {
		return res, err
	}
	start = time.Now()
	if err := sup.Reload(ctx, haproxy.Files(files2), "routes"); err != nil {
		return res, err
	}
	res.reload = time.Since(start)
	pl, err := waitOldWorkers(p.params.Config.RunDir, time.Minute)
	if err != nil {
		return res, err
	}
	res.mem = haproxyMemory(pl)
	return res, nil
}

// timeRender runs the pipeline a few times (once for the largest sizes)
// and keeps the median duration and the last output.
func timeRender(p pipeline, snap *snapshot, res *scaleResult) (*model.Model, render.Files, error) {
	// The median of three at every size: a first run is a third slower
	// (the heap growing to hold it), and a single run at 30k read as
	// render growing 1.5-1.9× per route where it grows 1.07×.
	const runs = 3
	var ds []time.Duration
	var m *model.Model
	var files render.Files
	for range runs {
		m, files = nil, nil
		runtime.GC()
		start := time.Now()
		var err error
		if m, files, err = p.plan(snap, nil); err != nil {
			return nil, nil, err
		}
		ds = append(ds, time.Since(start))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	res.render = ds[len(ds)/2]
	return m, files, nil
}

// heapKB is the live Go heap after a collection.
func heapKB() int {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int(ms.HeapAlloc / 1024)
}

// timeCheck times `haproxy -c` on a written config, as the Supervisor runs it before a first start.
func timeCheck(bin, cfg string) (time.Duration, error) {
	start := time.Now()
	out, err := command(bin, "-c", "-f", cfg).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("haproxy -c %s: %v: %s", filepath.Base(cfg), err, out)
	}
	return time.Since(start), nil
}

func scaleTables(rs []scaleResult) []*table {
	abs := newTable("Scale: cost per size (mixed routes: 40 % HTTP, 30 % edge, 15 % reencrypt, 15 % passthrough)",
		"routes", "render (admission+model+render)", "haproxy -c", "start", "reload", "router heap (pipeline)",
		"HAProxy RSS master / worker", "HAProxy PSS", "haproxy.cfg+maps", "cert files")
	for _, r := range rs {
		abs.add(fmt.Sprint(r.routes), ms(r.render), ms(r.check), ms(r.start), ms(r.reload), mib(r.heapKB),
			mib(r.mem.MasterRSS)+" / "+mib(r.mem.WorkerRSS), mib(r.mem.PSS), bytesMiB(r.configSize), bytesMiB(r.certSize))
	}
	abs.note("render: the router's pure stages on synthetic routes, Services and EndpointSlices (1–3 endpoints each); one edge route in three has its own certificate, one reencrypt route in two a destination CA.")
	abs.note("start and reload go through the router's haproxy.Supervisor: write files, then `haproxy -c` and a start, or `reload` on the master CLI (no separate check: the master parses the config) and wait until the new worker answers; reload is a one-route-fewer change.")
	abs.note("router heap: live Go heap holding the snapshot, model and rendered files (runtime.MemStats after GC), not a router process's RSS: informer caches hold fuller objects, and a process adds its runtime and client libraries (bench 1 reports a real router's RSS).")
	abs.note("RSS counts pages a worker shares with its master twice; PSS (master + worker) counts them once.")
	abs.note("%s", scaleChecksNote())
	base := rs[0]
	per := newTable("Scale: per-route cost and growth (ratio of per-route cost to the 1k run's; 1.00× is linear)",
		"routes", "render µs/route", "×", "haproxy -c ms/1k routes", "×", "reload ms/1k routes", "×",
		"worker RSS kB/route", "×", "config B/route", "×")
	for _, r := range rs {
		n := float64(r.routes)
		b := float64(base.routes)
		perRender, perCheck, perReload := usPer(r.render, n), msPerK(r.check, n), msPerK(r.reload, n)
		perRSS, perCfg := float64(r.mem.WorkerRSS)/n, float64(r.configSize)/n
		per.add(fmt.Sprint(r.routes),
			num(perRender, 1), ratio(perRender, usPer(base.render, b)),
			num(perCheck, 1), ratio(perCheck, msPerK(base.check, b)),
			num(perReload, 1), ratio(perReload, msPerK(base.reload, b)),
			num(perRSS, 1), ratio(perRSS, float64(base.mem.WorkerRSS)/b),
			num(perCfg, 0), ratio(perCfg, float64(base.configSize)/b))
	}
	per.note("%s", scaleChecksNote())
	per.note("Per-route costs include fixed costs (HAProxy's own memory, the default certificate, process start), which weigh most at 1k: a ratio below 1.00× at larger sizes is that fixed part spreading out.")
	return []*table{abs, per}
}

func usPer(d time.Duration, n float64) float64  { return float64(d.Microseconds()) / n }
func msPerK(d time.Duration, n float64) float64 { return float64(d.Milliseconds()) * 1000 / n }

// scaleChecksNote says whether the scale configs ran health checks, and
// why not: the data-plane benchmark's reason (the open-file limit).
func scaleChecksNote() string {
	if checksFit() {
		return "HAProxy configs: health checks on (as deployed)."
	}
	return "HAProxy configs: " + checksNote() + ". A deployed router runs them: the descriptors, memory and check traffic they add are not in these numbers (the same holds for the data-plane benchmark)."
}
