package localnode_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/localnet"
	"github.com/okd-ingress/okd-ingress/internal/localnode"
	"github.com/okd-ingress/okd-ingress/internal/syncbuf"
)

const (
	ns        = "demo"
	echoImage = "okd-ingress/echo:latest"
	domain    = "apps.okd.test"
	// waitTimeout bounds every wait for the cluster to converge.
	waitTimeout = 90 * time.Second
)

var echoLabels = map[string]string{"app": "echo"}

// stack is the cluster, its network and one agent per node.
type stack struct {
	c      *localcluster.Cluster
	net    *localnet.Network
	nodes  []*localnet.Node
	agents map[string]*localnode.Agent
	log    *syncBuffer
	dir    string // the agents' directories
}

// TestPodsRunOnLocalNodes runs a Deployment of the echo image on two
// local nodes and follows it through traffic, restarts, deletion and
// scale-down; then a hostNetwork pod and a pod of an unknown image.
func TestPodsRunOnLocalNodes(t *testing.T) {
	s := startStack(t, stackOptions{})
	ctx := context.Background()
	mustCreate(t, s.c, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	svc := echoService()
	mustCreate(t, s.c, svc)
	d := echoDeployment(2)
	mustCreate(t, s.c, d)

	start := time.Now()
	pods := waitReadyPods(t, s, 2)
	t.Logf("2 echo pods Running and Ready after %s", since(start))
	checkPodAddresses(t, s, pods)
	checkHostReachesPods(t, pods)

	start = time.Now()
	checkServiceFromNode(t, s, svc, pods)
	t.Logf("ClusterIP reached both pods from node-1 and from a pod after %s", since(start))

	checkRestart(t, s, pods[0])
	checkDeletion(t, s, pods[1])
	checkHostNetworkPod(t, s)
	checkContainerIsolation(t, s)
	checkUnknownImage(t, s)

	start = time.Now()
	if err := s.c.Client.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
		t.Fatal(err)
	}
	d.Spec.Replicas = ptr.To(int32(0))
	if err := s.c.Client.Update(ctx, d); err != nil {
		t.Fatal(err)
	}
	waitNoPods(t, s)
	t.Logf("scaled to 0, every process gone, after %s", since(start))
}

// stackOptions vary the stack between tests.
type stackOptions struct {
	// manager runs the manager (operator) too.
	manager bool
	// images the agents run; the echo image when nil.
	images map[string]localnode.Image
	// haproxy is for router images.
	haproxy string
}

// startStack sets up the network, the simulated cluster with its API
// server on the host's bridge address, the nodes and their agents.
func startStack(t *testing.T, o stackOptions) *stack {
	t.Helper()
	s := &stack{agents: map[string]*localnode.Agent{}, log: &syncBuffer{}}
	start := time.Now()
	var err error
	if s.net, err = localnet.Setup("node-1", "node-2"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.net.Teardown(); err != nil {
			t.Error(err)
		}
	})
	s.nodes = s.net.Nodes()
	host := localnet.HostIP.String()
	s.c, err = localcluster.Start(localcluster.Options{
		Simulated: true, RealPods: true, AdvertiseAddress: host, BindAddress: host,
		Manager: o.manager, Domain: domain,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopCluster(t, s) })
	t.Logf("network and cluster up after %s (API server %s)", since(start), s.c.Config.Host)
	start = time.Now()
	s.addNodes(t, o)
	t.Logf("nodes Ready, kube-proxy serving on both, after %s", since(start))
	return s
}

func (s *stack) addNodes(t *testing.T, o stackOptions) {
	t.Helper()
	ctx := context.Background()
	assets, err := localcluster.AssetsDir()
	if err != nil {
		t.Fatal(err)
	}
	// Short: routers put unix sockets under it.
	dir, err := os.MkdirTemp("", "okdn")
	if err != nil {
		t.Fatal(err)
	}
	s.dir = dir // stopCluster removes it once the agents have stopped
	var names []string
	for _, nd := range s.nodes {
		if err := s.c.AddNode(ctx, nd.Name, nil, nd.IP.String()); err != nil {
			t.Fatal(err)
		}
		names = append(names, nd.Name)
	}
	if err := s.c.WaitNodesReady(ctx, names...); err != nil {
		t.Fatal(err)
	}
	images := o.images
	if images == nil {
		images = map[string]localnode.Image{echoImage: {Binary: echoBin}}
	}
	for _, nd := range s.nodes {
		a, err := localnode.Start(localnode.Config{
			Node: nd, Admin: s.c.Config, Images: images, HAProxy: o.haproxy,
			KubeProxy: filepath.Join(assets, "kube-proxy"),
			Dir:       filepath.Join(dir, nd.Name),
			Log:       s.log.logger(),
		})
		if err != nil {
			t.Fatalf("%v\n%s", err, tail(filepath.Join(dir, nd.Name, "kube-proxy.log")))
		}
		s.agents[nd.Name] = a
	}
}

// stopCluster stops the agents, then the cluster; on failure it prints
// the agents' log, kube-proxy's and the simulated components' first.
func stopCluster(t *testing.T, s *stack) {
	start := time.Now()
	for _, a := range s.agents {
		a.Stop()
	}
	if t.Failed() || os.Getenv("LOCALNODE_LOGS") != "" {
		t.Logf("--- agents:\n%s", s.log.String())
		logs, _ := filepath.Glob(filepath.Join(s.dir, "*", "kube-proxy.log"))
		sim, _ := filepath.Glob(filepath.Join(s.c.SimDir, "*.log"))
		for _, l := range append(logs, sim...) {
			t.Logf("--- %s (end):\n%s", l, tail(l))
		}
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
	if err := s.c.Stop(); err != nil {
		t.Error(err)
	}
	t.Logf("agents and cluster stopped after %s", since(start))
}

func echoDeployment(replicas int32) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "echo", Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: echoLabels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: echoLabels},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: ptr.To(int64(5)),
					// One pod per node, so that both nodes are exercised.
					TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
						MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.DoNotSchedule,
						LabelSelector: &metav1.LabelSelector{MatchLabels: echoLabels},
					}},
					Containers: []corev1.Container{echoContainer()},
				},
			},
		},
	}
}

func echoContainer() corev1.Container {
	return corev1.Container{
		Name: "echo", Image: echoImage,
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
		Env: []corev1.EnvVar{{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"},
		}}},
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/health", Port: intstr.FromString("http")}},
			PeriodSeconds: 10, FailureThreshold: 3,
		},
	}
}

func echoService() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "echo", Namespace: ns},
		Spec: corev1.ServiceSpec{
			Selector: echoLabels,
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}
}

// waitReadyPods waits until exactly n echo pods exist, all Running and
// Ready, and returns them.
func waitReadyPods(t *testing.T, s *stack, n int) []corev1.Pod {
	t.Helper()
	var last []corev1.Pod
	err := poll(waitTimeout, func() (bool, error) {
		var list corev1.PodList
		if err := s.c.Client.List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels(echoLabels)); err != nil {
			return false, err
		}
		last = list.Items
		if len(list.Items) != n {
			return false, nil
		}
		for i := range list.Items {
			if !podReady(&list.Items[i]) || list.Items[i].DeletionTimestamp != nil {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("waiting for %d ready echo pods: %v; pods: %s", n, err, describe(last))
	}
	return last
}

// checkPodAddresses: each pod's IP is in its node's pod CIDR and its
// hostIP is its node's address; the pods are on different nodes.
func checkPodAddresses(t *testing.T, s *stack, pods []corev1.Pod) {
	t.Helper()
	seen := map[string]bool{}
	for _, p := range pods {
		nd := s.net.Node(p.Spec.NodeName)
		if nd == nil {
			t.Fatalf("pod %s on unknown node %q", p.Name, p.Spec.NodeName)
		}
		seen[nd.Name] = true
		ip, err := netip.ParseAddr(p.Status.PodIP)
		if err != nil || !nd.PodCIDR.Contains(ip) {
			t.Errorf("pod %s on %s has IP %q, want one in %s", p.Name, nd.Name, p.Status.PodIP, nd.PodCIDR)
		}
		if p.Status.HostIP != nd.IP.String() {
			t.Errorf("pod %s hostIP %q, want %s", p.Name, p.Status.HostIP, nd.IP)
		}
		if p.Status.StartTime == nil || len(p.Status.ContainerStatuses) != 1 || p.Status.ContainerStatuses[0].State.Running == nil {
			t.Errorf("pod %s status incomplete: %+v", p.Name, p.Status)
		}
	}
	if len(seen) != 2 {
		t.Errorf("pods on nodes %v, want both nodes", seen)
	}
}

// checkHostReachesPods: from the host, every pod IP answers with its pod
// name (which came from a fieldRef).
func checkHostReachesPods(t *testing.T, pods []corev1.Pod) {
	t.Helper()
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for _, p := range pods {
		got, err := getEcho(hc, "http://"+net.JoinHostPort(p.Status.PodIP, "8080")+"/")
		if err != nil || got.Pod != p.Name || got.Namespace != ns || got.Service != "echo" {
			t.Errorf("GET pod %s at %s: %+v, %v", p.Name, p.Status.PodIP, got.Identity, err)
		}
	}
}

// checkServiceFromNode: from node-1's namespace, and from the namespace
// of the pod on node-1, the Service's ClusterIP reaches the pods of both
// nodes (kube-proxy's rules) — from the pod that includes itself and so
// the hairpin case that --masquerade-all makes work.
func checkServiceFromNode(t *testing.T, s *stack, svc *corev1.Service, pods []corev1.Pod) {
	t.Helper()
	if err := s.c.Client.Get(context.Background(), client.ObjectKeyFromObject(svc), svc); err != nil {
		t.Fatal(err)
	}
	u := "http://" + net.JoinHostPort(svc.Spec.ClusterIP, "80") + "/"
	want := map[string]bool{}
	var onNode1 string
	for _, p := range pods {
		want[p.Name] = true
		if p.Spec.NodeName == s.nodes[0].Name {
			onNode1 = p.Name
		}
	}
	reachesAll(t, "node-1", s.nodes[0].DialContext, u, want)
	podNS, _ := filepath.Glob("/run/netns/" + s.nodes[0].NetNS + "-" + onNode1 + "-*")
	if len(podNS) != 1 {
		t.Fatalf("namespace of pod %s: %v", onNode1, podNS)
	}
	reachesAll(t, "pod "+onNode1, func(ctx context.Context, network, addr string) (net.Conn, error) {
		return localnet.DialContext(ctx, filepath.Base(podNS[0]), network, addr)
	}, u, want)
}

// reachesAll requests u until every wanted pod has answered.
func reachesAll(t *testing.T, from string, dial func(context.Context, string, string) (net.Conn, error), u string, want map[string]bool) {
	t.Helper()
	hc := clientVia(dial)
	seen := map[string]bool{}
	err := poll(waitTimeout, func() (bool, error) {
		if r, err := getEcho(hc, u); err == nil && want[r.Pod] {
			seen[r.Pod] = true
		}
		return len(seen) == len(want), nil
	})
	if err != nil {
		t.Fatalf("%s from %s: reached %v of %v: %v", u, from, seen, want, err)
	}
}

// checkRestart kills a pod's process: the agent restarts it, counts the
// restart, and the pod becomes Ready again.
func checkRestart(t *testing.T, s *stack, pod corev1.Pod) {
	t.Helper()
	start := time.Now()
	pid := podPID(t, &pod)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := poll(waitTimeout, func() (bool, error) {
		var p corev1.Pod
		if err := s.c.Client.Get(context.Background(), client.ObjectKeyFromObject(&pod), &p); err != nil {
			return false, err
		}
		cs := p.Status.ContainerStatuses
		ok := len(cs) == 1 && cs[0].RestartCount == 1 && podReady(&p) && cs[0].LastTerminationState.Terminated != nil
		if ok && cs[0].LastTerminationState.Terminated.ExitCode != 137 {
			return false, fmt.Errorf("last exit code %d, want 137", cs[0].LastTerminationState.Terminated.ExitCode)
		}
		return ok, nil
	})
	if err != nil {
		t.Fatalf("pod %s after its process was killed: %v", pod.Name, err)
	}
	t.Logf("killed process restarted and Ready again after %s", since(start))
}

// checkDeletion deletes a pod: its process gets SIGTERM and exits, and the
// agent deletes the Pod object for good.
func checkDeletion(t *testing.T, s *stack, pod corev1.Pod) {
	t.Helper()
	start := time.Now()
	pid := podPID(t, &pod)
	if err := s.c.Client.Delete(context.Background(), &pod); err != nil {
		t.Fatal(err)
	}
	err := poll(waitTimeout, func() (bool, error) {
		var p corev1.Pod
		err := s.c.Client.Get(context.Background(), client.ObjectKeyFromObject(&pod), &p)
		return apierrors.IsNotFound(err) || (err == nil && p.UID != pod.UID), client.IgnoreNotFound(err)
	})
	if err != nil {
		t.Fatalf("pod %s still exists: %v", pod.Name, err)
	}
	if processAlive(pid) {
		t.Errorf("pod %s deleted, but its process %d still runs", pod.Name, pid)
	}
	t.Logf("deleted pod gone, process stopped, after %s", since(start))
}

// checkHostNetworkPod: a hostNetwork pod serves on its node's address.
func checkHostNetworkPod(t *testing.T, s *stack) {
	t.Helper()
	start := time.Now()
	c := echoContainer()
	c.Ports[0].HostPort = 8080
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "host-echo", Namespace: ns},
		Spec:       corev1.PodSpec{HostNetwork: true, TerminationGracePeriodSeconds: ptr.To(int64(5)), Containers: []corev1.Container{c}},
	}
	mustCreate(t, s.c, pod)
	err := poll(waitTimeout, func() (bool, error) {
		err := s.c.Client.Get(context.Background(), client.ObjectKeyFromObject(pod), pod)
		return err == nil && podReady(pod), err
	})
	if err != nil {
		t.Fatalf("hostNetwork pod not Ready: %v; %s", err, describe([]corev1.Pod{*pod}))
	}
	nd := s.net.Node(pod.Spec.NodeName)
	if pod.Status.PodIP != nd.IP.String() {
		t.Errorf("hostNetwork pod IP %s, want its node's %s", pod.Status.PodIP, nd.IP)
	}
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	if got, err := getEcho(hc, url(nd.IP, 8080)); err != nil || got.Pod != pod.Name {
		t.Errorf("GET %s: %+v, %v", url(nd.IP, 8080), got.Identity, err)
	}
	t.Logf("hostNetwork pod served on %s after %s", nd.IP, since(start))
	deleteAndWait(t, s, pod)
}

// checkContainerIsolation: a container with a read-only root filesystem
// runs with every mount read-only but its writable volumes, and without
// an automounted token only a container that mounts a volume projecting
// it gets the pod's credentials.
func checkContainerIsolation(t *testing.T, s *stack) {
	t.Helper()
	container := func(name, port string) corev1.Container {
		return corev1.Container{Name: name, Image: echoImage,
			Env: []corev1.EnvVar{{Name: "HTTP_PORT", Value: port}, {Name: "HTTPS_PORT", Value: "0"}}}
	}
	locked := container("locked", "8080")
	locked.SecurityContext = &corev1.SecurityContext{ReadOnlyRootFilesystem: ptr.To(true)}
	locked.VolumeMounts = []corev1.VolumeMount{{Name: "scratch", MountPath: "/scratch"},
		{Name: "api", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "isolated", Namespace: ns},
		Spec: corev1.PodSpec{TerminationGracePeriodSeconds: ptr.To(int64(5)), AutomountServiceAccountToken: ptr.To(false),
			Containers: []corev1.Container{locked, container("open", "8081")},
			Volumes: []corev1.Volume{{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "api", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
					{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}}}}}}}},
	}
	mustCreate(t, s.c, pod)
	err := poll(waitTimeout, func() (bool, error) {
		err := s.c.Client.Get(context.Background(), client.ObjectKeyFromObject(pod), pod)
		running := 0
		for _, cs := range pod.Status.ContainerStatuses {
			if cs.State.Running != nil {
				running++
			}
		}
		return err == nil && running == 2, err
	})
	if err != nil {
		t.Fatalf("pod with two containers not running: %v; %s", err, describe([]corev1.Pod{*pod}))
	}
	for _, cs := range pod.Status.ContainerStatuses {
		var pid int
		if _, err := fmt.Sscanf(cs.ContainerID, "localnode://%d", &pid); err != nil {
			t.Fatalf("container %s ID %q: %v", cs.Name, cs.ContainerID, err)
		}
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil {
			t.Fatal(err)
		}
		hasKubeconfig := bytes.Contains(append([]byte{0}, env...), []byte("\x00KUBECONFIG="))
		locked := cs.Name == "locked"
		// The container counts as running from its first process, which
		// makes its mounts read-only before it runs the image's command.
		var mounts map[string]string
		_ = poll(5*time.Second, func() (bool, error) {
			mounts = mountOptions(t, pid)
			return !locked || strings.HasPrefix(mounts["/"], "ro"), nil
		})
		scratch := ""
		for point, opts := range mounts {
			if strings.HasSuffix(point, "/volumes/scratch") {
				scratch = opts
			}
		}
		if hasKubeconfig != locked {
			t.Errorf("container %s: KUBECONFIG given %v, want %v", cs.Name, hasKubeconfig, locked)
		}
		if ro := strings.HasPrefix(mounts["/"], "ro"); ro != locked {
			t.Errorf("container %s: / mounted %q, want read-only %v", cs.Name, mounts["/"], locked)
		}
		if locked && !strings.HasPrefix(scratch, "rw") {
			t.Errorf("container %s: its emptyDir mounted %q, want writable", cs.Name, scratch)
		}
	}
	deleteAndWait(t, s, pod)
}

// mountOptions maps the mount points a process sees to their options.
func mountOptions(t *testing.T, pid int) map[string]string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) > 5 {
			out[f[4]] = f[5]
		}
	}
	return out
}

// checkUnknownImage: a pod whose image the node cannot run is Running,
// never Ready, and says why.
func checkUnknownImage(t *testing.T, s *stack) {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "nginx", Namespace: ns},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx:1.27"}}},
	}
	mustCreate(t, s.c, pod)
	err := poll(waitTimeout, func() (bool, error) {
		err := s.c.Client.Get(context.Background(), client.ObjectKeyFromObject(pod), pod)
		return err == nil && pod.Status.Phase == corev1.PodRunning, err
	})
	if err != nil {
		t.Fatalf("pod of an unknown image not Running: %v", err)
	}
	if podReady(pod) || !strings.Contains(condition(pod, corev1.PodReady).Message, "cannot run on a local node") {
		t.Errorf("pod of an unknown image: Ready condition %+v", condition(pod, corev1.PodReady))
	}
	deleteAndWait(t, s, pod)
}

// waitNoPods waits until no pod is left in the namespace and no agent
// runs a process or a pod namespace.
func waitNoPods(t *testing.T, s *stack) {
	t.Helper()
	err := poll(waitTimeout, func() (bool, error) {
		var list corev1.PodList
		if err := s.c.Client.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
			return false, err
		}
		for _, a := range s.agents {
			if len(a.Processes()) > 0 || len(a.Pods()) > 0 {
				return false, nil
			}
		}
		return len(list.Items) == 0, nil
	})
	if err != nil {
		t.Fatalf("pods or processes left: %v", err)
	}
	for _, nd := range s.nodes {
		if left, _ := filepath.Glob("/run/netns/" + nd.NetNS + "-*"); len(left) > 0 {
			t.Errorf("pod namespaces left on %s: %v", nd.Name, left)
		}
	}
}

func deleteAndWait(t *testing.T, s *stack, pod *corev1.Pod) {
	t.Helper()
	if err := s.c.Client.Delete(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	err := poll(waitTimeout, func() (bool, error) {
		err := s.c.Client.Get(context.Background(), client.ObjectKeyFromObject(pod), &corev1.Pod{})
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
	if err != nil {
		t.Fatalf("pod %s not deleted: %v", pod.Name, err)
	}
}

// podPID reads the process ID from the container ID the agent reports.
func podPID(t *testing.T, pod *corev1.Pod) int {
	t.Helper()
	var pid int
	if len(pod.Status.ContainerStatuses) == 0 {
		t.Fatalf("pod %s has no container status", pod.Name)
	}
	id := pod.Status.ContainerStatuses[0].ContainerID
	if _, err := fmt.Sscanf(id, "localnode://%d", &pid); err != nil {
		t.Fatalf("pod %s container ID %q: %v", pod.Name, id, err)
	}
	return pid
}

func processAlive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func podReady(p *corev1.Pod) bool {
	return condition(p, corev1.PodReady).Status == corev1.ConditionTrue
}

func condition(p *corev1.Pod, t corev1.PodConditionType) corev1.PodCondition {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c
		}
	}
	return corev1.PodCondition{}
}

func describe(pods []corev1.Pod) string {
	var b strings.Builder
	for _, p := range pods {
		fmt.Fprintf(&b, "\n  %s node=%q phase=%s ip=%s ready=%v", p.Name, p.Spec.NodeName, p.Status.Phase, p.Status.PodIP, podReady(&p))
		for _, cs := range p.Status.ContainerStatuses {
			fmt.Fprintf(&b, " [%s state=%+v restarts=%d]", cs.Name, cs.State, cs.RestartCount)
		}
	}
	return b.String()
}

func mustCreate(t *testing.T, c *localcluster.Cluster, obj client.Object) {
	t.Helper()
	if err := c.Client.Create(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
}

// poll calls f every 200 ms until it returns true or an error, or the
// timeout passes.
func poll(timeout time.Duration, f func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := f()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s", timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func tail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(data) > 6000 {
		data = data[len(data)-6000:]
	}
	return string(data)
}

// syncBuffer collects the agents' log, printed when a test fails.
type syncBuffer struct{ syncbuf.Buffer }

func (b *syncBuffer) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		fmt.Fprintf(b, "%s %s %s\n", time.Now().Format("15:04:05.000"), prefix, args)
	}, funcr.Options{})
}
