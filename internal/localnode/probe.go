//go:build linux

package localnode

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// dialFunc connects from the node's network namespace, where a kubelet's
// probes come from: a probe host of "localhost" then means the node's
// loopback, which is where hostNetwork routers serve their probes.
type dialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// Probe periods are capped locally so that readiness follows a process
// within about a second (OKD's routers probe readiness every 10 s);
// liveness keeps a longer cap so that a busy machine does not restart
// healthy processes.
const (
	maxReadinessPeriod = time.Second
	maxLivenessPeriod  = 10 * time.Second
	maxInitialDelay    = 10 * time.Second
	probeTick          = 250 * time.Millisecond
)

// probeRunner tracks one probe's schedule and consecutive results.
type probeRunner struct {
	probe                *corev1.Probe
	period               time.Duration
	next                 time.Time
	successes, failures  int32
	successNeed, failMax int32
	lastErr              error
}

func newProbeRunner(p *corev1.Probe, maxPeriod time.Duration, start time.Time) *probeRunner {
	if p == nil {
		return nil
	}
	period := time.Duration(max(p.PeriodSeconds, 1)) * time.Second
	return &probeRunner{
		probe:       p,
		period:      min(period, maxPeriod),
		next:        start.Add(min(time.Duration(p.InitialDelaySeconds)*time.Second, maxInitialDelay)),
		successNeed: max(p.SuccessThreshold, 1),
		failMax:     max(p.FailureThreshold, 1),
	}
}

// due reports whether the probe should run now, and schedules the next run.
func (r *probeRunner) due(now time.Time) bool {
	if now.Before(r.next) {
		return false
	}
	r.next = now.Add(r.period)
	return true
}

// record counts a result; it returns true when the success threshold was
// just met and false when the failure threshold was, else nil.
func (r *probeRunner) record(err error) *bool {
	r.lastErr = err
	if err == nil {
		r.successes, r.failures = r.successes+1, 0
		if r.successes >= r.successNeed {
			return ptrTo(true)
		}
		return nil
	}
	r.successes, r.failures = 0, r.failures+1
	if r.failures >= r.failMax {
		return ptrTo(false)
	}
	return nil
}

func ptrTo[T any](v T) *T { return &v }

// probes is the probe state of one process run, as a kubelet keeps it:
// readiness and liveness start once the startup probe has succeeded.
type probes struct {
	startup, readiness, liveness *probeRunner
	started, ready               bool
}

func newProbes(c *corev1.Container, start time.Time) *probes {
	return &probes{
		startup:   newProbeRunner(c.StartupProbe, maxReadinessPeriod, start),
		readiness: newProbeRunner(c.ReadinessProbe, maxReadinessPeriod, start),
		liveness:  newProbeRunner(c.LivenessProbe, maxLivenessPeriod, start),
		started:   c.StartupProbe == nil,
	}
}

// step runs the probes that are due. It returns a reason when the process
// must be restarted (a startup or liveness probe failed too often).
func (p *probes) step(now time.Time, check func(*corev1.Probe) error) string {
	if !p.started {
		if !p.startup.due(now) {
			return ""
		}
		switch ok := p.startup.record(check(p.startup.probe)); {
		case ok == nil:
			return ""
		case !*ok:
			return fmt.Sprintf("Startup probe failed: %v", p.startup.lastErr)
		}
		p.started = true
	}
	if p.readiness == nil {
		p.ready = true
	} else if p.readiness.due(now) {
		if ok := p.readiness.record(check(p.readiness.probe)); ok != nil {
			p.ready = *ok
		}
	}
	if p.liveness != nil && p.liveness.due(now) {
		if ok := p.liveness.record(check(p.liveness.probe)); ok != nil && !*ok {
			return fmt.Sprintf("Liveness probe failed: %v", p.liveness.lastErr)
		}
	}
	return ""
}

// prober checks probes of one container of a pod.
type prober struct {
	podIP string
	ports []corev1.ContainerPort
	dial  dialFunc
}

// check runs one probe. HTTP GET and TCP probes are supported; exec and
// gRPC probes always succeed (there is no container to exec in).
func (pr prober) check(ctx context.Context, p *corev1.Probe) error {
	timeout := time.Duration(max(p.TimeoutSeconds, 1)) * time.Second
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch {
	case p.HTTPGet != nil:
		return pr.httpGet(ctx, p.HTTPGet)
	case p.TCPSocket != nil:
		addr, err := pr.address(p.TCPSocket.Host, p.TCPSocket.Port)
		if err != nil {
			return err
		}
		conn, err := pr.dial(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		return conn.Close()
	}
	return nil
}

func (pr prober) httpGet(ctx context.Context, g *corev1.HTTPGetAction) error {
	addr, err := pr.address(g.Host, g.Port)
	if err != nil {
		return err
	}
	scheme := "http"
	if g.Scheme == corev1.URISchemeHTTPS {
		scheme = "https"
	}
	u := &url.URL{Scheme: scheme, Host: addr, Path: g.Path}
	if parsed, err := url.Parse(g.Path); err == nil {
		u.Path, u.RawQuery = parsed.Path, parsed.RawQuery
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "kube-probe/local")
	for _, h := range g.HTTPHeaders {
		if http.CanonicalHeaderKey(h.Name) == "Host" {
			req.Host = h.Value
		} else {
			req.Header.Add(h.Name, h.Value)
		}
	}
	resp, err := pr.client().Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("HTTP probe failed with statuscode: %d", resp.StatusCode)
	}
	return nil
}

// client is a fresh client per probe, without keep-alives, as a kubelet's:
// a probe must see a server that stopped accepting connections. Redirects
// are not followed (a 3xx is a success). A Transport without Proxy
// ignores HTTP(S)_PROXY.
func (pr prober) client() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext:       pr.dial,
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // probes do not verify, as a kubelet's
			DisableKeepAlives: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// address resolves the probe's host (the pod IP when empty) and its port,
// a number or the name of one of the container's ports.
func (pr prober) address(host string, port intstr.IntOrString) (string, error) {
	if host == "" {
		host = pr.podIP
	}
	n := port.IntValue() // a number, or a number in a string
	if port.Type == intstr.String {
		for _, cp := range pr.ports {
			if cp.Name == port.StrVal {
				n = int(cp.ContainerPort)
			}
		}
	}
	if n <= 0 || n > 65535 {
		return "", fmt.Errorf("probe port %s: no such port", port.String())
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}
