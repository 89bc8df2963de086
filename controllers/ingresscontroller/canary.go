package ingresscontroller

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/canary"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// CanaryChecksSucceedingConditionType is OKD's condition on the default
// IngressController: whether requests to the canary Route get through.
const CanaryChecksSucceedingConditionType = "CanaryChecksSucceeding"

// canaryFailuresToFail is how many checks in a row must fail before the
// condition turns False (OKD's: a router restarting is not a fault).
const canaryFailuresToFail = 5

// The reasons of the canary condition (OKD's, and NoReadyRouters).
const (
	canaryReasonSucceeding     = "CanaryChecksSucceeding"
	canaryReasonFailures       = "CanaryChecksRepetitiveFailures"
	canaryReasonNotAdmitted    = "CanaryRouteNotAdmitted"
	canaryReasonNoRoute        = "CanaryRouteDoesNotExist"
	canaryReasonNoReadyRouters = "NoReadyRouters"
)

// canaryTargetPort is the canary's port the Route sends requests to.
const canaryTargetPort int32 = 8080

// canaryLabel selects the canary's pods (OKD's label).
var canaryLabel = map[string]string{"ingresscanary.operator.openshift.io/daemonset-ingresscanary": "canary_controller"}

// canaryResult is what the checks found so far.
type canaryResult struct {
	ok       bool // the last check succeeded
	failures int  // checks failed in a row
	// reason and msg describe the last failure.
	reason, msg string
}

// canaryChecker keeps the default IngressController's canary (a DaemonSet,
// its Service and an edge Route) and checks, every interval, that each
// ready router serves the Route. The reconciler reports the outcome
// (canaryConds); the checker wakes it when the outcome changes.
type canaryChecker struct {
	r        *Reconciler
	interval time.Duration
	wake     chan event.GenericEvent

	mu     sync.Mutex
	result *canaryResult // nil before a check has run
}

func (c *canaryChecker) NeedLeaderElection() bool { return true }

// Start checks at once, then every interval, until ctx ends.
func (c *canaryChecker) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("canary")
	for {
		ran, failure := c.check(ctx)
		if failure != nil {
			log.Info("canary check failed", "reason", failure.reason, "message", failure.msg)
		}
		c.record(ran, failure)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(c.interval):
		}
	}
}

// current is the last result, nil if none.
func (c *canaryChecker) current() *canaryResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.result == nil {
		return nil
	}
	res := *c.result
	return &res
}

// record keeps the outcome of a check and wakes the reconciler when the
// condition it reports may change.
func (c *canaryChecker) record(ran bool, failure *canaryFailure) {
	c.mu.Lock()
	before := c.result
	c.result = nextResult(before, ran, failure)
	after := c.result
	c.mu.Unlock()
	if canaryConditionChanged(before, after) {
		ic := &operatorv1.IngressController{}
		ic.Namespace, ic.Name = c.r.Options.OperatorNamespace, names.DefaultIngressController
		select {
		case c.wake <- event.GenericEvent{Object: ic}:
		default: // a wake-up is already waiting
		}
	}
}

// nextResult is the result after a check: none when nothing was checked,
// else the check's outcome, counting failures in a row.
func nextResult(before *canaryResult, ran bool, failure *canaryFailure) *canaryResult {
	switch {
	case !ran:
		return nil
	case failure == nil:
		return &canaryResult{ok: true}
	}
	next := &canaryResult{reason: failure.reason, msg: failure.msg, failures: 1}
	if before != nil && !before.ok {
		next.failures = before.failures + 1
	}
	return next
}

// canaryConditionChanged tells whether b decides a condition other than
// the one a reported (a result that decides none keeps the condition).
func canaryConditionChanged(a, b *canaryResult) bool {
	cb := canaryConds(nil, b)
	return len(cb) > 0 && !slices.Equal(canaryConds(nil, a), cb)
}

// canaryFailure is a failed check: the condition's reason and message.
type canaryFailure struct{ reason, msg string }

// check ensures the canary's objects and probes the Route through every
// ready router of the default IngressController. ran is false when there
// is no default IngressController to check (none, not admitted, going).
func (c *canaryChecker) check(ctx context.Context) (ran bool, failure *canaryFailure) {
	r := c.r
	var ic operatorv1.IngressController
	key := client.ObjectKey{Namespace: r.Options.OperatorNamespace, Name: names.DefaultIngressController}
	if err := r.Get(ctx, key, &ic); err != nil || !ic.DeletionTimestamp.IsZero() || !isAdmitted(&ic) || ic.Status.Domain == "" {
		return false, nil
	}
	if err := r.ensureCanary(ctx, ic.Status.Domain); err != nil {
		return true, &canaryFailure{canaryReasonFailures, "The canary's objects could not be written: " + err.Error()}
	}
	var route routev1.Route
	if err := r.Get(ctx, client.ObjectKey{Namespace: names.CanaryNamespace, Name: names.CanaryRoute}, &route); err != nil {
		return true, &canaryFailure{canaryReasonNoRoute, "The canary route cannot be read: " + err.Error()}
	}
	host, ok := admittedHost(&route, ic.Name)
	if !ok {
		return true, &canaryFailure{canaryReasonNotAdmitted, fmt.Sprintf("The default ingress controller has not admitted the canary route %s/%s.", names.CanaryNamespace, names.CanaryRoute)}
	}
	routers, err := r.readyRouters(ctx, ic.Name)
	if err != nil {
		return true, &canaryFailure{canaryReasonNoReadyRouters, "The routers' endpoints cannot be read: " + err.Error()}
	}
	if len(routers) == 0 {
		return true, &canaryFailure{canaryReasonNoReadyRouters, "No router of the default ingress controller is ready to be checked."}
	}
	if failed := probeAll(ctx, routers, host); len(failed) > 0 {
		return true, &canaryFailure{canaryReasonFailures, fmt.Sprintf("Canary route checks for the default ingress controller are failing: %d of %d routers: %s",
			len(failed), len(routers), strings.Join(failed, "; "))}
	}
	return true, nil
}

// probeAll probes host through each router at once and returns what
// failed, in the routers' order.
func probeAll(ctx context.Context, routers []string, host string) []string {
	errs := make([]error, len(routers))
	var wg sync.WaitGroup
	for i, addr := range routers {
		wg.Go(func() { errs[i] = canary.Probe(ctx, addr, host, canaryTargetPort) })
	}
	wg.Wait()
	var failed []string
	for i, err := range errs {
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", routers[i], err))
		}
	}
	return failed
}

// admittedHost is the host the router of ic admitted the Route with.
func admittedHost(route *routev1.Route, ic string) (string, bool) {
	for _, in := range route.Status.Ingress {
		if in.RouterName != ic {
			continue
		}
		for _, c := range in.Conditions {
			if c.Type == routev1.RouteAdmitted && c.Status == corev1.ConditionTrue && in.Host != "" {
				return in.Host, true
			}
		}
	}
	return "", false
}

// readyRouters are the HTTPS addresses (host:port) of the ready routers
// of ic, from the internal Service's EndpointSlices.
func (r *Reconciler) readyRouters(ctx context.Context, ic string) ([]string, error) {
	var list discoveryv1.EndpointSliceList
	if err := r.APIReader.List(ctx, &list, client.InNamespace(r.Options.RouterNamespace),
		client.MatchingLabels{discoveryv1.LabelServiceName: names.InternalService(ic)}); err != nil {
		return nil, err
	}
	var out []string
	for _, s := range list.Items {
		port := slicePort(s.Ports, "https")
		if port == 0 {
			continue
		}
		for _, ep := range s.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			for _, a := range ep.Addresses {
				out = append(out, net.JoinHostPort(a, strconv.Itoa(int(port))))
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// slicePort is the number of the port named name, 0 if none.
func slicePort(ports []discoveryv1.EndpointPort, name string) int32 {
	for _, p := range ports {
		if p.Name != nil && *p.Name == name && p.Port != nil {
			return *p.Port
		}
	}
	return 0
}

// canaryConds is the canary condition for result: True after a check that
// succeeded, False after canaryFailuresToFail in a row, else as it was.
func canaryConds(prev []operatorv1.OperatorCondition, res *canaryResult) []cond {
	switch {
	case res == nil:
		return carried(prev, CanaryChecksSucceedingConditionType)
	case res.ok:
		return []cond{{t: CanaryChecksSucceedingConditionType, ok: true, reason: canaryReasonSucceeding,
			msg: "Canary route checks for the default ingress controller are successful."}}
	case res.failures >= canaryFailuresToFail:
		return []cond{{t: CanaryChecksSucceedingConditionType, reason: res.reason,
			msg: fmt.Sprintf("%d checks in a row failed; the last: %s", canaryFailuresToFail, res.msg)}}
	}
	return carried(prev, CanaryChecksSucceedingConditionType)
}

// ensureCanary keeps the canary's DaemonSet, Service and Route as the
// operator wants them.
func (r *Reconciler) ensureCanary(ctx context.Context, domain string) error {
	ds := desiredCanaryDaemonSet(r.Options)
	if err := ensureCanaryObject(ctx, r.Client, &appsv1.DaemonSet{}, ds, func(live *appsv1.DaemonSet) {
		live.Labels = ds.Labels
		if live.CreationTimestamp.IsZero() {
			live.Spec.Selector = ds.Spec.Selector
		}
		// Rewritten when the operator's changed or a field it sets was
		// edited; the fields the API server defaults cause no write.
		if live.Spec.Template.Labels[names.HashLabel] != ds.Spec.Template.Labels[names.HashLabel] ||
			!equality.Semantic.DeepDerivative(ds.Spec.Template, live.Spec.Template) {
			live.Spec.Template = ds.Spec.Template
		}
	}); err != nil {
		return err
	}
	svc := desiredCanaryService()
	if err := ensureCanaryObject(ctx, r.Client, &corev1.Service{}, svc, func(live *corev1.Service) {
		live.Labels = svc.Labels
		live.Spec.Selector, live.Spec.Ports = svc.Spec.Selector, svc.Spec.Ports
	}); err != nil {
		return err
	}
	route := desiredCanaryRoute(domain)
	return ensureCanaryObject(ctx, r.Client, &routev1.Route{}, route, func(live *routev1.Route) {
		live.Labels = route.Labels
		live.Spec = route.Spec
	})
}

// ensureCanaryObject creates want, or patches the live object with set.
func ensureCanaryObject[T client.Object](ctx context.Context, c client.Client, live T, want T, set func(T)) error {
	live.SetName(want.GetName())
	live.SetNamespace(want.GetNamespace())
	_, err := controllerutil.CreateOrPatch(ctx, c, live, func() error {
		set(live)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%T %s/%s: %w", want, want.GetNamespace(), want.GetName(), err)
	}
	return nil
}

// desiredCanaryDaemonSet runs the healthcheck server on every Linux node:
// the router image's `serve-healthcheck`, non-root, read-only, without
// capabilities or API credentials.
func desiredCanaryDaemonSet(o Options) *appsv1.DaemonSet {
	labels := maps.Clone(canaryLabel)
	var ports []corev1.ContainerPort
	for _, p := range canary.Ports {
		ports = append(ports, corev1.ContainerPort{Name: canaryPortName(p), ContainerPort: p, Protocol: corev1.ProtocolTCP})
	}
	probe := func(period int32) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(canaryTargetPort)}},
			PeriodSeconds: period, TimeoutSeconds: 1}
	}
	tmpl := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: maps.Clone(labels)},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken: ptr.To(false),
			NodeSelector:                 map[string]string{corev1.LabelOSStable: "linux"},
			// As OKD's: infra nodes run ingress too.
			Tolerations: []corev1.Toleration{{Key: "node-role.kubernetes.io/infra", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot:   ptr.To(true),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			Containers: []corev1.Container{{
				Name: "serve-healthcheck-canary", Image: o.RouterImage, ImagePullPolicy: corev1.PullIfNotPresent,
				Command: []string{"/usr/bin/okd-ingress-router"}, Args: []string{"serve-healthcheck"},
				Ports:          ports,
				ReadinessProbe: probe(10),
				LivenessProbe:  probe(30),
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("20Mi")}},
				SecurityContext:          containerSecurityContext(false),
				TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
			}},
		},
	}
	tmpl.Labels[names.HashLabel] = templateHash(tmpl)
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: names.CanaryDaemonSet, Namespace: names.CanaryNamespace, Labels: labels},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: maps.Clone(labels)},
			Template: tmpl,
		},
	}
}

func canaryPortName(p int32) string { return strconv.Itoa(int(p)) + "-tcp" }

// desiredCanaryService is the canary pods' Service, a port for each of
// theirs.
func desiredCanaryService() *corev1.Service {
	var ports []corev1.ServicePort
	for _, p := range canary.Ports {
		ports = append(ports, corev1.ServicePort{Name: canaryPortName(p), Port: p, TargetPort: intstr.FromInt32(p), Protocol: corev1.ProtocolTCP})
	}
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: names.CanaryService, Namespace: names.CanaryNamespace, Labels: maps.Clone(canaryLabel)},
		Spec:       corev1.ServiceSpec{Selector: maps.Clone(canaryLabel), Ports: ports},
	}
}

// desiredCanaryRoute is OKD's canary Route: edge TLS with the router's
// default certificate, plain HTTP redirected, on canaryTargetPort.
func desiredCanaryRoute(domain string) *routev1.Route {
	return &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{Name: names.CanaryRoute, Namespace: names.CanaryNamespace, Labels: maps.Clone(canaryLabel)},
		Spec: routev1.RouteSpec{
			Host:           names.CanaryHost(domain),
			To:             routev1.RouteTargetReference{Kind: "Service", Name: names.CanaryService, Weight: ptr.To[int32](100)},
			Port:           &routev1.RoutePort{TargetPort: intstr.FromString(canaryPortName(canaryTargetPort))},
			TLS:            &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect},
			WildcardPolicy: routev1.WildcardPolicyNone,
		},
	}
}
