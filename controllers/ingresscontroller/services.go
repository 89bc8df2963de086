package ingresscontroller

import (
	"slices"

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
	PlatformAWS:       {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"},
	PlatformAzure:     {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"},
	PlatformGCP:       {"networking.gke.io/load-balancer-type": "Internal"},
	PlatformIBMCloud:  {"service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": "private"},
	PlatformOpenStack: {"service.beta.kubernetes.io/openstack-internal-load-balancer": "true"},
}

// scopeChangesInPlace: the platforms whose cloud controller turns an
// existing load balancer internal or external when the annotation changes;
// elsewhere the Service must be created anew (heldScope).
var scopeChangesInPlace = map[Platform]bool{PlatformAzure: true, PlatformGCP: true}

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
// client address and avoiding a second hop.
func desiredLoadBalancerService(ic *operatorv1.IngressController, a admission, o Options) *corev1.Service {
	s := service(ic, o, names.LoadBalancerService(ic.Name))
	s.Spec.Type = corev1.ServiceTypeLoadBalancer
	s.Spec.Ports = servicePorts(false)
	s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	lb := a.Strategy.LoadBalancer
	if lb.Scope == operatorv1.InternalLoadBalancer {
		s.Annotations = map[string]string{}
		for k, v := range internalLBAnnotations[o.Platform] {
			s.Annotations[k] = v
		}
	}
	for _, r := range lb.AllowedSourceRanges {
		s.Spec.LoadBalancerSourceRanges = append(s.Spec.LoadBalancerSourceRanges, string(r))
	}
	return s
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
