package operator

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// OKD's providerParameters on AWS: an NLB and its settings become the
// Service's annotations; PROXY follows the load balancer in force; its
// type and subnets, which AWS reads only when it creates one, wait for a
// new Service, while the routers keep speaking what the old one sends.
func TestAWSLoadBalancerKinds(t *testing.T) {
	const ic = "nlb"
	nlb := func(protocol operatorv1.IngressControllerProtocol, subnets ...operatorv1.AWSSubnetName) operatorv1.EndpointPublishingStrategy {
		return operatorv1.EndpointPublishingStrategy{Type: operatorv1.LoadBalancerServiceStrategyType,
			LoadBalancer: &operatorv1.LoadBalancerStrategy{Scope: operatorv1.ExternalLoadBalancer,
				ProviderParameters: &operatorv1.ProviderLoadBalancerParameters{Type: operatorv1.AWSLoadBalancerProvider,
					AWS: &operatorv1.AWSLoadBalancerParameters{Type: operatorv1.AWSNetworkLoadBalancer,
						NetworkLoadBalancerParameters: &operatorv1.AWSNetworkLoadBalancerParameters{Protocol: protocol,
							Subnets: &operatorv1.AWSSubnets{Names: subnets}}}}}}
	}
	setStrategy := func(s operatorv1.EndpointPublishingStrategy) {
		updateIC(t, ic, func(x *operatorv1.IngressController) { x.Spec.EndpointPublishingStrategy = &s })
	}
	createIC(t, ic, domain("nlb.op.test"), replicas(1), strategy(nlb(operatorv1.TCPProtocol, "public-a", "public-b")))
	nlbTCP := awsNLBAnnotations(map[string]string{"service.beta.kubernetes.io/aws-load-balancer-subnets": "public-a,public-b"})
	lb := waitLB(t, ic, "an NLB without PROXY", nlbTCP, routers{tunnel: "349s"}, "")
	uid := lb.UID

	// Classic would send PROXY; while the NLB stays, the routers must not
	// expect it, and nothing of a Classic load balancer goes on the NLB.
	classic := operatorv1.EndpointPublishingStrategy{Type: operatorv1.LoadBalancerServiceStrategyType,
		LoadBalancer: &operatorv1.LoadBalancerStrategy{Scope: operatorv1.ExternalLoadBalancer, ProviderParameters: awsProvider(operatorv1.AWSClassicLoadBalancer)}}
	const typeHeld = `service.beta.kubernetes.io/aws-load-balancer-type changed from "nlb" to ""`
	setStrategy(classic)
	waitLB(t, ic, "Classic held", nlbTCP, routers{tunnel: "349s"}, typeHeld)

	// PROXY on the NLB changes in place; the subnets stay as they are.
	setStrategy(nlb(operatorv1.ProxyProtocol, "public-a", "public-b"))
	nlbProxy := withRecord(maps.Clone(nlbTCP), "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes", "preserve_client_ip.enabled=false,proxy_protocol_v2.enabled=true")
	waitLB(t, ic, "an NLB with PROXY", nlbProxy, routers{proxy: "true", tunnel: "349s"}, "")
	// The NLB keeps sending PROXY v2 while Classic waits.
	setStrategy(classic)
	waitLB(t, ic, "Classic held, PROXY kept", nlbProxy, routers{proxy: "true", tunnel: "349s"}, typeHeld)
	setStrategy(nlb(operatorv1.ProxyProtocol, "public-a", "public-c"))
	waitLB(t, ic, "new subnets held", nlbProxy, routers{proxy: "true", tunnel: "349s"},
		`service.beta.kubernetes.io/aws-load-balancer-subnets changed from "public-a,public-b" to "public-a,public-c"`)

	// An admin's annotations stay, also one of those the operator manages
	// when spec asks for it.
	before := lb.DeepCopy()
	lb.Annotations["example.com/team"] = "web"
	lb.Annotations["service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout"] = "300"
	must(t, k8s.Patch(ctx, lb, client.MergeFrom(before)))
	touch(t, ic)
	byAdmin := maps.Clone(nlbProxy)
	byAdmin["example.com/team"] = "web"
	byAdmin["service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout"] = "300"
	waitLB(t, ic, "the admin's annotations kept", byAdmin, routers{proxy: "true", tunnel: "349s"}, "subnets changed")
	// Through a held kind and back, the admin's idle timeout stays theirs.
	setStrategy(classic)
	waitLB(t, ic, "Classic held with the admin's annotations", byAdmin, routers{proxy: "true", tunnel: "349s"}, typeHeld)
	setStrategy(nlb(operatorv1.ProxyProtocol, "public-a", "public-b"))
	waitLB(t, ic, "back to the NLB with the admin's annotations", byAdmin, routers{proxy: "true", tunnel: "349s"}, "")
	// PROXY off: the operator's attributes go; an admin's own PROXY v2,
	// which the operator leaves alone, is what the routers follow.
	setStrategy(nlb(operatorv1.TCPProtocol, "public-a", "public-b"))
	// (The record names what the operator wrote: not the admin's.)
	byAdminTCP := maps.Clone(byAdmin)
	delete(byAdminTCP, "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes")
	byAdminTCP["ingress.okd-ingress.io/managed-annotations"] = "service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval"
	waitLB(t, ic, "PROXY off", byAdminTCP, routers{tunnel: "349s"}, "")
	must(t, k8s.Get(ctx, client.ObjectKeyFromObject(lb), lb))
	before = lb.DeepCopy()
	lb.Annotations["service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"] = "proxy_protocol_v2.enabled=true"
	must(t, k8s.Patch(ctx, lb, client.MergeFrom(before)))
	touch(t, ic)
	byAdminProxy := maps.Clone(byAdminTCP)
	byAdminProxy["service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"] = "proxy_protocol_v2.enabled=true"
	waitLB(t, ic, "the admin's PROXY v2", byAdminProxy, routers{proxy: "true", tunnel: "349s"}, "")

	// With OKD's auto-delete annotation the operator creates it anew.
	updateIC(t, ic, func(x *operatorv1.IngressController) {
		x.Annotations = map[string]string{names.AutoDeleteLoadBalancerAnnotation: ""}
		x.Spec.EndpointPublishingStrategy = &classic
	})
	if lb = waitLB(t, ic, "a new Classic load balancer", awsClassicAnnotations(nil), routers{proxy: "true"}, ""); lb.UID == uid {
		t.Errorf("the Service was not created anew")
	}
}

// routers is what the routers' environment should say of the load balancer.
type routers struct{ proxy, tunnel string }

// waitLB waits until the load balancer Service of ic has exactly these
// annotations, the routers' environment says what r says, and
// LoadBalancerProgressing is True with a message holding held, or False
// when held is empty.
func waitLB(t *testing.T, ic, what string, annotations map[string]string, r routers, held string) *corev1.Service {
	t.Helper()
	lb := &corev1.Service{}
	eventually(t, what, func() error {
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: names.LoadBalancerService(ic)}, lb); err != nil {
			return err
		}
		if !maps.Equal(lb.Annotations, annotations) {
			return fmt.Errorf("annotations %v", lb.Annotations)
		}
		d := &appsv1.Deployment{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: names.RouterDeployment(ic)}, d); err != nil {
			return err
		}
		env := envOf(d)
		if got := (routers{env["ROUTER_USE_PROXY_PROTOCOL"], env["ROUTER_DEFAULT_TUNNEL_TIMEOUT"]}); got != r {
			return fmt.Errorf("routers' environment %+v", got)
		}
		x, err := getIC(ic)
		if err != nil {
			return err
		}
		lp := condition(x, operatorv1.IngressControllerLoadBalancerProgressingConditionType)
		switch {
		case lp == nil:
			return fmt.Errorf("no LoadBalancerProgressing")
		case held == "" && lp.Status != operatorv1.ConditionFalse:
			return fmt.Errorf("LoadBalancerProgressing %s: %s", lp.Status, lp.Message)
		case held != "" && (lp.Status != operatorv1.ConditionTrue || !strings.Contains(lp.Message, held) || !strings.Contains(lp.Message, "delete service "+lb.Name)):
			return fmt.Errorf("LoadBalancerProgressing %s: %s", lp.Status, lp.Message)
		}
		return nil
	})
	return lb
}

// awsNLBAnnotations are an NLB Service's, with more.
func awsNLBAnnotations(more map[string]string) map[string]string {
	a := awsClassicAnnotations(more)
	delete(a, "service.beta.kubernetes.io/aws-load-balancer-proxy-protocol")
	a["service.beta.kubernetes.io/aws-load-balancer-type"] = "nlb"
	a["service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval"] = "10"
	return withRecord(a)
}
