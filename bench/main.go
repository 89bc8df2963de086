// Command bench measures the router against a baseline run on the same
// machine in the same run, and prints each result as a Markdown table with
// the ratio (issue 9, "Benchmarks"; results and analysis in BENCHMARKS.md):
//
//  1. route:     Route created → first 200 through the router, vs the same
//     router with OKD's reload interval
//  2. endpoints: new ready endpoint → its first request, and reloads, vs a
//     reload per change
//  3. scale:     render, haproxy -c, start, reload, memory and config size
//     at 1k, 10k and 30k routes
//  4. dataplane: requests/s and p99 through 10k routes, vs a hand-written
//     minimal HAProxy config
//  5. reload:    100 reloads under load: failed requests and old workers,
//     vs OKD's `-sf` reloads
//  6. lookup:     route lookup cost for the first and the last of 400k map
//     keys (does a lookup grow with the number of routes?)
//  7. routeapi:   listing 10k Routes and delivering updates to 3 watchers,
//     the aggregated Route API server vs the Route CRD
//  8. dns:        a load balancer's address → its wildcard name resolving,
//     through ExternalDNS and CoreDNS, vs ExternalDNS's periodic sync
//
// It runs as root inside a private network namespace (as the e2e suites
// do), with a real kube-apiserver, real router processes and real
// HAProxy, and sends traffic only to 198.18.0.0/15 addresses on that
// namespace's loopback. Run it with `make bench`.
//
// Environment: BENCH_QUICK=1 for a smoke run of a few minutes (fewer
// samples and routes; its numbers are not the ones to quote), BENCH_ONLY=
// a comma-separated subset of the names above, ROUTER_THREADS=HAProxy's
// nbthread in the data-plane benchmarks (default 1: one core for HAProxy,
// the other for the load tool and the backends), BENCH_DATAPLANE_ROUTES=
// the number of other routes in the data-plane configs (default 10000), to
// tell what the configuration's size costs from what its rules cost,
// BENCH_ROUTE_ROWS= a comma-separated subset of route-to-traffic's rows
// ("ours", "ours without spares", "OKD-like") for a quicker run.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

func main() {
	// framework.RunInNetNS skips (exit 0) without root, as a test suite
	// may; a benchmark run that measured nothing must fail instead, or
	// `make bench` would succeed with empty results.
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "bench: needs root (it runs in a private network namespace, pins CPUs and raises the open-file limit): run `make bench` as root; nothing was measured")
		os.Exit(1)
	}
	os.Exit(framework.RunInNetNS(suite{}))
}

// benchmark is one numbered benchmark of the issue.
type benchmark struct {
	name, title string
	run         func(*env) ([]*table, error)
}

var benchmarks = []benchmark{
	{"route", "1. Route to traffic", benchRouteToTraffic},
	{"endpoints", "2. Endpoints to traffic", benchEndpoints},
	{"scale", "3. Scale", benchScale},
	{"dataplane", "4. Data plane", benchDataPlane},
	{"reload", "5. Reload under load", benchReload},
	{"lookup", "6. Route lookup at scale", benchLookup},
	{"routeapi", "7. Route API: list and watch", benchRouteAPI},
	{"dns", "8. DNS: load balancer to wildcard record", benchDNS},
}

// settings come from the environment.
type settings struct {
	quick   bool
	only    map[string]bool
	threads int
	filler  int // BENCH_DATAPLANE_ROUTES; -1: the default
}

func loadSettings() (settings, error) {
	s := settings{quick: os.Getenv("BENCH_QUICK") == "1", threads: 1, filler: -1}
	if v := os.Getenv("BENCH_DATAPLANE_ROUTES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return s, fmt.Errorf("BENCH_DATAPLANE_ROUTES=%q: want a number of routes", v)
		}
		s.filler = n
	}
	if v := os.Getenv("ROUTER_THREADS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 64 {
			return s, fmt.Errorf("ROUTER_THREADS=%q: want 1–64", v)
		}
		s.threads = n
	}
	if v := os.Getenv("BENCH_ONLY"); v != "" {
		s.only = map[string]bool{}
		for _, name := range strings.Split(v, ",") {
			s.only[strings.TrimSpace(name)] = true
		}
	}
	return s, nil
}

// pick returns full in a full run and quick in a quick one.
func (s settings) pick(full, quick int) int {
	if s.quick {
		return quick
	}
	return full
}

// suite runs the selected benchmarks (framework.RunInNetNS calls Run
// inside the namespace).
type suite struct{}

func (suite) Run() int {
	s, err := loadSettings()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	fileLimitNote = raiseFileLimit()
	e, err := newEnv(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer e.close()
	printHeader(e)
	failed := false
	for _, b := range benchmarks {
		if s.only != nil && !s.only[b.name] {
			continue
		}
		start := time.Now()
		fmt.Printf("\n## %s\n", b.title)
		tables, err := b.run(e)
		for _, t := range tables {
			t.print(os.Stdout)
		}
		if err != nil {
			fmt.Printf("\n**FAILED: %v**\n", err)
			failed = true
		}
		fmt.Printf("\n(%s: %s)\n", b.name, time.Since(start).Round(time.Second))
	}
	if failed {
		return 1
	}
	return 0
}

// printHeader says what ran where: the tables mean little without it.
func printHeader(e *env) {
	mode := "full"
	if e.s.quick {
		mode = "quick (BENCH_QUICK=1: smoke run, fewer samples)"
	}
	fmt.Printf("# okd-ingress benchmarks\n\n")
	fmt.Printf("- date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Printf("- machine: %s, %d CPUs, %s, kernel %s\n", cpuModel(), runtime.NumCPU(), osName(), kernel())
	fmt.Printf("- %s, %s, %s\n", firstLine(e.haproxy, "-v"), runtime.Version(), toolVersions())
	fmt.Printf("- %s\n", fileLimitNote)
	fmt.Printf("- mode: %s; ROUTER_THREADS (HAProxy nbthread in the data-plane benchmarks): %d\n", mode, e.s.threads)
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return "unknown CPU"
}

func osName() string {
	b, _ := os.ReadFile("/etc/os-release")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return runtime.GOOS
}

func kernel() string {
	b, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return strings.TrimSpace(string(b))
}

// firstLine is the first line a command prints.
func firstLine(cmd string, args ...string) string {
	out, _ := exec.Command(cmd, args...).CombinedOutput()
	l, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return l
}

func toolVersions() string {
	return strings.Join([]string{firstLine("wrk", "--version"), firstLine("h2load", "--version"), "hey"}, ", ")
}
