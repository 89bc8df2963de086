package haproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"time"
)

// process is one HAProxy master (it keeps its PID across reloads: the master re-executes itself).
type process struct {
	cmd     *exec.Cmd
	exited  chan struct{} // closed once Wait returned
	waitErr error         // valid after exited is closed
	out     *tail         // last lines of HAProxy's output, for error messages
	copied  sync.WaitGroup
}

func (p *process) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// cancelOnExit returns ctx, cancelled when the master exits too: a wait for its worker gives way
// at once to the crash restart, which needs the lock the waiter holds. Call cancel when done.
func (p *process) cancelOnExit(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-p.exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// signalGroup signals the master and every worker: they share the process group we created.
func (p *process) signalGroup(sig syscall.Signal) {
	_ = syscall.Kill(-p.cmd.Process.Pid, sig)
}

// kill kills the master and its workers, and waits for them all.
func (p *process) kill() {
	p.signalGroup(syscall.SIGKILL)
	<-p.exited
	p.reap()
}

// reap waits for the workers a dead master left, which the caller killed: a dead master's workers
// become children of PID 1, which is the router in its container, so nothing else would wait for
// them and each crash would leave zombies under the pod's PID limit. Waiting on the group (-pgid)
// takes only HAProxy's processes, never a child exec.Cmd waits for; call it once the master was
// waited for. Outside a container the workers go to init, and the wait finds none (ECHILD).
func (p *process) reap() {
	pgid := p.cmd.Process.Pid
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		pid, err := syscall.Wait4(-pgid, nil, syscall.WNOHANG, nil)
		switch {
		case err == syscall.EINTR:
		case err != nil:
			return // ECHILD: none left
		case pid == 0:
			time.Sleep(5 * time.Millisecond) // killed, not yet dead
		}
	}
}

// startLocked starts a master from the files on disk and waits until it serves. Callers hold opMu.
func (s *Supervisor) startLocked(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.opts.StartTimeout)
		defer cancel()
	}
	p, err := s.spawn()
	if err != nil {
		return err
	}
	if err := s.waitStarted(ctx, p); err != nil {
		p.kill()
		return err
	}
	return s.adopt(p)
}

// spawn runs `haproxy -W -S master.sock -f haproxy.cfg` in the foreground, as our child.
func (s *Supervisor) spawn() (*process, error) {
	if err := os.MkdirAll(s.opts.RunDir, 0o755); err != nil {
		return nil, err
	}
	cmd := exec.Command(s.opts.Binary, "-W", "-S", s.masterSock+",mode,600",
		"-f", s.cfgPath, "-p", s.pidFile)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Own process group: a Ctrl-C meant for the router does not hit HAProxy behind our back, and
		// we can kill the master with its workers at once.
		Setpgid: true,
		// HAProxy must not outlive the router (it would hold the ports of the next router). The
		// kernel drops this for a binary with file capabilities (HostNetwork routers'
		// haproxy-bind-low-ports); in a pod the end of its PID namespace kills HAProxy anyway.
		Pdeathsig: syscall.SIGTERM,
	}
	p := &process{cmd: cmd, exited: make(chan struct{}), out: newTail(64)}
	p.out.onLine = func(line []byte) {
		if currentWorkerExited.Match(line) {
			go s.workerExited(p)
		}
	}
	closeWriters, err := p.pipeOutput(s.opts.Stdout, s.opts.Stderr)
	if err != nil {
		return nil, err
	}
	err = cmd.Start()
	closeWriters() // the child has its copies; EOF comes when the master and all workers are gone
	if err != nil {
		return nil, fmt.Errorf("start haproxy: %w", err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
		s.handleExit(p)
	}()
	return p, nil
}

// pipeOutput gives HAProxy real pipes rather than arbitrary writers: with a writer, exec.Cmd.Wait
// would also wait for the workers (which inherit the pipe), so a dead master would go unnoticed while
// an old worker drains its connections.
func (p *process) pipeOutput(stdout, stderr io.Writer) (closeWriters func(), err error) {
	var writers []*os.File
	closeWriters = func() {
		for _, w := range writers {
			w.Close()
		}
	}
	for _, dst := range []struct {
		set *io.Writer
		to  io.Writer
	}{{&p.cmd.Stdout, stdout}, {&p.cmd.Stderr, stderr}} {
		r, w, err := os.Pipe()
		if err != nil {
			closeWriters()
			return nil, err
		}
		writers = append(writers, w)
		*dst.set = w
		to := io.MultiWriter(p.out, orDiscard(dst.to))
		p.copied.Add(1)
		go func() {
			defer p.copied.Done()
			defer r.Close()
			_, _ = io.Copy(to, r)
		}()
	}
	return closeWriters, nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// waitStarted polls the master CLI until it answers as this process with a worker. The HAProxy 3.0
// master binds every listener before forking the worker and answers its CLI only once it re-executed
// itself in wait mode after "Loading success.", so from then on connections are queued for the worker.
func (s *Supervisor) waitStarted(ctx context.Context, p *process) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if p.hasExited() {
			return s.startFailure(p)
		}
		if pl, err := s.showProc(ctx); err == nil && pl.Master.PID == p.cmd.Process.Pid && len(pl.Workers) > 0 {
			ctx, cancel := p.cancelOnExit(ctx)
			defer cancel()
			err := s.waitWorker(ctx, pl.Workers[0].PID)
			if err != nil && p.hasExited() {
				return s.startFailure(p) // HAProxy's alerts, not the wait's cancellation
			}
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("haproxy did not start: %w\n%s", ctx.Err(), p.out.String())
		case <-p.exited:
		case <-tick.C:
		}
	}
}

// startFailure builds the error for a master that exited while starting, with its output.
func (s *Supervisor) startFailure(p *process) error {
	done := make(chan struct{})
	go func() { p.copied.Wait(); close(done) }()
	select { // the output may still be in the pipes
	case <-done:
	case <-time.After(time.Second):
	}
	out := p.out.String()
	return &ReloadError{Log: out, Alerts: parseAlerts(out), cause: fmt.Errorf("haproxy exited while starting: %v", p.waitErr)}
}

// adopt makes p the current master, unless it died meanwhile (then its exit was ignored by
// handleExit, so we report it here).
func (s *Supervisor) adopt(p *process) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.hasExited() {
		return fmt.Errorf("haproxy exited right after starting: %v", p.waitErr)
	}
	if s.crashed {
		s.metrics.RestartsTotal++
		s.crashed = false
		select {
		case s.restarted <- struct{}{}:
		default: // one waiting is enough
		}
	}
	s.proc = p
	s.started = true
	s.workers++
	return nil
}

// handleExit runs when a master exits. Expected exits (Stop, failed starts) are ignored; a crash
// is logged and HAProxy is restarted from the files on disk, which are always the last good ones.
func (s *Supervisor) handleExit(p *process) {
	s.mu.Lock()
	if s.proc != p || s.stopping {
		s.mu.Unlock()
		return
	}
	s.proc = nil
	s.crashed = true
	s.mu.Unlock()
	// Workers exit when their master dies; kill any straggler so that it cannot keep serving an
	// old configuration next to the new master (listeners use SO_REUSEPORT).
	p.signalGroup(syscall.SIGKILL)
	p.reap()
	s.opts.Log.Error(p.waitErr, "HAProxy exited unexpectedly, restarting it", "pid", p.cmd.Process.Pid,
		"output", p.out.String())
	go s.restartLoop()
}

// currentWorkerExited matches the HAProxy 3.0 master's report that its current worker exited:
// "[ALERT]    (1) : Current worker (42) exited with code 143 (Terminated)" (a [WARNING] for 0).
// Old workers leaving after a reload are reported as "Former worker".
var currentWorkerExited = regexp.MustCompile(`^\[[A-Z]+\] +\(\d+\) : Current worker \(\d+\) exited with code `)

// workerExited handles the master's report that its current worker exited. A worker that dies
// abnormally takes the master down (handleExit restarts HAProxy); one that exits cleanly (SIGTERM,
// code 0) while old workers still drain leaves the master up, with nothing listening and the
// router's health checks passing. So the master is killed, to be restarted as after a crash.
func (s *Supervisor) workerExited(p *process) {
	s.mu.Lock()
	current := s.proc == p && !s.stopping
	s.mu.Unlock()
	if current {
		s.opts.Log.Info("HAProxy's current worker exited while its master stays up; restarting HAProxy",
			"pid", p.cmd.Process.Pid)
		p.signalGroup(syscall.SIGKILL)
	}
}

// restartLoop restarts HAProxy at once, then retries with a backoff capped at one second.
func (s *Supervisor) restartLoop() {
	delay := time.Duration(0)
	for attempt := 1; ; attempt++ {
		select {
		case <-s.stopCh:
			return
		case <-time.After(delay):
		}
		again, err := s.restartOnce()
		if !again {
			return
		}
		s.opts.Log.Error(err, "cannot restart HAProxy", "attempt", attempt)
		if attempt >= s.opts.MaxRestartAttempts {
			s.finish(fmt.Errorf("haproxy: giving up after %d restart attempts: %w", attempt, err))
			return
		}
		delay = min(max(2*delay, 100*time.Millisecond), time.Second)
	}
}

// restartOnce makes one attempt; again is false when nothing is left to do (restarted, stopping, or a
// Reload started HAProxy meanwhile).
func (s *Supervisor) restartOnce() (again bool, err error) {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	if s.isStopping() || s.Running() {
		return false, nil
	}
	if err := s.startLocked(context.Background()); err != nil {
		return true, err
	}
	s.opts.Log.Info("HAProxy restarted after a crash", "pid", s.PID())
	return false, nil
}

// Stop stops HAProxy gracefully: SIGUSR1 to the master (soft stop: listeners close, workers finish
// their connections), then, when ctx ends, SIGTERM and finally SIGKILL to the whole process group.
// Done is closed when Stop returns.
func (s *Supervisor) Stop(ctx context.Context) error {
	s.mu.Lock()
	if !s.stopping {
		s.stopping = true
		close(s.stopCh)
	}
	s.mu.Unlock()
	s.opMu.Lock() // let a running reload or restart finish
	defer s.opMu.Unlock()
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	var err error
	if p != nil {
		err = p.stop(ctx)
	}
	s.finish(err)
	return err
}

func (p *process) stop(ctx context.Context) error {
	_ = p.cmd.Process.Signal(syscall.SIGUSR1)
	select {
	case <-p.exited:
		return nil
	case <-ctx.Done():
	}
	p.signalGroup(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(2 * time.Second):
	}
	p.kill() // workers that outlived the master too
	return fmt.Errorf("haproxy did not stop gracefully: %w", ctx.Err())
}

// tail keeps the last lines written to it.
type tail struct {
	mu     sync.Mutex
	max    int
	lines  [][]byte
	part   []byte
	onLine func([]byte) // nil, or called with each whole line; must not block
}

func newTail(max int) *tail { return &tail{max: max} }

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	data := append(t.part, b...)
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		t.lines = append(t.lines, append([]byte(nil), data[:i]...))
		if t.onLine != nil {
			t.onLine(data[:i])
		}
		data = data[i+1:]
	}
	t.part = append([]byte(nil), data...)
	if over := len(t.lines) - t.max; over > 0 {
		t.lines = append([][]byte(nil), t.lines[over:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b bytes.Buffer
	for _, l := range t.lines {
		b.Write(l)
		b.WriteByte('\n')
	}
	b.Write(t.part)
	return b.String()
}
