// Package haproxy is the only part of the router that touches HAProxy: it writes the rendered files
// atomically, checks them with `haproxy -c`, runs HAProxy 3.0 in master-worker mode as a child
// process (restarting it if it crashes), reloads it through the master CLI and talks to the worker's
// runtime API (stats socket).
package haproxy

import (
	"errors"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-logr/logr"
)

// MainConfig is the name of the main configuration file, relative to Options.ConfigDir.
const MainConfig = "haproxy.cfg"

// ErrStopped is returned by operations on a Supervisor that was stopped or gave up restarting HAProxy.
var ErrStopped = errors.New("haproxy supervisor stopped")

// Options configures a Supervisor.
type Options struct {
	Binary    string      // haproxy executable
	ConfigDir string      // where haproxy.cfg and the auxiliary files live (maps/, certs/, ...)
	RunDir    string      // master.sock, the worker stats socket (haproxy.sock), pid file
	Log       logr.Logger // the zero value discards
	// Stdout and Stderr receive HAProxy's own output (nil: discard).
	Stdout, Stderr io.Writer
	// MaxRestartAttempts is how many consecutive failed restarts after a crash make the supervisor give
	// up (Done is then closed). 0 means 10; restarts are spaced at most one second apart.
	MaxRestartAttempts int
	// StartTimeout bounds a start when the caller's context has no deadline (0: one minute).
	StartTimeout time.Duration
}

// Files are the rendered files, by path relative to ConfigDir; "haproxy.cfg" is the main config.
type Files map[string][]byte

// Metrics are counters the router exports. Reloads count every Reload call that made HAProxy run a new
// configuration (the first start included); failures count Reload calls that returned an error.
type Metrics struct {
	ReloadsTotal        uint64
	ReloadFailuresTotal uint64
	RestartsTotal       uint64 // starts after HAProxy exited unexpectedly
	LastReloadDuration  time.Duration
	LastReloadReason    string
	ReloadsByReason     map[string]uint64 // successful reloads by reason (callers keep reasons few)
}

// Supervisor owns one HAProxy master process and the files it runs.
type Supervisor struct {
	opts       Options
	cfgPath    string
	masterSock string
	statsSock  string
	pidFile    string

	// opMu serialises lifecycle operations (Reload, WriteFiles, crash restarts, Stop), which may
	// take long; mu guards the fields below it and is only held briefly, so that Running and
	// Metrics never wait for a reload.
	opMu  sync.Mutex
	files map[string][]byte // content of the files written by previous calls, by relative path

	mu       sync.Mutex
	proc     *process // the running master, nil while down
	started  bool     // HAProxy ran once: from now on a crash is restarted
	crashed  bool     // the last exit was unexpected: the next start counts as a restart
	stopping bool
	stopCh   chan struct{} // closed when Stop begins: cancels restart loops
	done     chan struct{} // closed when the supervisor is finished
	doneErr  error
	metrics  Metrics
	// workers counts the workers started (by starts, restarts and
	// reloads): what the runtime API changed dies with a worker.
	workers uint64
	// restarted receives after a restart that followed a crash.
	restarted chan struct{}
}

// New returns a Supervisor; nothing runs until the first Reload.
func New(o Options) *Supervisor {
	if abs, err := filepath.Abs(o.ConfigDir); err == nil {
		o.ConfigDir = abs
	}
	if abs, err := filepath.Abs(o.RunDir); err == nil {
		o.RunDir = abs
	}
	if o.MaxRestartAttempts <= 0 {
		o.MaxRestartAttempts = 10
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = time.Minute
	}
	return &Supervisor{
		opts:       o,
		cfgPath:    filepath.Join(o.ConfigDir, MainConfig),
		masterSock: MasterSocket(o.RunDir),
		statsSock:  StatsSocket(o.RunDir),
		pidFile:    filepath.Join(o.RunDir, "haproxy.pid"),
		files:      map[string][]byte{},
		stopCh:     make(chan struct{}),
		done:       make(chan struct{}),
		restarted:  make(chan struct{}, 1),
		metrics:    Metrics{ReloadsByReason: map[string]uint64{}},
	}
}

// StatsSocket is the worker's runtime API socket; the rendered config must declare
// `stats socket <StatsSocket(runDir)> mode 600 level admin`.
func StatsSocket(runDir string) string { return filepath.Join(runDir, "haproxy.sock") }

// MasterSocket is the master CLI socket passed with -S.
func MasterSocket(runDir string) string { return filepath.Join(runDir, "master.sock") }

// Workers counts the HAProxy workers started so far. A change made through
// the runtime API that the files do not hold (a health check turned off)
// lasts only while this stays the same.
func (s *Supervisor) Workers() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.workers
}

// Restarted receives after HAProxy was restarted following a crash: it
// runs the files, without what the runtime API changed but they hold.
func (s *Supervisor) Restarted() <-chan struct{} { return s.restarted }

// ConfigPath is the absolute path of the main config file.
func (s *Supervisor) ConfigPath() string { return s.cfgPath }

// Running reports whether a master process is up and serving.
func (s *Supervisor) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil
}

// PID is the master's process id, 0 while down.
func (s *Supervisor) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.cmd.Process.Pid
}

// Done is closed when the supervisor is finished: after Stop, or when it gave up restarting HAProxy.
func (s *Supervisor) Done() <-chan struct{} { return s.done }

// Err is why the supervisor finished: nil after a clean Stop or while it runs.
func (s *Supervisor) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.doneErr
}

// Wait blocks until Done and returns Err.
func (s *Supervisor) Wait() error {
	<-s.done
	return s.Err()
}

// Metrics returns a snapshot of the counters.
func (s *Supervisor) Metrics() Metrics {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.metrics
	m.ReloadsByReason = make(map[string]uint64, len(s.metrics.ReloadsByReason))
	for k, v := range s.metrics.ReloadsByReason {
		m.ReloadsByReason[k] = v
	}
	return m
}

func (s *Supervisor) recordReload(reason string, d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.metrics.LastReloadDuration = d
	s.metrics.LastReloadReason = reason
	if err != nil {
		s.metrics.ReloadFailuresTotal++
		return
	}
	s.metrics.ReloadsTotal++
	s.metrics.ReloadsByReason[reason]++
}

// finish closes Done once.
func (s *Supervisor) finish(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.done:
		return
	default:
	}
	s.doneErr = err
	close(s.done)
}

func (s *Supervisor) isStopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
}

func (s *Supervisor) finished() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}
