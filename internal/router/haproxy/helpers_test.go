package haproxy

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"

	"github.com/okd-ingress/okd-ingress/internal/haproxytest"
	"github.com/okd-ingress/okd-ingress/internal/syncbuf"
)

// env is one supervised HAProxy with its own directories and port.
type env struct {
	t      *testing.T
	sup    *Supervisor
	cfgDir string
	runDir string
	port   int
	log    *syncbuf.Buffer
	client *http.Client // keep-alive
}

func newEnv(t *testing.T) *env {
	t.Helper()
	bin := haproxytest.Binary(t)
	// Not t.TempDir(): its long names could push socket paths past the 108-byte limit.
	base, err := os.MkdirTemp("", "hap")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, cfgDir: filepath.Join(base, "cfg"), runDir: filepath.Join(base, "run"),
		port: freePort(t), log: &syncbuf.Buffer{}, client: &http.Client{Timeout: 5 * time.Second}}
	logger := funcr.New(func(prefix, args string) { fmt.Fprintln(e.log, prefix, args) }, funcr.Options{Verbosity: 1})
	e.sup = New(Options{Binary: bin, ConfigDir: e.cfgDir, RunDir: e.runDir, Log: logger, Stderr: e.log, Stdout: e.log})
	// HAP_DUMP=1 prints the log and HAProxy's output of passing tests too.
	t.Cleanup(func() {
		e.client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.sup.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
		if t.Failed() || os.Getenv("HAP_DUMP") != "" {
			t.Logf("supervisor log and HAProxy output:\n%s", e.log.String())
		}
		os.RemoveAll(base)
	})
	return e
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// config renders a minimal haproxy.cfg: the stats socket the supervisor expects, one HTTP frontend on
// the env's port with the given lines, then the given extra sections.
func (e *env) config(frontend []string, sections ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "global\n    stats socket %s mode 600 level admin\n    nbthread 1\n", StatsSocket(e.runDir))
	b.WriteString("defaults\n    mode http\n    timeout connect 2s\n    timeout client 10s\n    timeout server 10s\n")
	fmt.Fprintf(&b, "frontend fe\n    bind 127.0.0.1:%d\n", e.port)
	for _, l := range frontend {
		b.WriteString("    " + l + "\n")
	}
	for _, s := range sections {
		b.WriteString(s)
	}
	return []byte(b.String())
}

// serving is a config whose frontend answers body to every request.
func (e *env) serving(body string) []byte {
	return e.config([]string{returns(body)})
}

func returns(body string) string {
	return "http-request return status 200 content-type text/plain string " + body
}

func (e *env) reload(files Files) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.sup.Reload(ctx, files, "test"); err != nil {
		e.t.Fatalf("Reload: %v", err)
	}
}

func (e *env) reloadCount() int {
	e.t.Helper()
	n, err := e.sup.ReloadCount(context.Background())
	if err != nil {
		e.t.Fatalf("ReloadCount: %v", err)
	}
	return n
}

// newestWorker is the PID of the worker of the last successful (re)load.
func (e *env) newestWorker() int {
	e.t.Helper()
	pl, err := e.sup.showProc(context.Background())
	if err != nil {
		e.t.Fatalf("show proc: %v", err)
	}
	pid, err := pl.CurrentWorker()
	if err != nil {
		e.t.Fatal(err)
	}
	return pid
}

// get sends one request with the keep-alive client and returns status and body.
func (e *env) get(c *http.Client, host string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/", e.port), nil)
	if err != nil {
		return 0, "", err
	}
	if host != "" {
		req.Host = host
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// expect asserts the answer to one request.
func (e *env) expect(host string, status int, body string) {
	e.t.Helper()
	code, got, err := e.get(e.client, host)
	if err != nil {
		e.t.Fatalf("GET host=%q: %v", host, err)
	}
	if code != status || (body != "" && got != body) {
		e.t.Fatalf("GET host=%q: %d %q, want %d %q", host, code, got, status, body)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
