//go:build linux

package localnode

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/okd-ingress/okd-ingress/internal/localnet"
)

// Grace periods. A kubelet never gives less than 2 s; locally a pod's
// terminationGracePeriodSeconds (an hour for OKD's routers) is capped so
// that deleting a pod or stopping the stack never hangs for long.
const (
	minGrace = 2 * time.Second
	maxGrace = 30 * time.Second
	// goneGrace is for pods deleted without us (force deletion, or the
	// namespace went away): nobody waits for them any more.
	goneGrace = minGrace
	// apiTimeout bounds every API call of a worker.
	apiTimeout = 10 * time.Second
)

// podWorker runs one pod from its first sight to its end. Its run loop
// owns the pod's resources; other goroutines only call update, shutdown,
// poke and pids.
type podWorker struct {
	a             *Agent
	uid           types.UID
	key           string
	log           logr.Logger
	dir           string
	hostNetwork   bool
	restartPolicy corev1.RestartPolicy
	specGrace     time.Duration // terminationGracePeriodSeconds, capped

	mu         sync.Mutex
	pod        *corev1.Pod // the latest seen
	gone       bool        // deleted from the API
	stopping   bool        // the agent stops
	containers []*container
	wake       chan struct{}

	// Owned by run.
	net        *localnet.Pod
	podIP      string // set before any container starts, then fixed
	volumes    map[string]string
	creds      *credentials
	setupErr   error
	startTime  metav1.Time
	lastStatus *corev1.PodStatus // the last status written
	stopCtrs   context.CancelFunc
	ctrs       sync.WaitGroup
	termGrace  atomic.Int64 // the grace of the termination under way
}

func newPodWorker(a *Agent, pod *corev1.Pod) *podWorker {
	uid8 := string(pod.UID)[:min(8, len(pod.UID))]
	w := &podWorker{
		a: a, uid: pod.UID, key: pod.Namespace + "/" + pod.Name,
		dir:           filepath.Join(a.cfg.Dir, uid8),
		hostNetwork:   pod.Spec.HostNetwork,
		restartPolicy: pod.Spec.RestartPolicy,
		specGrace:     capGrace(pod.Spec.TerminationGracePeriodSeconds),
		pod:           pod,
		wake:          make(chan struct{}, 1),
		startTime:     metav1.Now(),
	}
	w.log = a.log.WithValues("pod", w.key)
	if w.hostNetwork {
		w.podIP = a.cfg.Node.IP.String()
	}
	return w
}

func capGrace(seconds *int64) time.Duration {
	s := int64(30) // the API's default
	if seconds != nil {
		s = *seconds
	}
	return min(max(time.Duration(s)*time.Second, minGrace), maxGrace)
}

// update hands the worker the pod's latest state.
func (w *podWorker) update(pod *corev1.Pod, deleted bool) {
	w.mu.Lock()
	if deleted {
		w.gone = true
	} else {
		w.pod = pod
	}
	w.mu.Unlock()
	w.poke()
}

// shutdown asks the worker to stop the pod's processes and clean up,
// leaving the Pod object alone.
func (w *podWorker) shutdown() {
	w.mu.Lock()
	w.stopping = true
	w.mu.Unlock()
	w.poke()
}

// poke wakes the run loop (a status may need writing).
func (w *podWorker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *podWorker) pids() []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []int
	for _, c := range w.containers {
		if pid := c.pid(); pid != 0 {
			out = append(out, pid)
		}
	}
	return out
}

func (w *podWorker) snapshot() (*corev1.Pod, bool, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pod, w.gone, w.stopping
}

// run sets the pod up, starts its containers and keeps its status
// current, once a second and whenever something changes, until the pod
// ends.
func (w *podWorker) run() {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	round := true // a once-a-second round (the first one counts as one)
	for {
		pod, gone, stopping := w.snapshot()
		if w.ended(pod, gone, stopping) {
			return
		}
		if w.stopCtrs == nil && (round || w.setupErr == nil) {
			w.setUp(pod) // a failed set-up is retried once a second
		}
		w.refreshCredentials(pod)
		w.syncStatus(pod, round)
		select {
		case <-w.wake:
			round = false
		case <-tick.C:
			round = true
		}
	}
}

// ended stops the pod when it has to stop, and reports whether it did.
// A deleted pod's object is deleted for good afterwards, as a kubelet
// does once its containers are gone.
func (w *podWorker) ended(pod *corev1.Pod, gone, stopping bool) bool {
	switch {
	case stopping:
		w.stop(min(w.specGrace, stopGrace))
	case gone:
		w.stop(goneGrace)
	case pod.DeletionTimestamp != nil:
		grace := w.specGrace
		if pod.DeletionGracePeriodSeconds != nil {
			grace = capGrace(pod.DeletionGracePeriodSeconds)
		}
		w.log.Info("pod deleted; stopping", "grace", grace)
		w.stop(grace)
		w.deletePod(pod)
	default:
		return false
	}
	return true
}

// setUp prepares the pod's network, credentials and volumes, then starts
// a goroutine per container of a known image. A failed step is retried;
// the error shows in the containers' waiting message.
func (w *podWorker) setUp(pod *corev1.Pod) {
	if err := w.prepare(pod); err != nil {
		if w.setupErr == nil || w.setupErr.Error() != err.Error() {
			w.log.Error(err, "setting up the pod (will retry)")
		}
		w.setupErr = err
		return
	}
	w.setupErr = nil
	ctx, cancel := context.WithCancel(context.Background())
	w.stopCtrs = cancel
	var ctrs []*container
	for _, spec := range pod.Spec.Containers {
		c := newContainer(w, spec)
		ctrs = append(ctrs, c)
		if c.known {
			w.ctrs.Add(1)
			go func() {
				defer w.ctrs.Done()
				c.run(ctx)
			}()
		} else {
			w.log.Info("image cannot run on a local node", "container", spec.Name, "image", spec.Image)
		}
	}
	w.mu.Lock()
	w.containers = ctrs
	w.mu.Unlock()
}

func (w *podWorker) prepare(pod *corev1.Pod) error {
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return err
	}
	if !w.hostNetwork && w.net == nil {
		p, err := w.a.cfg.Node.AddPod(fmt.Sprintf("%s-%s", pod.Name, filepath.Base(w.dir)))
		if err != nil {
			return err
		}
		w.net, w.podIP = p, p.IP.String()
		if dns := w.a.cfg.DNS; dns.IsValid() {
			search := []string{pod.Namespace + ".svc.cluster.local", "svc.cluster.local", "cluster.local"}
			if err := p.SetDNS(dns, search); err != nil {
				return err
			}
		}
	}
	ctx, cancel := context.WithTimeout(w.a.ctx, apiTimeout)
	defer cancel()
	if w.creds == nil && (automount(pod) || projectsToken(pod)) {
		creds, err := w.writeCredentials(ctx, pod)
		if err != nil {
			return err
		}
		w.creds = creds
	}
	if w.volumes == nil {
		vols, err := w.materialize(ctx, pod)
		if err != nil {
			return err
		}
		w.volumes = vols
	}
	return nil
}

func automount(pod *corev1.Pod) bool {
	return pod.Spec.AutomountServiceAccountToken == nil || *pod.Spec.AutomountServiceAccountToken
}

// projectsToken tells whether a volume of the pod holds its token.
func projectsToken(pod *corev1.Pod) bool {
	return slices.ContainsFunc(pod.Spec.Volumes, holdsToken)
}

func holdsToken(v corev1.Volume) bool {
	return v.Projected != nil && slices.ContainsFunc(v.Projected.Sources, func(p corev1.VolumeProjection) bool {
		return p.ServiceAccountToken != nil
	})
}

// hasToken tells whether the container gets the pod's credentials: every
// container when the token is automounted (ServiceAccount admission would
// mount it in each), else those that mount a volume holding it.
func hasToken(pod *corev1.Pod, c *corev1.Container) bool {
	if automount(pod) {
		return true
	}
	return slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool {
		v, ok := volumeOf(pod, m)
		return ok && holdsToken(v)
	})
}

// volumeOf is the pod's volume that m mounts.
func volumeOf(pod *corev1.Pod, m corev1.VolumeMount) (corev1.Volume, bool) {
	i := slices.IndexFunc(pod.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == m.Name })
	if i < 0 {
		return corev1.Volume{}, false
	}
	return pod.Spec.Volumes[i], true
}

// stop ends every container with the given grace and removes the pod's
// network and files.
func (w *podWorker) stop(grace time.Duration) {
	w.termGrace.Store(int64(grace))
	if w.stopCtrs != nil {
		w.stopCtrs()
	}
	w.ctrs.Wait()
	var errs []error
	if w.net != nil {
		errs = append(errs, w.net.Remove())
	}
	errs = append(errs, os.RemoveAll(w.dir))
	if err := errors.Join(errs...); err != nil {
		w.log.Error(err, "cleaning up the pod")
	}
	w.log.Info("stopped")
}

// graceNow is the grace period of the termination under way.
func (w *podWorker) graceNow() time.Duration { return time.Duration(w.termGrace.Load()) }

// grace is the pod's own grace period, for kills after failed probes.
func (w *podWorker) grace() time.Duration { return w.specGrace }

// deletePod removes the Pod object with grace period 0, only if it is
// still the pod this worker ran (a UID precondition), as a kubelet does.
func (w *podWorker) deletePod(pod *corev1.Pod) {
	opts := metav1.DeleteOptions{GracePeriodSeconds: new(int64), Preconditions: metav1.NewUIDPreconditions(string(w.uid))}
	for attempt := range 5 {
		ctx, cancel := context.WithTimeout(w.a.ctx, apiTimeout)
		err := w.a.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, opts)
		cancel()
		if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) || w.a.ctx.Err() != nil {
			return
		}
		w.log.Error(err, "deleting the pod", "attempt", attempt+1)
		time.Sleep(time.Second)
	}
}

// command runs a binary in the pod's network namespace: the node's for
// hostNetwork pods.
func (w *podWorker) command(bin string, args ...string) *exec.Cmd {
	if w.hostNetwork {
		return w.a.cfg.Node.Command(bin, args...)
	}
	return w.net.Command(bin, args...)
}

// prober probes from the node's namespace, as a kubelet probes from the
// node.
func (w *podWorker) prober(ports []corev1.ContainerPort) prober {
	return prober{podIP: w.podIP, ports: ports, dial: w.a.cfg.Node.DialContext}
}
