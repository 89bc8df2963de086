package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// loadResult is what a load tool reports. rps counts successful
// requests only (ok over the tool's run time): wrk, hey and h2load count
// failed ones (socket errors, non-2xx answers) in their own req/s, so a
// config that fails fast would look fast.
type loadResult struct {
	rps     float64 // successful requests per second: ok / secs
	p50     time.Duration
	p99     time.Duration
	errors  int // socket errors and unsuccessful answers
	errRuns int // runs with errors, when results of several runs are combined
	total   int // requests the tool counted
	ok      int // successful requests
	secs    float64
	cpu     float64 // HAProxy worker CPU over the run, in cores
}

// finish computes rps from ok and secs; a run without a duration is an
// error, not 0 req/s.
func (r *loadResult) finish(tool, out string) error {
	if r.secs <= 0 {
		return fmt.Errorf("no run time in %s's output: %s", tool, out)
	}
	r.ok = max(r.ok, 0)
	r.rps = float64(r.ok) / r.secs
	return nil
}

// toSeconds converts a tool's number and unit to seconds.
func toSeconds(v, unit string) float64 {
	f, _ := strconv.ParseFloat(v, 64)
	return f * map[string]float64{"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}[unit]
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
	wrkPct      = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	wrkTotal    = regexp.MustCompile(`(\d+) requests in ([0-9.]+)(us|ms|s|m|h),`)
	wrkSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkUnitToNs = map[string]float64{"us": 1e3, "ms": 1e6, "s": 1e9}
)

// parseWrk reads wrk's report. Successful requests are the completed
// ones less the answers wrk counts as errors (status 4xx/5xx, which it
// prints as "Non-2xx or 3xx") and less its socket errors (a read, write
// or timeout error may or may not have been counted as completed: taking
// them off too errs on the low side).
func parseWrk(out string) (loadResult, error) {
	var r loadResult
	m := wrkTotal.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no request count in wrk's output: %s", out)
	}
	r.total, _ = strconv.Atoi(m[1])
	r.secs = toSeconds(m[2], m[3])
	for _, m := range wrkPct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		d := time.Duration(v * wrkUnitToNs[m[3]])
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
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
	r.ok = r.total - r.errors
	return r, r.finish("wrk", out)
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
	heyTotal  = regexp.MustCompile(`(?m)^\s+Total:\s+([0-9.]+) secs`)
	heyPct    = regexp.MustCompile(`(?m)^\s+(50|99)% in ([0-9.]+) secs`)
	heyStatus = regexp.MustCompile(`(?m)^\s+\[(\d+)\]\s+(\d+) responses`)
	heyErrors = regexp.MustCompile(`(?m)^\s+\[(\d+)\]\s+\S`)
)

// parseHey reads hey's report. hey's Requests/sec counts every request,
// failed ones included (a run of refused connections reports thousands
// per second): successful requests are the 2xx and 3xx answers of its
// status distribution, as wrk and h2load count them; everything else, and every line of its error
// distribution, is an error.
func parseHey(out string) (loadResult, error) {
	var r loadResult
	m := heyTotal.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no Total in hey's output: %s", out)
	}
	r.secs = toSeconds(m[1], "s")
	for _, m := range heyPct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		d := time.Duration(v * 1e9)
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	status, errs, _ := strings.Cut(out, "Error distribution:")
	for _, m := range heyStatus.FindAllStringSubmatch(status, -1) {
		code, _ := strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		r.total += n
		if code >= 200 && code < 400 {
			r.ok += n
		} else {
			r.errors += n
		}
	}
	for _, m := range heyErrors.FindAllStringSubmatch(errs, -1) {
		n, _ := strconv.Atoi(m[1])
		r.total += n
		r.errors += n
	}
	return r, r.finish("hey", out)
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
	h2Finished = regexp.MustCompile(`finished in ([0-9.]+)(us|ms|s|m|h), [0-9.]+ req/s`)
	h2Requests = regexp.MustCompile(`requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed`)
	h2Mean     = regexp.MustCompile(`time for request:\s+\S+\s+\S+\s+([0-9.]+)(us|ms|s)\s`)
)

// parseH2load reads h2load's report: successful requests are its
// "succeeded" (2xx and 3xx answers); its req/s counts every request done.
func parseH2load(out string) (loadResult, error) {
	var r loadResult
	m := h2Finished.FindStringSubmatch(out)
	q := h2Requests.FindStringSubmatch(out)
	if m == nil || q == nil {
		return r, fmt.Errorf("no run time or request counts in h2load's output: %s", out)
	}
	r.secs = toSeconds(m[1], m[2])
	r.total, _ = strconv.Atoi(q[1])
	r.ok, _ = strconv.Atoi(q[2])
	// "failed" counts 4xx and 5xx answers too; "errored" and "timeout"
	// are parts of it.
	r.errors, _ = strconv.Atoi(q[3])
	if l := h2Mean.FindStringSubmatch(out); l != nil {
		v, _ := strconv.ParseFloat(l[1], 64)
		r.p50 = time.Duration(v * wrkUnitToNs[l[2]])
	}
	return r, r.finish("h2load", out)
}
