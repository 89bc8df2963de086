package ingresscontroller

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
)

var clock = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// routerDeployment is a Deployment of want replicas, maxUnavailable
// 25%, whose status says available of them are available and updated of
// them updated, with its Available condition.
func routerDeployment(want, updated, available int32, availableCond corev1.ConditionStatus) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Generation: 2},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr.To(want), Strategy: rolling(pct("25%"), pct("25%"))},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: updated, UpdatedReplicas: updated,
			AvailableReplicas: available, ReadyReplicas: available},
	}
	if availableCond != "" {
		d.Status.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: availableCond,
			Message: "Deployment has minimum availability."}}
	}
	return d
}

// progressing is d with the Deployment controller's Progressing condition
// (True) of the given reason.
func progressing(d *appsv1.Deployment, reason string) *appsv1.Deployment {
	d.Status.Conditions = append(d.Status.Conditions, appsv1.DeploymentCondition{Type: appsv1.DeploymentProgressing,
		Status: corev1.ConditionTrue, Reason: reason})
	return d
}

// obsFor observes an IngressController with the given strategy whose
// wildcard record, when managed, is published once the load balancer has
// an address.
func obsFor(strategy operatorv1.EndpointPublishingStrategyType, d *appsv1.Deployment, lb *corev1.Service) observed {
	a := admission{Admitted: true, Reason: "Valid", Message: "ok", Domain: "apps.example.com", Strategy: &operatorv1.EndpointPublishingStrategy{Type: strategy}}
	obs := observed{admission: a, deployment: d, loadBalancer: lb, dns: dnsManaged(a, Options{})}
	obs.dnsCheck = dnsCheck{reason: "RecordNotFound"}
	if lb != nil && len(lb.Status.LoadBalancer.Ingress) > 0 {
		obs.dnsCheck = dnsCheck{ready: true, reason: "NoFailedZones"}
	}
	return obs
}

// withOperandsErr says an operand failed.
func withOperandsErr(obs observed) observed {
	obs.operandsErr = errors.New("services \"router-x\" is forbidden")
	return obs
}

// withDNS replaces the verdict on the wildcard record.
func withDNS(obs observed, c dnsCheck) observed {
	obs.dnsCheck = c
	return obs
}

func provisioned(ip string) *corev1.Service {
	s := &corev1.Service{}
	if ip != "" {
		s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: ip}}
	}
	return s
}

type condStatus map[string]operatorv1.ConditionStatus

func statuses(cs []operatorv1.OperatorCondition) condStatus {
	m := condStatus{}
	for _, c := range cs {
		m[c.Type] = c.Status
	}
	return m
}

const (
	T = operatorv1.ConditionTrue
	F = operatorv1.ConditionFalse
	U = operatorv1.ConditionUnknown
)

func TestConditionsFirstLook(t *testing.T) {
	for _, tc := range []struct {
		name    string
		obs     observed
		types   []string
		want    condStatus
		reasons map[string]string
		msgHas  map[string]string
		// msgLacks: texts a condition's message must not have.
		msgLacks map[string][]string
		requeue  time.Duration
	}{
		{name: "Deployment not created yet",
			obs:   obsFor(operatorv1.HostNetworkStrategyType, nil, nil),
			types: []string{"Admitted", "DeploymentAvailable", "DeploymentReplicasMinAvailable", "DeploymentReplicasAllAvailable", "DeploymentRollingOut", "LoadBalancerManaged", "DNSManaged", "Available", "Progressing", "Degraded"},
			want: condStatus{"Admitted": T, "DeploymentAvailable": F, "DeploymentReplicasMinAvailable": F, "DeploymentReplicasAllAvailable": F,
				"DeploymentRollingOut": T, "LoadBalancerManaged": F, "DNSManaged": F, "Available": F, "Progressing": T, "Degraded": F},
			// Every failing condition is within its grace period.
			reasons: map[string]string{"DeploymentAvailable": "DeploymentNotFound", "LoadBalancerManaged": "EndpointPublishingStrategyExcludesManagedLoadBalancer",
				"DNSManaged": "UnsupportedEndpointPublishingStrategy",
				"Available":  "IngressControllerUnavailable", "Progressing": "IngressControllerProgressing", "Degraded": "NoDegradedConditions"},
			msgHas: map[string]string{"Available": "DeploymentAvailable (The router Deployment does not exist yet.)"},
			// Only what Available is computed from is named.
			msgLacks: map[string][]string{"Available": {"LoadBalancerManaged", "DNSManaged", "DeploymentReplicas", "DeploymentRollingOut"}},
			requeue:  30 * time.Second},
		{name: "rolled out and available on the host network",
			obs:   obsFor(operatorv1.HostNetworkStrategyType, routerDeployment(2, 2, 2, corev1.ConditionTrue), nil),
			types: []string{"Admitted", "DeploymentAvailable", "DeploymentReplicasMinAvailable", "DeploymentReplicasAllAvailable", "DeploymentRollingOut", "LoadBalancerManaged", "DNSManaged", "Available", "Progressing", "Degraded"},
			want: condStatus{"Admitted": T, "DeploymentAvailable": T, "DeploymentReplicasMinAvailable": T, "DeploymentReplicasAllAvailable": T,
				"DeploymentRollingOut": F, "LoadBalancerManaged": F, "DNSManaged": F, "Available": T, "Progressing": F, "Degraded": F},
			reasons: map[string]string{"DeploymentAvailable": "DeploymentAvailable", "DeploymentReplicasMinAvailable": "DeploymentMinimumReplicasMet",
				"DeploymentReplicasAllAvailable": "DeploymentReplicasAvailable", "DeploymentRollingOut": "DeploymentNotRollingOut",
				"Available": "IngressControllerAvailable", "Progressing": "IngressControllerNotProgressing", "Degraded": "NoDegradedConditions"},
			msgHas: map[string]string{"DeploymentAvailable": "Deployment has minimum availability.", "DeploymentReplicasAllAvailable": "2 of 2"}},
		{name: "load balancer pending",
			obs:   obsFor(operatorv1.LoadBalancerServiceStrategyType, routerDeployment(2, 2, 2, corev1.ConditionTrue), provisioned("")),
			types: []string{"Admitted", "DeploymentAvailable", "DeploymentReplicasMinAvailable", "DeploymentReplicasAllAvailable", "DeploymentRollingOut", "LoadBalancerManaged", "LoadBalancerReady", "LoadBalancerProgressing", "DNSManaged", "DNSReady", "Available", "Progressing", "Degraded"},
			want: condStatus{"Admitted": T, "DeploymentAvailable": T, "DeploymentReplicasMinAvailable": T, "DeploymentReplicasAllAvailable": T,
				"DeploymentRollingOut": F, "LoadBalancerManaged": T, "LoadBalancerReady": F, "DNSManaged": T, "DNSReady": F, "Available": F, "Progressing": F, "Degraded": F},
			reasons: map[string]string{"LoadBalancerManaged": "WantedByEndpointPublishingStrategy", "LoadBalancerReady": "LoadBalancerPending",
				"DNSManaged": "Normal", "DNSReady": "RecordNotFound"},
			msgHas: map[string]string{"Available": "LoadBalancerReady (The LoadBalancer Service has no address yet"}},
		{name: "load balancer Service missing",
			obs:     obsFor(operatorv1.LoadBalancerServiceStrategyType, routerDeployment(2, 2, 2, corev1.ConditionTrue), nil),
			want:    condStatus{"LoadBalancerReady": F, "Available": F},
			reasons: map[string]string{"LoadBalancerReady": "ServiceNotFound"}},
		{name: "load balancer provisioned",
			obs:     obsFor(operatorv1.LoadBalancerServiceStrategyType, routerDeployment(2, 2, 2, corev1.ConditionTrue), provisioned("198.51.100.7")),
			want:    condStatus{"LoadBalancerReady": T, "Available": T, "Degraded": F},
			reasons: map[string]string{"LoadBalancerReady": "LoadBalancerProvisioned"},
			msgHas:  map[string]string{"LoadBalancerReady": "198.51.100.7"}},
		{name: "load balancer provisioned, record not published yet",
			obs: withDNS(obsFor(operatorv1.LoadBalancerServiceStrategyType, routerDeployment(2, 2, 2, corev1.ConditionTrue), provisioned("198.51.100.7")),
				dnsCheck{reason: "RecordNotObserved", message: "ExternalDNS has not read DNSEndpoint x yet"}),
			want:    condStatus{"LoadBalancerReady": T, "DNSReady": F, "Available": F, "Degraded": F},
			reasons: map[string]string{"DNSReady": "RecordNotObserved"},
			msgHas:  map[string]string{"Available": "DNSReady (ExternalDNS has not read"},
			requeue: 30 * time.Second},
		{name: "DNS unmanaged: available without a record",
			obs: func() observed {
				o := obsFor(operatorv1.LoadBalancerServiceStrategyType, routerDeployment(2, 2, 2, corev1.ConditionTrue), provisioned("198.51.100.7"))
				o.admission.Strategy.LoadBalancer = &operatorv1.LoadBalancerStrategy{DNSManagementPolicy: operatorv1.UnmanagedLoadBalancerDNS}
				o.dns = dnsManaged(o.admission, Options{})
				return o
			}(),
			want:    condStatus{"DNSManaged": F, "Available": T},
			reasons: map[string]string{"DNSManaged": "UnmanagedLoadBalancerDNS"}},
		{name: "DNS management off in the manager",
			obs: func() observed {
				o := obsFor(operatorv1.LoadBalancerServiceStrategyType, routerDeployment(2, 2, 2, corev1.ConditionTrue), provisioned(""))
				o.dns = dnsManaged(o.admission, Options{DNS: DNSOptions{Disabled: true}})
				return o
			}(),
			want:    condStatus{"DNSManaged": F, "Available": F},
			reasons: map[string]string{"DNSManaged": "DNSManagementDisabled"}},
		{name: "Deployment made, availability not reported yet: Unknown, as OKD",
			obs:     obsFor(operatorv1.PrivateStrategyType, routerDeployment(2, 0, 0, ""), nil),
			want:    condStatus{"DeploymentAvailable": U, "Available": F, "Progressing": T},
			reasons: map[string]string{"DeploymentAvailable": "DeploymentAvailabilityUnknown"},
			msgHas:  map[string]string{"Available": "DeploymentAvailable (The router Deployment has not reported its availability yet.)"}},
		{name: "rolling out: new replicas not updated yet",
			obs:  obsFor(operatorv1.NodePortServiceStrategyType, routerDeployment(4, 2, 4, corev1.ConditionTrue), nil),
			want: condStatus{"DeploymentRollingOut": T, "Progressing": T, "Available": T, "DeploymentReplicasMinAvailable": T, "DeploymentReplicasAllAvailable": T}},
		{name: "rolling out: Deployment not observed yet",
			obs: obsFor(operatorv1.PrivateStrategyType, func() *appsv1.Deployment {
				d := routerDeployment(2, 2, 2, corev1.ConditionTrue)
				d.Generation = 3
				return d
			}(), nil),
			want: condStatus{"DeploymentRollingOut": T, "Progressing": T}},
		{name: "rolling out: updated replicas not available",
			obs:     obsFor(operatorv1.PrivateStrategyType, routerDeployment(4, 4, 3, corev1.ConditionTrue), nil),
			want:    condStatus{"DeploymentRollingOut": T, "Progressing": T, "DeploymentReplicasMinAvailable": T, "DeploymentReplicasAllAvailable": F},
			reasons: map[string]string{"DeploymentRollingOut": "DeploymentRollingOut"}},
		{name: "rolled out, then a pod lost (eviction, node gone): stabilizing, not progressing",
			obs:     obsFor(operatorv1.PrivateStrategyType, progressing(routerDeployment(4, 4, 3, corev1.ConditionTrue), "NewReplicaSetAvailable"), nil),
			want:    condStatus{"DeploymentRollingOut": T, "Progressing": F, "Available": T, "DeploymentReplicasAllAvailable": F},
			reasons: map[string]string{"DeploymentRollingOut": "ReplicasStabilizing", "Progressing": "IngressControllerNotProgressing"}},
		{name: "scaled up after a finished rollout (the Deployment keeps NewReplicaSetAvailable): rolling out",
			obs:     obsFor(operatorv1.PrivateStrategyType, progressing(routerDeployment(4, 3, 3, corev1.ConditionTrue), "NewReplicaSetAvailable"), nil),
			want:    condStatus{"DeploymentRollingOut": T, "Progressing": T},
			reasons: map[string]string{"DeploymentRollingOut": "DeploymentRollingOut"}},
		{name: "rolling out to a new template: old pods still there",
			obs: obsFor(operatorv1.PrivateStrategyType, func() *appsv1.Deployment {
				d := progressing(routerDeployment(4, 2, 4, corev1.ConditionTrue), "ReplicaSetUpdated")
				d.Status.Replicas = 5
				return d
			}(), nil),
			want:    condStatus{"DeploymentRollingOut": T, "Progressing": T},
			reasons: map[string]string{"DeploymentRollingOut": "DeploymentRollingOut"}},
		{name: "below the minimum: 4 replicas, 25% unavailable allowed, 2 available",
			obs:    obsFor(operatorv1.PrivateStrategyType, routerDeployment(4, 4, 2, corev1.ConditionFalse), nil),
			want:   condStatus{"DeploymentAvailable": F, "DeploymentReplicasMinAvailable": F, "Available": F},
			msgHas: map[string]string{"DeploymentReplicasMinAvailable": "2 of 4 router replicas are available; at least 3 are needed."}},
		{name: "fields without effect: FieldsSupported False, Degraded at once, still available",
			obs: func() observed {
				o := obsFor(operatorv1.HostNetworkStrategyType, routerDeployment(2, 2, 2, corev1.ConditionTrue), nil)
				o.admission.Ignored = []string{"spec.clientTLS (ConfigMap openshift-config/ca does not exist; router pods wait for a usable bundle)"}
				return o
			}(),
			types: []string{"Admitted", "DeploymentAvailable", "DeploymentReplicasMinAvailable", "DeploymentReplicasAllAvailable", "DeploymentRollingOut",
				"LoadBalancerManaged", "DNSManaged", "FieldsSupported", "Available", "Progressing", "Degraded"},
			want:    condStatus{"FieldsSupported": F, "Available": T, "Degraded": T},
			reasons: map[string]string{"FieldsSupported": "FieldsIgnored", "Available": "IngressControllerAvailable"},
			msgHas: map[string]string{"FieldsSupported": "These fields do not take effect as written: spec.clientTLS (ConfigMap openshift-config/ca does not exist",
				"Degraded": "FieldsSupported=False (FieldsIgnored: "}},
		{name: "a scope change waits for the Service to be created anew: LoadBalancerProgressing and Progressing, still available",
			obs: func() observed {
				o := obsFor(operatorv1.LoadBalancerServiceStrategyType, routerDeployment(2, 2, 2, corev1.ConditionTrue), provisioned("198.18.250.1"))
				o.lbChange = "The scope changed from Internal to External, which this platform's load balancers cannot change in place."
				return o
			}(),
			want:    condStatus{"LoadBalancerProgressing": T, "Progressing": T, "Available": T, "Degraded": F},
			reasons: map[string]string{"LoadBalancerProgressing": "OperandsProgressing"},
			msgHas:  map[string]string{"Progressing": "The scope changed from Internal to External"}},
		{name: "an operand failed: OperandsReconciled False, the routers still available",
			obs: func() observed {
				o := obsFor(operatorv1.HostNetworkStrategyType, routerDeployment(2, 2, 2, corev1.ConditionTrue), nil)
				o.operandsErr = errors.New(`Secret "mine" not found`)
				return o
			}(),
			types: []string{"Admitted", "DeploymentAvailable", "DeploymentReplicasMinAvailable", "DeploymentReplicasAllAvailable", "DeploymentRollingOut",
				"LoadBalancerManaged", "DNSManaged", "OperandsReconciled", "Available", "Progressing", "Degraded"},
			want:    condStatus{"OperandsReconciled": F, "Available": T, "Degraded": F},
			reasons: map[string]string{"OperandsReconciled": "OperandsFailed"},
			msgHas:  map[string]string{"OperandsReconciled": `could not all be brought in line with the spec: Secret "mine" not found`},
			requeue: time.Minute},
		{name: "not admitted",
			obs: observed{admission: admission{Reason: "Invalid", Message: "domain x is already used by IngressController y",
				Strategy: &operatorv1.EndpointPublishingStrategy{Type: operatorv1.HostNetworkStrategyType}}},
			want:    condStatus{"Admitted": F, "Degraded": T},
			reasons: map[string]string{"Admitted": "Invalid"},
			msgHas:  map[string]string{"Degraded": "Admitted=False (Invalid: domain x is already used by IngressController y)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, requeue := conditions(nil, tc.obs, clock)
			if tc.requeue != 0 && requeue != tc.requeue {
				t.Errorf("requeue = %v, want %v", requeue, tc.requeue)
			}
			if tc.types != nil {
				var got []string
				for _, c := range cs {
					got = append(got, c.Type)
				}
				if strings.Join(got, ",") != strings.Join(tc.types, ",") {
					t.Errorf("types = %v, want %v", got, tc.types)
				}
			}
			got := statuses(cs)
			for typ, want := range tc.want {
				if got[typ] != want {
					t.Errorf("%s = %q, want %q", typ, got[typ], want)
				}
			}
			for _, c := range cs {
				if !c.LastTransitionTime.Time.Equal(clock) {
					t.Errorf("%s lastTransitionTime = %v, want %v", c.Type, c.LastTransitionTime, clock)
				}
				if r, ok := tc.reasons[c.Type]; ok && c.Reason != r {
					t.Errorf("%s reason = %q, want %q", c.Type, c.Reason, r)
				}
				if m, ok := tc.msgHas[c.Type]; ok && !strings.Contains(c.Message, m) {
					t.Errorf("%s message = %q, want it to contain %q", c.Type, c.Message, m)
				}
				for _, m := range tc.msgLacks[c.Type] {
					if strings.Contains(c.Message, m) {
						t.Errorf("%s message = %q, want it without %q", c.Type, c.Message, m)
					}
				}
			}
		})
	}
}

// Degraded turns True only once a condition has been wrong for longer than
// its grace period, and the result says when to look again.
func TestConditionsGracePeriods(t *testing.T) {
	available := routerDeployment(2, 2, 2, corev1.ConditionTrue)
	for _, tc := range []struct {
		name     string
		obs      observed
		wrongFor time.Duration // how long the failing conditions have been wrong
		degraded bool
		requeue  time.Duration
		lateType string
	}{
		{name: "DeploymentAvailable within 30s", obs: obsFor(operatorv1.PrivateStrategyType, routerDeployment(2, 2, 1, corev1.ConditionFalse), nil),
			wrongFor: 29 * time.Second, requeue: time.Second},
		{name: "DeploymentAvailable after 30s", obs: obsFor(operatorv1.PrivateStrategyType, routerDeployment(2, 2, 1, corev1.ConditionFalse), nil),
			wrongFor: 30 * time.Second, degraded: true, lateType: "DeploymentAvailable=False", requeue: 30 * time.Second},
		{name: "DeploymentReplicasMinAvailable within 60s", obs: obsFor(operatorv1.PrivateStrategyType, routerDeployment(4, 4, 2, corev1.ConditionTrue), nil),
			wrongFor: 59 * time.Second, requeue: time.Second},
		{name: "DeploymentReplicasMinAvailable after 60s", obs: obsFor(operatorv1.PrivateStrategyType, routerDeployment(4, 4, 2, corev1.ConditionTrue), nil),
			wrongFor: time.Minute, degraded: true, lateType: "DeploymentReplicasMinAvailable=False", requeue: time.Hour - time.Minute},
		{name: "DeploymentReplicasAllAvailable within 1h", obs: obsFor(operatorv1.PrivateStrategyType, routerDeployment(4, 4, 3, corev1.ConditionTrue), nil),
			wrongFor: 59 * time.Minute, requeue: time.Minute},
		{name: "DeploymentReplicasAllAvailable after 1h", obs: obsFor(operatorv1.PrivateStrategyType, routerDeployment(4, 4, 3, corev1.ConditionTrue), nil),
			wrongFor: time.Hour, degraded: true, lateType: "DeploymentReplicasAllAvailable=False"},
		{name: "LoadBalancerReady within 90s", obs: obsFor(operatorv1.LoadBalancerServiceStrategyType, available, provisioned("")),
			wrongFor: 89 * time.Second, requeue: time.Second},
		{name: "LoadBalancerReady after 90s", obs: obsFor(operatorv1.LoadBalancerServiceStrategyType, available, provisioned("")),
			wrongFor: 90 * time.Second, degraded: true, lateType: "LoadBalancerReady=False"},
		{name: "OperandsReconciled within 1m", obs: withOperandsErr(obsFor(operatorv1.PrivateStrategyType, available, nil)),
			wrongFor: 59 * time.Second, requeue: time.Second},
		{name: "OperandsReconciled after 1m", obs: withOperandsErr(obsFor(operatorv1.PrivateStrategyType, available, nil)),
			wrongFor: time.Minute, degraded: true, lateType: "OperandsReconciled=False"},
		{name: "rolling out is not a fault", obs: obsFor(operatorv1.PrivateStrategyType, routerDeployment(4, 2, 4, corev1.ConditionTrue), nil),
			wrongFor: 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// First look, when the conditions turned wrong; then later.
			first, _ := conditions(nil, tc.obs, clock)
			cs, requeue := conditions(first, tc.obs, clock.Add(tc.wrongFor))
			d := findCondition(cs, "Degraded")
			if got := d.Status == T; got != tc.degraded {
				t.Errorf("Degraded = %s (%s), want degraded=%v", d.Status, d.Message, tc.degraded)
			}
			if tc.lateType != "" && !strings.Contains(d.Message, tc.lateType) {
				t.Errorf("Degraded message %q does not name %s", d.Message, tc.lateType)
			}
			if requeue != tc.requeue {
				t.Errorf("requeue = %v, want %v", requeue, tc.requeue)
			}
		})
	}
}

// Before the fields without effect are worked out (an operand failed
// first), FieldsSupported stays as it was, present or not, so no event
// tells of a change that did not happen.
func TestConditionsFieldsUnknown(t *testing.T) {
	ignoring := obsFor(operatorv1.PrivateStrategyType, routerDeployment(2, 2, 2, corev1.ConditionTrue), nil)
	ignoring.admission.Ignored = []string{"spec.httpErrorCodePages (ConfigMap openshift-config/pages does not exist)"}
	first, _ := conditions(nil, ignoring, clock)
	unknown := withOperandsErr(obsFor(operatorv1.PrivateStrategyType, routerDeployment(2, 2, 2, corev1.ConditionTrue), nil))
	unknown.fieldsUnknown = true
	later, _ := conditions(first, unknown, clock.Add(time.Minute))
	if got, want := findCondition(later, FieldsSupportedConditionType), findCondition(first, FieldsSupportedConditionType); got == nil || *got != *want {
		t.Errorf("FieldsSupported = %+v, want it kept: %+v", got, want)
	}
	if none, _ := conditions(nil, unknown, clock); findCondition(none, FieldsSupportedConditionType) != nil {
		t.Errorf("FieldsSupported appeared from nothing")
	}
}

// lastTransitionTime changes only with the status, not with the reason or
// the message.
func TestConditionsLastTransitionTime(t *testing.T) {
	t1, t2, t3 := clock, clock.Add(time.Minute), clock.Add(2*time.Minute)
	progress := obsFor(operatorv1.PrivateStrategyType, routerDeployment(4, 4, 1, corev1.ConditionFalse), nil)
	first, _ := conditions(nil, progress, t1)
	// Same statuses, other numbers in the messages.
	moreAvailable := obsFor(operatorv1.PrivateStrategyType, routerDeployment(4, 4, 2, corev1.ConditionFalse), nil)
	second, _ := conditions(first, moreAvailable, t2)
	for _, c := range second {
		prev := findCondition(first, c.Type)
		if prev.Status == c.Status && !c.LastTransitionTime.Time.Equal(t1) {
			t.Errorf("%s stayed %s but its lastTransitionTime moved to %v", c.Type, c.Status, c.LastTransitionTime)
		}
	}
	if m1, m2 := findCondition(first, "DeploymentReplicasAllAvailable").Message, findCondition(second, "DeploymentReplicasAllAvailable").Message; m1 == m2 {
		t.Errorf("the message should have changed: %q", m1)
	}
	// Everything available: the conditions that flipped get t3, the others keep t1.
	third, _ := conditions(second, obsFor(operatorv1.PrivateStrategyType, routerDeployment(4, 4, 4, corev1.ConditionTrue), nil), t3)
	for typ, want := range map[string]time.Time{
		"Admitted": t1, "DeploymentAvailable": t3, "DeploymentReplicasMinAvailable": t3, "DeploymentReplicasAllAvailable": t3,
		"DeploymentRollingOut": t3, "LoadBalancerManaged": t1, "Available": t3, "Progressing": t3,
	} {
		if got := findCondition(third, typ).LastTransitionTime.Time; !got.Equal(want) {
			t.Errorf("%s lastTransitionTime = %v, want %v", typ, got, want)
		}
	}
	// Degraded turned True at t2 (DeploymentAvailable had been False for a
	// minute) and False again at t3.
	if d := findCondition(second, "Degraded"); d.Status != T || !d.LastTransitionTime.Time.Equal(t2) {
		t.Errorf("Degraded at t2 = %s since %v, want True since %v", d.Status, d.LastTransitionTime, t2)
	}
	if d := findCondition(third, "Degraded"); d.Status != F || !d.LastTransitionTime.Time.Equal(t3) {
		t.Errorf("Degraded at t3 = %s since %v, want False since %v", d.Status, d.LastTransitionTime, t3)
	}
}

// TestRejectedConditions: a spec rejected while routers run leaves what was
// observed of them: Available stays, Degraded says why the spec is not
// applied. Before any router runs, there is nothing to keep.
func TestRejectedConditions(t *testing.T) {
	t1, t2 := clock, clock.Add(time.Minute)
	rejected := admission{Reason: "Invalid", Message: "bad selector"}
	running, _ := conditions(nil, obsFor(operatorv1.LoadBalancerServiceStrategyType, routerDeployment(2, 2, 2, corev1.ConditionTrue), provisioned("198.18.250.1")), t1)
	got := rejectedConditions(running, rejected, t2)
	want := condStatus{
		"Admitted": F, "DeploymentAvailable": T, "DeploymentReplicasMinAvailable": T, "DeploymentReplicasAllAvailable": T,
		"DeploymentRollingOut": F, "LoadBalancerManaged": T, "LoadBalancerReady": T, "LoadBalancerProgressing": F,
		"DNSManaged": T, "DNSReady": T, "Available": T, "Progressing": F, "Degraded": T,
	}
	if s := statuses(got); !maps.Equal(s, want) {
		t.Errorf("rejected while running: %v, want %v", s, want)
	}
	if d := findCondition(got, "Degraded"); !strings.Contains(d.Message, "Admitted=False (Invalid: bad selector)") || !d.LastTransitionTime.Time.Equal(t2) {
		t.Errorf("Degraded = %+v, want it to name the rejection, since %v", d, t2)
	}
	if a := findCondition(got, "Available"); !a.LastTransitionTime.Time.Equal(t1) {
		t.Errorf("Available moved to %v, want it unchanged since %v", a.LastTransitionTime, t1)
	}

	never := rejectedConditions(nil, rejected, t1)
	if s, want := statuses(never), (condStatus{"Admitted": F, "Available": F, "Progressing": F, "Degraded": T}); !maps.Equal(s, want) {
		t.Errorf("rejected at once: %v, want %v", s, want)
	}
}

// Admission's events tell of a new verdict, domain or strategy only.
func TestVerdictChanged(t *testing.T) {
	ic := func(status operatorv1.ConditionStatus, msg, domain string, strategy operatorv1.EndpointPublishingStrategyType) *operatorv1.IngressController {
		x := &operatorv1.IngressController{}
		x.Status.Domain = domain
		x.Status.EndpointPublishingStrategy = &operatorv1.EndpointPublishingStrategy{Type: strategy}
		x.Status.Conditions = []operatorv1.OperatorCondition{{Type: "Admitted", Status: status, Message: msg}}
		return x
	}
	admitted := ic(T, "ok", "apps.example.com", operatorv1.HostNetworkStrategyType)
	for _, tc := range []struct {
		name          string
		before, after *operatorv1.IngressController
		want          bool
	}{
		{"first verdict", &operatorv1.IngressController{}, admitted, true},
		{"a new generation, same verdict (kubectl scale)", admitted, admitted.DeepCopy(), false},
		{"rejected again, same reason", ic(F, "domain taken", "", ""), ic(F, "domain taken", "", ""), false},
		{"rejected for another reason", ic(F, "domain taken", "", ""), ic(F, "invalid domain", "", ""), true},
		{"admitted after a rejection", ic(F, "domain taken", "", ""), admitted, true},
		{"another domain", admitted, ic(T, "ok", "apps2.example.com", operatorv1.HostNetworkStrategyType), true},
		{"another strategy", admitted, ic(T, "ok", "apps.example.com", operatorv1.PrivateStrategyType), true},
	} {
		if got := verdictChanged(tc.before, tc.after); got != tc.want {
			t.Errorf("%s: changed = %v, want %v", tc.name, got, tc.want)
		}
	}
}
