package ingresscontroller

import (
	"context"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// defaultCheckInterval is how soon a deleted default IngressController
// comes back, as on OKD.
const defaultCheckInterval = time.Minute

// DefaultIngressController keeps the IngressController "default" in
// existence: created when absent with an explicit replica count (so that
// `kubectl scale` works at once) and everything else defaulted at admission.
type DefaultIngressController struct {
	Client client.Client
	// Reader counts the nodes, once, uncached (nil: two replicas).
	Reader    client.Reader
	Namespace string
	// Strategy, when set, is the default IngressController's strategy type.
	Strategy operatorv1.EndpointPublishingStrategyType
}

// Start implements manager.Runnable.
func (d *DefaultIngressController) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("default-ingresscontroller")
	t := time.NewTicker(defaultCheckInterval)
	defer t.Stop()
	for {
		if err := d.Ensure(ctx); err != nil {
			log.Error(err, "ensuring the default IngressController")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Ensure creates the default IngressController when it is absent.
func (d *DefaultIngressController) Ensure(ctx context.Context) error {
	var ic operatorv1.IngressController
	err := d.Client.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: names.DefaultIngressController}, &ic)
	if !apierrors.IsNotFound(err) {
		return err
	}
	ic = operatorv1.IngressController{
		ObjectMeta: metav1.ObjectMeta{Namespace: d.Namespace, Name: names.DefaultIngressController},
		Spec:       operatorv1.IngressControllerSpec{Replicas: ptr.To(clusterReplicas(ctx, d.Reader))},
	}
	if d.Strategy != "" {
		ic.Spec.EndpointPublishingStrategy = &operatorv1.EndpointPublishingStrategy{Type: d.Strategy}
	}
	if err := d.Client.Create(ctx, &ic); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}

// clusterReplicas is the replica count of an IngressController that does
// not say: one where a single node can run pods, as OKD on a single-node
// cluster (topology SingleReplica), since a second router could never run
// beside the first on HostNetwork, and would leave the IngressController
// degraded; two otherwise, and when the nodes cannot be read (none yet, or
// forbidden).
func clusterReplicas(ctx context.Context, reader client.Reader) int32 {
	var nodes corev1.NodeList
	if reader == nil || reader.List(ctx, &nodes) != nil {
		return defaultReplicas
	}
	n := 0
	for _, node := range nodes.Items {
		if runsRouters(&node) {
			n++
		}
	}
	if n == 1 {
		return 1
	}
	return defaultReplicas
}

// runsRouters reports whether the default IngressController's routers
// can run on node: its default node selector (Linux; a node without the
// label counts) and no cordon or lasting taint.
func runsRouters(node *corev1.Node) bool {
	if os, ok := node.Labels[corev1.LabelOSStable]; ok && os != "linux" {
		return false
	}
	return !node.Spec.Unschedulable && !slices.ContainsFunc(node.Spec.Taints, keepsPodsOff)
}

// keepsPodsOff reports whether a taint keeps router pods, which tolerate
// none by default, off its node for good, as a control plane's does. The
// taints Kubernetes and cloud providers set for a node's passing state (not
// ready yet, uninitialized, under pressure) do not count: every new node
// has one for a moment. An admin's out-of-service taint does.
func keepsPodsOff(t corev1.Taint) bool {
	if t.Effect != corev1.TaintEffectNoSchedule && t.Effect != corev1.TaintEffectNoExecute {
		return false
	}
	passing := (strings.HasPrefix(t.Key, "node.kubernetes.io/") && t.Key != corev1.TaintNodeOutOfService) ||
		strings.HasPrefix(t.Key, "node.cloudprovider.kubernetes.io/")
	return !passing
}
