package framework

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
)

// APIServer is a cluster's kube-apiserver process, which a test can stop
// and start again with the same command line: same port, certificates,
// etcd and authentication, so that every client keeps working once it is
// back. envtest cannot restart it in place (a restart generates a new
// serving CA), so the first Stop ends envtest's process and Start runs a
// new one of its own; Close ends that one before the cluster stops.
type APIServer struct {
	pid  int
	path string
	dir  string
	args []string
	env  []string
	// cmd is the process Start ran, nil while envtest's runs (or none).
	cmd  *exec.Cmd
	done chan struct{}
	log  *os.File
}

// FindAPIServer finds the kube-apiserver that this process started for
// cfg: a child of ours serving cfg's port.
func FindAPIServer(cfg *rest.Config) (*APIServer, error) {
	u, err := url.Parse(cfg.Host)
	if err != nil {
		return nil, err
	}
	port := u.Port()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || ParentOf(pid) != os.Getpid() {
			continue
		}
		args := procList(pid, "cmdline")
		if len(args) == 0 || filepath.Base(args[0]) != "kube-apiserver" || !hasArg(args[1:], "--secure-port", port) {
			continue
		}
		path, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err != nil {
			return nil, err
		}
		dir, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
		if err != nil {
			return nil, err
		}
		return &APIServer{pid: pid, path: path, dir: dir, args: args[1:], env: procList(pid, "environ")}, nil
	}
	return nil, fmt.Errorf("no kube-apiserver child of pid %d serves port %s", os.Getpid(), port)
}

// ParentOf is the parent pid of pid, from /proc (0 when pid is gone).
func ParentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// "pid (comm) state ppid ...": comm may hold spaces, not ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

func procList(pid int, file string) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

func hasArg(args []string, flag, value string) bool {
	for i, a := range args {
		if a == flag+"="+value || (a == flag && i+1 < len(args) && args[i+1] == value) {
			return true
		}
	}
	return false
}

// Stop terminates the API server as a kubelet would: SIGTERM, then SIGKILL
// after grace (its graceful shutdown can wait a minute for watches to
// end), and waits until its process is gone. It reports whether the
// process needed SIGKILL.
func (a *APIServer) Stop(grace time.Duration) (killed bool, err error) {
	var pid int
	var exited func() bool
	switch {
	case a.cmd != nil:
		pid = a.cmd.Process.Pid
		exited = func() bool {
			select {
			case <-a.done:
				return true
			default:
				return false
			}
		}
	case a.pid != 0:
		// envtest waits for its child, so the pid disappears once it exited.
		pid, exited = a.pid, func() bool { return ParentOf(a.pid) != os.Getpid() }
	default:
		return false, nil
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return false, err
	}
	for deadline := time.Now().Add(grace); !exited(); time.Sleep(20 * time.Millisecond) {
		if !killed && time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			killed = true
		}
		if time.Now().After(deadline.Add(30 * time.Second)) {
			return killed, fmt.Errorf("kube-apiserver %d did not exit", pid)
		}
	}
	a.cmd, a.pid = nil, 0
	return killed, nil
}

// Running reports whether a kube-apiserver process of a runs.
func (a *APIServer) Running() bool { return a.cmd != nil || a.pid != 0 }

// Start runs the API server again with the same command line and waits
// until cfg's /readyz answers.
func (a *APIServer) Start(cfg *rest.Config, timeout time.Duration) error {
	if a.cmd != nil || a.pid != 0 {
		return errors.New("kube-apiserver is running")
	}
	if a.log == nil {
		f, err := os.CreateTemp("", "kube-apiserver-restarted-*.log")
		if err != nil {
			return err
		}
		a.log = f
	}
	cmd := exec.Command(a.path, a.args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = a.dir, a.env, a.log, a.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return err
	}
	a.cmd, a.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(a.done) }()
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-a.done:
			return fmt.Errorf("kube-apiserver exited while starting: see %s", a.log.Name())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(cfg.Host, "/")+"/readyz", nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		cancel()
		if err == nil && resp.StatusCode == http.StatusOK {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kube-apiserver not ready after %s: see %s", timeout, a.log.Name())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Close stops the process Start ran, if any; envtest's own Stop then finds
// its process gone and only removes its directories.
func (a *APIServer) Close() error {
	var err error
	if a.cmd != nil {
		_, err = a.Stop(5 * time.Second)
	}
	if a.log != nil {
		a.log.Close()
		_ = os.Remove(a.log.Name())
		a.log = nil
	}
	return err
}
