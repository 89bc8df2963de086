//go:build linux

package localnode

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/go-logr/logr"
)

// process is one run of a program, in a process group of its own so that
// a kill reaches whatever it started too. Its output is appended to a log
// file.
type process struct {
	cmd      *exec.Cmd
	pid      int
	started  time.Time
	done     chan struct{} // closed once it has exited and been reaped
	exitCode int           // set before done is closed
	finished time.Time
}

// startProcess starts cmd (built by localnet.Command, so it has Pdeathsig)
// with its output going to logPath.
func startProcess(cmd *exec.Cmd, logPath string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	p := &process{cmd: cmd, pid: cmd.Process.Pid, started: time.Now(), done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		p.exitCode = exitCode(cmd.ProcessState)
		p.finished = time.Now()
		_ = logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// exitCode is the code a container runtime reports: 128+signal when a
// signal ended the process.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// terminate stops the process as a container runtime does: SIGTERM to the
// main process, then, after grace, SIGKILL to its whole group. What is
// left of the group once the main process is gone is killed too.
func (p *process) terminate(grace time.Duration) {
	if !p.exited() {
		_ = syscall.Kill(p.pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(grace):
			_ = syscall.Kill(-p.pid, syscall.SIGKILL)
			<-p.done
		}
	}
	_ = syscall.Kill(-p.pid, syscall.SIGKILL)
}

// Restart back-off: doubled after every quick exit, reset after a long
// run. Kubelet uses 10 s to 5 min; locally a broken binary should show up
// fast and a fixed one come back fast.
const (
	initialBackoff = time.Second
	maxBackoff     = 30 * time.Second
	resetBackoff   = time.Minute
)

// supervisor keeps one program running (kube-proxy), restarting it with
// back-off when it exits.
type supervisor struct {
	name    string
	newCmd  func() *exec.Cmd
	logPath string
	log     logr.Logger

	cancel context.CancelFunc
	done   chan struct{}
	cur    chan *process // the running process, for stop
}

func startSupervisor(name, logPath string, log logr.Logger, newCmd func() *exec.Cmd) *supervisor {
	ctx, cancel := context.WithCancel(context.Background())
	s := &supervisor{name: name, newCmd: newCmd, logPath: logPath, log: log,
		cancel: cancel, done: make(chan struct{}), cur: make(chan *process, 1)}
	go s.loop(ctx)
	return s
}

func (s *supervisor) loop(ctx context.Context) {
	defer close(s.done)
	backoff := initialBackoff
	for {
		p, err := startProcess(s.newCmd(), s.logPath)
		if err != nil {
			s.log.Error(err, "starting", "program", s.name)
		} else {
			s.cur <- p
			select {
			case <-p.done:
				<-s.cur
				s.log.Info("exited; restarting", "program", s.name, "exitCode", p.exitCode, "log", s.logPath)
				if p.finished.Sub(p.started) >= resetBackoff {
					backoff = initialBackoff
				}
			case <-ctx.Done():
				return
			}
		}
		if waitOrDone(ctx, backoff) {
			return
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// stop terminates the program and stops restarting it.
func (s *supervisor) stop(grace time.Duration) {
	s.cancel()
	<-s.done
	select {
	case p := <-s.cur:
		p.terminate(grace)
	default:
	}
}
