//go:build linux

package localnode

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// container runs one container of a pod as a process, restarts it as the
// pod's restartPolicy says and probes it. Its state is read by the pod
// worker to write the pod's status.
type container struct {
	w     *podWorker
	spec  corev1.Container
	image Image
	known bool
	log   string // the process's output, appended across restarts

	mu sync.Mutex
	st containerState
}

// containerState is what the status reports about a container.
type containerState struct {
	running             bool
	startedAt           time.Time
	pid                 int
	started, ready      bool
	restarts            int32
	last                *corev1.ContainerStateTerminated // the previous run
	final               *corev1.ContainerStateTerminated // ended, not restarted
	waitReason, waitMsg string
}

func newContainer(w *podWorker, spec corev1.Container) *container {
	img, known := w.a.images[spec.Image]
	c := &container{w: w, spec: spec, image: img, known: known,
		log: filepath.Join(w.dir, spec.Name+".log")}
	c.st.waitReason, c.st.waitMsg = "ContainerCreating", ""
	if !known {
		c.st.waitReason = "ImageNotRunnableLocally"
		c.st.waitMsg = fmt.Sprintf("image %q cannot run on a local node, which runs only these images: %s",
			spec.Image, w.a.knownImages())
	}
	return c
}

func (c *container) state() containerState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st
}

func (c *container) update(f func(*containerState)) {
	c.mu.Lock()
	f(&c.st)
	c.mu.Unlock()
	c.w.poke()
}

func (c *container) pid() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st.running {
		return c.st.pid
	}
	return 0
}

// run keeps the container's process going until ctx ends; then it stops
// the process with the pod worker's grace period.
func (c *container) run(ctx context.Context) {
	backoff := initialBackoff
	for {
		ran, again := c.runOnce(ctx)
		if !again {
			return
		}
		if ran >= resetBackoff {
			backoff = initialBackoff
		}
		c.update(func(s *containerState) {
			if s.waitReason != "RunContainerError" { // keep why it could not start
				s.waitReason, s.waitMsg = "CrashLoopBackOff", fmt.Sprintf("back-off %s restarting failed container", backoff)
			}
		})
		if waitOrDone(ctx, backoff) {
			return
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// runOnce starts the process and supervises it; it returns how long the
// process ran and whether to start it again.
func (c *container) runOnce(ctx context.Context) (time.Duration, bool) {
	p, err := c.start()
	if err != nil {
		c.w.log.Error(err, "starting container", "container", c.spec.Name)
		c.update(func(s *containerState) { s.waitReason, s.waitMsg = "RunContainerError", err.Error() })
		return 0, true
	}
	reason := c.supervise(ctx, p)
	if ctx.Err() != nil {
		p.terminate(c.w.graceNow())
		c.exited(p, "")
		return 0, false
	}
	c.exited(p, reason)
	return p.finished.Sub(p.started), c.restarts(p.exitCode)
}

// waitOrDone waits d and reports whether ctx ended first.
func waitOrDone(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return true
	case <-t.C:
		return false
	}
}

// restarts applies the pod's restartPolicy to an exit code.
func (c *container) restarts(code int) bool {
	switch c.w.restartPolicy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return code != 0
	}
	return true
}

func (c *container) start() (*process, error) {
	env, err := c.w.env(c)
	if err != nil {
		return nil, err
	}
	pod, _, _ := c.w.snapshot()
	cmd := c.w.containerCommand(pod, c)
	cmd.Env, cmd.Dir = env, c.w.dir
	p, err := startProcess(cmd, c.log)
	if err != nil {
		return nil, err
	}
	c.update(func(s *containerState) {
		if s.last != nil {
			s.restarts++ // the count of starts after the first, as a kubelet's
		}
		s.running, s.startedAt, s.pid = true, p.started, p.pid
		s.started, s.ready, s.waitReason, s.waitMsg = false, false, "", ""
	})
	c.w.log.Info("started", "container", c.spec.Name, "pid", p.pid, "log", c.log)
	return p, nil
}

// supervise probes the process until it exits or ctx ends. When a startup
// or liveness probe fails for good it kills the process, as a kubelet
// does, and returns why.
func (c *container) supervise(ctx context.Context, p *process) string {
	pr := newProbes(&c.spec, p.started)
	check := c.w.prober(c.spec.Ports)
	tick := time.NewTicker(probeTick)
	defer tick.Stop()
	for {
		select {
		case <-p.done:
			return ""
		case <-ctx.Done():
			return ""
		case now := <-tick.C:
			reason := pr.step(now, func(probe *corev1.Probe) error { return check.check(ctx, probe) })
			if ctx.Err() != nil {
				return ""
			}
			c.setProbed(pr.started, pr.ready)
			if reason != "" {
				c.w.log.Info("restarting", "container", c.spec.Name, "reason", reason)
				p.terminate(c.w.grace())
				return reason
			}
		}
	}
}

func (c *container) setProbed(started, ready bool) {
	c.mu.Lock()
	changed := c.st.started != started || c.st.ready != ready
	c.st.started, c.st.ready = started, ready
	c.mu.Unlock()
	if changed {
		c.w.poke()
	}
}

// exited records how a run ended.
func (c *container) exited(p *process, message string) {
	reason := "Completed"
	if p.exitCode != 0 {
		reason = "Error"
	}
	t := &corev1.ContainerStateTerminated{
		ExitCode: int32(p.exitCode), Reason: reason, Message: message,
		StartedAt: metav1.NewTime(p.started), FinishedAt: metav1.NewTime(p.finished),
		ContainerID: containerID(p.pid),
	}
	c.w.log.Info("exited", "container", c.spec.Name, "pid", p.pid, "exitCode", p.exitCode)
	c.update(func(s *containerState) {
		s.running, s.started, s.ready, s.pid = false, false, false, 0
		s.last = t
		if !c.restarts(p.exitCode) {
			s.final = t
		}
	})
}

// containerID names a run: there is no container runtime, the process is
// the container.
func containerID(pid int) string { return fmt.Sprintf("localnode://%d", pid) }
