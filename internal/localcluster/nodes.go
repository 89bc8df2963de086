package localcluster

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// nodeResources is every fake node's capacity: enough that scheduling is
// never what a test waits for.
var nodeResources = corev1.ResourceList{
	corev1.ResourceCPU:    resource.MustParse("32"),
	corev1.ResourceMemory: resource.MustParse("64Gi"),
	corev1.ResourcePods:   resource.MustParse("110"),
}

// AddNode creates a fake Node, which kwok makes Ready (Options.Simulated).
// addr is its InternalIP, which becomes its pods' hostIP; labels are added
// to the well-known ones a kubelet would set.
func (c *Cluster) AddNode(ctx context.Context, name string, labels map[string]string, addr string) error {
	if len(c.procs) == 0 {
		return errors.New("AddNode needs a cluster started with Options.Simulated")
	}
	all := map[string]string{
		corev1.LabelHostname:   name,
		corev1.LabelOSStable:   "linux",
		corev1.LabelArchStable: "amd64",
	}
	maps.Copy(all, labels)
	// A Node's status may be set on create (unlike most kinds), and kwok
	// keeps the addresses and capacity it finds there.
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: all},
		Status: corev1.NodeStatus{
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: addr},
				{Type: corev1.NodeHostName, Address: name},
			},
			Capacity:    nodeResources.DeepCopy(),
			Allocatable: nodeResources.DeepCopy(),
		},
	}
	return c.Client.Create(ctx, node)
}

// WaitNodesReady waits until the named Nodes (all Nodes when none is named)
// are Ready, for at most a minute unless ctx ends sooner.
func (c *Cluster) WaitNodesReady(ctx context.Context, names ...string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		notReady, err := c.notReadyNodes(ctx, names)
		if err == nil && len(notReady) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("nodes not Ready: %v (err %v); logs in %s", notReady, err, c.SimDir)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// notReadyNodes returns the wanted Nodes that are missing or not Ready.
func (c *Cluster) notReadyNodes(ctx context.Context, names []string) ([]string, error) {
	var list corev1.NodeList
	if err := c.Client.List(ctx, &list); err != nil {
		return nil, err
	}
	ready := map[string]bool{}
	for _, n := range list.Items {
		ready[n.Name] = nodeReady(&n)
	}
	if len(names) == 0 {
		for n := range ready {
			names = append(names, n)
		}
	}
	var out []string
	for _, n := range names {
		if !ready[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

func nodeReady(n *corev1.Node) bool {
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}
