package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"time"
)

// loadResult is what a load tool reports.
type loadResult struct {
	rps    float64
	p50    time.Duration
	p99    time.Duration
	errors int // socket errors and non-200 answers
	total  int
	cpu    float64 // HAProxy worker CPU over the run, in cores
}

// wrk runs `wrk` with keep-alive connections against url for d.
func wrk(url, host string, conns int, d time.Duration, extra ...string) (loadResult, error) {
	args := append([]string{"-t1", "-c", strconv.Itoa(conns), "-d", seconds(d), "--latency", "-H", "Host: " + host}, extra...)
	out, err := command("wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		return loadResult{}, fmt.Errorf("wrk: %v: %s", err, out)
	}
	return parseWrk(string(out))
}

// newPathScript is a wrk script that requests a path never seen before on
// every request, so that HAProxy's pattern cache (which remembers recent
// map lookups) cannot hide the cost of the route lookup.
const newPathScript = `local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/fresh/" .. n)
end
`

// wrkNewPaths runs wrk with newPathScript.
func wrkNewPaths(url, host string, conns int, d time.Duration) (loadResult, error) {
	f, err := os.CreateTemp("", "bench-wrk-*.lua")
	if err != nil {
		return loadResult{}, err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(newPathScript); err != nil {
		return loadResult{}, err
	}
	if err := f.Close(); err != nil {
		return loadResult{}, err
	}
	return wrk(url, host, conns, d, "-s", f.Name())
}

var (
	wrkRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkPct      = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	wrkTotal    = regexp.MustCompile(`(\d+) requests in`)
	wrkSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkUnitToNs = map[string]float64{"us": 1e3, "ms": 1e6, "s": 1e9}
)

func parseWrk(out string) (loadResult, error) {
	var r loadResult
	m := wrkRPS.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in wrk's output: %s", out)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	for _, m := range wrkPct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		d := time.Duration(v * wrkUnitToNs[m[3]])
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	if m := wrkTotal.FindStringSubmatch(out); m != nil {
		r.total, _ = strconv.Atoi(m[1])
	}
	if m := wrkSocket.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.Atoi(s)
			r.errors += n
		}
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		n, _ := strconv.Atoi(m[1])
		r.errors += n
	}
	return r, nil
}

// heyNewConns runs `hey` for d with a new connection (and TLS handshake)
// per request; hey sends host as the Host header and as the TLS SNI.
func heyNewConns(url, host string, workers int, d time.Duration) (loadResult, error) {
	out, err := command("hey", "-z", seconds(d), "-c", strconv.Itoa(workers), "-disable-keepalive", "-host", host, url).CombinedOutput()
	if err != nil {
		return loadResult{}, fmt.Errorf("hey: %v: %s", err, out)
	}
	return parseHey(string(out))
}

var (
	heyRPS    = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	heyPct    = regexp.MustCompile(`(?m)^\s+(50|99)% in ([0-9.]+) secs`)
	heyStatus = regexp.MustCompile(`(?m)^\s+\[(\d+)\]\s+(\d+) responses`)
	heyErrors = regexp.MustCompile(`(?m)^\s+\[(\d+)\]\s+(?:Get|Post|Head)`)
)

func parseHey(out string) (loadResult, error) {
	var r loadResult
	m := heyRPS.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in hey's output: %s", out)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	for _, m := range heyPct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		d := time.Duration(v * 1e9)
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	for _, m := range heyStatus.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[2])
		r.total += n
		if m[1] != "200" {
			r.errors += n
		}
	}
	for _, m := range heyErrors.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		r.total += n
		r.errors += n
	}
	return r, nil
}

func seconds(d time.Duration) string { return strconv.Itoa(int(d.Seconds())) + "s" }

// latency prints a tool's latency, in µs below a millisecond.
func latency(d time.Duration) string {
	if d == 0 {
		return "–" // not reported by the tool
	}
	if d < time.Millisecond {
		return fmt.Sprintf("%d µs", d.Microseconds())
	}
	return ms(d)
}

// h2loadStreams runs h2load for d: HTTP/2 over TLS to addr (host:port),
// conns connections with streams concurrent streams each, host as the
// authority and SNI. h2load reports no percentiles: p50 holds its mean
// request time and p99 stays empty.
func h2loadStreams(addr, host string, conns, streams int, d time.Duration) (loadResult, error) {
	out, err := command("h2load", "-c", strconv.Itoa(conns), "-m", strconv.Itoa(streams), "-D", strconv.Itoa(int(d.Seconds())),
		"--connect-to="+addr, "https://"+host+"/").CombinedOutput()
	if err != nil {
		return loadResult{}, fmt.Errorf("h2load: %v: %s", err, out)
	}
	return parseH2load(string(out))
}

var (
	h2RPS      = regexp.MustCompile(`finished in [0-9.]+s, ([0-9.]+) req/s`)
	h2Requests = regexp.MustCompile(`requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed`)
	h2Mean     = regexp.MustCompile(`time for request:\s+\S+\s+\S+\s+([0-9.]+)(us|ms|s)\s`)
)

func parseH2load(out string) (loadResult, error) {
	var r loadResult
	m := h2RPS.FindStringSubmatch(out)
	q := h2Requests.FindStringSubmatch(out)
	if m == nil || q == nil {
		return r, fmt.Errorf("no req/s or request counts in h2load's output: %s", out)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	r.total, _ = strconv.Atoi(q[1])
	// "failed" counts 4xx and 5xx answers too; "errored" and "timeout"
	// are parts of it.
	r.errors, _ = strconv.Atoi(q[3])
	if l := h2Mean.FindStringSubmatch(out); l != nil {
		v, _ := strconv.ParseFloat(l[1], 64)
		r.p50 = time.Duration(v * wrkUnitToNs[l[2]])
	}
	return r, nil
}
