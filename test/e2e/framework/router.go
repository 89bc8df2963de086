package framework

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
)

// RouterBinary builds cmd/router once per test binary.
var RouterBinary = sync.OnceValues(func() (string, error) {
	root, err := localcluster.RepoRoot()
	if err != nil {
		return "", err
	}
	dir, err := TempDir("okd-e2e-bin-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "router")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/router")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/router: %v: %s", err, b)
	}
	return out, nil
})

// HAProxyBinary is the haproxy the tests run.
func HAProxyBinary() (string, error) {
	if p := os.Getenv("OKD_INGRESS_HAPROXY"); p != "" {
		return p, nil
	}
	root, err := localcluster.RepoRoot()
	if err != nil {
		return "", err
	}
	out, err := exec.Command("bash", filepath.Join(root, "hack", "bins.sh"), "haproxy-path").Output()
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// Router is a router process serving on its own address.
type Router struct {
	Addr    string
	Dir     string
	cmd     *exec.Cmd
	done    chan struct{}
	logFile *os.File
}

// RouterOptions configure a router process.
type RouterOptions struct {
	Kubeconfig string
	// Name is the IngressController name (ROUTER_SERVICE_NAME).
	Name string
	// Env adds or overrides ROUTER_* variables.
	Env map[string]string
	// DefaultCertificate is a PEM file with key and certificate.
	DefaultCertificate string
}

// StartRouter starts a router listening on 80, 443 and 1936 of a new address.
func StartRouter(o RouterOptions) (*Router, error) {
	// Short paths: HAProxy's unix sockets live in RunDir.
	dir, err := TempDir("rt")
	if err != nil {
		return nil, err
	}
	return startRouter(o, NewAddr(RouterNet), dir)
}

// Restart starts a new router process on r's address and directories, as a
// restarted container would: the same config directory, files and all. r
// must be stopped; the new process appends to the same log.
func (r *Router) Restart(o RouterOptions) (*Router, error) {
	select {
	case <-r.done:
	default:
		return nil, fmt.Errorf("router %s is still running", r.Addr)
	}
	return startRouter(o, r.Addr, r.Dir)
}

func startRouter(o RouterOptions, addr, dir string) (*Router, error) {
	bin, err := RouterBinary()
	if err != nil {
		return nil, err
	}
	haproxy, err := HAProxyBinary()
	if err != nil {
		return nil, err
	}
	r := &Router{Addr: addr, Dir: dir, done: make(chan struct{})}
	env := map[string]string{
		"KUBECONFIG": o.Kubeconfig, "ROUTER_SERVICE_NAME": o.Name, "ROUTER_SERVICE_NAMESPACE": "openshift-ingress",
		"ROUTER_CANONICAL_HOSTNAME": "router-" + o.Name + ".apps.e2e.test", "ROUTER_DOMAIN": "apps.e2e.test",
		"ROUTER_BIND_ADDRESS": r.Addr, "ROUTER_LISTEN_ADDR": net.JoinHostPort(r.Addr, "1936"),
		"ROUTER_HAPROXY_BINARY": haproxy, "ROUTER_CONFIG_DIR": filepath.Join(dir, "conf"), "ROUTER_RUN_DIR": filepath.Join(dir, "run"),
		"RELOAD_INTERVAL": "100ms", "ROUTER_THREADS": "1", "DEFAULT_CERTIFICATE_PATH": o.DefaultCertificate,
		"STATS_USERNAME": StatsUsername, "STATS_PASSWORD": StatsPassword,
	}
	for k, v := range o.Env {
		env[k] = v
	}
	level := "info"
	if v := os.Getenv("OKD_INGRESS_ROUTER_LOG_LEVEL"); v != "" {
		level = v // "debug" adds a line per sync
	}
	r.cmd = exec.Command(bin, "--zap-log-level="+level, "--zap-time-encoding=rfc3339nano")
	for k, v := range env {
		r.cmd.Env = append(r.cmd.Env, k+"="+v)
	}
	r.cmd.Env = append(r.cmd.Env, "PATH="+os.Getenv("PATH"))
	if r.logFile, err = os.OpenFile(filepath.Join(dir, "router.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); err != nil {
		return nil, err
	}
	r.cmd.Stdout, r.cmd.Stderr = r.logFile, r.logFile
	if err := r.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = r.cmd.Wait(); close(r.done) }()
	return r, nil
}

// WaitReady waits for /healthz/ready.
func (r *Router) WaitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-r.done:
			return fmt.Errorf("router exited: %s", r.Log())
		default:
		}
		resp, err := http.Get("http://" + net.JoinHostPort(r.Addr, "1936") + "/healthz/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("router not ready after %s: %s", timeout, r.Log())
}

// Log returns the router's output so far (its tail, for failure messages).
func (r *Router) Log() string {
	b, _ := os.ReadFile(filepath.Join(r.Dir, "router.log"))
	if len(b) > 6000 {
		b = b[len(b)-6000:]
	}
	return string(b)
}

// Stop terminates the router and waits for it.
func (r *Router) Stop() {
	if r.cmd.Process != nil {
		_ = r.cmd.Process.Signal(os.Interrupt)
	}
	select {
	case <-r.done:
	case <-time.After(20 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
	r.logFile.Close()
}

// ReloadCount asks HAProxy's master how many times it reloaded (`show proc`).
// The master refuses connections, or drops them, while it re-executes for
// a reload, so the question is asked again for a few seconds.
func (r *Router) ReloadCount() (int, error) {
	pl, err := r.showProcRetry()
	if err != nil {
		return 0, err
	}
	return pl.Master.Reloads, nil
}

// OldWorkers is how many workers of earlier configs are still running
// (finishing their connections; they no longer accept new ones).
func (r *Router) OldWorkers() (int, error) {
	pl, err := r.showProcRetry()
	if err != nil {
		return 0, err
	}
	return len(pl.OldWorkers), nil
}

// showProc reads the master's process list through the router's own
// master-CLI client.
func (r *Router) showProc() (*haproxy.ProcList, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return haproxy.New(haproxy.Options{RunDir: filepath.Join(r.Dir, "run")}).ShowProc(ctx)
}

// showProcRetry is showProc retried for a few seconds: the master refuses
// connections for a moment while it reloads.
func (r *Router) showProcRetry() (*haproxy.ProcList, error) {
	pl, err := r.showProc()
	for deadline := time.Now().Add(5 * time.Second); err != nil && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		pl, err = r.showProc()
	}
	return pl, err
}

// The stats user every router started here has, unless its options say
// otherwise: /metrics asks for it.
const (
	StatsUsername = "e2e-stats"
	StatsPassword = "e2e-stats-password"
)

// Metric returns the value of an unlabelled series on /metrics.
func (r *Router) Metric(name string) (float64, error) {
	req, err := http.NewRequest(http.MethodGet, "http://"+net.JoinHostPort(r.Addr, "1936")+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	req.SetBasicAuth(StatsUsername, StatsPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return 0, fmt.Errorf("/metrics: %s", resp.Status)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("no series %s", name)
}

// Client makes requests to this router as if DNS pointed every host at it.
type Client struct {
	*http.Client
	router string

	mu    sync.Mutex
	dials []time.Time // when each connection was made
}

// Dials says when the client made each of its connections. A keep-alive
// client that made one while the router should have kept its connection
// open saw that connection closed, which net/http hides by retrying.
func (c *Client) Dials() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.dials)
}

// ClientOptions configure a Client.
type ClientOptions struct {
	// RootCAs verifies the router's (or a passthrough backend's) certificate; nil skips verification.
	RootCAs *x509.CertPool
	// HTTP2 offers h2 by ALPN.
	HTTP2 bool
	// NewConnections disables keep-alive.
	NewConnections bool
}

// NewClient returns a client for r.
func (r *Router) NewClient(o ClientOptions) *Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	c := &Client{router: r.Addr}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			conn, err := dialer.DialContext(ctx, network, net.JoinHostPort(r.Addr, port))
			if err == nil {
				c.mu.Lock()
				c.dials = append(c.dials, time.Now())
				c.mu.Unlock()
			}
			return conn, err
		},
		TLSClientConfig:   &tls.Config{RootCAs: o.RootCAs, InsecureSkipVerify: o.RootCAs == nil},
		ForceAttemptHTTP2: o.HTTP2,
		DisableKeepAlives: o.NewConnections,
	}
	if !o.HTTP2 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	c.Client = &http.Client{
		Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}
