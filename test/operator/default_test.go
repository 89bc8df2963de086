package operator

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/controllers/ingresscontroller"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// TestDefaultReplicas: the default IngressController gets one router where
// one node can run pods, as OKD's on a single-node cluster, and two
// otherwise. Each case creates it in a namespace of its own, which the
// running operator does not reconcile.
func TestDefaultReplicas(t *testing.T) {
	node := func(name string, mods ...func(*corev1.Node)) *corev1.Node {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
		for _, m := range mods {
			m(n)
		}
		return n
	}
	cordoned := func(n *corev1.Node) { n.Spec.Unschedulable = true }
	controlPlane := func(n *corev1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule})
	}
	notReady := func(n *corev1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: "node.kubernetes.io/not-ready", Effect: corev1.TaintEffectNoExecute})
	}
	windows := func(n *corev1.Node) { n.Labels = map[string]string{corev1.LabelOSStable: "windows"} }
	outOfService := func(n *corev1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: corev1.TaintNodeOutOfService, Value: "nodeshutdown", Effect: corev1.TaintEffectNoExecute})
	}
	preferNot := func(n *corev1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: "busy", Effect: corev1.TaintEffectPreferNoSchedule})
	}
	for i, tc := range []struct {
		name  string
		nodes []*corev1.Node
		want  int32
	}{
		{name: "no node yet", want: 2},
		{name: "one node", nodes: []*corev1.Node{node("n1")}, want: 1},
		{name: "one node, preferably avoided", nodes: []*corev1.Node{node("n1", preferNot)}, want: 1},
		{name: "two nodes", nodes: []*corev1.Node{node("n1"), node("n2")}, want: 2},
		{name: "a control plane and one worker", nodes: []*corev1.Node{node("cp", controlPlane), node("w1")}, want: 1},
		{name: "one of two nodes cordoned", nodes: []*corev1.Node{node("n1"), node("n2", cordoned)}, want: 1},
		{name: "a Linux node and a Windows node", nodes: []*corev1.Node{node("n1"), node("win", windows)}, want: 1},
		{name: "one of two nodes out of service", nodes: []*corev1.Node{node("n1"), node("n2", outOfService)}, want: 1},
		{name: "one node, not ready yet", nodes: []*corev1.Node{node("n1", notReady)}, want: 1},
		{name: "a control plane, not ready yet, and one worker", nodes: []*corev1.Node{node("cp", controlPlane, notReady), node("w1", notReady)}, want: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, n := range tc.nodes {
				must(t, k8s.Create(ctx, n))
				t.Cleanup(func() { must(t, client.IgnoreNotFound(k8s.Delete(ctx, n))) })
			}
			ns := fmt.Sprintf("default-replicas-%d", i)
			must(t, k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
			d := &ingresscontroller.DefaultIngressController{Client: k8s, Reader: k8s, Namespace: ns}
			must(t, d.Ensure(ctx))
			var ic operatorv1.IngressController
			must(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: names.DefaultIngressController}, &ic))
			if ic.Spec.Replicas == nil || *ic.Spec.Replicas != tc.want {
				t.Errorf("replicas = %v, want %d", ic.Spec.Replicas, tc.want)
			}
		})
	}
}

// TestReplicasWritten: an IngressController created without replicas gets
// them written by the operator, counted as for the default one, so that
// one on a single-node cluster is not left wanting a second router.
func TestReplicasWritten(t *testing.T) {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "only-node"}}
	must(t, k8s.Create(ctx, n))
	t.Cleanup(func() { must(t, client.IgnoreNotFound(k8s.Delete(ctx, n))) })
	const ic = "single"
	createIC(t, ic, domain("single.op.test"), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.HostNetworkStrategyType}))
	eventually(t, "replicas written", func() error {
		x, err := getIC(ic)
		if err != nil {
			return err
		}
		if x.Spec.Replicas == nil || *x.Spec.Replicas != 1 {
			return fmt.Errorf("spec.replicas %v", x.Spec.Replicas)
		}
		return nil
	})
	eventually(t, "Deployment at 1 replica", func() error {
		if d := deployment(t, ic); *d.Spec.Replicas != 1 {
			return fmt.Errorf("replicas %d", *d.Spec.Replicas)
		}
		return nil
	})
}
