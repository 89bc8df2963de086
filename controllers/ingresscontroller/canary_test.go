package ingresscontroller

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/canary"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// TestCanaryUnknownDegradesNothing: the Route not admitted (or client
// certificates required) leaves the traffic unchecked: Unknown, and not
// Degraded however long.
func TestCanaryUnknownDegradesNothing(t *testing.T) {
	obs := obsFor(operatorv1.HostNetworkStrategyType, routerDeployment(2, 2, 2, corev1.ConditionTrue), nil)
	obs.canaryChecked = true
	obs.canary = &canaryResult{uid: "u1", failures: 1, unknown: true, reason: canaryReasonNotAdmitted}
	first := mustConditions(nil, obs)
	later, _ := conditions(first, obs, clock.Add(time.Hour))
	if s := statuses(later); s[CanaryChecksSucceedingConditionType] != "Unknown" || s["Degraded"] != "False" {
		t.Errorf("an hour later: %v", s)
	}
	// An operator restarted keeps it (no result yet).
	obs.canary = nil
	if s := statuses(mustConditions(later, obs)); s[CanaryChecksSucceedingConditionType] != "Unknown" {
		t.Errorf("carried: %v", s)
	}
}

// TestRouterAddresses: one address per ready router pod, IPv4 where a
// dual-stack Service has a slice per family, the HTTPS port.
func TestRouterAddresses(t *testing.T) {
	pod := func(name string) *corev1.ObjectReference {
		return &corev1.ObjectReference{Kind: "Pod", Name: name, UID: types.UID("uid-" + name)}
	}
	ep := func(addr string, ready bool, ref *corev1.ObjectReference) discoveryv1.Endpoint {
		return discoveryv1.Endpoint{Addresses: []string{addr}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}, TargetRef: ref}
	}
	ports := []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To[int32](80)}, {Name: ptr.To("https"), Port: ptr.To[int32](443)}}
	slices := []discoveryv1.EndpointSlice{
		{AddressType: discoveryv1.AddressTypeIPv6, Ports: ports, Endpoints: []discoveryv1.Endpoint{
			ep("fd00::1", true, pod("a")), ep("fd00::2", true, pod("b")), ep("fd00::3", true, pod("c"))}},
		{AddressType: discoveryv1.AddressTypeIPv4, Ports: ports, Endpoints: []discoveryv1.Endpoint{
			ep("198.18.1.1", true, pod("a")), ep("198.18.1.2", true, pod("b")), ep("198.18.1.4", false, pod("d"))}},
		// A slice overlapping another, as during an update.
		{AddressType: discoveryv1.AddressTypeIPv4, Ports: ports, Endpoints: []discoveryv1.Endpoint{ep("198.18.1.1", true, pod("a"))}},
		// HostNetwork routers on a port of their own (spec.endpointPublishingStrategy.hostNetwork.httpsPort);
		// readiness unknown counts as ready, as Kubernetes says; an address without a pod is no router.
		{AddressType: discoveryv1.AddressTypeIPv4, Ports: []discoveryv1.EndpointPort{{Name: ptr.To("https"), Port: ptr.To[int32](8443)}},
			Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"198.18.1.5"}, TargetRef: pod("e")}, ep("198.18.1.6", true, nil)}},
	}
	got := routerAddresses(slices)
	want := []string{"198.18.1.1:443", "198.18.1.2:443", "198.18.1.5:8443", "[fd00::3]:443"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestCanaryResults follows results through sequences of checks: True
// after a success, False only after five failures in a row, as it was in
// between; nothing checked leaves the condition as it was.
func TestCanaryResults(t *testing.T) {
	fail := &canaryFailure{reason: canaryReasonFailures, msg: "router down"}
	notAdmitted := &canaryFailure{reason: canaryReasonNotAdmitted, msg: "x", unknown: true}
	for _, tc := range []struct {
		name   string
		checks []*canaryFailure // nil: success
		skip   bool             // the last check found nothing to check
		want   string           // the condition's status, "" for none
		reason string
	}{
		{"a success", []*canaryFailure{nil}, false, "True", canaryReasonSucceeding},
		{"four failures after a success", []*canaryFailure{nil, fail, fail, fail, fail}, false, "True", canaryReasonSucceeding},
		{"five failures", []*canaryFailure{nil, fail, fail, fail, fail, fail}, false, "False", canaryReasonFailures},
		{"not admitted: Unknown at once", []*canaryFailure{nil, notAdmitted}, false, "Unknown", canaryReasonNotAdmitted},
		{"failures, then not admitted", []*canaryFailure{fail, fail, fail, fail, fail, notAdmitted}, false, "Unknown", canaryReasonNotAdmitted},
		{"not admitted, then four failures", []*canaryFailure{notAdmitted, fail, fail, fail, fail}, false, "Unknown", canaryReasonNotAdmitted},
		{"not admitted, then five failures", []*canaryFailure{notAdmitted, fail, fail, fail, fail, fail}, false, "False", canaryReasonFailures},
		{"failures around an unchecked one", []*canaryFailure{fail, fail, fail, notAdmitted, fail, fail}, false, "Unknown", canaryReasonNotAdmitted},
		{"four failures from the start", []*canaryFailure{fail, fail, fail, fail}, false, "", ""},
		{"a success after failures", []*canaryFailure{fail, fail, fail, fail, fail, nil}, false, "True", canaryReasonSucceeding},
		{"failures interrupted by a success", []*canaryFailure{fail, fail, fail, nil, fail, fail, fail}, false, "True", canaryReasonSucceeding},
		{"nothing to check", []*canaryFailure{nil}, true, "", ""},
		{"nothing to check after a success", []*canaryFailure{nil, nil}, true, "True", canaryReasonSucceeding},
	} {
		var res *canaryResult
		var prev []operatorv1.OperatorCondition
		for i, f := range tc.checks {
			uid := types.UID("u1")
			if tc.skip && i == len(tc.checks)-1 {
				uid = ""
			}
			res = nextResult(res, uid, f)
			for _, c := range canaryConds(prev, res) {
				prev = []operatorv1.OperatorCondition{merge(prev, c, clock)}
			}
		}
		got, reason := "", ""
		if c := findCondition(prev, CanaryChecksSucceedingConditionType); c != nil {
			got, reason = string(c.Status), c.Reason
		}
		if got != tc.want || reason != tc.reason {
			t.Errorf("%s: got %q (%s), want %q (%s)", tc.name, got, reason, tc.want, tc.reason)
		}
	}
}

// TestCanaryDegraded: a False canary condition degrades the default
// IngressController after a minute, not before; Available is not touched.
func TestCanaryDegraded(t *testing.T) {
	obs := obsFor(operatorv1.HostNetworkStrategyType, routerDeployment(2, 2, 2, corev1.ConditionTrue), nil)
	obs.canaryChecked = true
	obs.canary = &canaryResult{failures: 5, reason: canaryReasonFailures, msg: "router down"}
	first, requeue := conditions(nil, obs, clock)
	if s := statuses(first); s[CanaryChecksSucceedingConditionType] != "False" || s["Degraded"] != "False" || s["Available"] != "True" {
		t.Fatalf("at once: %v", s)
	}
	if requeue != time.Minute {
		t.Errorf("requeue %v, want the grace period, 1m", requeue)
	}
	later, _ := conditions(first, obs, clock.Add(time.Minute))
	if s := statuses(later); s["Degraded"] != "True" || s["Available"] != "True" {
		t.Fatalf("a minute later: %v", s)
	}
	if c := findCondition(later, "Degraded"); !strings.Contains(c.Message, "CanaryChecksSucceeding=False") {
		t.Errorf("Degraded message %q does not name the canary", c.Message)
	}
	obs.canaryChecked = false
	if s := statuses(mustConditions(first, obs)); s[CanaryChecksSucceedingConditionType] != "" {
		t.Errorf("not the checked IngressController: %v", s)
	}
}

func mustConditions(prev []operatorv1.OperatorCondition, obs observed) []operatorv1.OperatorCondition {
	out, _ := conditions(prev, obs, clock)
	return out
}

func TestCanaryCondChanged(t *testing.T) {
	ok := &canaryResult{ok: true}
	for _, tc := range []struct {
		name string
		a, b *canaryResult
		want bool
	}{
		{"first success", nil, ok, true},
		{"success again", ok, ok, false},
		{"a first failure", ok, &canaryResult{failures: 1, reason: canaryReasonFailures}, false},
		{"the fifth failure", &canaryResult{failures: 4}, &canaryResult{failures: 5, reason: canaryReasonFailures}, true},
		{"the sixth, alike", &canaryResult{failures: 5, reason: canaryReasonFailures}, &canaryResult{failures: 6, reason: canaryReasonFailures}, false},
		{"nothing to check any more", ok, nil, false},
		{"the sixth, another message", &canaryResult{failures: 5, reason: canaryReasonFailures, msg: "a"}, &canaryResult{failures: 6, reason: canaryReasonFailures, msg: "b"}, false},
		{"not admitted", ok, &canaryResult{failures: 1, unknown: true, reason: canaryReasonNotAdmitted}, true},
	} {
		if got := canaryConditionChanged(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDesiredCanary(t *testing.T) {
	ds := desiredCanaryDaemonSet(testOptions(PlatformNone))
	pod := ds.Spec.Template.Spec
	c := pod.Containers[0]
	if c.Image != testOptions(PlatformNone).RouterImage || strings.Join(c.Args, " ") != "serve-healthcheck" {
		t.Errorf("container runs %s %v", c.Image, c.Args)
	}
	// Pod Security "restricted", which the canary namespace enforces.
	if !*pod.SecurityContext.RunAsNonRoot || pod.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault ||
		*c.SecurityContext.AllowPrivilegeEscalation || len(c.SecurityContext.Capabilities.Add) > 0 ||
		c.SecurityContext.Capabilities.Drop[0] != "ALL" || *pod.AutomountServiceAccountToken {
		t.Errorf("pod not restricted: %+v %+v", pod.SecurityContext, c.SecurityContext)
	}
	if ds.Spec.Template.Labels[names.HashLabel] == "" {
		t.Error("no template hash")
	}
	again := desiredCanaryDaemonSet(testOptions(PlatformNone))
	if again.Spec.Template.Labels[names.HashLabel] != ds.Spec.Template.Labels[names.HashLabel] {
		t.Error("the template hash is not stable")
	}
	o := testOptions(PlatformNone)
	o.RouterImage = "example.com/okd-ingress:v2"
	if desiredCanaryDaemonSet(o).Spec.Template.Labels[names.HashLabel] == ds.Spec.Template.Labels[names.HashLabel] {
		t.Error("a new image keeps the hash")
	}
	r := desiredCanaryRoute("apps.example.com")
	if r.Spec.Host != "canary-openshift-ingress-canary.apps.example.com" || r.Spec.TLS.Termination != routev1.TLSTerminationEdge ||
		r.Spec.TLS.InsecureEdgeTerminationPolicy != routev1.InsecureEdgeTerminationPolicyRedirect || r.Spec.Port.TargetPort.IntValue() != 8080 {
		t.Errorf("route %+v", r.Spec)
	}
	svc := desiredCanaryService()
	if len(svc.Spec.Ports) != 2 || svc.Spec.Ports[0].Name != "8080-tcp" || svc.Spec.Selector[firstKey(canaryLabel)] == "" {
		t.Errorf("service %+v", svc.Spec)
	}
}

func firstKey(m map[string]string) string {
	for k := range m {
		return k
	}
	return ""
}

func TestAdmittedHost(t *testing.T) {
	admittedBy := func(router, host string, status corev1.ConditionStatus) routev1.RouteIngress {
		return routev1.RouteIngress{RouterName: router, Host: host,
			Conditions: []routev1.RouteIngressCondition{{Type: routev1.RouteAdmitted, Status: status, LastTransitionTime: &metav1.Time{}}}}
	}
	r := &routev1.Route{Status: routev1.RouteStatus{Ingress: []routev1.RouteIngress{
		admittedBy("sharded", "canary.apps.shard.example.com", corev1.ConditionTrue),
		admittedBy("default", "canary.apps.example.com", corev1.ConditionTrue),
	}}}
	if h, ok := admittedHost(r, "default"); !ok || h != "canary.apps.example.com" {
		t.Errorf("got %q %v", h, ok)
	}
	r.Status.Ingress[1] = admittedBy("default", "canary.apps.example.com", corev1.ConditionFalse)
	if _, ok := admittedHost(r, "default"); ok {
		t.Error("a refused route counts as admitted")
	}
}

// TestCanaryTemplateMatchesDefaulted: the DaemonSet's template, as the API
// server stores it with its defaults, still counts as the operator's, so a
// check writes nothing (DeepDerivative compares numbers even when zero).
func TestCanaryTemplateMatchesDefaulted(t *testing.T) {
	want := desiredCanaryDaemonSet(testOptions(PlatformNone)).Spec.Template
	live := *want.DeepCopy()
	spec := &live.Spec
	spec.RestartPolicy, spec.DNSPolicy, spec.SchedulerName = corev1.RestartPolicyAlways, corev1.DNSClusterFirst, corev1.DefaultSchedulerName
	spec.TerminationGracePeriodSeconds = ptr.To[int64](30)
	c := &spec.Containers[0]
	c.TerminationMessagePath = corev1.TerminationMessagePathDefault
	for _, p := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe} {
		p.HTTPGet.Scheme = corev1.URISchemeHTTP
		p.SuccessThreshold, p.FailureThreshold = 1, 3
	}
	if !equality.Semantic.DeepDerivative(want, live) {
		t.Error("the defaulted template differs from the operator's: every check would write it")
	}
	c.Args = []string{"other"}
	if equality.Semantic.DeepDerivative(want, live) {
		t.Error("an edited template counts as the operator's")
	}
}

// TestProbeSettings reads, from the router Deployment the operator
// writes, whether the routers expect a PROXY header and whether they turn
// away a client without a certificate.
func TestProbeSettings(t *testing.T) {
	o := testOptions(PlatformNone)
	for _, tc := range []struct {
		name        string
		ic          *operatorv1.IngressController
		ca          clientCA
		proxy       bool
		uncheckable bool
	}{
		{"plain", newIC("default", withStrategy(operatorv1.HostNetworkStrategyType)), clientCA{}, false, false},
		{"PROXY", newIC("default", withHostPorts(operatorv1.ProxyProtocol, 0, 0, 0)), clientCA{}, true, false},
		{"client certificates required", newIC("default", withStrategy(operatorv1.HostNetworkStrategyType)), clientCA{Policy: "required"}, false, true},
		{"optional", newIC("default", withStrategy(operatorv1.HostNetworkStrategyType)), clientCA{Policy: "optional"}, false, false},
		{"optional, certain subjects", newIC("default", withStrategy(operatorv1.HostNetworkStrategyType)), clientCA{Policy: "optional", Filter: "^/CN=a$"}, false, true},
	} {
		d := desiredDeployment(tc.ic, admitted(tc.ic, o), o, clusterInputs{CookieKeyVersion: "v1", ClientCA: tc.ca})
		if got := expectsProxyHeader(&d.Spec.Template); got != tc.proxy {
			t.Errorf("%s: PROXY header %v, want %v", tc.name, got, tc.proxy)
		}
		if got := uncheckable(&d.Spec.Template) != ""; got != tc.uncheckable {
			t.Errorf("%s: uncheckable %v (%q), want %v", tc.name, got, uncheckable(&d.Spec.Template), tc.uncheckable)
		}
	}
}

func TestCanaryRoutePort(t *testing.T) {
	for _, tc := range []struct {
		name string
		port *routev1.RoutePort
		want int32
	}{
		{"none", nil, 8080},
		{"8080", &routev1.RoutePort{TargetPort: intstr.FromInt32(8080)}, 8080},
		{"rotated", &routev1.RoutePort{TargetPort: intstr.FromInt32(8888)}, 8888},
		{"another port", &routev1.RoutePort{TargetPort: intstr.FromInt32(9000)}, 8080},
		{"a name", &routev1.RoutePort{TargetPort: intstr.FromString("8888-tcp")}, 8080},
	} {
		if got := canaryRoutePort(&routev1.Route{Spec: routev1.RouteSpec{Port: tc.port}}); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestProbeAllMetrics: two routers, one still sending to the port the
// Route named before: one failure, counted as a wrong port, and the other
// request's time observed.
func TestProbeAllMetrics(t *testing.T) {
	onPort := httptest.NewTLSServer(canary.Handler(8080))
	defer onPort.Close()
	stale := httptest.NewTLSServer(canary.Handler(8888))
	defer stale.Close()
	host := "canary-openshift-ingress-canary.apps.metrics.example.com"
	wrongBefore := testutil.ToFloat64(canaryWrongPort)
	routers := []string{strings.TrimPrefix(onPort.URL, "https://"), strings.TrimPrefix(stale.URL, "https://")}
	failed := probeAll(t.Context(), routers, canary.Target{Host: host, Port: 8080})
	if len(failed) != 1 || !strings.HasPrefix(failed[0], routers[1]+": ") || !strings.Contains(failed[0], "port") {
		t.Fatalf("failed %q", failed)
	}
	if got := testutil.ToFloat64(canaryWrongPort) - wrongBefore; got != 1 {
		t.Errorf("wrong-port answers counted %v, want 1", got)
	}
	var m dto.Metric
	if err := canaryCheckDuration.WithLabelValues(host).(prometheus.Metric).Write(&m); err != nil {
		t.Fatal(err)
	}
	if n := m.GetHistogram().GetSampleCount(); n != 1 {
		t.Errorf("%d request times observed, want 1 (the answer from the right port)", n)
	}
}

// TestRotateNow: the Route moves after every fifth successful check while
// the annotation says so (strconv.ParseBool's true), and the count starts
// over when it is taken off.
func TestRotateNow(t *testing.T) {
	c := &canaryChecker{}
	var got []bool
	for _, a := range []string{"true", "true", "true", "true", "true", "True", "1", "", "true", "true", "true", "true", "true"} {
		got = append(got, c.rotateNow(a))
	}
	want := []bool{false, false, false, false, true, false, false, false, false, false, false, false, true}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestReportReachable: a check of another host (a new domain) drops the
// old host's series; nothing to check drops it too.
func TestReportReachable(t *testing.T) {
	c := &canaryChecker{}
	count := func(host string) int { return seriesWith(t, canaryRouteReachable, "host", host) }
	c.reportReachable("canary.apps.one.example.com", 1)
	c.reportReachable("canary.apps.two.example.com", 0)
	if count("canary.apps.one.example.com") != 0 || count("canary.apps.two.example.com") != 1 {
		t.Errorf("after a new domain: %d old, %d new series", count("canary.apps.one.example.com"), count("canary.apps.two.example.com"))
	}
	if v := testutil.ToFloat64(canaryRouteReachable.WithLabelValues("canary.apps.two.example.com")); v != 0 {
		t.Errorf("reachable %v, want 0", v)
	}
	c.reportReachable("", 0)
	if count("canary.apps.two.example.com") != 0 {
		t.Error("a series left with nothing to check")
	}
}

func TestConditionsMetric(t *testing.T) {
	ic := newIC("metrics-test")
	ic.Status.Conditions = []operatorv1.OperatorCondition{
		{Type: operatorv1.OperatorStatusTypeAvailable, Status: operatorv1.ConditionTrue},
		{Type: operatorv1.OperatorStatusTypeDegraded, Status: operatorv1.ConditionFalse},
		{Type: operatorv1.OperatorStatusTypeProgressing, Status: operatorv1.ConditionTrue},
	}
	observeConditions(ic)
	if v := testutil.ToFloat64(icConditions.WithLabelValues("metrics-test", "Available")); v != 1 {
		t.Errorf("Available %v", v)
	}
	if v := testutil.ToFloat64(icConditions.WithLabelValues("metrics-test", "Degraded")); v != 0 {
		t.Errorf("Degraded %v", v)
	}
	ic.Status.Conditions[1].Status = operatorv1.ConditionUnknown
	observeConditions(ic)
	if n := seriesWith(t, icConditions, "condition", "Degraded", "name", "metrics-test"); n != 0 {
		t.Errorf("Degraded Unknown: %d series, want none (as OKD)", n)
	}
	observeConditions(ic)
	forgetConditions("metrics-test") // the spec rejected
	if n := seriesWith(t, icConditions, "name", "metrics-test"); n != 0 {
		t.Errorf("rejected: %d series left", n)
	}
	observeConditions(ic)
	forgetIngressController("metrics-test")
	if n := seriesWith(t, icConditions, "name", "metrics-test"); n != 0 {
		t.Errorf("%d series left after deletion", n)
	}
}

// seriesWith counts c's series whose labels include every name, value
// pair given.
func seriesWith(t *testing.T, c prometheus.Collector, pairs ...string) int {
	t.Helper()
	ch := make(chan prometheus.Metric, 100)
	go func() { c.Collect(ch); close(ch) }()
	n := 0
	for m := range ch {
		var out dto.Metric
		if err := m.Write(&out); err != nil {
			t.Fatal(err)
		}
		labels := map[string]string{}
		for _, l := range out.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for i := 0; i+1 < len(pairs); i += 2 {
			match = match && labels[pairs[i]] == pairs[i+1]
		}
		if match {
			n++
		}
	}
	return n
}
