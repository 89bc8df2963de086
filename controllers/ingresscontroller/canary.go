package ingresscontroller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
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
	// canaryReasonClientCertificates: the routers require client
	// certificates, so the check cannot pass through them.
	canaryReasonClientCertificates = "ClientCertificatesRequired"
)

// canaryTargetPort is the canary's port the Route sends requests to.
const canaryTargetPort int32 = 8080

// canaryLabel selects the canary's pods (OKD's label).
var canaryLabel = map[string]string{"ingresscanary.operator.openshift.io/daemonset-ingresscanary": "canary_controller"}

// canaryOwnerLabel marks every canary object, as OKD's operator does.
var canaryOwnerLabel = map[string]string{"ingress.openshift.io/canary": "canary_controller"}

// canaryResult is what the checks of one default IngressController (uid)
// found so far.
type canaryResult struct {
	uid      types.UID
	ok       bool // the last check succeeded
	failures int  // checks failed in a row
	// reason and msg describe the last failure; unknown: it left the
	// traffic unchecked (see canaryFailure).
	reason, msg string
	unknown     bool
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

	// Kept by the checking goroutine alone: successful checks since the
	// last rotation, and the host of the last metrics.
	sinceRotation int
	lastHost      string
}

func (c *canaryChecker) NeedLeaderElection() bool { return true }

// Start checks at once, then every interval, until ctx ends.
func (c *canaryChecker) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("canary")
	for {
		uid, failure := c.check(ctx, log)
		if failure != nil {
			log.Info("canary check failed", "reason", failure.reason, "message", failure.msg)
		}
		c.record(uid, failure)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(c.interval):
		}
	}
}

// current is the last result for the IngressController uid, nil if none.
func (c *canaryChecker) current(uid types.UID) *canaryResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.result == nil || c.result.uid != uid {
		return nil
	}
	res := *c.result
	return &res
}

// record keeps the outcome of a check of the IngressController uid ("":
// nothing to check) and wakes the reconciler when the condition it
// reports changes.
func (c *canaryChecker) record(uid types.UID, failure *canaryFailure) {
	c.mu.Lock()
	before := c.result
	if before != nil && before.uid != uid {
		before = nil
	}
	c.result = nextResult(before, uid, failure)
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
func nextResult(before *canaryResult, uid types.UID, failure *canaryFailure) *canaryResult {
	switch {
	case uid == "":
		return nil
	case failure == nil:
		return &canaryResult{uid: uid, ok: true}
	}
	next := &canaryResult{uid: uid, reason: failure.reason, msg: failure.msg, unknown: failure.unknown, failures: 1}
	// Checks that could not look at the traffic are no failures of it:
	// five failures in a row means five of the routers.
	if before != nil && !before.ok && !before.unknown {
		next.failures = before.failures + 1
	}
	return next
}

// canaryConditionChanged tells whether b decides a condition of another
// status or reason than a did (a result that decides none keeps the
// condition; a new message alone waits for the next reconcile).
func canaryConditionChanged(a, b *canaryResult) bool {
	ca, cb := canaryConds(nil, a), canaryConds(nil, b)
	if len(cb) == 0 {
		return false
	}
	return len(ca) == 0 || ca[0].ok != cb[0].ok || ca[0].unknown != cb[0].unknown || ca[0].reason != cb[0].reason
}

// canaryFailure is a failed check: the condition's reason and message.
// unknown: the traffic could not be checked (the Route not admitted, or
// the routers asking for client certificates), which is no fault of the
// routers: the condition turns Unknown at once and degrades nothing.
type canaryFailure struct {
	reason, msg string
	unknown     bool
}

// check ensures the canary's objects and probes the Route through every
// ready router of the default IngressController, whose uid it returns;
// "" when there is none to check (none, not admitted, going).
func (c *canaryChecker) check(ctx context.Context, log logr.Logger) (types.UID, *canaryFailure) {
	r := c.r
	var ic operatorv1.IngressController
	key := client.ObjectKey{Namespace: r.Options.OperatorNamespace, Name: names.DefaultIngressController}
	if err := r.Get(ctx, key, &ic); err != nil || !ic.DeletionTimestamp.IsZero() || !isAdmitted(&ic) || ic.Status.Domain == "" {
		c.reportReachable("", 0)
		return "", nil
	}
	// A write that fails is logged; the objects as they are are still
	// checked: the condition tells of the traffic. Each step has a
	// deadline of its own, so that a stuck call delays the next check at
	// most (nothing bounds API calls otherwise).
	ensureCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err := r.ensureCanary(ensureCtx, ic.Status.Domain)
	cancel()
	if err != nil {
		log.Error(err, "keeping the canary's objects")
	}
	probeCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	failure := c.probe(probeCtx, ic.Name)
	cancel()
	if failure == nil && c.rotateNow(ic.Annotations[names.RotateCanaryRouteAnnotation]) {
		rotateCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		if err := r.rotateCanaryRoute(rotateCtx); err != nil {
			log.Error(err, "rotating the canary route's port")
		}
		cancel()
	}
	return ic.UID, failure
}

// canaryChecksPerRotation is how many successful checks come between two
// rotations (OKD's): a Route change makes the routers reload.
const canaryChecksPerRotation = 5

// rotateNow counts a successful check and tells whether the Route's port
// is to move now. Only successes count: a router that does not follow the
// move fails every check after it, five in a row.
func (c *canaryChecker) rotateNow(annotation string) bool {
	if on, _ := strconv.ParseBool(annotation); !on {
		c.sinceRotation = 0
		return false
	}
	c.sinceRotation++
	if c.sinceRotation < canaryChecksPerRotation {
		return false
	}
	c.sinceRotation = 0
	return true
}

// reportReachable sets ingress_canary_route_reachable for host, dropping
// the series of a host checked before (a new domain); host "" drops it.
func (c *canaryChecker) reportReachable(host string, v float64) {
	if c.lastHost != "" && c.lastHost != host {
		canaryRouteReachable.DeleteLabelValues(c.lastHost)
		canaryCheckDuration.DeleteLabelValues(c.lastHost)
	}
	c.lastHost = host
	if host != "" {
		canaryRouteReachable.WithLabelValues(host).Set(v)
	}
}

// rotateCanaryRoute moves the canary Route to the canary's other port: the
// next check expects the answer from there.
func (r *Reconciler) rotateCanaryRoute(ctx context.Context) error {
	var route routev1.Route
	if err := r.Get(ctx, client.ObjectKey{Namespace: names.CanaryNamespace, Name: names.CanaryRoute}, &route); err != nil {
		return err
	}
	before := route.DeepCopy()
	next := canary.Ports[0]
	if canaryRoutePort(&route) == next {
		next = canary.Ports[1]
	}
	route.Spec.Port = &routev1.RoutePort{TargetPort: intstr.FromInt32(next)}
	return r.Patch(ctx, &route, client.MergeFrom(before))
}

// canaryRoutePort is the canary's port the Route targets: one of
// canary.Ports, canaryTargetPort if it names none of them.
func canaryRoutePort(route *routev1.Route) int32 {
	if route.Spec.Port != nil && route.Spec.Port.TargetPort.Type == intstr.Int {
		if p := route.Spec.Port.TargetPort.IntVal; slices.Contains(canary.Ports, p) {
			return p
		}
	}
	return canaryTargetPort
}

// probe checks the canary Route through each ready router of ic.
func (c *canaryChecker) probe(ctx context.Context, ic string) *canaryFailure {
	r := c.r
	var route routev1.Route
	switch err := r.Get(ctx, client.ObjectKey{Namespace: names.CanaryNamespace, Name: names.CanaryRoute}, &route); {
	case apierrors.IsNotFound(err):
		c.reportReachable("", 0)
		return &canaryFailure{reason: canaryReasonNoRoute, unknown: true,
			msg: fmt.Sprintf("The canary route %s/%s does not exist.", names.CanaryNamespace, names.CanaryRoute)}
	case err != nil:
		c.reportReachable(c.lastHost, 0)
		return &canaryFailure{reason: canaryReasonFailures, msg: "The canary route cannot be read: " + err.Error()}
	}
	host, ok := admittedHost(&route, ic)
	if !ok {
		c.reportReachable("", 0)
		return &canaryFailure{reason: canaryReasonNotAdmitted, unknown: true,
			msg: fmt.Sprintf("The default ingress controller has not admitted the canary route %s/%s.", names.CanaryNamespace, names.CanaryRoute)}
	}
	tmpl, err := r.routerTemplate(ctx, ic)
	switch {
	case err != nil:
		c.reportReachable(host, 0)
		return &canaryFailure{reason: canaryReasonNoReadyRouters, msg: "The router Deployment cannot be read: " + err.Error()}
	case tmpl == nil:
		c.reportReachable(host, 0)
		return &canaryFailure{reason: canaryReasonNoReadyRouters, msg: "The router Deployment does not exist."}
	}
	if why := uncheckable(tmpl); why != "" {
		c.reportReachable("", 0)
		return &canaryFailure{reason: canaryReasonClientCertificates, unknown: true,
			msg: "The routers " + why + " (spec.clientTLS), and the canary check has no client certificate: not checked."}
	}
	routers, err := r.readyRouters(ctx, ic)
	if err != nil {
		c.reportReachable(host, 0)
		return &canaryFailure{reason: canaryReasonNoReadyRouters, msg: "The routers' endpoints cannot be read: " + err.Error()}
	}
	if len(routers) == 0 {
		c.reportReachable(host, 0)
		return &canaryFailure{reason: canaryReasonNoReadyRouters, msg: "No router of the default ingress controller is ready to be checked."}
	}
	proxy := expectsProxyHeader(tmpl)
	failed := probeAll(ctx, routers, canary.Target{Host: host, Port: canaryRoutePort(&route), ProxyProtocol: proxy})
	reachable := 0.0
	if len(failed) == 0 {
		reachable = 1
	}
	c.reportReachable(host, reachable)
	if len(failed) > 0 {
		return &canaryFailure{reason: canaryReasonFailures, msg: fmt.Sprintf("Canary route checks for the default ingress controller are failing on %d of %d routers: %s",
			len(failed), len(routers), strings.Join(firstN(failed, 3), "; "))}
	}
	return nil
}

// firstN is s cut to n entries, saying how many more there were.
func firstN(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(slices.Clone(s[:n]), fmt.Sprintf("and %d more", len(s)-n))
}

// uncheckable says why the routers of tmpl refuse a request without a
// client certificate: they require one, or accept only certain subjects
// (HAProxy then answers 403 to a request without); "" if they do not.
func uncheckable(tmpl *corev1.PodTemplateSpec) string {
	switch {
	case templateEnv(tmpl, names.EnvRouterMutualTLSAuth) == "required":
		return "require client certificates"
	case templateEnv(tmpl, names.EnvRouterMutualTLSAuth) != "" && templateEnv(tmpl, names.EnvRouterMutualTLSAuthFilter) != "":
		return "accept only client certificates of certain subjects"
	}
	return ""
}

// expectsProxyHeader tells whether the routers of tmpl read a PROXY
// protocol header before anything else.
func expectsProxyHeader(tmpl *corev1.PodTemplateSpec) bool {
	return templateEnv(tmpl, names.EnvRouterUseProxyProtocol) == "true"
}

// probeAll probes t through each router at once and returns what failed,
// in the routers' order, each error cut to 200 bytes.
func probeAll(ctx context.Context, routers []string, t canary.Target) []string {
	errs := make([]error, len(routers))
	var wg sync.WaitGroup
	for i, addr := range routers {
		wg.Go(func() {
			t := t
			t.Addr = addr
			start := time.Now()
			errs[i] = canary.Probe(ctx, t)
			switch {
			case errs[i] == nil:
				canaryCheckDuration.WithLabelValues(t.Host).Observe(float64(time.Since(start)) / float64(time.Millisecond))
			case errors.Is(errs[i], canary.ErrWrongPort):
				canaryWrongPort.Inc()
			}
		})
	}
	wg.Wait()
	var failed []string
	for i, err := range errs {
		if err != nil {
			msg := err.Error()
			if len(msg) > 200 {
				msg = msg[:200] + "…"
			}
			failed = append(failed, routers[i]+": "+msg)
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
// of ic, from the internal Service's EndpointSlices: one per router pod,
// its IPv4 address where it has both (a dual-stack Service has a slice
// per family).
func (r *Reconciler) readyRouters(ctx context.Context, ic string) ([]string, error) {
	var list discoveryv1.EndpointSliceList
	if err := r.APIReader.List(ctx, &list, client.InNamespace(r.Options.RouterNamespace),
		client.MatchingLabels{discoveryv1.LabelServiceName: names.InternalService(ic)}); err != nil {
		return nil, err
	}
	return routerAddresses(list.Items), nil
}

// routerAddresses picks an HTTPS address per ready endpoint of slices.
func routerAddresses(eps []discoveryv1.EndpointSlice) []string {
	byPod := map[string]string{}
	for _, fam := range []discoveryv1.AddressType{discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6} {
		for _, s := range eps {
			port := slicePort(s.Ports, "https")
			if s.AddressType != fam || port == 0 {
				continue
			}
			for _, ep := range s.Endpoints {
				// Router pods only: the endpoints Kubernetes keeps name
				// theirs, which is how a pod's two families are one.
				if ep.Conditions.Ready != nil && !*ep.Conditions.Ready || len(ep.Addresses) == 0 || ep.TargetRef == nil {
					continue
				}
				key := string(ep.TargetRef.UID) + "/" + ep.TargetRef.Name
				if _, seen := byPod[key]; !seen {
					byPod[key] = net.JoinHostPort(ep.Addresses[0], strconv.Itoa(int(port)))
				}
			}
		}
	}
	out := slices.Sorted(maps.Values(byPod))
	return slices.Compact(out)
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
	case res.unknown:
		return []cond{{t: CanaryChecksSucceedingConditionType, unknown: true, reason: res.reason, msg: res.msg}}
	case res.failures >= canaryFailuresToFail:
		return []cond{{t: CanaryChecksSucceedingConditionType, reason: res.reason,
			msg: fmt.Sprintf("%d checks in a row failed; the last: %s", canaryFailuresToFail, res.msg)}}
	}
	return carried(prev, CanaryChecksSucceedingConditionType)
}

// ensureCanary keeps the canary's DaemonSet, Service and Route as the
// operator wants them, each whatever became of the others.
func (r *Reconciler) ensureCanary(ctx context.Context, domain string) error {
	ds := desiredCanaryDaemonSet(r.Options)
	dsErr := ensureCanaryObject(ctx, r.Client, &appsv1.DaemonSet{}, ds, func(live *appsv1.DaemonSet) {
		live.Labels = withLabels(live.Labels, ds.Labels)
		if live.CreationTimestamp.IsZero() {
			live.Spec.Selector = ds.Spec.Selector
		}
		// Rewritten when the operator's changed or a field it sets was
		// edited; the fields the API server defaults cause no write.
		if live.Spec.Template.Labels[names.HashLabel] != ds.Spec.Template.Labels[names.HashLabel] ||
			!equality.Semantic.DeepDerivative(ds.Spec.Template, live.Spec.Template) {
			live.Spec.Template = ds.Spec.Template
		}
	})
	svc := desiredCanaryService()
	svcErr := ensureCanaryObject(ctx, r.Client, &corev1.Service{}, svc, func(live *corev1.Service) {
		live.Labels = withLabels(live.Labels, svc.Labels)
		live.Spec.Selector, live.Spec.Ports = svc.Spec.Selector, svc.Spec.Ports
	})
	route := desiredCanaryRoute(domain)
	routeErr := ensureCanaryObject(ctx, r.Client, &routev1.Route{}, route, func(live *routev1.Route) {
		live.Labels = withLabels(live.Labels, route.Labels)
		// Either of the canary's ports, where rotation left it.
		port := canaryRoutePort(live)
		live.Spec = route.Spec
		live.Spec.Port = &routev1.RoutePort{TargetPort: intstr.FromInt32(port)}
	})
	return errors.Join(dsErr, svcErr, routeErr)
}

// withLabels is labels with want's added: others' labels stay.
func withLabels(labels, want map[string]string) map[string]string {
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, want)
	return labels
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
			// Every field the API server would default, so that the
			// template compares equal to what it stored.
			PeriodSeconds: period, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3}
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
		ObjectMeta: metav1.ObjectMeta{Name: names.CanaryDaemonSet, Namespace: names.CanaryNamespace, Labels: maps.Clone(canaryOwnerLabel)},
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
		ObjectMeta: metav1.ObjectMeta{Name: names.CanaryService, Namespace: names.CanaryNamespace, Labels: maps.Clone(canaryOwnerLabel)},
		Spec:       corev1.ServiceSpec{Selector: maps.Clone(canaryLabel), Ports: ports},
	}
}

// desiredCanaryRoute is OKD's canary Route: edge TLS with the router's
// default certificate, plain HTTP redirected, on canaryTargetPort.
func desiredCanaryRoute(domain string) *routev1.Route {
	return &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{Name: names.CanaryRoute, Namespace: names.CanaryNamespace, Labels: maps.Clone(canaryOwnerLabel)},
		Spec: routev1.RouteSpec{
			Host:           names.CanaryHost(domain),
			To:             routev1.RouteTargetReference{Kind: "Service", Name: names.CanaryService, Weight: ptr.To[int32](100)},
			Port:           &routev1.RoutePort{TargetPort: intstr.FromInt32(canaryTargetPort)},
			TLS:            &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect},
			WildcardPolicy: routev1.WildcardPolicyNone,
		},
	}
}
