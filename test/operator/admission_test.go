package operator

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// rejectedWith waits for ic to be rejected (Admitted=False, Invalid) with
// a message that contains want.
func rejectedWith(t *testing.T, ic, want string) {
	t.Helper()
	eventually(t, ic+" rejected with "+want, func() error {
		x, err := getIC(ic)
		if err != nil {
			return err
		}
		if c := condition(x, "Admitted"); c == nil || c.Status != operatorv1.ConditionFalse || c.Reason != "Invalid" || !strings.Contains(c.Message, want) {
			return fmt.Errorf("Admitted = %+v", c)
		}
		return nil
	})
}

// TestRejectedSpecLeavesRoutersAlone: a spec the routers could not run as
// written (a selector that does not convert, a Custom TLS profile that
// contradicts itself) is rejected, Admitted=False, and the routers
// already running keep the configuration they have until it is fixed.
func TestRejectedSpecLeavesRoutersAlone(t *testing.T) {
	const ic = "rej"
	valid := func(x *operatorv1.IngressController) {
		x.Spec.RouteSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"shard": "rej"}}
		x.Spec.NodePlacement, x.Spec.TLSSecurityProfile = nil, nil
	}
	createIC(t, ic, domain("rej.op.test"), replicas(1), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType}), valid)
	admittedIC(t, ic, operatorv1.ConditionTrue)
	running := setRolledOut(t, ic)
	expect(t, "ROUTE_LABELS", envOf(running)["ROUTE_LABELS"], "shard=rej")
	eventually(t, "Available", func() error {
		return conditionsAre(ic, map[string]operatorv1.ConditionStatus{"Available": "True", "Degraded": "False"})
	})

	// Priority admission resolves the routers' class (a dry run of the pod
	// the ReplicaSet would create).
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "router-rej-", Namespace: names.RouterNamespace,
		Labels: running.Spec.Template.Labels}, Spec: *running.Spec.Template.Spec.DeepCopy()}
	must(t, k8s.Create(ctx, pod, client.DryRunAll))
	expect(t, "router pod priority", pod.Spec.Priority, ptr.To(int32(2000000000)))

	for _, tc := range []struct {
		name    string
		edit    func(*operatorv1.IngressController)
		message string
	}{
		{name: "routeSelector", edit: func(x *operatorv1.IngressController) {
			x.Spec.RouteSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"shard": "a b"}}
		}, message: `ingresscontroller "rej" has invalid spec.routeSelector: values[0][shard]: Invalid value: "a b"`},
		{name: "nodeSelector", edit: func(x *operatorv1.IngressController) {
			x.Spec.NodePlacement = &operatorv1.NodePlacement{NodeSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "node-role.kubernetes.io/infra", Operator: metav1.LabelSelectorOpExists}}}}
		}, message: `ingresscontroller "rej" has invalid spec.nodePlacement.nodeSelector: operator "Exists" cannot be converted into the old label selector format`},
		{name: "tlsSecurityProfile", edit: func(x *operatorv1.IngressController) {
			x.Spec.TLSSecurityProfile = &operatorv1.TLSSecurityProfile{Type: operatorv1.TLSProfileCustomType, Custom: &operatorv1.CustomTLSProfile{
				TLSProfileSpec: operatorv1.TLSProfileSpec{MinTLSVersion: operatorv1.VersionTLS13, Ciphers: []string{"ECDHE-RSA-AES128-GCM-SHA256"}}}}
		}, message: "spec.tlsSecurityProfile.custom: minTLSVersion VersionTLS13 needs at least one TLS 1.3 cipher suite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			updateIC(t, ic, func(x *operatorv1.IngressController) { valid(x); tc.edit(x) })
			rejectedWith(t, ic, tc.message)
			// The routers serve as before: still available, degraded for the rejected spec.
			must(t, conditionsAre(ic, map[string]operatorv1.ConditionStatus{"Available": "True", "Progressing": "False", "Degraded": "True"}))
			d := deployment(t, ic)
			expect(t, "Deployment generation", d.Generation, running.Generation)
			expect(t, "ROUTE_LABELS", envOf(d)["ROUTE_LABELS"], "shard=rej")
			updateIC(t, ic, valid)
			admittedIC(t, ic, operatorv1.ConditionTrue)
		})
	}

	// A matchExpression OKD converts reaches the pods' node selector.
	updateIC(t, ic, func(x *operatorv1.IngressController) {
		x.Spec.NodePlacement = &operatorv1.NodePlacement{NodeSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "node-role.kubernetes.io/infra", Operator: metav1.LabelSelectorOpIn, Values: []string{""}}}}}
	})
	eventually(t, "the node selector in the pod template", func() error {
		if got := deployment(t, ic).Spec.Template.Spec.NodeSelector; len(got) != 1 || got["node-role.kubernetes.io/infra"] != "" {
			return fmt.Errorf("nodeSelector %v", got)
		}
		return nil
	})
}

// TestHardStopAfterAnnotation: an invalid value stays out of the routers'
// environment, and status says so, until it is a time HAProxy takes.
func TestHardStopAfterAnnotation(t *testing.T) {
	const ic = "hardstop"
	annotate := func(v string) func(*operatorv1.IngressController) {
		return func(x *operatorv1.IngressController) {
			x.Annotations = map[string]string{names.HardStopAfterAnnotation: v}
		}
	}
	createIC(t, ic, domain("hardstop.op.test"), replicas(1), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType}),
		annotate("1.5h"))
	eventually(t, "the invalid value reported", func() error {
		return ignoredFieldsSay(ic, `metadata.annotations[ingress.operator.openshift.io/hard-stop-after] (ROUTER_HARD_STOP_AFTER is not set: "1.5h"`)
	})
	if v, ok := envOf(deployment(t, ic))["ROUTER_HARD_STOP_AFTER"]; ok {
		t.Errorf("ROUTER_HARD_STOP_AFTER = %q, want it unset", v)
	}
	updateIC(t, ic, annotate("90m"))
	eventually(t, "ROUTER_HARD_STOP_AFTER set and nothing reported", func() error {
		if v := envOf(deployment(t, ic))["ROUTER_HARD_STOP_AFTER"]; v != "90m" {
			return fmt.Errorf("ROUTER_HARD_STOP_AFTER = %q", v)
		}
		return noIgnoredFields(ic)
	})
}

// TestRunningICKeepsItsDomain: an IngressController admitted and running
// keeps its domain when an older one that was rejected is fixed: the
// older one is refused, not the running one.
func TestRunningICKeepsItsDomain(t *testing.T) {
	private := strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType})
	badSelector := func(x *operatorv1.IngressController) {
		x.Spec.RouteSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"shard": "a b"}}
	}
	createIC(t, "keep-old", domain("keep.op.test"), replicas(1), private, badSelector)
	rejectedWith(t, "keep-old", "has invalid spec.routeSelector")
	createIC(t, "keep-new", domain("keep.op.test"), replicas(1), private)
	admittedIC(t, "keep-new", operatorv1.ConditionTrue)

	updateIC(t, "keep-old", func(x *operatorv1.IngressController) { x.Spec.RouteSelector = nil })
	rejectedWith(t, "keep-old", "domain keep.op.test is already used by IngressController keep-new")
	if c := condition(mustIC(t, "keep-new"), "Admitted"); c == nil || c.Status != operatorv1.ConditionTrue {
		t.Errorf("keep-new Admitted = %+v, want True", c)
	}
	// A pass over keep-new: it restores a label of its Deployment only if
	// it still admits keep-new (a rejected spec stops before the operands).
	d := deployment(t, "keep-new")
	before := d.DeepCopy()
	delete(d.Labels, names.OwningLabel)
	must(t, k8s.Patch(ctx, d, client.MergeFrom(before)))
	touch(t, "keep-new")
	eventually(t, "keep-new's Deployment label restored", func() error {
		if v := deployment(t, "keep-new").Labels[names.OwningLabel]; v != "keep-new" {
			return fmt.Errorf("label %q", v)
		}
		return nil
	})
	if c := condition(mustIC(t, "keep-new"), "Admitted"); c == nil || c.Status != operatorv1.ConditionTrue {
		t.Errorf("keep-new Admitted = %+v after its next pass, want True", c)
	}
}

// TestRejectedHolderKeepsItsDomain: an IngressController admitted and then
// rejected for a bad spec edit keeps its routers, so it keeps its domain:
// a newcomer for the same domain is refused until it goes.
func TestRejectedHolderKeepsItsDomain(t *testing.T) {
	private := strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType})
	createIC(t, "held", domain("held.op.test"), replicas(1), private)
	admittedIC(t, "held", operatorv1.ConditionTrue)
	deployment(t, "held")
	updateIC(t, "held", func(x *operatorv1.IngressController) {
		x.Spec.RouteSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"shard": "a b"}}
	})
	rejectedWith(t, "held", "has invalid spec.routeSelector")
	deployment(t, "held") // still serving

	createIC(t, "held-new", domain("held.op.test"), replicas(1), private)
	rejectedWith(t, "held-new", "domain held.op.test is already used by IngressController held")

	updateIC(t, "held", func(x *operatorv1.IngressController) { x.Spec.RouteSelector = nil })
	admittedIC(t, "held", operatorv1.ConditionTrue)
	if c := condition(mustIC(t, "held-new"), "Admitted"); c == nil || c.Status != operatorv1.ConditionFalse {
		t.Errorf("held-new Admitted = %+v, want False", c)
	}
	held, err := getIC("held")
	must(t, err)
	must(t, k8s.Delete(ctx, held))
	eventually(t, "held deleted", gone(&operatorv1.IngressController{}, names.OperatorNamespace, "held"))
	admittedIC(t, "held-new", operatorv1.ConditionTrue)
}

// conditionsAre checks the statuses of some of ic's conditions.
func conditionsAre(ic string, want map[string]operatorv1.ConditionStatus) error {
	x, err := getIC(ic)
	if err != nil {
		return err
	}
	for typ, st := range want {
		if c := condition(x, typ); c == nil || c.Status != st {
			return fmt.Errorf("%s = %+v, want %s", typ, c, st)
		}
	}
	return nil
}
