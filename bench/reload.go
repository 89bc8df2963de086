package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
	"github.com/okd-ingress/okd-ingress/internal/router/render"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

const reloadHost = "rl-http.reload.bench.test"

// Clients of the reload benchmark: keep-alive ones that send the next
// request as soon as a response is read (their connections are almost
// never idle), keep-alive ones that pause between requests (mostly idle:
// they meet a stopping worker's closing of idle connections), and ones
// opening a connection per request.
const (
	keepAliveClients = 4
	pausingClients   = 32
	newConnClients   = 4
)

// reloadRun is one reload mechanism's result.
type reloadRun struct {
	name       string
	reloads    int
	durations  []time.Duration
	keepAlive  *tally
	pausing    *tally // keep-alive clients pausing between requests
	idleClosed int64  // their connections HAProxy closed while idle
	newConns   *tally
	peakOld    int // old processes seen at once, after a reload
	peakOldRSS int // kB
	oldFailed  int // reloads after which the old processes could not be listed
	endOld     int // old processes 2 s after the load stopped
	endOldRSS  int // kB
}

// reloader makes HAProxy run new files and lists its old processes.
type reloader interface {
	reload(files render.Files) error
	old() (count, rssKB int)
	stop()
}

// benchReload reloads HAProxy again and again while clients keep sending
// requests, with the router's mechanism (Supervisor: check, master CLI
// reload, listeners passed to the new worker) and with OKD's (a new
// process started with -x to take the listeners and -sf to stop the old).
func benchReload(e *env) ([]*table, error) {
	backend, err := startPod("rl", newPodAddr(), nil)
	if err != nil {
		return nil, err
	}
	defer backend.Close()
	n := e.s.pick(100, 20)
	filler := e.s.pick(1000, 200)
	var runs []reloadRun
	for _, mech := range []string{"ours", "ours+idle-close", "okd"} {
		r, err := measureReloads(e, mech, backend.Addr, filler, n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", mech, err)
		}
		runs = append(runs, r)
	}
	return []*table{reloadTable(runs, filler+2)}, nil
}

func measureReloads(e *env, mech, backendAddr string, filler, n int) (reloadRun, error) {
	res := reloadRun{name: mech, reloads: n}
	dir, err := e.newDir("r")
	if err != nil {
		return res, err
	}
	addr := framework.NewAddr(framework.RouterNet)
	p := newPipeline(e.haproxy, addr, dir, 1, e.defCertPEM, true)
	if mech == "ours+idle-close" {
		// idleConnectionTerminationPolicy: Deferred
		p.params.Config.IdleCloseOnResponse = true
	}
	// Two snapshots that differ by one route: every reload is a real change.
	with, without, err := reloadSnapshots(e, backendAddr, filler)
	if err != nil {
		return res, err
	}
	m, files, err := p.plan(without, nil)
	if err != nil {
		return res, err
	}
	var rl reloader
	switch mech {
	case "ours":
		res.name = "ours: master-worker, master CLI reload (Supervisor); idleConnectionTerminationPolicy Immediate (default)"
		rl, err = newSupervisorReloader(p, files)
	case "ours+idle-close":
		res.name = "ours, idleConnectionTerminationPolicy Deferred (`option idle-close-on-response`)"
		rl, err = newSupervisorReloader(p, files)
	default:
		res.name = "OKD-style: new process with -x, old ones -sf"
		rl, err = newLegacyReloader(e.haproxy, p, files)
	}
	if err != nil {
		return res, err
	}
	defer rl.stop()
	// The bound on the clients is generous: each reload waits at most a
	// minute for its new worker.
	l := startLoad(addr+":80", reloadHost, keepAliveClients, pausingClients, newConnClients, time.Duration(n+2)*time.Minute)
	time.Sleep(time.Second) // clients connected and running before the first reload
	for i := range n {
		snap := with
		if i%2 == 1 {
			snap = without
		}
		var next render.Files
		if m, next, err = p.plan(snap, m); err != nil {
			break
		}
		start := time.Now()
		if err = rl.reload(next); err != nil {
			break
		}
		res.durations = append(res.durations, time.Since(start))
		if c, rss := rl.old(); c < 0 {
			res.oldFailed++
		} else if c > res.peakOld || rss > res.peakOldRSS {
			res.peakOld, res.peakOldRSS = max(res.peakOld, c), max(res.peakOldRSS, rss)
		}
	}
	time.Sleep(time.Second) // the last new worker serves a while under load
	l.finish()
	res.keepAlive, res.pausing, res.newConns, res.idleClosed = &l.keepAlive, &l.pausing, &l.newConns, l.idleClosed.Load()
	time.Sleep(2 * time.Second)
	res.endOld, res.endOldRSS = rl.old()
	return res, err
}

// reloadSnapshots are filler routes plus the tested route, with and
// without one more route.
func reloadSnapshots(e *env, backendAddr string, filler int) (with, without *snapshot, err error) {
	if without, err = e.mix.synthesize(filler); err != nil {
		return nil, nil, err
	}
	rt := plainRoute("reload", "rl-http")
	rt.Spec.Host, rt.Spec.To.Name = reloadHost, "rl-http"
	svc, sl := serviceFor("reload", "rl-http", []string{backendAddr}, framework.HTTPPort, framework.HTTPSPort)
	without.add(app{Route: rt, Service: svc, Slice: sl})
	extra := plainRoute("reload", "extra")
	extra.Spec.To.Name = "rl-http"
	with = &snapshot{Routes: append(append([]*routev1.Route(nil), without.Routes...), extra), Services: without.Services, Slices: without.Slices}
	return with, without, nil
}

// supervisorReloader is the router's path: Supervisor.Reload.
type supervisorReloader struct {
	sup    *haproxy.Supervisor
	runDir string
}

func newSupervisorReloader(p pipeline, files render.Files) (*supervisorReloader, error) {
	sup, err := p.supervisor()
	if err != nil {
		return nil, err
	}
	s := &supervisorReloader{sup: sup, runDir: p.params.Config.RunDir}
	if err := sup.Reload(context.Background(), haproxy.Files(files), "initial"); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *supervisorReloader) reload(files render.Files) error {
	return s.sup.Reload(context.Background(), haproxy.Files(files), "routes")
}

func (s *supervisorReloader) old() (int, int) {
	pl, err := procsOf(s.runDir)
	if err != nil {
		return -1, 0
	}
	m := haproxyMemory(pl)
	return m.OldWorkers, m.OldRSS
}

func (s *supervisorReloader) stop() { stopSupervisor(s.sup) }

// legacyReloader reloads as OKD's reload-haproxy script does: a new
// haproxy process (no master) takes the listening sockets from the
// running one over its stats socket (-x) and tells the old ones to finish
// their connections and exit (-sf).
type legacyReloader struct {
	bin, cfgDir, cfg, statsSock string
	procs                       []*exec.Cmd
	exited                      map[*exec.Cmd]chan struct{}
}

func newLegacyReloader(bin string, p pipeline, files render.Files) (*legacyReloader, error) {
	l := &legacyReloader{bin: bin, cfgDir: p.params.Config.ConfigDir, cfg: filepath.Join(p.params.Config.ConfigDir, render.ConfigFile),
		statsSock: haproxy.StatsSocket(p.params.Config.RunDir), exited: map[*exec.Cmd]chan struct{}{}}
	if err := os.MkdirAll(p.params.Config.RunDir, 0o700); err != nil {
		return nil, err
	}
	if err := l.reload(files); err != nil {
		l.stop() // a process that started and never served must not keep its address
		return nil, err
	}
	return l, nil
}

func (l *legacyReloader) reload(files render.Files) error {
	if err := writeFiles(l.cfgDir, files); err != nil {
		return err
	}
	args := []string{"-f", l.cfg}
	if running := l.running(); len(running) > 0 {
		args = append(args, "-x", l.statsSock, "-sf")
		for _, c := range running {
			args = append(args, strconv.Itoa(c.Process.Pid))
		}
	}
	cmd := command(l.bin, args...)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	l.procs, l.exited[cmd] = append(l.procs, cmd), done
	return waitServing(l.statsSock, cmd.Process.Pid, done)
}

// waitServing waits until the stats socket answers as pid: the new
// process has bound its listeners and serves.
func waitServing(sock string, pid int, exited <-chan struct{}) error {
	want := "Pid: " + strconv.Itoa(pid) + "\n"
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		select {
		case <-exited:
			return fmt.Errorf("haproxy %d exited while starting", pid)
		default:
		}
		if out, err := statsCommand(sock, "show info"); err == nil && strings.Contains(out, want) {
			return nil
		}
	}
	return fmt.Errorf("haproxy %d does not answer on %s", pid, sock)
}

// running lists the processes that have not exited.
func (l *legacyReloader) running() []*exec.Cmd {
	var out []*exec.Cmd
	for _, c := range l.procs {
		select {
		case <-l.exited[c]:
		default:
			out = append(out, c)
		}
	}
	return out
}

func (l *legacyReloader) old() (int, int) {
	r := l.running()
	if len(r) == 0 {
		return 0, 0
	}
	rss := 0
	for _, c := range r[:len(r)-1] {
		rss += rssKB(c.Process.Pid)
	}
	return len(r) - 1, rss
}

func (l *legacyReloader) stop() {
	for _, c := range l.running() {
		_ = c.Process.Signal(syscall.SIGUSR1)
	}
	for _, c := range l.procs {
		select {
		case <-l.exited[c]:
		case <-time.After(5 * time.Second):
			_ = c.Process.Kill()
			<-l.exited[c]
		}
	}
}

// writeFiles writes rendered files under dir, as the router's Supervisor
// would (the legacy path has no Supervisor).
func writeFiles(dir string, files render.Files) error {
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(p+".tmp", b, 0o600); err != nil {
			return err
		}
		if err := os.Rename(p+".tmp", p); err != nil {
			return err
		}
	}
	return nil
}

// oldCell prints a count of old processes and their memory: "failed"
// when they could not be listed (count < 0), no memory for none.
func oldCell(count, rssKB int) string {
	switch {
	case count < 0:
		return "failed"
	case count == 0:
		return "0"
	}
	return fmt.Sprintf("%d (%s)", count, mib(rssKB))
}

// idleClosedList says per mechanism how many pausing connections HAProxy
// closed while idle.
func idleClosedList(rs []reloadRun) string {
	var out []string
	for _, r := range rs {
		name, _, _ := strings.Cut(r.name, ":")
		name, _, _ = strings.Cut(name, ",")
		if strings.Contains(r.name, "Deferred") {
			name += ", Deferred"
		}
		out = append(out, fmt.Sprintf("%s %d", name, r.idleClosed))
	}
	return strings.Join(out, "; ")
}

// peakCell is the old processes' peak, with how many reads failed.
func peakCell(r reloadRun) string {
	if r.oldFailed == 0 {
		return oldCell(r.peakOld, r.peakOldRSS)
	}
	if r.oldFailed >= len(r.durations) {
		return "failed"
	}
	return fmt.Sprintf("%s; %d of %d reads failed", oldCell(r.peakOld, r.peakOldRSS), r.oldFailed, len(r.durations))
}

func reloadTable(rs []reloadRun, routes int) *table {
	t := newTable(fmt.Sprintf("Reload under load: %d reloads back to back, %d routes, while clients send requests (goal: 0 failed)", rs[0].reloads, routes),
		"reload mechanism", "reload p50", "reload p99", "keep-alive: requests", "failed", "keep-alive, pausing: requests", "failed",
		"new connections: requests", "failed",
		"old processes: peak (RSS)", "2 s after the load")
	for _, r := range rs {
		t.add(r.name, ms(percentile(r.durations, 50)), ms(percentile(r.durations, 99)),
			fmt.Sprint(r.keepAlive.requests.Load()), fmt.Sprint(r.keepAlive.failures.Load()),
			fmt.Sprint(r.pausing.requests.Load()), fmt.Sprint(r.pausing.failures.Load()),
			fmt.Sprint(r.newConns.requests.Load()), fmt.Sprint(r.newConns.failures.Load()),
			peakCell(r), oldCell(r.endOld, r.endOldRSS))
		for _, tl := range []struct {
			what string
			t    *tally
		}{{"keep-alive", r.keepAlive}, {"keep-alive, pausing", r.pausing}, {"new connections", r.newConns}} {
			if k := tl.t.kindsString(); k != "" {
				t.note("%s, %s failures: %s", r.name, tl.what, k)
			}
		}
	}
	t.note("Clients, all to one HTTP route, from 1 s before the first reload to 1 s after the last, none of them retrying: %d keep-alive connections that send the next request as soon as a response is read (a request written and not answered 200 is a failure; a connection HAProxy closes after a response is reopened); %d keep-alive connections, \"pausing\", that wait a random %s–%s between a response and the next request, so that their connections are idle most of the time, as a browser's or an API client's are; and %d clients opening a new connection per request.", keepAliveClients, pausingClients, minPause, maxPause, newConnClients)
	t.note("keep-alive, pausing: before each request a client checks whether HAProxy has closed the idle connection (a 1 ms read, as net/http's connection pool notices a close) and then opens a new one, which is not a failure; a request HAProxy closes after it was written is one. Connections closed while idle, reopened: %s.", idleClosedList(rs))
	t.note("ours: haproxy.Supervisor.Reload, which the router calls for every reload: write files, master CLI `reload` (the master parses and checks the config), wait until the new worker answers. Here reloads run back to back; the router spaces them by RELOAD_INTERVAL (500 ms).")
	t.note("OKD-style: what OKD's reload script runs, `haproxy -f haproxy.cfg -x <stats socket> -sf <old pids>` (no check, no master), timed until the new process answers on its stats socket. Both render the same files with the router's pipeline, health checks on.")
	t.note("The keep-alive failures are HAProxy closing an idle keep-alive connection of a stopping worker while the client's next request is on its way (browsers and net/http retry such requests; a client that does not sees an error). idleConnectionTerminationPolicy: Deferred (`option idle-close-on-response`) makes the old worker answer that request with Connection: close instead; its cost is that old workers wait for idle clients up to `timeout http-keep-alive` (300 s here) or hard-stop-after, holding their memory.")
	t.note("Old processes: workers (ours, `show proc` old workers) or processes (OKD-style) still finishing connections, with their RSS from /proc; sampled after each reload.")
	return t
}
