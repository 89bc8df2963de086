// Package simcluster_test proves localcluster's simulated cluster: with
// kube-controller-manager, kube-scheduler and kwok's fake nodes running
// beside the API server, Deployments really roll out, pods get addresses
// from the pod CIDR and EndpointSlices follow them.
package simcluster_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

const (
	ns      = "sim"
	appName = "web"
	// rolloutTimeout bounds every wait for the cluster to converge.
	rolloutTimeout = 60 * time.Second
)

func TestMain(m *testing.M) { os.Exit(framework.RunInNetNS(m)) }

func TestDeploymentRollsOut(t *testing.T) {
	c := startCluster(t)
	nodeIPs := addNodes(t, c, 2)
	mustCreate(t, c, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	mustCreate(t, c, service())
	d := deployment(3)
	mustCreate(t, c, d)

	took := waitAvailable(t, c, 3)
	t.Logf("3 replicas available after %s", took)
	ips := checkPods(t, c, nodeIPs)
	waitEndpoints(t, c, ips)

	scale(t, c, d, 1)
	took = waitAvailable(t, c, 1)
	t.Logf("scaled to 1 after %s", took)
	waitEndpoints(t, c, checkPods(t, c, nodeIPs))

	changeTemplate(t, c, d)
	took = waitRolledOut(t, c, d)
	t.Logf("new template rolled out after %s", took)
	waitEndpoints(t, c, checkPods(t, c, nodeIPs))
}

// startCluster starts the simulated cluster; on failure the components'
// logs are printed before Stop removes them.
func startCluster(t *testing.T) *localcluster.Cluster {
	t.Helper()
	start := time.Now()
	c, err := localcluster.Start(localcluster.Options{Simulated: true, AdvertiseAddress: framework.HostAddress})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster up after %s", time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		if t.Failed() {
			dumpLogs(t, c.SimDir)
		}
		start := time.Now()
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
		t.Logf("cluster stopped after %s", time.Since(start).Round(time.Millisecond))
	})
	return c
}

func dumpLogs(t *testing.T, dir string) {
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, l := range logs {
		data, _ := os.ReadFile(l)
		if len(data) > 8000 {
			data = data[len(data)-8000:]
		}
		t.Logf("--- %s (end):\n%s", l, data)
	}
}

// addNodes adds n fake nodes and returns their addresses.
func addNodes(t *testing.T, c *localcluster.Cluster, n int) []string {
	t.Helper()
	ctx := context.Background()
	start := time.Now()
	var addrs, names []string
	for i := range n {
		name, addr := fmt.Sprintf("node-%d", i), framework.NewAddr(framework.PodNet)
		if err := c.AddNode(ctx, name, map[string]string{"e2e.okd.test/pool": "sim"}, addr); err != nil {
			t.Fatal(err)
		}
		addrs, names = append(addrs, addr), append(names, name)
	}
	if err := c.WaitNodesReady(ctx, names...); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d nodes Ready after %s", n, time.Since(start).Round(time.Millisecond))
	return addrs
}

func mustCreate(t *testing.T, c *localcluster.Cluster, obj client.Object) {
	t.Helper()
	if err := c.Client.Create(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
}

func labels() map[string]string { return map[string]string{"app": appName} }

func service() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: appName},
		Spec: corev1.ServiceSpec{
			Selector: labels(),
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}},
		},
	}
}

// deployment's image is never pulled: kwok only pretends to run it.
func deployment(replicas int32) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: appName},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels()},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels()},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "web", Image: "registry.invalid/web:1",
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
				}}},
			},
		},
	}
}

// eventually polls cond until it holds or rolloutTimeout passes, and
// returns how long it took.
func eventually(t *testing.T, what string, cond func() (bool, string)) time.Duration {
	t.Helper()
	start := time.Now()
	var last string
	for time.Since(start) < rolloutTimeout {
		var ok bool
		if ok, last = cond(); ok {
			return time.Since(start).Round(time.Millisecond)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s; last: %s", what, rolloutTimeout, last)
	return 0
}

func getDeployment(c *localcluster.Cluster) (*appsv1.Deployment, error) {
	d := &appsv1.Deployment{}
	return d, c.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: appName}, d)
}

// waitAvailable waits until exactly n replicas exist and are available.
func waitAvailable(t *testing.T, c *localcluster.Cluster, n int32) time.Duration {
	t.Helper()
	return eventually(t, fmt.Sprintf("%d available replicas", n), func() (bool, string) {
		d, err := getDeployment(c)
		if err != nil {
			return false, err.Error()
		}
		s := d.Status
		return s.ObservedGeneration == d.Generation && s.Replicas == n && s.AvailableReplicas == n,
			fmt.Sprintf("%+v", s)
	})
}

// runningPods returns the Deployment's pods that are not being deleted.
func runningPods(c *localcluster.Cluster) ([]corev1.Pod, error) {
	var list corev1.PodList
	if err := c.Client.List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels(labels())); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(list.Items, func(p corev1.Pod) bool { return p.DeletionTimestamp != nil }), nil
}

// checkPods checks that every pod runs on a fake node, with an address from
// the pod CIDR, and returns the addresses, sorted.
func checkPods(t *testing.T, c *localcluster.Cluster, nodeIPs []string) []string {
	t.Helper()
	_, podNet, _ := net.ParseCIDR(localcluster.DefaultPodCIDR)
	pods, err := runningPods(c)
	if err != nil {
		t.Fatal(err)
	}
	var ips []string
	for _, p := range pods {
		if !podNet.Contains(net.ParseIP(p.Status.PodIP)) || !slices.Contains(nodeIPs, p.Status.HostIP) {
			t.Errorf("pod %s on %s: podIP %q hostIP %q; want a podIP in %s and a hostIP in %v",
				p.Name, p.Spec.NodeName, p.Status.PodIP, p.Status.HostIP, podNet, nodeIPs)
		}
		ips = append(ips, p.Status.PodIP)
	}
	sort.Strings(ips)
	return ips
}

// waitEndpoints waits until the Service's EndpointSlices hold exactly the
// given ready addresses.
func waitEndpoints(t *testing.T, c *localcluster.Cluster, want []string) {
	t.Helper()
	took := eventually(t, fmt.Sprintf("EndpointSlice addresses %v", want), func() (bool, string) {
		got, err := readyAddresses(c)
		if err != nil {
			return false, err.Error()
		}
		return slices.Equal(got, want), fmt.Sprint(got)
	})
	t.Logf("EndpointSlices hold %v after %s", want, took)
}

func readyAddresses(c *localcluster.Cluster) ([]string, error) {
	var list discoveryv1.EndpointSliceList
	if err := c.Client.List(context.Background(), &list, client.InNamespace(ns),
		client.MatchingLabels{discoveryv1.LabelServiceName: appName}); err != nil {
		return nil, err
	}
	var out []string
	for _, s := range list.Items {
		for _, e := range s.Endpoints {
			if e.Conditions.Ready != nil && *e.Conditions.Ready {
				out = append(out, e.Addresses...)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

func scale(t *testing.T, c *localcluster.Cluster, d *appsv1.Deployment, n int32) {
	t.Helper()
	patch := client.MergeFrom(d.DeepCopy())
	d.Spec.Replicas = ptr.To(n)
	if err := c.Client.Patch(context.Background(), d, patch); err != nil {
		t.Fatal(err)
	}
}

func changeTemplate(t *testing.T, c *localcluster.Cluster, d *appsv1.Deployment) {
	t.Helper()
	patch := client.MergeFrom(d.DeepCopy())
	d.Spec.Template.Spec.Containers[0].Image = "registry.invalid/web:2"
	if err := c.Client.Patch(context.Background(), d, patch); err != nil {
		t.Fatal(err)
	}
}

// waitRolledOut waits until the Deployment's current ReplicaSet has every
// replica available and older ones are scaled to zero, as `kubectl rollout
// status` would.
func waitRolledOut(t *testing.T, c *localcluster.Cluster, d *appsv1.Deployment) time.Duration {
	t.Helper()
	want := *d.Spec.Replicas
	return eventually(t, "rollout of the new template", func() (bool, string) {
		var list appsv1.ReplicaSetList
		if err := c.Client.List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels(labels())); err != nil {
			return false, err.Error()
		}
		done, state := len(list.Items) == 2, ""
		for _, rs := range list.Items {
			isNew := rs.Spec.Template.Spec.Containers[0].Image == "registry.invalid/web:2"
			state += fmt.Sprintf("%s new=%v spec=%d available=%d; ", rs.Name, isNew, *rs.Spec.Replicas, rs.Status.AvailableReplicas)
			if isNew {
				done = done && rs.Status.AvailableReplicas == want
			} else {
				done = done && *rs.Spec.Replicas == 0 && rs.Status.Replicas == 0
			}
		}
		return done, state
	})
}
