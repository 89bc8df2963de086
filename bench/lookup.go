package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

// lookupConfig runs the router's prefix lookup (map_beg on "host/path",
// as its full lookup builds the key; the fast one on "base" searches the
// same map with the same key) alone: no backend, HAProxy answers with the
// backend name it found, and the pattern cache is off so that every
// request really searches the map.
const lookupConfig = `global
  nbthread 1
  tune.pattern.cache-size 0

defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s

frontend lookup
  bind %s:80
  http-request set-var(txn.host) req.hdr(host),field(1,:),lower
  http-request set-var(txn.path) path
  http-request set-var(txn.key) var(txn.host),concat(,txn.path,)
  http-request set-var(txn.be) var(txn.key),map_beg(%s)
  http-request return status 200 content-type text/plain lf-string "%%[var(txn.be)]"
`

// benchLookup measures whether the cost of a route lookup grows with the
// number of routes: requests for the first, middle and last key of a
// prefix map of many hosts, each request on a new path, each key
// measured in every round; the first key is the baseline.
func benchLookup(e *env) ([]*table, error) {
	n := e.s.pick(200000, 20000)
	dir, err := e.newDir("l")
	if err != nil {
		return nil, err
	}
	var m strings.Builder
	for i := range n {
		fmt.Fprintf(&m, "%s/ be_%d\n%s/api/ be_%d_api\n", lookupHost(i), i, lookupHost(i), i)
	}
	mapFile := filepath.Join(dir, "conf", "prefix.map")
	addr := framework.NewAddr(framework.RouterNet)
	sup := haproxy.New(haproxy.Options{Binary: e.haproxy, ConfigDir: filepath.Join(dir, "conf"), RunDir: filepath.Join(dir, "run"),
		StartTimeout: 5 * time.Minute})
	if err := os.MkdirAll(filepath.Join(dir, "run"), 0o700); err != nil {
		return nil, err
	}
	files := haproxy.Files{"haproxy.cfg": fmt.Appendf(nil, lookupConfig, addr, mapFile), "prefix.map": []byte(m.String())}
	if err := sup.Reload(context.Background(), files, "initial"); err != nil {
		return nil, err
	}
	defer stopSupervisor(sup)
	p := proxy{name: "lookup", sup: sup, runDir: filepath.Join(dir, "run"), addr: addr}
	if _, err := pinForLoad(e, p); err != nil {
		return nil, err
	}
	defer unpinAll()

	d := time.Duration(e.s.pick(5, 2)) * time.Second
	t := newTable(fmt.Sprintf("Route lookup: %d prefix keys (%d hosts, each with / and /api/), a new path on every request, pattern cache off", 2*n, n),
		"key looked up", "position in the map file", "req/s (median)", "p50", "p99", "HAProxy CPU", "req/s per HAProxy core vs the first key: median (range)", "errors")
	keys := []int{0, n / 2, n - 1}
	load := func(i int) scenario {
		return scenario{run: func(p proxy, d time.Duration) (loadResult, error) {
			return wrkNewPaths("http://"+p.addr+"/", lookupHost(i), 16, d)
		}}
	}
	hc := hostClient(addr, false, 5*time.Second)
	for _, i := range keys {
		if err := checkLookup(hc, i); err != nil {
			return nil, err
		}
		if _, err := load(i).run(p, time.Second); err != nil { // warm-up
			return nil, err
		}
	}
	// Every round measures every key, in an order rotated by one each
	// round: each key goes first, second and last once, so that neither
	// a drift of the machine nor the order favours one key.
	runs := make([][]loadResult, len(keys)) // by key, then round
	for round := range lookupRounds {
		for j := range keys {
			k := (j + round) % len(keys)
			if err := checkLookup(hc, keys[k]); err != nil {
				return []*table{t}, err
			}
			r, err := measure(load(keys[k]), p, d)
			if err != nil {
				return []*table{t}, err
			}
			runs[k] = append(runs[k], r)
		}
	}
	perCore := func(r loadResult) float64 { return r.rps / r.cpu }
	for k, i := range keys {
		var ratios []float64
		errs := 0
		for round, r := range runs[k] {
			ratios = append(ratios, perCore(r)/perCore(runs[0][round]))
			errs += r.errors
		}
		med := medianRun(runs[k])
		name := lookupHost(i) + "/fresh/…"
		errCell := "0"
		if errs > 0 {
			name += " — **had errors**"
			errCell = fmt.Sprintf("**%d**", errs)
		}
		vsFirst := pairedRatios(ratios)
		if k == 0 {
			vsFirst = "baseline"
		}
		t.add(name, fmt.Sprintf("%d of %d", 2*i+1, 2*n), fmt.Sprintf("%.0f", med.rps), latency(med.p50), latency(med.p99),
			pct(med.cpu, 1), vsFirst, errCell)
	}
	t.note("What is compared: one HAProxy holding one map_beg map of %d keys (a prefix tree), and the same load on it per row (wrk, 16 keep-alive connections, a new path on every request) but for the Host header, so that every lookup ends at a different key: the first, middle and last line of the map file. The first key is the baseline: the last column is each round's req/s per HAProxy core for the key ÷ the first key's in the same round, their median and range over %d rounds (1.00 = 100 %%, no growth). req/s, p50, p99 and CPU are the run with the median req/s; req/s counts successful answers only.", 2*n, lookupRounds)
	t.note("The router matches paths with map_beg on \"host/path\" keys. HAProxy's manual says keys other than IP addresses and exact strings are kept in lists; HAProxy 3.0 in fact indexes map_beg keys in a prefix tree (longest match), so a lookup costs the same for the first and the last key.")
	t.note("Checked before every run: a request for the key's host answers 200 with its backend's name (be_<i> for /fresh/…, be_<i>_api for /api/…: the longest prefix). Each round measures the three keys in an order rotated by one (each key first once). errors: wrk's socket errors and non-2xx answers over the %d runs.", lookupRounds)
	t.note("Same pinning as the data-plane benchmark: HAProxy on CPU 0, wrk on CPU 1; %s per run after a 1 s warm-up per key.", d)
	return []*table{t}, nil
}

// lookupRounds is how many times each key is measured.
const lookupRounds = 3

// checkLookup makes sure the lookup for key i finds its backend (a miss
// answers 200 too, with an empty name, and fast).
func checkLookup(hc *http.Client, i int) error {
	for path, want := range map[string]string{"/fresh/check": fmt.Sprintf("be_%d", i), "/api/check": fmt.Sprintf("be_%d_api", i)} {
		url := "http://" + lookupHost(i) + path
		resp, err := hc.Get(url)
		if err != nil {
			return fmt.Errorf("lookup check %s: %w", url, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("lookup check %s: %w", url, err)
		}
		if resp.StatusCode != http.StatusOK || string(b) != want {
			return fmt.Errorf("lookup check %s: status %d, backend %q, want 200 and %q", url, resp.StatusCode, b, want)
		}
	}
	return nil
}

// medianRun is the run with the median req/s (the lower middle one of an
// even count).
func medianRun(rs []loadResult) loadResult {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b loadResult) int { return cmp.Compare(a.rps, b.rps) })
	return s[(len(s)-1)/2]
}

func lookupHost(i int) string { return fmt.Sprintf("h%07d.lookup.bench.test", i) }
