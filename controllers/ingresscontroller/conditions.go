package ingresscontroller

import (
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
)

// observed is what the status is computed from.
type observed struct {
	admission  admission
	deployment *appsv1.Deployment // nil until created
	// loadBalancer is the LoadBalancer Service, when the strategy has one.
	loadBalancer *corev1.Service
	// lbChange, when set, says what a change of the load balancer waits
	// for (LoadBalancerProgressing).
	lbChange string
	// dns says whether the wildcard record is managed, and dnsCheck
	// whether it is published.
	dns      dnsManagement
	dnsCheck dnsCheck
	// fieldsUnknown: an error came before the fields without effect were
	// worked out; FieldsSupported keeps its last value.
	fieldsUnknown bool
	// operandsErr is the error that stopped the operands' update.
	operandsErr error
	// canaryChecked: this IngressController's canary is checked (the
	// default one's, when the checks are on); canary is their last result.
	canaryChecked bool
	canary        *canaryResult
}

// Degraded grace periods, as OKD's: how long each condition may be wrong
// before the IngressController counts as degraded.
var graceFor = map[string]time.Duration{
	operatorv1.IngressControllerAdmittedConditionType:                       0,
	operatorv1.IngressControllerDeploymentAvailableConditionType:            30 * time.Second,
	operatorv1.IngressControllerDeploymentReplicasMinAvailableConditionType: time.Minute,
	operatorv1.IngressControllerDeploymentReplicasAllAvailableConditionType: time.Hour,
	operatorv1.LoadBalancerReadyIngressConditionType:                        90 * time.Second,
	operatorv1.DNSReadyIngressConditionType:                                 30 * time.Second,
	FieldsSupportedConditionType:                                            0,
	OperandsReconciledConditionType:                                         time.Minute,
	CanaryChecksSucceedingConditionType:                                     time.Minute,
}

// OperandsReconciledConditionType is present, False, while an error keeps
// the operator from updating the router's objects (a name taken by an
// object it does not own, a default certificate Secret missing, the API
// refusing a write); the other conditions still describe what runs.
const OperandsReconciledConditionType = "OperandsReconciled"

// carried is the condition t as it was, if it was.
func carried(prev []operatorv1.OperatorCondition, t string) []cond {
	p := findCondition(prev, t)
	if p == nil {
		return nil
	}
	return []cond{{t: t, ok: p.Status == operatorv1.ConditionTrue, unknown: p.Status == operatorv1.ConditionUnknown, reason: p.Reason, msg: p.Message}}
}

type cond struct {
	t, reason, msg string
	ok             bool
	// unknown makes the status Unknown, whatever ok says.
	unknown bool
}

// conditions computes every condition. A condition keeps its
// lastTransitionTime while its status is unchanged. requeue, when non-zero,
// is when a grace period ends and Degraded must be re-evaluated.
func conditions(prev []operatorv1.OperatorCondition, obs observed, now time.Time) (out []operatorv1.OperatorCondition, requeue time.Duration) {
	low := []cond{admittedCond(obs.admission)}
	low = append(low, deploymentConds(obs.deployment)...)
	managed := obs.admission.Strategy != nil && obs.admission.Strategy.Type == operatorv1.LoadBalancerServiceStrategyType
	low = append(low, managedCond(managed))
	if managed {
		low = append(low, loadBalancerReadyCond(obs.loadBalancer), loadBalancerProgressingCond(obs.lbChange))
	}
	low = append(low, dnsConds(obs)...)
	switch fields := obs.admission.Ignored; {
	case obs.fieldsUnknown:
		low = append(low, carried(prev, FieldsSupportedConditionType)...)
	case len(fields) > 0:
		low = append(low, ignoredCond(fields))
	}
	if obs.canaryChecked {
		low = append(low, canaryConds(prev, obs.canary)...)
	}
	if obs.operandsErr != nil {
		low = append(low, cond{t: OperandsReconciledConditionType, reason: "OperandsFailed",
			msg: "The router's objects could not all be brought in line with the spec: " + obs.operandsErr.Error()})
	}
	for _, c := range low {
		out = append(out, merge(prev, c, now))
	}
	return aggregate(prev, out, managed, obs.dns.managed, now)
}

// rejectedConditions are the conditions of a rejected spec: Admitted is
// False and, once routers run, what was last observed of them stays, as on
// OKD, since a rejected spec changes nothing they run: they serve as
// before, so Available keeps its value, and Degraded says why the spec is
// not applied. Before any router runs, nothing is there to observe: only
// Admitted and the aggregates are left.
func rejectedConditions(prev []operatorv1.OperatorCondition, a admission, now time.Time) []operatorv1.OperatorCondition {
	low := []operatorv1.OperatorCondition{merge(prev, admittedCond(a), now)}
	for _, c := range prev {
		switch c.Type {
		case operatorv1.IngressControllerAdmittedConditionType,
			operatorv1.OperatorStatusTypeAvailable, operatorv1.OperatorStatusTypeProgressing, operatorv1.OperatorStatusTypeDegraded:
		default:
			low = append(low, c)
		}
	}
	out, _ := aggregate(prev, low, isTrue(prev, operatorv1.LoadBalancerManagedIngressConditionType),
		isTrue(prev, operatorv1.DNSManagedIngressConditionType), now)
	return out
}

// aggregate appends Available, Progressing and Degraded to the low-level
// conditions out.
func aggregate(prev, out []operatorv1.OperatorCondition, managed, dnsManaged bool, now time.Time) ([]operatorv1.OperatorCondition, time.Duration) {
	// As OKD: the record counts once the load balancer does.
	dnsNeeded := managed && dnsManaged && isTrue(out, operatorv1.LoadBalancerReadyIngressConditionType)
	// Available is these conditions; its message names those not met.
	needed := []string{operatorv1.IngressControllerDeploymentAvailableConditionType}
	if managed {
		needed = append(needed, operatorv1.LoadBalancerReadyIngressConditionType)
	}
	if dnsNeeded {
		needed = append(needed, operatorv1.DNSReadyIngressConditionType)
	}
	var failing []string
	for _, t := range needed {
		if c := findCondition(out, t); c == nil || c.Status != operatorv1.ConditionTrue {
			failing = append(failing, t+" ("+messageOf(c)+")")
		}
	}
	available := len(failing) == 0
	out = append(out, merge(prev, cond{t: operatorv1.OperatorStatusTypeAvailable, ok: available,
		reason: reasonIf(available, "IngressControllerAvailable", "IngressControllerUnavailable"),
		msg:    msgIf(available, "The router serves traffic.", "One or more conditions are not met: "+strings.Join(failing, ", "))}, now))
	out = append(out, merge(prev, progressingCond(out), now))
	watched := out
	if !dnsNeeded {
		// DNSReady counts only once the load balancer is ready, as on OKD.
		watched = slices.DeleteFunc(slices.Clone(out), func(c operatorv1.OperatorCondition) bool {
			return c.Type == operatorv1.DNSReadyIngressConditionType
		})
	}
	degraded, requeue := degradedCond(watched, now)
	out = append(out, merge(prev, degraded, now))
	return out, requeue
}

// loadBalancerProgressingCond is True while a change of the load balancer
// waits for the Service to be created anew (planLoadBalancer says what for).
func loadBalancerProgressingCond(lbChange string) cond {
	if lbChange != "" {
		return cond{t: operatorv1.IngressControllerLoadBalancerProgressingConditionType, ok: true, reason: "OperandsProgressing", msg: lbChange}
	}
	return cond{t: operatorv1.IngressControllerLoadBalancerProgressingConditionType, reason: "LoadBalancerNotProgressing",
		msg: "The load balancer is the one the IngressController asks for."}
}

// progressingCond is True while the routers roll out or the load balancer
// waits for a change.
func progressingCond(out []operatorv1.OperatorCondition) cond {
	var what []string
	if rollingOut(out) {
		what = append(what, "The router Deployment is rolling out.")
	}
	for _, c := range out {
		if c.Type == operatorv1.IngressControllerLoadBalancerProgressingConditionType && c.Status == operatorv1.ConditionTrue {
			what = append(what, c.Message)
		}
	}
	if len(what) == 0 {
		return cond{t: operatorv1.OperatorStatusTypeProgressing, reason: "IngressControllerNotProgressing", msg: "Nothing is changing."}
	}
	return cond{t: operatorv1.OperatorStatusTypeProgressing, ok: true, reason: "IngressControllerProgressing", msg: strings.Join(what, " ")}
}

// dnsConds are DNSManaged and, when managed, DNSReady.
func dnsConds(obs observed) []cond {
	out := []cond{{t: operatorv1.DNSManagedIngressConditionType, ok: obs.dns.managed, reason: obs.dns.reason, msg: obs.dns.message}}
	if obs.dns.managed {
		out = append(out, cond{t: operatorv1.DNSReadyIngressConditionType, ok: obs.dnsCheck.ready,
			reason: obs.dnsCheck.reason, msg: obs.dnsCheck.message})
	}
	return out
}

// healthy reports whether a low-level condition has its good status:
// False for DeploymentRollingOut, True for the others.
func healthy(c operatorv1.OperatorCondition) bool {
	if c.Type == operatorv1.IngressControllerDeploymentRollingOutConditionType {
		return true // a rollout is progress, not a fault
	}
	if c.Type == CanaryChecksSucceedingConditionType && c.Status == operatorv1.ConditionUnknown {
		return true // not checked (canaryFailure.unknown): no fault seen
	}
	return c.Status == operatorv1.ConditionTrue
}

func admittedCond(a admission) cond {
	return cond{t: operatorv1.IngressControllerAdmittedConditionType, ok: a.Admitted, reason: a.Reason, msg: a.Message}
}

func managedCond(managed bool) cond {
	if managed {
		return cond{t: operatorv1.LoadBalancerManagedIngressConditionType, ok: true,
			reason: "WantedByEndpointPublishingStrategy", msg: "The endpoint publishing strategy supports a managed load balancer."}
	}
	return cond{t: operatorv1.LoadBalancerManagedIngressConditionType,
		reason: "EndpointPublishingStrategyExcludesManagedLoadBalancer", msg: "The endpoint publishing strategy does not use a load balancer."}
}

func loadBalancerReadyCond(svc *corev1.Service) cond {
	c := cond{t: operatorv1.LoadBalancerReadyIngressConditionType}
	switch {
	case svc == nil:
		c.reason, c.msg = "ServiceNotFound", "The LoadBalancer Service does not exist yet."
	case len(svc.Status.LoadBalancer.Ingress) == 0:
		c.reason = "LoadBalancerPending"
		c.msg = "The LoadBalancer Service has no address yet: nothing in this cluster has provisioned a load balancer for it " +
			"(a cloud controller manager, or MetalLB and the like on bare metal)."
	default:
		in := svc.Status.LoadBalancer.Ingress[0]
		c.ok, c.reason = true, "LoadBalancerProvisioned"
		c.msg = "The load balancer is provisioned at " + in.IP + in.Hostname + "."
	}
	return c
}

// deploymentConds mirror the router Deployment's state.
func deploymentConds(d *appsv1.Deployment) []cond {
	if d == nil {
		return []cond{
			{t: operatorv1.IngressControllerDeploymentAvailableConditionType, reason: "DeploymentNotFound", msg: "The router Deployment does not exist yet."},
			{t: operatorv1.IngressControllerDeploymentReplicasMinAvailableConditionType, reason: "DeploymentNotFound", msg: "The router Deployment does not exist yet."},
			{t: operatorv1.IngressControllerDeploymentReplicasAllAvailableConditionType, reason: "DeploymentNotFound", msg: "The router Deployment does not exist yet."},
			{t: operatorv1.IngressControllerDeploymentRollingOutConditionType, ok: true, reason: "DeploymentNotFound", msg: "The router Deployment is being created."},
		}
	}
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	st := d.Status
	// Until the Deployment controller reports, availability is unknown,
	// as OKD says it.
	avail := cond{t: operatorv1.IngressControllerDeploymentAvailableConditionType, unknown: true, reason: "DeploymentAvailabilityUnknown",
		msg: "The router Deployment has not reported its availability yet."}
	for _, c := range st.Conditions {
		if c.Type == appsv1.DeploymentAvailable && c.Status != corev1.ConditionUnknown {
			avail.unknown = false
			avail.ok = c.Status == corev1.ConditionTrue
			avail.reason = reasonIf(avail.ok, "DeploymentAvailable", "DeploymentUnavailable")
			avail.msg = fmt.Sprintf("The router Deployment is %s: %s", map[bool]string{true: "available", false: "unavailable"}[avail.ok], c.Message)
		}
	}
	minAvail := want - maxUnavailable(d, want)
	// Fewer updated replicas than wanted is a rollout, a scale-up or pods
	// that cannot be made, whatever the Deployment's Progressing reason
	// (which a scale-up leaves as it was); so is a lost pod, for the moment
	// before its ReplicaSet counts the replacement.
	replacing := st.ObservedGeneration < d.Generation || st.UpdatedReplicas < want || st.Replicas > st.UpdatedReplicas
	rolling := replacing || st.AvailableReplicas < st.UpdatedReplicas
	rollingReason, rollingMsg := "DeploymentRollingOut", fmt.Sprintf("Waiting for the rollout: %d of %d updated replicas are available.", st.AvailableReplicas, want)
	if rolling && !replacing && rolloutComplete(d) {
		// Every pod runs the current template and the Deployment finished
		// its rollout: pods lost since (an eviction, a node gone) are being
		// replaced. As in OKD, not a rollout, so not Progressing.
		rollingReason, rollingMsg = replicasStabilizing, fmt.Sprintf("%d of %d router replicas are available; the others are being replaced (not a rollout).", st.AvailableReplicas, want)
	}
	return []cond{
		avail,
		{t: operatorv1.IngressControllerDeploymentReplicasMinAvailableConditionType, ok: st.AvailableReplicas >= minAvail,
			reason: reasonIf(st.AvailableReplicas >= minAvail, "DeploymentMinimumReplicasMet", "DeploymentMinimumReplicasNotMet"),
			msg:    fmt.Sprintf("%d of %d router replicas are available; at least %d are needed.", st.AvailableReplicas, want, minAvail)},
		{t: operatorv1.IngressControllerDeploymentReplicasAllAvailableConditionType, ok: st.AvailableReplicas >= want,
			reason: reasonIf(st.AvailableReplicas >= want, "DeploymentReplicasAvailable", "DeploymentReplicasNotAvailable"),
			msg:    fmt.Sprintf("%d of %d router replicas are available.", st.AvailableReplicas, want)},
		{t: operatorv1.IngressControllerDeploymentRollingOutConditionType, ok: rolling,
			reason: reasonIf(rolling, rollingReason, "DeploymentNotRollingOut"),
			msg:    msgIf(rolling, rollingMsg, "The router Deployment is not rolling out.")},
	}
}

// replicasStabilizing is OKD's DeploymentRollingOut reason for pods that
// are replaced after the rollout ended, which is not progress.
const replicasStabilizing = "ReplicasStabilizing"

// rolloutComplete reports whether the Deployment controller finished the
// rollout of the current ReplicaSet: it keeps that reason on its
// Progressing condition until the template changes, whatever happens to
// the pods after.
func rolloutComplete(d *appsv1.Deployment) bool {
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing {
			return c.Status == corev1.ConditionTrue && c.Reason == "NewReplicaSetAvailable"
		}
	}
	return false
}

// rollingOut reports whether conditions say the routers roll out to a new
// template (not pods replaced after one).
func rollingOut(cs []operatorv1.OperatorCondition) bool {
	c := findCondition(cs, operatorv1.IngressControllerDeploymentRollingOutConditionType)
	return c != nil && c.Status == operatorv1.ConditionTrue && c.Reason != replicasStabilizing
}

func maxUnavailable(d *appsv1.Deployment, want int32) int32 {
	ru := d.Spec.Strategy.RollingUpdate
	if ru == nil || ru.MaxUnavailable == nil {
		return 0
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(ru.MaxUnavailable, int(want), false)
	if err != nil {
		return 0
	}
	return int32(n)
}

// degradedCond is True when a condition has been unhealthy past its grace
// period; requeue is when the next grace period ends.
func degradedCond(cs []operatorv1.OperatorCondition, now time.Time) (cond, time.Duration) {
	var late []string
	var requeue time.Duration
	for _, c := range cs {
		grace, watched := graceFor[c.Type]
		if !watched || healthy(c) {
			continue
		}
		if since := now.Sub(c.LastTransitionTime.Time); since >= grace {
			late = append(late, fmt.Sprintf("%s=%s (%s: %s)", c.Type, c.Status, c.Reason, c.Message))
		} else if left := grace - since; requeue == 0 || left < requeue {
			requeue = left
		}
	}
	if len(late) == 0 {
		return cond{t: operatorv1.OperatorStatusTypeDegraded, reason: "NoDegradedConditions", msg: "No condition has been wrong for longer than its grace period."}, requeue
	}
	return cond{t: operatorv1.OperatorStatusTypeDegraded, ok: true, reason: "DegradedConditions",
		msg: "One or more conditions have been wrong for too long: " + strings.Join(late, ", ")}, requeue
}

// merge turns c into a condition, keeping the previous transition time
// when the status is unchanged.
func merge(prev []operatorv1.OperatorCondition, c cond, now time.Time) operatorv1.OperatorCondition {
	status := operatorv1.ConditionFalse
	switch {
	case c.unknown:
		status = operatorv1.ConditionUnknown
	case c.ok:
		status = operatorv1.ConditionTrue
	}
	out := operatorv1.OperatorCondition{Type: c.t, Status: status, Reason: c.reason, Message: c.msg, LastTransitionTime: metav1.NewTime(now)}
	if p := findCondition(prev, c.t); p != nil && p.Status == status {
		out.LastTransitionTime = p.LastTransitionTime
	}
	return out
}

func messageOf(c *operatorv1.OperatorCondition) string {
	if c == nil {
		return "not observed yet"
	}
	return c.Message
}

func isTrue(cs []operatorv1.OperatorCondition, t string) bool {
	c := findCondition(cs, t)
	return c != nil && c.Status == operatorv1.ConditionTrue
}

func reasonIf(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}

func msgIf(ok bool, yes, no string) string { return reasonIf(ok, yes, no) }
