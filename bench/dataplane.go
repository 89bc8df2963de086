package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/template"
	"time"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

// Hosts of the tested routes, among the filler routes.
const (
	dpHTTPHost = "dp-http.dataplane.bench.test"
	dpEdgeHost = "dp-edge.dataplane.bench.test"
	dpPassHost = "dp-pass.dataplane.bench.test"
)

// proxy is one HAProxy under test.
type proxy struct {
	name   string
	sup    *haproxy.Supervisor
	runDir string
	addr   string
	ptPort string // passthrough: 443 on the router, 8443 in the minimal config, "" without passthrough
	routes int
}

func (p proxy) httpURL() string { return "http://" + p.addr + "/" }
func (p proxy) edgeURL() string { return "https://" + p.addr + "/" }
func (p proxy) ptURL() string   { return "https://" + net.JoinHostPort(p.addr, p.ptPort) + "/" }

// scenario is one kind of traffic.
type scenario struct {
	name string
	run  func(p proxy, d time.Duration) (loadResult, error)
}

var scenarios = []scenario{
	{"HTTP keep-alive (wrk, 32 connections)", func(p proxy, d time.Duration) (loadResult, error) {
		return wrk(p.httpURL(), dpHTTPHost, 32, d)
	}},
	{"HTTP keep-alive, a new path on every request (wrk + Lua, 32 connections)", func(p proxy, d time.Duration) (loadResult, error) {
		return wrkNewPaths(p.httpURL(), dpHTTPHost, 32, d)
	}},
	{"edge TLS, new connection per request (hey, 16 workers)", func(p proxy, d time.Duration) (loadResult, error) {
		return heyNewConns(p.edgeURL(), dpEdgeHost, 16, d)
	}},
	{"edge TLS, HTTP/2 keep-alive (h2load, 8 connections × 16 streams; p50 = mean)", func(p proxy, d time.Duration) (loadResult, error) {
		return h2loadStreams(net.JoinHostPort(p.addr, "443"), dpEdgeHost, 8, 16, d)
	}},
	{"passthrough TLS, new connection per request (hey, 16 workers)", func(p proxy, d time.Duration) (loadResult, error) {
		return heyNewConns(p.ptURL(), dpPassHost, 16, d)
	}},
}

// directScenarios are the edge rows again, through a config without
// passthrough routes.
var directScenarios = []scenario{scenarios[2], scenarios[3]}

// onePortScenarios are the rows with a new TLS connection per request
// again, against a minimal config that serves edge and passthrough on one
// port as ours does: what the SNI-inspecting hop costs HAProxy itself
// shows in the rows above, what the router adds to it in these.
var onePortScenarios = []scenario{scenarios[2], scenarios[4]}

// likeForScenarios are the rows where ours sends the pod and the client
// more than the minimal config does: again, against a minimal config that
// also adds the forwarded headers the router adds by default (OKD's
// "append") and its stickiness cookie, and serves edge and passthrough on
// one port. On two cores the backend
// parses those headers on the load tool's core, so the plain rows charge
// their cost to the router.
var likeForScenarios = []scenario{scenarios[0], scenarios[1], scenarios[2]}

// bareScenarios are the plain-HTTP rows again, with ours told to add no
// forwarded headers (forwardedHeaderPolicy: Never) and no cookie
// (disable_cookies), so that the pod and the client get from it what they
// get from the minimal config: what remains is the router's own work.
var bareScenarios = []scenario{scenarios[0], scenarios[1]}

// benchDataPlane compares our router's configuration holding 10k routes
// with a hand-written minimal config, same HAProxy binary and nbthread,
// same backend, one after the other.
func benchDataPlane(e *env) ([]*table, error) {
	cert, err := e.backendCA.TLSCertificate(dpPassHost)
	if err != nil {
		return nil, err
	}
	backend, err := startPod("dp", newPodAddr(), cert)
	if err != nil {
		return nil, err
	}
	defer backend.Close()
	filler := e.s.pick(10000, 2000)
	if e.s.filler >= 0 {
		filler = e.s.filler
	}
	ours, err := startOurs(e, backend.Addr, filler, true, config.ForwardedAppend)
	if err != nil {
		return nil, fmt.Errorf("our config: %w", err)
	}
	defer stopSupervisor(ours.sup)
	direct, err := startOurs(e, backend.Addr, filler, false, config.ForwardedAppend)
	if err != nil {
		return nil, fmt.Errorf("our config without passthrough routes: %w", err)
	}
	defer stopSupervisor(direct.sup)
	bare, err := startOurs(e, backend.Addr, filler, true, config.ForwardedNever)
	if err != nil {
		return nil, fmt.Errorf("our config without forwarded headers and cookies: %w", err)
	}
	defer stopSupervisor(bare.sup)
	var minimals [3]proxy
	for i, shape := range []minimalShape{{}, {onePort: true}, {onePort: true, forwarded: true}} {
		if minimals[i], err = startMinimal(e, backend.Addr, shape); err != nil {
			return nil, fmt.Errorf("%s: %w", shape.name(), err)
		}
		defer stopSupervisor(minimals[i].sup)
	}
	minimal, onePort, likeFor := minimals[0], minimals[1], minimals[2]
	all := []proxy{ours, direct, bare, minimal, onePort, likeFor}
	seen := map[string][]string{}
	for _, p := range all {
		if seen[p.name], err = checkRouting(p); err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
	}
	for _, pair := range [][2]proxy{{ours, likeFor}, {bare, minimal}} {
		if a, b := seen[pair[0].name], seen[pair[1].name]; !slices.Equal(a, b) {
			return nil, fmt.Errorf("the pod got forwarded headers (and the client a cookie) %q from %s but %q from %s", a, pair[0].name, b, pair[1].name)
		}
	}
	pinned, err := pinForLoad(e, all...)
	if err != nil {
		return nil, err
	}
	defer unpinAll()
	d := time.Duration(e.s.pick(5, 2)) * time.Second
	t := newTable(fmt.Sprintf("Data plane: our router's config with %d routes vs a minimal hand-written config (goal: ≥ 95 %% of its requests/s)", ours.routes),
		"traffic", "ours req/s", "ours p50", "ours p99", "ours HAProxy CPU", "minimal req/s", "minimal p50", "minimal p99", "minimal HAProxy CPU",
		"ours / minimal: req/s", "per round: median (range)", "req/s per HAProxy core", "errors ours / minimal")
	// Each config is measured with the others frozen.
	for _, c := range []struct {
		ss            []scenario
		suffix        string
		ours, against proxy
	}{
		{scenarios, "", ours, minimal},
		{directScenarios, fmt.Sprintf("; %d routes, none passthrough: TLS terminated on the public port", direct.routes), direct, minimal},
		{onePortScenarios, "; against a minimal config with edge and passthrough on one port (SNI inspection, internal hop)", ours, onePort},
		{likeForScenarios, "; against a minimal config on one port that also adds the router's forwarded headers and cookie", ours, likeFor},
		{bareScenarios, "; ours with forwardedHeaderPolicy Never and disable_cookies: no forwarded headers and no cookie, as the minimal config", bare, minimal},
	} {
		if err := runScenarios(t, c.ss, c.suffix, c.ours, c.against, d, all); err != nil {
			return []*table{t}, err
		}
	}
	dataPlaneNotes(t, e, pinned, d)
	return []*table{t}, nil
}

// runScenarios adds a row per scenario, ours against minimal, with the
// other proxies of all frozen throughout.
func runScenarios(t *table, ss []scenario, suffix string, ours, minimal proxy, d time.Duration, all []proxy) error {
	for _, p := range all {
		if p.name == ours.name || p.name == minimal.name {
			continue
		}
		resume, err := freeze(p)
		if err != nil {
			return err
		}
		defer resume()
	}
	for _, s := range ss {
		o, m, rounds, err := runScenario(s, ours, minimal, d)
		if err != nil {
			return fmt.Errorf("%s%s: %w", s.name, suffix, err)
		}
		name := s.name + suffix
		if o.errors+m.errors > 0 {
			name += " — **had errors**"
		}
		t.add(name, fmt.Sprintf("%.0f", o.rps), latency(o.p50), latency(o.p99), pct(o.cpu, 1), fmt.Sprintf("%.0f", m.rps), latency(m.p50),
			latency(m.p99), pct(m.cpu, 1), pct(o.rps, m.rps), pairedRatios(rounds), pct(o.rps/o.cpu, m.rps/m.cpu), errorsCell(o)+" / "+errorsCell(m))
	}
	return nil
}

// dpRounds is how many times runScenario measures each config. This
// machine's CPU time per request swings by up to a third for seconds at
// a time (measured with nothing else running), so more, shorter runs
// give each config a better chance of a quiet window than two long ones.
const dpRounds = 4

// runScenario warms each proxy up, then measures ours and the minimal
// config alternately, dpRounds times each, and keeps each one's best run
// (see better): on two shared cores a single run can catch a background
// hiccup. It also returns each round's ratio of ours to the minimal
// config's req/s, two runs measured back to back, which a slow spell of
// the machine moves less than it moves either best run. The proxy not
// being measured is frozen (SIGSTOP), so that its health checks and
// timers take nothing from the one that is. Errors add up over all runs,
// warm-ups included, and errRuns counts the runs that had any.
func runScenario(s scenario, ours, minimal proxy, d time.Duration) (o, m loadResult, rounds []float64, err error) {
	pairs := [][2]proxy{{ours, minimal}, {minimal, ours}}
	var errO, errM, runsO, runsM int
	count := func(name string, r loadResult) {
		e, runs := &errM, &runsM
		if name == ours.name {
			e, runs = &errO, &runsO
		}
		*e += r.errors
		if r.errors > 0 {
			*runs++
		}
	}
	for _, pp := range pairs {
		r, err := measureAlone(s, pp[0], pp[1], 2*time.Second)
		if err != nil {
			return o, m, nil, err
		}
		count(pp[0].name, r)
	}
	for i := range dpRounds {
		// Which goes first alternates, so that a drift within a round
		// does not favour one config in every round.
		got := map[string]loadResult{}
		for _, pp := range [][2]proxy{pairs[i%2], pairs[1-i%2]} {
			r, err := measureAlone(s, pp[0], pp[1], d)
			if err != nil {
				return o, m, nil, err
			}
			got[pp[0].name] = r
			count(pp[0].name, r)
		}
		ro, rm := got[ours.name], got[minimal.name]
		o, m = better(o, ro), better(m, rm)
		if rm.rps > 0 {
			rounds = append(rounds, ro.rps/rm.rps)
		}
	}
	o.errors, o.errRuns, m.errors, m.errRuns = errO, runsO, errM, runsM
	return o, m, rounds, nil
}

// errorsCell prints a config's errors over a scenario's runs, with how
// many of the runs had them.
func errorsCell(r loadResult) string {
	if r.errors == 0 && r.errRuns == 0 {
		return "0"
	}
	return fmt.Sprintf("**%d** (%d of %d runs)", r.errors, r.errRuns, dpRounds+1)
}

// pairedRatios prints the median of the rounds' ratios and their range.
func pairedRatios(rs []float64) string {
	if len(rs) == 0 {
		return "–"
	}
	s := slices.Clone(rs)
	slices.Sort(s)
	med := (s[(len(s)-1)/2] + s[len(s)/2]) / 2
	return fmt.Sprintf("%s (%s–%s)", pct(med, 1), pct(s[0], 1), pct(s[len(s)-1], 1))
}

// measureAlone measures p while other is frozen.
func measureAlone(s scenario, p, other proxy, d time.Duration) (loadResult, error) {
	resume, err := freeze(other)
	if err != nil {
		return loadResult{}, err
	}
	defer resume()
	return measure(s, p, d)
}

// freeze stops every process of a proxy (master and workers) until the
// returned function continues them.
func freeze(p proxy) (func(), error) {
	pl, err := procsOf(p.runDir)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, w := range append(append([]haproxy.Proc{pl.Master}, pl.Workers...), pl.OldWorkers...) {
		if w.PID > 0 && syscall.Kill(w.PID, syscall.SIGSTOP) == nil {
			pids = append(pids, w.PID)
		}
	}
	return func() {
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}, nil
}

// measure runs a scenario and adds how busy HAProxy's worker was: near
// 100 % of a core, HAProxy is the limit; well below, the client side is.
func measure(s scenario, p proxy, d time.Duration) (loadResult, error) {
	pl, err := procsOf(p.runDir)
	if err != nil {
		return loadResult{}, err
	}
	busy := func() (t time.Duration) {
		for _, w := range pl.Workers {
			t += cpuTime(w.PID)
		}
		return t
	}
	before, start := busy(), time.Now()
	r, err := s.run(p, d)
	r.cpu = float64(busy()-before) / float64(time.Since(start))
	return r, err
}

// better is the run to keep of two: one without errors over one with
// them, then the one with more successful requests per second. a is the
// best so far, the zero loadResult before the first run.
func better(a, b loadResult) loadResult {
	if a.secs == 0 {
		return b
	}
	if (a.errors == 0) != (b.errors == 0) {
		if a.errors == 0 {
			return a
		}
		return b
	}
	if b.rps > a.rps {
		return b
	}
	return a
}

// startOurs renders filler mixed routes plus the tested routes with the
// router's pipeline and runs them under its Supervisor. Without
// passthrough, the filler leaves that kind out and the passthrough route
// is not tested. policy is the forwarded-header policy (OKD's default:
// append); with Never, the tested routes also turn their cookie off.
func startOurs(e *env, backendAddr string, filler int, passthrough bool, policy config.ForwardedPolicy) (proxy, error) {
	skip := kindPassthrough
	if passthrough {
		skip = ""
	}
	snap, err := e.mix.synthesizeWithout(filler, skip)
	if err != nil {
		return proxy{}, err
	}
	for _, t := range []struct {
		name, host string
		tls        *routev1.TLSConfig
	}{
		{"dp-http", dpHTTPHost, nil},
		{"dp-edge", dpEdgeHost, &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge}},
		{"dp-pass", dpPassHost, &routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough}},
	} {
		if t.host == dpPassHost && !passthrough {
			continue
		}
		rt := plainRoute("dataplane", t.name)
		rt.Spec.Host, rt.Spec.TLS, rt.Spec.To.Name = t.host, t.tls, t.name
		if policy == config.ForwardedNever {
			rt.Annotations = map[string]string{names.DisableCookiesAnnotation: "true"}
		}
		if t.tls != nil && t.tls.Termination == routev1.TLSTerminationPassthrough {
			rt.Spec.Port.TargetPort.StrVal = "https"
		}
		svc, sl := serviceFor("dataplane", t.name, []string{backendAddr}, framework.HTTPPort, framework.HTTPSPort)
		snap.add(app{Route: rt, Service: svc, Slice: sl})
	}
	dir, err := e.newDir("o")
	if err != nil {
		return proxy{}, err
	}
	addr := framework.NewAddr(framework.RouterNet)
	p := newPipeline(e.haproxy, addr, dir, e.s.threads, e.defCertPEM, checksFit())
	p.params.Config.ForwardedHeaders = policy
	_, files, err := p.plan(snap, nil)
	if err != nil {
		return proxy{}, err
	}
	sup, err := p.supervisor()
	if err != nil {
		return proxy{}, err
	}
	if err := sup.Reload(context.Background(), haproxy.Files(files), "initial"); err != nil {
		return proxy{}, err
	}
	name, ptPort := "ours", "443"
	if !passthrough {
		name, ptPort = "ours without passthrough", ""
	}
	if policy != config.ForwardedAppend {
		name += ", forwarded headers " + string(policy)
	}
	if policy == config.ForwardedNever {
		name += ", no cookies"
	}
	return proxy{name: name, sup: sup, runDir: p.params.Config.RunDir, addr: addr, ptPort: ptPort, routes: len(snap.Routes)}, nil
}

// minimalConfig is what one would write by hand to serve one HTTP, one
// edge and one passthrough application: a frontend each, no maps, no SNI
// inspection, no health checks; the global and TLS settings that change
// speed (threads, buffer size, TLS versions and ciphers) are the router's.
// With OnePort, edge and passthrough share port 443 as a router's do: a
// TCP frontend reads the SNI, passes the passthrough host through and
// hands the rest to the TLS frontend over an internal socket, without
// the PROXY protocol header that ours adds to keep the client's address
// (the cheapest way to write it). With Forwarded, the HTTP and TLS
// frontends add the headers the router adds by default, written by hand
// as one would: X-Forwarded-For, -Host, -Port, -Proto and Forwarded; the
// internal hop then carries PROXY v2 as ours does, or the TLS frontend
// would have no client address to forward; and the backend inserts a
// stickiness cookie as the router's do.
const minimalConfig = `global
  nbthread {{.Threads}}
  maxconn 5000
  tune.bufsize 32768
  ssl-default-bind-options ssl-min-ver TLSv1.2
  ssl-default-bind-ciphers {{.Ciphers}}
  ssl-default-bind-ciphersuites {{.CipherSuites}}

defaults
  mode http
  option http-keep-alive
  timeout connect 5s
  timeout client 30s
  timeout server 30s

frontend http
  bind {{.Addr}}:80
{{- if .Forwarded}}{{template "forwarded" "http"}}{{end}}
  default_backend app

{{- if .OnePort}}
frontend tls
  mode tcp
  bind {{.Addr}}:443
  tcp-request inspect-delay 5s
  tcp-request content accept if { req_ssl_hello_type 1 }
  use_backend app_tls if { req_ssl_sni -i {{.PassHost}} }
  default_backend terminate

backend terminate
  mode tcp
  server edge {{.Socket}}{{if .Forwarded}} send-proxy-v2{{end}}

frontend edge
  bind {{.Socket}}{{if .Forwarded}} accept-proxy{{end}} ssl crt {{.Cert}} alpn h2,http/1.1
{{- if .Forwarded}}{{template "forwarded" "https"}}{{end}}
  default_backend app
{{- else}}
frontend edge
  bind {{.Addr}}:443 ssl crt {{.Cert}} alpn h2,http/1.1
  default_backend app

frontend passthrough
  mode tcp
  bind {{.Addr}}:8443
  default_backend app_tls
{{- end}}

backend app
{{- if .Forwarded}}
  dynamic-cookie-key k
  cookie c insert indirect nocache httponly dynamic
{{- end}}
  server pod {{.Backend}}:{{.HTTPPort}}

backend app_tls
  mode tcp
  server pod {{.Backend}}:{{.HTTPSPort}}
{{- define "forwarded"}}
  option forwardfor
  http-request add-header X-Forwarded-Host %[req.hdr(host)]
  http-request add-header X-Forwarded-Port %[dst_port]
  http-request add-header X-Forwarded-Proto {{.}}
  http-request add-header Forwarded for=%[src];host=%[req.hdr(host)];proto={{.}}
{{- if eq . "https"}}
  http-request set-header X-Forwarded-Proto-Version h2 if { ssl_fc_alpn -i h2 }
{{- end}}
{{- end}}
`

// minimalShape says which minimal config to write.
type minimalShape struct{ onePort, forwarded bool }

func (s minimalShape) name() string {
	name := "minimal config"
	if s.onePort {
		name += ", one TLS port"
	}
	if s.forwarded {
		name += ", forwarded headers, cookie"
	}
	return name
}

func startMinimal(e *env, backendAddr string, shape minimalShape) (proxy, error) {
	ptPort := "8443"
	if shape.onePort {
		ptPort = "443"
	}
	dir, err := e.newDir("m")
	if err != nil {
		return proxy{}, err
	}
	addr := framework.NewAddr(framework.RouterNet)
	defaults := newPipeline(e.haproxy, addr, dir, e.s.threads, nil, false).params.Config
	var cfg strings.Builder
	err = template.Must(template.New("minimal").Parse(minimalConfig)).Execute(&cfg, map[string]any{
		"Threads": e.s.threads, "Ciphers": defaults.Ciphers, "CipherSuites": defaults.CipherSuites,
		"Addr": addr, "Cert": filepath.Join(dir, "conf", "default.pem"), "Backend": backendAddr,
		"HTTPPort": framework.HTTPPort, "HTTPSPort": framework.HTTPSPort,
		"OnePort": shape.onePort, "Forwarded": shape.forwarded, "PassHost": dpPassHost, "Socket": "abns@" + filepath.Base(dir) + "-edge",
	})
	if err != nil {
		return proxy{}, err
	}
	sup := haproxy.New(haproxy.Options{Binary: e.haproxy, ConfigDir: filepath.Join(dir, "conf"), RunDir: filepath.Join(dir, "run")})
	if err := os.MkdirAll(filepath.Join(dir, "run"), 0o700); err != nil {
		return proxy{}, err
	}
	files := haproxy.Files{"haproxy.cfg": []byte(cfg.String()), "default.pem": e.defCertPEM}
	if err := sup.Reload(context.Background(), files, "initial"); err != nil {
		return proxy{}, err
	}
	return proxy{name: shape.name(), sup: sup, runDir: filepath.Join(dir, "run"), addr: addr, ptPort: ptPort}, nil
}

// checkRouting makes sure each kind of traffic reaches the backend
// before measuring (a 404 from the router would be fast and wrong) and
// returns, per kind, the forwarded headers the backend got.
func checkRouting(p proxy) ([]string, error) {
	hc := hostClient(p.addr, false, 5*time.Second)
	urls := []string{"http://" + dpHTTPHost + seenPath, "https://" + dpEdgeHost + seenPath}
	if p.ptPort != "" {
		urls = append(urls, "https://"+dpPassHost+":"+p.ptPort+seenPath)
	}
	var seen []string
	for _, url := range urls {
		resp, err := hc.Get(url)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", url, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("X-Pod") != "dp" {
			return nil, fmt.Errorf("%s: status %d, pod %q", url, resp.StatusCode, resp.Header.Get("X-Pod"))
		}
		seen = append(seen, resp.Header.Get("X-Seen"))
		if resp.Header.Get("Set-Cookie") != "" {
			seen = append(seen, "Set-Cookie")
		}
	}
	return seen, nil
}

// pinForLoad puts both HAProxys on CPU 0 and this process (backend, and
// the load tools it starts) on CPU 1, so that HAProxy has a core to
// itself and both configs run under the same conditions. With more than
// one HAProxy thread nothing is pinned. When it fails it gives every
// process its CPUs back before returning (on success the caller's defer
// unpinAll does).
func pinForLoad(e *env, ps ...proxy) (pinned bool, err error) {
	if e.s.threads != 1 || runtime.NumCPU() < 2 {
		return false, nil
	}
	defer func() {
		if err != nil {
			unpinAll()
		}
	}()
	// Everything else this run started (the API server and etcd of the
	// earlier benchmarks too) goes to CPU 1 with the load tools.
	if err := pinAll("1"); err != nil {
		return false, err
	}
	for _, p := range ps {
		pl, err := procsOf(p.runDir)
		if err != nil {
			return false, err
		}
		for _, pid := range append([]int{pl.Master.PID}, pids(pl.Workers)...) {
			if err := pin(pid, "0"); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

func pids(ps []haproxy.Proc) []int {
	var out []int
	for _, p := range ps {
		out = append(out, p.PID)
	}
	return out
}

func dataPlaneNotes(t *table, e *env, pinned bool, d time.Duration) {
	t.note("HAProxy CPU: the worker's CPU time over the run, in cores (100 %% = one core busy). req/s per HAProxy core (req/s ÷ HAProxy CPU) compares the work HAProxy does per request, which is what decides throughput once HAProxy, not the client, is the limit.")
	t.note("Same HAProxy binary, nbthread %d (ROUTER_THREADS), same backend (a Go HTTP/TLS server answering 3 bytes), measured alternately, each %s after a 2 s warm-up, best of %d runs each (a run without errors before one with them, then the most req/s); req/s counts successful requests only (2xx and 3xx answers; the load tools' own req/s counts failed ones too), over the tool's run time; \"per round\": the ratio of each round's two runs, measured back to back (which goes first alternates), their median and range.", e.s.threads, d, dpRounds)
	t.note("errors ours / minimal: socket errors and unsuccessful answers over all of a row's runs, the warm-ups included, and how many of those runs had any (0 when none); a row with errors says \"had errors\" after its traffic, and its req/s is that of its best run without errors, or of its best run when all had some.")
	if pinned {
		t.note("CPU: HAProxy pinned to CPU 0; the load tool, the backend and every other process of the run (the API server and etcd of benchmarks 1–2 included) share CPU 1 (taskset); the config not being measured is frozen (SIGSTOP). On 2 cores the client side is often the limit: a ratio near 100 %% then means the router is not the bottleneck, not that it is free.")
	} else {
		t.note("CPU: nothing pinned (nbthread > 1): HAProxy, the load tool and the backend share both cores.")
	}
	t.note("ours: the router's own rendered files (pipeline → Supervisor), %s; edge goes public_ssl (SNI inspection) → internal TLS frontend → maps, passthrough goes public_ssl → SNI map; without passthrough routes (the rows \"none passthrough\") the TLS frontend binds the public port itself; the minimal config has a frontend per kind, edge and passthrough on their own ports; in the rows \"against a minimal config with edge and passthrough on one port\", that config serves both on 443 the way ours does (a TCP frontend reads the SNI and hands terminated TLS to the TLS frontend over an internal socket; no PROXY header, which ours adds to keep the client's address); in the rows \"… that also adds the router's forwarded headers\", that one-port config also adds X-Forwarded-For, -Host, -Port, -Proto (and -Proto-Version on HTTP/2) and Forwarded, and inserts a stickiness cookie, as the router does by default, and its internal hop carries the client's address in PROXY v2 as ours does (checked before measuring: the pod gets the same header names from both, and both set a cookie). The load tools send no cookie back, so every response of both sets one. The backend parses those headers on the load tool's core. In the rows \"ours with forwardedHeaderPolicy Never and disable_cookies\", ours is rendered with ROUTER_SET_FORWARDED_HEADERS=never and the measured routes annotated disable_cookies (a third config of the same routes): the pod gets no forwarded header and the client no cookie from either config (checked before measuring).", checksNote())
}

// checksNote says whether health checks ran in configs with many routes.
func checksNote() string {
	if checksFit() {
		return "health checks on (as deployed)"
	}
	return "health checks off (ROUTER_BACKEND_CHECK_INTERVAL=0): with them, every route's backend is budgeted four or more servers (the capacity kept for servers added at runtime), each holding a descriptor, and this machine's open-file limit cannot hold them; a pod's can"
}
