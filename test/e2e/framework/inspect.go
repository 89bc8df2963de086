package framework

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
)

// ConfigDir is the router's config directory: haproxy.cfg, maps/, crt-list,
// certificates.
func (r *Router) ConfigDir() string { return filepath.Join(r.Dir, "conf") }

// ConfigFiles reads every file of the config directory, by path relative to
// it, leaving out the hidden temporary files of atomic writes.
func (r *Router) ConfigFiles() (map[string]string, error) {
	out := map[string]string{}
	root := r.ConfigDir()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil // removed meanwhile
		case err != nil || d.IsDir() || strings.HasPrefix(d.Name(), "."):
			return err
		}
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed meanwhile
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	return out, err
}

// MasterPID is the pid of the HAProxy master, from the master CLI.
func (r *Router) MasterPID() (int, error) {
	pl, err := r.showProc()
	if err != nil {
		return 0, err
	}
	return pl.Master.PID, nil
}

// WorkerPID is the PID of HAProxy's current worker, the one that took the
// last configuration that loaded. Like ReloadCount, it waits out the moment
// after a reload when the master CLI refuses connections.
func (r *Router) WorkerPID() (int, error) {
	pl, err := r.showProcRetry()
	if err != nil {
		return 0, err
	}
	return pl.CurrentWorker()
}

// RuntimeMap lists the entries HAProxy holds in memory for the map file at
// path (absolute, as the config names it), as "<key> <value>" lines: what
// the runtime API made of the router's updates, to compare with the file.
func (r *Router) RuntimeMap(path string) ([]string, error) {
	out, err := cli(filepath.Join(r.Dir, "run", "haproxy.sock"), "show map "+path)
	if err != nil {
		return nil, err
	}
	var entries []string
	for _, l := range strings.Split(out, "\n") {
		if l == "" {
			continue
		}
		// "<entry address> <key> <value>"
		ref, entry, ok := strings.Cut(l, " ")
		if !ok || !strings.HasPrefix(ref, "0x") {
			return nil, fmt.Errorf("show map %s: unexpected line %q", path, l)
		}
		entries = append(entries, entry)
	}
	return entries, nil
}

// cli sends one command to the worker's CLI socket and returns its answer,
// which ends when HAProxy closes the connection.
func cli(socket, cmd string) (string, error) {
	c, err := net.DialTimeout("unix", socket, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, cmd+"\n"); err != nil {
		return "", err
	}
	var b strings.Builder
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		b.WriteString(sc.Text())
		b.WriteByte('\n')
	}
	return b.String(), sc.Err()
}

// CheckedServers maps each server of backend that is in service (not in
// maintenance) to whether HAProxy health-checks it, from the worker's
// `show servers state`.
func (r *Router) CheckedServers(backend string) (map[string]bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := haproxy.New(haproxy.Options{RunDir: filepath.Join(r.Dir, "run")}).Exec(ctx, "show servers state "+backend)
	if err != nil {
		return nil, err
	}
	// Columns: be_id be_name srv_id srv_name srv_addr srv_op_state
	// srv_admin_state ... srv_check_state (14th), a mask where 0x4 is
	// "enabled"; an admin state with a bit of 0x23 is maintenance (0x4
	// only says the config line was "disabled").
	servers := map[string]bool{}
	for _, line := range strings.Split(out[0], "\n") {
		f := strings.Fields(line)
		if len(f) < 14 || f[1] != backend {
			continue
		}
		admin, err1 := strconv.Atoi(f[6])
		check, err2 := strconv.Atoi(f[13])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("show servers state: unexpected line %q", line)
		}
		if admin&0x23 == 0 {
			servers[f[3]] = check&0x4 != 0
		}
	}
	return servers, nil
}

// PrefixBackend is the backend the router's prefix map sends key (a host
// and path, "host/") to: a spare's until a reload gives the route its own.
func (r *Router) PrefixBackend(key string) (string, error) {
	return r.MapBackend("http_prefix.map", key)
}

// MapBackend is the backend the router's map file (e.g. https_prefix.map)
// sends key to.
func (r *Router) MapBackend(file, key string) (string, error) {
	b, err := os.ReadFile(filepath.Join(r.ConfigDir(), "maps", file))
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, _ := strings.Cut(l, " "); k == key {
			return v, nil
		}
	}
	return "", fmt.Errorf("no %q in %s", key, file)
}
