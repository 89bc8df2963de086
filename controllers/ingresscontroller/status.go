package ingresscontroller

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
)

// admit evaluates the spec. On a new generation (or a first look) it
// records the verdict, the effective domain and strategy and the observed
// generation in status, and says so in an event.
func (r *Reconciler) admit(ctx context.Context, ic *operatorv1.IngressController) (admission, error) {
	var list operatorv1.IngressControllerList
	if err := r.List(ctx, &list, client.InNamespace(ic.Namespace)); err != nil {
		return admission{}, err
	}
	a := admit(ic, list.Items, r.Options)
	fresh := ic.Status.ObservedGeneration != ic.Generation || ic.Status.Domain == "" || ic.Status.EndpointPublishingStrategy == nil ||
		isAdmitted(ic) != a.Admitted
	if !fresh {
		return a, nil
	}
	before := ic.DeepCopy()
	ic.Status.ObservedGeneration = ic.Generation
	if a.Admitted {
		ic.Status.Domain, ic.Status.EndpointPublishingStrategy = a.Domain, a.Strategy
	}
	if a.Admitted {
		// Only Admitted is decided here. The others follow the operands in
		// syncStatus; computed here without the Deployment they would flap
		// (Available too) and lose their transition times on every spec change.
		c := merge(ic.Status.Conditions, admittedCond(a), r.Now())
		if p := findCondition(ic.Status.Conditions, c.Type); p != nil {
			*p = c
		} else {
			ic.Status.Conditions = append(ic.Status.Conditions, c)
		}
	} else {
		ic.Status.Conditions = rejectedConditions(ic.Status.Conditions, a, r.Now())
	}
	if err := r.Status().Patch(ctx, ic, client.MergeFrom(before)); err != nil {
		return a, err
	}
	if a.Admitted {
		observeConditions(ic)
	} else { // as OKD: a rejected spec's conditions are not reported
		forgetConditions(ic.Name)
	}
	if verdictChanged(before, ic) {
		r.announce(ic, a)
	}
	return a, nil
}

// verdictChanged reports whether admission says something new: a new
// generation that changes nothing of it (kubectl scale, say), or a rejected
// IngressController looked at again, tells no one again.
func verdictChanged(before, after *operatorv1.IngressController) bool {
	b := findCondition(before.Status.Conditions, operatorv1.IngressControllerAdmittedConditionType)
	a := findCondition(after.Status.Conditions, operatorv1.IngressControllerAdmittedConditionType)
	if b == nil || a == nil || b.Status != a.Status || b.Message != a.Message {
		return true
	}
	return before.Status.Domain != after.Status.Domain ||
		!equality.Semantic.DeepEqual(before.Status.EndpointPublishingStrategy, after.Status.EndpointPublishingStrategy)
}

func (r *Reconciler) announce(ic *operatorv1.IngressController, a admission) {
	if !a.Admitted {
		r.Recorder.Eventf(ic, nil, corev1.EventTypeWarning, "Rejected", "Admit", "%s", a.Message)
		return
	}
	r.Recorder.Eventf(ic, nil, corev1.EventTypeNormal, "Admitted", "Admit", "domain %s, endpoint publishing strategy %s", a.Domain, a.Strategy.Type)
	if a.Strategy.Type == operatorv1.HostNetworkStrategyType {
		r.Recorder.Eventf(ic, nil, corev1.EventTypeWarning, "HostNetworkPrivileged", "Admit",
			"routers run in the nodes' network namespace with NET_BIND_SERVICE: this is privileged access to every node they run on; "+
				"the router namespace must allow it (pod security level privileged)")
	}
}

// syncStatus writes what was observed: replicas, selector, TLS profile and
// conditions, only when something differs. It returns when to look again
// for a grace period.
func (r *Reconciler) syncStatus(ctx context.Context, ic *operatorv1.IngressController, obs observed) (time.Duration, error) {
	before := ic.DeepCopy()
	ic.Status.Selector = labels.SelectorFromSet(podSelector(ic.Name)).String()
	ic.Status.AvailableReplicas = 0
	if obs.deployment != nil {
		ic.Status.AvailableReplicas = obs.deployment.Status.AvailableReplicas
	}
	profile := servedTLSProfile(ic.Spec.TLSSecurityProfile)
	ic.Status.TLSProfile = &profile
	var requeue time.Duration
	ic.Status.Conditions, requeue = conditions(ic.Status.Conditions, obs, r.Now())
	observeConditions(ic)
	if equality.Semantic.DeepEqual(before.Status, ic.Status) {
		return requeue, nil
	}
	if err := r.Status().Patch(ctx, ic, client.MergeFrom(before)); err != nil {
		return requeue, err
	}
	r.announceIgnored(before.Status.Conditions, ic)
	return requeue, nil
}

// announceIgnored tells, in an event, of fields newly without effect:
// those the spec sets, and those whose ConfigMaps went missing or bad.
func (r *Reconciler) announceIgnored(before []operatorv1.OperatorCondition, ic *operatorv1.IngressController) {
	now := findCondition(ic.Status.Conditions, FieldsSupportedConditionType)
	if now == nil {
		return
	}
	if prev := findCondition(before, FieldsSupportedConditionType); prev != nil && prev.Message == now.Message {
		return
	}
	r.Recorder.Eventf(ic, nil, corev1.EventTypeWarning, now.Reason, "Reconcile", "%s", now.Message)
}
