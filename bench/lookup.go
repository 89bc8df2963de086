package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
// prefix map of many hosts, each request on a new path; the first key is
// the baseline.
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
		"key looked up", "position in the map file", "req/s", "p50", "p99", "HAProxy CPU", "req/s per HAProxy core vs the first key")
	var first loadResult
	for _, i := range []int{0, n / 2, n - 1} {
		host := lookupHost(i)
		s := scenario{run: func(p proxy, d time.Duration) (loadResult, error) {
			return wrkNewPaths("http://"+p.addr+"/", host, 16, d)
		}}
		if _, err := s.run(p, time.Second); err != nil { // warm-up
			return nil, err
		}
		r, err := measure(s, p, d)
		if err != nil {
			return []*table{t}, err
		}
		if i == 0 {
			first = r
		}
		t.add(host+"/fresh/…", fmt.Sprintf("%d of %d", 2*i+1, 2*n), fmt.Sprintf("%.0f", r.rps), latency(r.p50), latency(r.p99),
			pct(r.cpu, 1), pct(r.rps/r.cpu, first.rps/first.cpu))
	}
	t.note("The router matches paths with map_beg on \"host/path\" keys. HAProxy's manual says keys other than IP addresses and exact strings are kept in lists; HAProxy 3.0 in fact indexes map_beg keys in a prefix tree (longest match), so a lookup costs the same for the first and the last key. 100 %% in the last column means no growth.")
	t.note("Same pinning as the data-plane benchmark: HAProxy on CPU 0, wrk on CPU 1; %s per key after a 1 s warm-up.", d)
	return []*table{t}, nil
}

func lookupHost(i int) string { return fmt.Sprintf("h%07d.lookup.bench.test", i) }
