//go:build linux

// Package localnode is the local stack's node agent, a "kubelet-lite" per
// node running in the caller's process. It watches the Pods bound to its
// node and runs those whose image it knows as real processes — in the
// node's network namespace for hostNetwork pods, in a pod namespace of
// their own otherwise (internal/localnet) — with the environment, files and
// API credentials a real pod would have. It reports their status as a
// kubelet does (readiness from the readiness probe), restarts processes
// that exit, stops them when their pod is deleted, and runs kube-proxy in
// the node's namespace so that Services work.
//
// What differs from a kubelet, on purpose: the image names a local binary
// (Config.Images); the container's command is ignored (the binary is the
// image's entrypoint) but its args are passed; files the pod would see
// under a volumeMount's mountPath live in a per-pod directory instead, and
// env values naming such a path are rewritten to it (see podEnv); pods of
// unknown images are Running but never Ready; there are no cgroups,
// resource limits, users or filesystem isolation.
package localnode

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/okd-ingress/okd-ingress/internal/localnet"
)

// Image says how pods of one container image run on a local node.
type Image struct {
	// Binary is the program that stands for the image (an absolute path,
	// or one relative to the working directory at Start).
	Binary string
	// Router marks the router image: its processes get a per-pod
	// ROUTER_CONFIG_DIR and ROUTER_RUN_DIR, and Config.HAProxy as
	// ROUTER_HAPROXY_BINARY (the image's own HAProxy path does not exist
	// here).
	Router bool
}

// Config configures an Agent.
type Config struct {
	// Node is the node's network; its Name is the Node object's name.
	Node *localnet.Node
	// Admin is what the agent itself uses (watch pods, write their
	// status, request ServiceAccount tokens, read Secrets and ConfigMaps);
	// kube-proxy gets the same credentials.
	Admin *rest.Config
	// APIServer is the API server URL written into the kubeconfigs of the
	// processes: it must be reachable from the node's and the pods'
	// namespaces. Admin.Host when empty.
	APIServer string
	// Images maps container images to local binaries.
	Images map[string]Image
	// HAProxy is the haproxy binary router processes run.
	HAProxy string
	// KubeProxy is the kube-proxy binary; empty runs none (Services then
	// do not work on this node). The Node object must exist: Start waits
	// for kube-proxy's first sync, which needs it.
	KubeProxy string
	// Dir holds a directory per pod (kubeconfig, token, volumes, logs,
	// router files) and kube-proxy's files. Keep it short: routers create
	// unix sockets under it, whose paths must stay below 108 bytes.
	Dir string
	// Log receives the agent's progress; logr.Discard() when unset.
	Log logr.Logger
	// DNS, when valid, is the cluster DNS server pods resolve names with
	// (dnsPolicy ClusterFirst), searching <namespace>.svc.cluster.local,
	// svc.cluster.local and cluster.local.
	DNS netip.Addr
}

// maxDirLen leaves room under Dir for <uid8>/volumes/router-run/<socket>
// (the router's run directory: 41 bytes with its longest socket name and
// HAProxy's ".<pid>.tmp") within a socket path's 108 bytes.
const maxDirLen = 48

// Agent is a running node agent.
type Agent struct {
	cfg    Config
	client kubernetes.Interface
	log    logr.Logger
	images map[string]Image

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	workers map[types.UID]*podWorker
	stopped bool

	kubeProxy *supervisor
}

// Start starts kube-proxy (and waits until it serves), then watches the
// node's pods.
func Start(cfg Config) (*Agent, error) {
	a, err := newAgent(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.KubeProxy != "" {
		if err := a.startKubeProxy(); err != nil {
			a.Stop()
			return nil, err
		}
	}
	if err := a.watchPods(); err != nil {
		a.Stop()
		return nil, err
	}
	return a, nil
}

func newAgent(cfg Config) (*Agent, error) {
	if cfg.Node == nil || cfg.Admin == nil {
		return nil, errors.New("localnode: Config.Node and Config.Admin are required")
	}
	if cfg.APIServer == "" {
		cfg.APIServer = cfg.Admin.Host
	}
	if cfg.Log.GetSink() == nil {
		cfg.Log = logr.Discard()
	}
	if len(cfg.Dir) > maxDirLen {
		return nil, fmt.Errorf("localnode: Dir %q is longer than %d bytes: router sockets under it would not fit", cfg.Dir, maxDirLen)
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, err
	}
	images, err := resolveImages(cfg.Images)
	if err != nil {
		return nil, err
	}
	client, err := kubernetes.NewForConfig(cfg.Admin)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Agent{
		cfg: cfg, client: client, images: images,
		log: cfg.Log.WithValues("node", cfg.Node.Name),
		ctx: ctx, cancel: cancel, workers: map[types.UID]*podWorker{},
	}, nil
}

// resolveImages makes binary paths absolute (processes start in their pod
// directory) and checks that they exist, so that a missing build is
// reported at start rather than as a crash-looping pod.
func resolveImages(in map[string]Image) (map[string]Image, error) {
	out := make(map[string]Image, len(in))
	for name, img := range in {
		abs, err := filepath.Abs(img.Binary)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("localnode: image %s: %w", name, err)
		}
		img.Binary = abs
		out[name] = img
	}
	return out, nil
}

// watchPods runs an informer on the pods bound to this node and waits for
// its first list.
func (a *Agent) watchPods() error {
	sel := fields.OneTermEqualSelector("spec.nodeName", a.cfg.Node.Name).String()
	factory := informers.NewSharedInformerFactoryWithOptions(a.client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.FieldSelector = sel }))
	inf := factory.Core().V1().Pods().Informer()
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { a.observe(obj, false) },
		UpdateFunc: func(_, obj any) { a.observe(obj, false) },
		DeleteFunc: func(obj any) { a.observe(obj, true) },
	})
	if err != nil {
		return err
	}
	factory.Start(a.ctx.Done())
	ctx, cancel := context.WithTimeout(a.ctx, 30*time.Second)
	defer cancel()
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return fmt.Errorf("localnode %s: the pod watch did not sync", a.cfg.Node.Name)
	}
	return nil
}

// observe hands a pod event to the pod's worker, starting one for a pod
// seen for the first time.
func (a *Agent) observe(obj any, deleted bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopped {
		return
	}
	w := a.workers[pod.UID]
	if w == nil {
		if deleted || terminal(pod) {
			return
		}
		w = newPodWorker(a, pod)
		a.workers[pod.UID] = w
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			w.run()
			a.mu.Lock()
			delete(a.workers, pod.UID)
			a.mu.Unlock()
		}()
	}
	w.update(pod, deleted)
}

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// stopGrace bounds each process's graceful stop when the agent stops.
const stopGrace = 5 * time.Second

// Stop stops every process the agent started (pods get SIGTERM and up to
// stopGrace before SIGKILL), removes their namespaces and files, and stops
// kube-proxy. Pod objects are left as they are, as when a kubelet stops.
func (a *Agent) Stop() {
	a.mu.Lock()
	a.stopped = true
	for _, w := range a.workers {
		w.shutdown()
	}
	a.mu.Unlock()
	a.wg.Wait()
	a.cancel()
	if a.kubeProxy != nil {
		a.kubeProxy.stop(stopGrace)
	}
}

// Pods returns the keys (namespace/name) of the pods the agent runs, sorted.
func (a *Agent) Pods() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, w := range a.workers {
		out = append(out, w.key)
	}
	sort.Strings(out)
	return out
}

// Processes returns the PIDs of the pod processes currently running.
func (a *Agent) Processes() []int {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []int
	for _, w := range a.workers {
		out = append(out, w.pids()...)
	}
	sort.Ints(out)
	return out
}

// Logs returns the log file of each container of a pod the agent runs
// (by container name): there is no kubelet API for `kubectl logs`. The
// files go away with the pod.
func (a *Agent) Logs(namespace, name string) map[string]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string]string{}
	for _, w := range a.workers {
		if w.key == namespace+"/"+name {
			w.mu.Lock()
			for _, c := range w.containers {
				out[c.spec.Name] = c.log
			}
			w.mu.Unlock()
		}
	}
	return out
}

// knownImages lists the images for messages.
func (a *Agent) knownImages() string {
	var names []string
	for n := range a.images {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
