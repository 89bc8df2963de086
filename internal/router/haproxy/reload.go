package haproxy

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Alert is one [ALERT] line of HAProxy's output, with the config location when it names one.
type Alert struct {
	File    string // as HAProxy printed it (absolute: we pass the absolute config path)
	Line    int    // 0 when the alert names no line
	Message string // the text after the "[ALERT] (pid) : " prefix
}

// CheckError is a configuration refused by `haproxy -c`; nothing was reloaded and the files on disk
// are back to what HAProxy runs.
type CheckError struct {
	Output string  // everything `haproxy -c` printed
	Alerts []Alert // its [ALERT] lines, so that a caller can map File:Line back to a route
	cause  error
}

func (e *CheckError) Error() string {
	return "haproxy config check failed: " + alertSummary(e.Alerts, e.cause)
}

func (e *CheckError) Unwrap() error { return e.cause }

// ReloadError is a configuration that HAProxy failed to load (Success=0 from the master CLI, or a
// first start that exited after a passing check, for instance because a port is taken). The files
// on disk are back to what HAProxy runs.
type ReloadError struct {
	Log    string // HAProxy's startup log
	Alerts []Alert
	cause  error
}

func (e *ReloadError) Error() string {
	return "haproxy failed to load the configuration: " + alertSummary(e.Alerts, e.cause)
}

func (e *ReloadError) Unwrap() error { return e.cause }

func alertSummary(alerts []Alert, cause error) string {
	var msgs []string
	for _, a := range alerts {
		msgs = append(msgs, a.Message)
	}
	if len(msgs) == 0 && cause != nil {
		msgs = append(msgs, cause.Error())
	}
	if len(msgs) == 0 {
		return "no [ALERT] in the output"
	}
	return strings.Join(msgs, "; ")
}

var (
	alertPrefix = regexp.MustCompile(`^\[ALERT\]\s*\(\d+\)\s*:\s*`)
	alertPlace  = regexp.MustCompile(`\[([^\[\]:]+):(\d+)\]`)
)

// parseAlerts extracts lines such as
// "[ALERT]    (2478) : config : parsing [/etc/haproxy/haproxy.cfg:11] : unknown keyword 'x' in 'frontend' section".
func parseAlerts(out string) []Alert {
	var alerts []Alert
	for _, line := range strings.Split(out, "\n") {
		loc := alertPrefix.FindStringIndex(line)
		if loc == nil {
			continue
		}
		a := Alert{Message: strings.TrimSpace(line[loc[1]:])}
		if m := alertPlace.FindStringSubmatch(a.Message); m != nil {
			a.File = m[1]
			a.Line, _ = strconv.Atoi(m[2])
		}
		alerts = append(alerts, a)
	}
	return alerts
}

// Reload makes HAProxy run exactly files: it writes the changed files atomically, removes the files
// written by previous calls that are no longer wanted, then starts HAProxy (first call, or after a
// crash; checked with `haproxy -c` first) or reloads it through the master CLI. On any error the disk
// is restored to what it held before the call. When Reload returns nil, new connections are
// served by the new worker, while old workers finish theirs.
//
// A running HAProxy is reloaded without a separate `haproxy -c`: the master parses the new files
// before it forks a worker, and when they fail it answers Success=0 and keeps the old workers, so a
// refused config never goes live either way. The check would parse everything a second time, which
// is half of what a reload costs (bench 3), and every Route that goes live by a reload waits for it.
func (s *Supervisor) Reload(ctx context.Context, files Files, reason string) (err error) {
	if _, ok := files[MainConfig]; !ok {
		return fmt.Errorf("files: %s is missing", MainConfig)
	}
	if err := validatePaths(files); err != nil {
		return err
	}
	s.opMu.Lock()
	defer s.opMu.Unlock()
	if s.finished() || s.isStopping() {
		return ErrStopped
	}
	start, action := time.Now(), "reload"
	if !s.Running() {
		action = "start"
	}
	defer func() {
		d := time.Since(start)
		s.recordReload(reason, d, err)
		if err != nil {
			s.opts.Log.Error(err, "HAProxy reload failed", "action", action, "reason", reason, "duration", d)
		} else {
			s.opts.Log.Info("HAProxy reloaded", "action", action, "reason", reason, "duration", d, "pid", s.PID())
		}
	}()
	u, err := s.apply(files)
	if err != nil {
		return err
	}
	if action == "reload" {
		err = s.reloadMaster(ctx)
	} else if err = s.check(ctx); err == nil {
		err = s.startLocked(ctx)
	}
	// After any error the disk goes back to what HAProxy ran before: a refusal is known to leave
	// that running, and after other errors (the master CLI not reached, a master that died
	// meanwhile) whether HAProxy took the new files is unknown. Kept, they could be refused files
	// that a crash restart loads unchecked, and that a later refusal of the same files would keep
	// (its rollback restores what the disk held before it). The caller's next sync writes them again.
	if err != nil {
		s.rollback(u)
	}
	return err
}

// Refusal tells whether err is HAProxy refusing the configuration (a *CheckError or a
// *ReloadError), which is known to leave the previous one running, and returns its [ALERT] lines.
func Refusal(err error) ([]Alert, bool) {
	var ce *CheckError
	if errors.As(err, &ce) {
		return ce.Alerts, true
	}
	var re *ReloadError
	if errors.As(err, &re) {
		return re.Alerts, true
	}
	return nil, false
}

// check runs `haproxy -c` on the config at its final path, so that relative includes and the paths
// of maps and certificates resolve exactly as they will when HAProxy loads them.
func (s *Supervisor) check(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, s.opts.Binary, "-c", "-f", s.cfgPath)
	out, err := cmd.CombinedOutput()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("run haproxy -c: %w", ctx.Err())
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return fmt.Errorf("run haproxy -c: %w", err)
	}
	return &CheckError{Output: string(out), Alerts: parseAlerts(string(out)), cause: err}
}
