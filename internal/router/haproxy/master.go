package haproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// defaultIOTimeout bounds one socket exchange when the caller's context has no deadline.
const defaultIOTimeout = 30 * time.Second

// Proc is one line of the master CLI's `show proc`.
type Proc struct {
	PID     int
	Type    string // "master" or "worker"
	Reloads int    // master: reloads since it started (failed ones included); worker: reloads it survived
	Uptime  string
	Version string
}

// ProcList is the parsed `show proc` answer.
type ProcList struct {
	Master        Proc
	FailedReloads int    // consecutive failed reloads (reset by a successful one)
	Workers       []Proc // the current worker
	OldWorkers    []Proc // workers still finishing connections after a reload
}

// CurrentWorker is the PID of the worker that took the last configuration that loaded.
func (pl *ProcList) CurrentWorker() (int, error) {
	if len(pl.Workers) == 0 {
		return 0, errors.New("show proc lists no current worker")
	}
	return pl.Workers[0].PID, nil
}

// ShowProc asks the master CLI for its processes.
func (s *Supervisor) ShowProc(ctx context.Context) (*ProcList, error) { return s.showProc(ctx) }

// ReloadCount is the number of reloads the running master did since it started (its <reloads>
// column in `show proc`); it restarts from 0 when HAProxy is restarted after a crash.
func (s *Supervisor) ReloadCount(ctx context.Context) (int, error) {
	pl, err := s.showProc(ctx)
	if err != nil {
		return 0, err
	}
	return pl.Master.Reloads, nil
}

func (s *Supervisor) showProc(ctx context.Context) (*ProcList, error) {
	out, err := roundTrip(ctx, s.masterSock, "show proc\n")
	if err != nil {
		return nil, fmt.Errorf("master CLI show proc: %w", err)
	}
	return parseShowProc(out)
}

// parseShowProc reads the 3.0 format:
//
//	#<PID>          <type>          <reloads>       <uptime>        <version>
//	1876            master          1 [failed: 0]   0d00h00m16s     3.0.11-9e587df
//	# workers
//	2289            worker          0               0d00h00m00s     3.0.11-9e587df
//	# old workers
//	1879            worker          1               0d00h00m16s     3.0.11-9e587df
//	# programs
func parseShowProc(out string) (*ProcList, error) {
	pl := &ProcList{}
	section := "master"
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "#") {
			section = strings.TrimSpace(strings.TrimPrefix(line, "#"))
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		p, failed, err := parseProcFields(f)
		if err != nil {
			return nil, fmt.Errorf("show proc: %q: %w", line, err)
		}
		switch {
		case p.Type == "master":
			pl.Master, pl.FailedReloads = p, failed
		case section == "workers":
			pl.Workers = append(pl.Workers, p)
		case section == "old workers":
			pl.OldWorkers = append(pl.OldWorkers, p)
		}
	}
	if pl.Master.PID == 0 {
		return nil, fmt.Errorf("show proc: no master line in %q", out)
	}
	return pl, nil
}

func parseProcFields(f []string) (p Proc, failed int, err error) {
	if p.PID, err = strconv.Atoi(f[0]); err != nil {
		return p, 0, err
	}
	p.Type = f[1]
	if p.Reloads, err = strconv.Atoi(f[2]); err != nil {
		return p, 0, err
	}
	rest := f[3:]
	if len(rest) >= 2 && rest[0] == "[failed:" { // master only: "[failed: N]"
		failed, _ = strconv.Atoi(strings.TrimSuffix(rest[1], "]"))
		rest = rest[2:]
	}
	if len(rest) > 0 {
		p.Uptime = rest[0]
	}
	if len(rest) > 1 {
		p.Version = rest[1]
	}
	return p, failed, nil
}

// reloadMaster sends `reload` to the master CLI. HAProxy 3.0 answers once the new worker is forked:
// "Success=1" or "Success=0", a "--" line, then the startup log. The master closes the connection.
func (s *Supervisor) reloadMaster(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok { // a big config takes long to parse: allow what a start allows
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.opts.StartTimeout)
		defer cancel()
	}
	out, err := roundTrip(ctx, s.masterSock, "reload\n")
	if err != nil {
		return fmt.Errorf("master CLI reload: %w", err)
	}
	status, log, _ := strings.Cut(out, "\n")
	log = strings.TrimPrefix(log, "--\n")
	switch strings.TrimSpace(status) {
	case "Success=1":
		s.mu.Lock()
		s.workers++ // whether or not the wait below succeeds
		p := s.proc
		s.mu.Unlock()
		if p == nil {
			return errors.New("haproxy exited during the reload")
		}
		var cancel context.CancelFunc
		ctx, cancel = p.cancelOnExit(ctx)
		defer cancel()
	case "Success=0":
		return &ReloadError{Log: log, Alerts: parseAlerts(log)}
	default:
		return fmt.Errorf("master CLI reload: unexpected answer %q", out)
	}
	pl, err := s.showProc(ctx)
	if err != nil {
		return err
	}
	pid, err := pl.CurrentWorker()
	if err != nil {
		return fmt.Errorf("reload succeeded, but %w", err)
	}
	return s.waitWorker(ctx, pid)
}

var pidLine = regexp.MustCompile(`(?m)^Pid: (\d+)$`)

// waitWorker waits until the worker that answers on the stats socket is pid. Old workers stop
// accepting when they get the soft-stop signal, which the master sends before forking the new
// worker; checking closes the small window in which a runtime-API command sent right after a reload
// could still reach an old worker (and be lost with it). Skipped when the config has no stats socket.
func (s *Supervisor) waitWorker(ctx context.Context, pid int) error {
	if !bytes.Contains(s.files[MainConfig], []byte(s.statsSock)) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	want := strconv.Itoa(pid)
	last := ""
	for attempt := 1; ; attempt++ {
		out, err := roundTrip(ctx, s.statsSock, "show info\n")
		if m := pidLine.FindStringSubmatch(out); err == nil && m != nil {
			if m[1] == want {
				s.opts.Log.V(1).Info("new worker answers on the stats socket", "pid", pid, "attempts", attempt, "before", last)
				return nil
			}
			last = "worker " + m[1] + " answered"
		} else if err != nil {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("new worker %d does not answer on %s (%s): %w", pid, s.statsSock, last, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// roundTrip sends req on a fresh connection and reads until HAProxy closes it. One connection per
// exchange: the master CLI accepts few connections, and the non-interactive mode closes after the
// last command of the line anyway.
func roundTrip(ctx context.Context, sock, req string) (string, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", sock)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(defaultIOTimeout)
	}
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := io.WriteString(conn, req); err != nil {
		return "", err
	}
	// Half-close: the master CLI keeps a session open until it sees the end of input.
	_ = conn.(*net.UnixConn).CloseWrite()
	b, err := io.ReadAll(conn)
	if err != nil {
		return string(b), err
	}
	return string(b), nil
}
