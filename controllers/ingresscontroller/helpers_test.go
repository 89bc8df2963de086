package ingresscontroller

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
)

// testOptions are the operator options of the unit tables: OKD's
// namespaces, a cluster domain, and the given platform.
func testOptions(p Platform) Options {
	return Options{
		OperatorNamespace: "openshift-ingress-operator", RouterNamespace: "openshift-ingress",
		Domain: "apps.example.com", Platform: p, RouterImage: "router:test", MinReadySeconds: 30,
	}.WithDefaults()
}

type icMod func(*operatorv1.IngressController)

func newIC(name string, mods ...icMod) *operatorv1.IngressController {
	ic := &operatorv1.IngressController{ObjectMeta: metav1.ObjectMeta{
		Namespace: "openshift-ingress-operator", Name: name, Generation: 1,
		CreationTimestamp: metav1.NewTime(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)),
	}}
	for _, m := range mods {
		m(ic)
	}
	return ic
}

func withStrategy(t operatorv1.EndpointPublishingStrategyType, f ...func(*operatorv1.EndpointPublishingStrategy)) icMod {
	return func(ic *operatorv1.IngressController) {
		s := &operatorv1.EndpointPublishingStrategy{Type: t}
		for _, m := range f {
			m(s)
		}
		ic.Spec.EndpointPublishingStrategy = s
	}
}

func withHostPorts(proto operatorv1.IngressControllerProtocol, http, https, stats int32) icMod {
	return withStrategy(operatorv1.HostNetworkStrategyType, func(s *operatorv1.EndpointPublishingStrategy) {
		s.HostNetwork = &operatorv1.HostNetworkStrategy{Protocol: proto, HTTPPort: http, HTTPSPort: https, StatsPort: stats}
	})
}

func withLB(scope operatorv1.LoadBalancerScope, ranges ...operatorv1.CIDR) icMod {
	return withStrategy(operatorv1.LoadBalancerServiceStrategyType, func(s *operatorv1.EndpointPublishingStrategy) {
		s.LoadBalancer = &operatorv1.LoadBalancerStrategy{Scope: scope, AllowedSourceRanges: ranges}
	})
}

// withProvider asks for a load balancer of that scope with providerParameters.
func withProvider(scope operatorv1.LoadBalancerScope, pp *operatorv1.ProviderLoadBalancerParameters) icMod {
	return withStrategy(operatorv1.LoadBalancerServiceStrategyType, func(s *operatorv1.EndpointPublishingStrategy) {
		s.LoadBalancer = &operatorv1.LoadBalancerStrategy{Scope: scope, ProviderParameters: pp}
	})
}

// awsClassic is the providerParameters status shows on AWS by default.
func awsClassic() *operatorv1.ProviderLoadBalancerParameters {
	return &operatorv1.ProviderLoadBalancerParameters{Type: operatorv1.AWSLoadBalancerProvider,
		AWS: &operatorv1.AWSLoadBalancerParameters{Type: operatorv1.AWSClassicLoadBalancer}}
}

func withReplicas(n int32) icMod {
	return func(ic *operatorv1.IngressController) { ic.Spec.Replicas = &n }
}

func withSpec(f func(*operatorv1.IngressControllerSpec)) icMod {
	return func(ic *operatorv1.IngressController) { f(&ic.Spec) }
}

func withTuning(f func(*operatorv1.IngressControllerTuningOptions)) icMod {
	return func(ic *operatorv1.IngressController) {
		if ic.Spec.TuningOptions == nil {
			ic.Spec.TuningOptions = &operatorv1.IngressControllerTuningOptions{}
		}
		f(ic.Spec.TuningOptions)
	}
}

func dur(s string) *metav1.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return &metav1.Duration{Duration: d}
}

// admitted runs admission alone, as the reconciler does before building.
func admitted(ic *operatorv1.IngressController, o Options) admission {
	a := admit(ic, nil, o)
	if !a.Admitted {
		panic("not admitted: " + a.Message)
	}
	return a
}

func envMap(env []corev1.EnvVar) map[string]string {
	m := map[string]string{}
	for _, e := range env {
		m[e.Name] = e.Value
		if f := e.ValueFrom; f != nil && f.SecretKeyRef != nil {
			m[e.Name] = "secret " + f.SecretKeyRef.Name + " " + f.SecretKeyRef.Key
		}
	}
	return m
}
