package ingresscontroller

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// servicePorts reach the router containers' named ports, so HostNetwork
// port changes need no Service change.
func servicePorts(metrics bool) []corev1.ServicePort {
	p := []corev1.ServicePort{
		{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP},
		{Name: "https", Port: 443, TargetPort: intstr.FromString("https"), Protocol: corev1.ProtocolTCP},
	}
	if metrics {
		p = append(p, corev1.ServicePort{Name: "metrics", Port: 1936, TargetPort: intstr.FromString("metrics"), Protocol: corev1.ProtocolTCP})
	}
	return p
}

func service(ic *operatorv1.IngressController, o Options, name string) *corev1.Service {
	labels := ownedLabels(ic.Name)
	labels["app"] = "router"
	labels["router"] = names.RouterDeployment(ic.Name)
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: o.RouterNamespace, Labels: labels},
		Spec:       corev1.ServiceSpec{Selector: podSelector(ic.Name)},
	}
}

// desiredInternalService is the ClusterIP Service every IngressController has.
func desiredInternalService(ic *operatorv1.IngressController, o Options) *corev1.Service {
	s := service(ic, o, names.InternalService(ic.Name))
	s.Spec.Type = corev1.ServiceTypeClusterIP
	s.Spec.Ports = servicePorts(true)
	return s
}

// internalLBAnnotations make a cloud's load balancer internal.
var internalLBAnnotations = map[Platform]map[string]string{
	PlatformAWS:       {awsInternal: "true"},
	PlatformAzure:     {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"},
	PlatformGCP:       {"networking.gke.io/load-balancer-type": "Internal"},
	PlatformIBMCloud:  {ibmIPType: "private"},
	PlatformOpenStack: {"service.beta.kubernetes.io/openstack-internal-load-balancer": "true"},
}

// externalLBAnnotations make it external where that is not the default.
var externalLBAnnotations = map[Platform]map[string]string{
	PlatformIBMCloud: {ibmIPType: "public"},
}

// The cloud controllers' Service annotations that providerParameters and
// OKD's defaults set.
const (
	awsInternal         = "service.beta.kubernetes.io/aws-load-balancer-internal"
	awsType             = "service.beta.kubernetes.io/aws-load-balancer-type"
	awsSubnets          = "service.beta.kubernetes.io/aws-load-balancer-subnets"
	awsEIPs             = "service.beta.kubernetes.io/aws-load-balancer-eip-allocations"
	awsProxyProtocol    = "service.beta.kubernetes.io/aws-load-balancer-proxy-protocol"
	awsTargetGroupAttrs = "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"
	awsIdleTimeout      = "service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout"
	awsCheckInterval    = "service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval"
	awsCheckTimeout     = "service.beta.kubernetes.io/aws-load-balancer-healthcheck-timeout"
	awsCheckHealthy     = "service.beta.kubernetes.io/aws-load-balancer-healthcheck-healthy-threshold"
	awsCheckUnhealthy   = "service.beta.kubernetes.io/aws-load-balancer-healthcheck-unhealthy-threshold"
	gcpGlobalAccess     = "networking.gke.io/internal-load-balancer-allow-global-access"
	ibmIPType           = "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type"
	ibmFeatures         = "service.kubernetes.io/ibm-load-balancer-cloud-provider-enable-features"
)

// managedLBAnnotations follow spec: the operator sets them as spec says
// and removes those it set (managedRecord) that spec no longer asks for;
// an admin's own stay.
var managedLBAnnotations = []string{awsProxyProtocol, awsTargetGroupAttrs, awsIdleTimeout, awsCheckInterval,
	gcpGlobalAccess, ibmFeatures}

// managedRecord lists, on the Service, the managed annotations the operator
// wrote.
const managedRecord = "ingress.okd-ingress.io/managed-annotations"

// creationDefaultLBAnnotations are OKD's defaults, set when the Service is
// created; an admin's later values stay.
var creationDefaultLBAnnotations = []string{awsCheckTimeout, awsCheckHealthy, awsCheckUnhealthy}

// awsKindAnnotations depend on the kind of AWS load balancer: while a new
// kind waits for a new Service, the live one keeps its own.
var awsKindAnnotations = []string{awsProxyProtocol, awsTargetGroupAttrs, awsIdleTimeout, awsCheckInterval}

// nlbTunnelTimeout closes the routers' idle tunnels before an NLB's fixed
// 350 s idle timeout resets them (OKD's default under an NLB).
const nlbTunnelTimeout = 349 * time.Second

// creationLBAnnotations are read by a platform's cloud only when it creates
// the load balancer (OKD's list): a change waits for the Service to be
// created anew (planLoadBalancer, keepLive). Scope annotations join them
// where scope does not change in place (heldLBAnnotations).
var creationLBAnnotations = map[Platform][]string{PlatformAWS: {awsType, awsSubnets, awsEIPs}}

// scopeChangesInPlace: the platforms whose cloud controller turns an
// existing load balancer internal or external when the annotation changes;
// elsewhere the Service must be created anew (planLoadBalancer).
var scopeChangesInPlace = map[Platform]bool{PlatformAzure: true, PlatformGCP: true}

// providerOf is the providerParameters type that applies on a platform.
var providerOf = map[Platform]operatorv1.LoadBalancerProviderType{
	PlatformAWS: operatorv1.AWSLoadBalancerProvider, PlatformAzure: operatorv1.AzureLoadBalancerProvider,
	PlatformGCP: operatorv1.GCPLoadBalancerProvider, PlatformIBMCloud: operatorv1.IBMLoadBalancerProvider,
	PlatformOpenStack: operatorv1.OpenStackLoadBalancerProvider, PlatformBareMetal: operatorv1.BareMetalLoadBalancerProvider,
}

// providerParams are the strategy's providerParameters if they are the
// platform's; another cloud's have no effect here.
func providerParams(lb *operatorv1.LoadBalancerStrategy, p Platform) *operatorv1.ProviderLoadBalancerParameters {
	if lb == nil || lb.ProviderParameters == nil || lb.ProviderParameters.Type != providerOf[p] {
		return nil
	}
	return lb.ProviderParameters
}

// heldLBAnnotations are the annotations of a platform that wait for a new
// Service when they change.
func heldLBAnnotations(p Platform) []string {
	keys := slices.Clone(creationLBAnnotations[p])
	if !scopeChangesInPlace[p] {
		keys = append(keys, slices.Sorted(maps.Keys(internalLBAnnotations[p]))...)
		keys = append(keys, slices.Sorted(maps.Keys(externalLBAnnotations[p]))...)
	}
	return slices.Compact(keys)
}

// ownedLBAnnotations are every annotation the operator may set on a
// platform's load balancer Service: those not wanted are removed.
func ownedLBAnnotations(p Platform) []string {
	keys := append(slices.Clone(managedLBAnnotations), managedRecord)
	keys = append(keys, creationLBAnnotations[p]...)
	keys = append(keys, slices.Collect(maps.Keys(internalLBAnnotations[p]))...)
	return append(keys, slices.Collect(maps.Keys(externalLBAnnotations[p]))...)
}

// scopeOf is the scope the annotations give a load balancer: Internal when
// they hold every one of the platform's internal annotations.
func scopeOf(annotations, internal map[string]string) operatorv1.LoadBalancerScope {
	for k, v := range internal {
		if annotations[k] != v {
			return operatorv1.ExternalLoadBalancer
		}
	}
	return operatorv1.InternalLoadBalancer
}

// desiredLoadBalancerService publishes the routers through a cloud load
// balancer. Traffic stays on the node it arrives at (Local), keeping the
// client address and avoiding a second hop; IBM Cloud's load balancer runs
// in the cluster and needs every node to forward (OKD's choice).
func desiredLoadBalancerService(ic *operatorv1.IngressController, lb *operatorv1.LoadBalancerStrategy, o Options) *corev1.Service {
	s := service(ic, o, names.LoadBalancerService(ic.Name))
	s.Spec.Type = corev1.ServiceTypeLoadBalancer
	s.Spec.Ports = servicePorts(false)
	s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	if o.Platform == PlatformIBMCloud {
		s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	}
	s.Annotations = lbAnnotations(lb, o.Platform)
	for _, r := range lb.AllowedSourceRanges {
		s.Spec.LoadBalancerSourceRanges = append(s.Spec.LoadBalancerSourceRanges, string(r))
	}
	if pp := providerParams(lb, o.Platform); pp != nil && pp.OpenStack != nil && lb.Scope != operatorv1.InternalLoadBalancer {
		// Deprecated in the API, yet what OpenStack's cloud controller reads.
		s.Spec.LoadBalancerIP = pp.OpenStack.FloatingIP
	}
	return s
}

// lbAnnotations are the annotations of the load balancer Service: scope,
// then the platform's settings.
func lbAnnotations(lb *operatorv1.LoadBalancerStrategy, p Platform) map[string]string {
	a := map[string]string{}
	internal := lb.Scope == operatorv1.InternalLoadBalancer
	if internal {
		maps.Copy(a, internalLBAnnotations[p])
	} else {
		maps.Copy(a, externalLBAnnotations[p])
	}
	pp := providerParams(lb, p)
	switch p {
	case PlatformAWS:
		addAWSAnnotations(a, pp)
	case PlatformGCP:
		if internal && pp != nil && pp.GCP != nil {
			a[gcpGlobalAccess] = strconv.FormatBool(pp.GCP.ClientAccess == operatorv1.GCPGlobalAccess)
		}
	case PlatformIBMCloud:
		if pp != nil && pp.IBM != nil && pp.IBM.Protocol == operatorv1.ProxyProtocol {
			a[ibmFeatures] = "proxy-protocol"
		}
	}
	return a
}

// addAWSAnnotations sets OKD's health checks (2 failures of 5 s, 10 s for
// an NLB, which takes no other) and the load balancer's kind and settings.
// A Classic load balancer always sends the PROXY protocol, as on OKD.
func addAWSAnnotations(a map[string]string, pp *operatorv1.ProviderLoadBalancerParameters) {
	a[awsCheckInterval], a[awsCheckTimeout], a[awsCheckHealthy], a[awsCheckUnhealthy] = "5", "4", "2", "2"
	aws := awsParams(pp)
	if aws.Type == operatorv1.AWSNetworkLoadBalancer {
		a[awsType], a[awsCheckInterval] = "nlb", "10"
		if n := aws.NetworkLoadBalancerParameters; n != nil {
			addSubnets(a, n.Subnets)
			if len(n.EIPAllocations) > 0 {
				a[awsEIPs] = strings.Join(strs(n.EIPAllocations), ",")
			}
			if n.Protocol == operatorv1.ProxyProtocol {
				a[awsTargetGroupAttrs] = "preserve_client_ip.enabled=false,proxy_protocol_v2.enabled=true"
			}
		}
		return
	}
	a[awsProxyProtocol] = "*"
	if c := aws.ClassicLoadBalancerParameters; c != nil {
		if t := c.ConnectionIdleTimeout; t != nil && t.Duration > 0 {
			a[awsIdleTimeout] = strconv.Itoa(max(1, int(t.Round(time.Second)/time.Second)))
		}
		addSubnets(a, c.Subnets)
	}
}

// awsParams are the AWS settings in force: a Classic load balancer unless
// providerParameters say otherwise.
func awsParams(pp *operatorv1.ProviderLoadBalancerParameters) *operatorv1.AWSLoadBalancerParameters {
	if pp == nil || pp.AWS == nil {
		return &operatorv1.AWSLoadBalancerParameters{Type: operatorv1.AWSClassicLoadBalancer}
	}
	return pp.AWS
}

// addSubnets lists subnets by ID, then by name, as the annotation takes them.
func addSubnets(a map[string]string, s *operatorv1.AWSSubnets) {
	if s != nil && len(s.IDs)+len(s.Names) > 0 {
		a[awsSubnets] = strings.Join(append(strs(s.IDs), strs(s.Names)...), ",")
	}
}

func strs[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// lbSendsProxy is whether a load balancer Service with these annotations
// sends the PROXY protocol: an AWS Classic one always (OKD's), an NLB or an
// IBM Cloud one when its annotations ask.
func lbSendsProxy(a map[string]string, p Platform) bool {
	switch p {
	case PlatformAWS:
		if lbIsNLB(a, p) {
			return strings.Contains(a[awsTargetGroupAttrs], "proxy_protocol_v2.enabled=true")
		}
		return a[awsProxyProtocol] == "*"
	case PlatformIBMCloud:
		return strings.Contains(a[ibmFeatures], "proxy-protocol")
	}
	return false
}

// lbIsNLB is whether the annotations make an AWS Network Load Balancer.
func lbIsNLB(a map[string]string, p Platform) bool {
	return p == PlatformAWS && a[awsType] == "nlb"
}

// keepLive carries into want, the Service to write, what the live one
// keeps until it is created anew: the held annotations (held or not, so
// that none is added in place), OKD's creation defaults as they are now
// (an admin's to change or remove), on AWS the annotations of the live kind
// while a new kind waits, and on OpenStack the floating IP. It returns the
// managed annotations it took from the live Service.
func keepLive(live, want *corev1.Service, p Platform) (kept []string) {
	keys := slices.Concat(heldLBAnnotations(p), creationDefaultLBAnnotations)
	if p == PlatformAWS && live.Annotations[awsType] != want.Annotations[awsType] {
		keys = append(keys, awsKindAnnotations...)
	}
	for _, k := range keys {
		if v, ok := live.Annotations[k]; ok {
			want.Annotations[k] = v
		} else {
			delete(want.Annotations, k)
		}
		if slices.Contains(managedLBAnnotations, k) {
			kept = append(kept, k)
		}
	}
	if p == PlatformOpenStack {
		want.Spec.LoadBalancerIP = live.Spec.LoadBalancerIP
	}
	return kept
}

// creationChanges says what of want the live Service cannot take in place
// (keepLive): the scope by name, other annotations and the floating IP by
// value; empty when nothing.
func creationChanges(live, want *corev1.Service, p Platform) string {
	var changes []string
	internal := internalLBAnnotations[p]
	if from, to := scopeOf(live.Annotations, internal), scopeOf(want.Annotations, internal); len(internal) > 0 && !scopeChangesInPlace[p] && from != to {
		changes = append(changes, fmt.Sprintf("The scope changed from %s to %s", from, to))
	}
	for _, k := range creationLBAnnotations[p] {
		if live.Annotations[k] != want.Annotations[k] {
			changes = append(changes, fmt.Sprintf("%s changed from %q to %q", k, live.Annotations[k], want.Annotations[k]))
		}
	}
	// A floating IP taken out of spec leaves the one in use.
	if ip := want.Spec.LoadBalancerIP; p == PlatformOpenStack && ip != "" && ip != live.Spec.LoadBalancerIP {
		changes = append(changes, fmt.Sprintf("The floating IP changed from %q to %q", live.Spec.LoadBalancerIP, ip))
	}
	return strings.Join(changes, "; ")
}

// recordManaged notes on the Service the managed annotations it carries
// that the operator wrote: those of spec, and of those taken from the live
// Service (kept) the ones recorded there.
func recordManaged(a, live map[string]string, kept []string) {
	var set []string
	for _, k := range managedLBAnnotations {
		if _, ok := a[k]; ok && (!slices.Contains(kept, k) || removable(k, live)) {
			set = append(set, k)
		}
	}
	if len(set) > 0 {
		a[managedRecord] = strings.Join(set, ",")
	}
}

// serviceAnnotations are the annotations a Service ends up with: the live
// ones, less those the operator owns that want lacks (removable), plus
// want's.
func serviceAnnotations(live, want map[string]string, p Platform) map[string]string {
	out := maps.Clone(live)
	for _, k := range ownedLBAnnotations(p) {
		if _, ok := want[k]; !ok && removable(k, live) {
			delete(out, k)
		}
	}
	return mergeMaps(out, want)
}

// removable is whether the operator removes annotation k, which the Service
// to write lacks, from the live Service: one it manages only if it set it.
func removable(k string, live map[string]string) bool {
	if !slices.Contains(managedLBAnnotations, k) {
		return true
	}
	return slices.Contains(strings.Split(live[managedRecord], ","), k)
}

// desiredNodePortService publishes the routers on every node's ports.
func desiredNodePortService(ic *operatorv1.IngressController, o Options) *corev1.Service {
	s := service(ic, o, names.NodePortService(ic.Name))
	s.Spec.Type = corev1.ServiceTypeNodePort
	s.Spec.Ports = servicePorts(true)
	s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	return s
}

// bothFamilies makes a Service that publishes the routers dual-stack on a
// dual-stack cluster, where they listen on both families: a Service is
// single-stack unless it asks.
func bothFamilies(s *corev1.Service, in clusterInputs) *corev1.Service {
	if in.IPMode == config.IPDual {
		s.Spec.IPFamilyPolicy = ptr.To(corev1.IPFamilyPolicyPreferDualStack)
	}
	return s
}

// keepNodePorts carries node ports from the live Service into the desired
// one: the API server picked them, or an admin did, and clients use them.
func keepNodePorts(desired, live *corev1.Service) {
	for i := range desired.Spec.Ports {
		for _, lp := range live.Spec.Ports {
			if lp.Name == desired.Spec.Ports[i].Name && desired.Spec.Ports[i].NodePort == 0 {
				desired.Spec.Ports[i].NodePort = lp.NodePort
			}
		}
	}
}

// keepRemovedMetricsPort leaves the metrics port out of a NodePort Service
// from which an admin removed it, as OKD does: it opens the routers' stats
// on a port of every node, which is the admin's to close.
func keepRemovedMetricsPort(desired, live *corev1.Service) {
	if desired.Spec.Type != corev1.ServiceTypeNodePort || live.CreationTimestamp.IsZero() {
		return
	}
	metrics := func(p corev1.ServicePort) bool { return p.Name == "metrics" }
	if !slices.ContainsFunc(live.Spec.Ports, metrics) {
		desired.Spec.Ports = slices.DeleteFunc(slices.Clone(desired.Spec.Ports), metrics)
	}
}

// desiredPDB keeps enough routers running during voluntary disruptions; a
// single router gets none, as a budget would block node drains forever.
func desiredPDB(ic *operatorv1.IngressController, o Options) *policyv1.PodDisruptionBudget {
	n := replicas(ic)
	if n < 2 {
		return nil
	}
	maxUnavailable := intstr.FromString("25%")
	if n == 2 {
		maxUnavailable = intstr.FromInt32(1)
	}
	policy := policyv1.AlwaysAllow
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: names.PodDisruptionBudget(ic.Name), Namespace: o.RouterNamespace, Labels: ownedLabels(ic.Name)},
		Spec: policyv1.PodDisruptionBudgetSpec{
			Selector:                   &metav1.LabelSelector{MatchLabels: podSelector(ic.Name)},
			MaxUnavailable:             &maxUnavailable,
			UnhealthyPodEvictionPolicy: &policy,
		},
	}
}
