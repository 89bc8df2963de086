package api

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
)

// OKD's manifests for cloud load balancers (providerParameters, as OKD's
// documentation writes them) are taken as they are, with kubectl's strict
// field validation, and OKD's rules on them reject what OKD rejects.
func TestProviderParameters(t *testing.T) {
	ns := newNamespace(t, "ic-provider")
	ctx := context.Background()
	for _, tc := range []struct {
		name, strategy string
		wantErr        string // empty: accepted
	}{
		{name: "aws-nlb", strategy: `
type: LoadBalancerService
loadBalancer:
  scope: External
  providerParameters:
    type: AWS
    aws:
      type: NLB
      networkLoadBalancer:
        protocol: PROXY
        subnets:
          ids: [subnet-0123456789abcdef0]
          names: [public-b]
        eipAllocations: [eipalloc-0123456789abcdef0, eipalloc-0123456789abcdef1]`},
		{name: "aws-classic", strategy: `
type: LoadBalancerService
loadBalancer:
  scope: Internal
  providerParameters:
    type: AWS
    aws:
      type: Classic
      classicLoadBalancer:
        connectionIdleTimeout: 2m30s
        subnets:
          ids: [subnet-0123456789abcdef0]`},
		{name: "gcp-global", strategy: `
type: LoadBalancerService
loadBalancer:
  scope: Internal
  providerParameters:
    type: GCP
    gcp:
      clientAccess: Global`},
		{name: "ibm-proxy", strategy: `
type: LoadBalancerService
loadBalancer:
  scope: External
  providerParameters:
    type: IBM
    ibm:
      protocol: PROXY`},
		{name: "openstack-floating-ip", strategy: `
type: LoadBalancerService
loadBalancer:
  scope: External
  providerParameters:
    type: OpenStack
    openstack:
      floatingIP: 2001:db8::7`},
		{name: "eips-internal", wantErr: "eipAllocations are forbidden when the scope is Internal", strategy: `
type: LoadBalancerService
loadBalancer:
  scope: Internal
  providerParameters:
    type: AWS
    aws:
      type: NLB
      networkLoadBalancer:
        subnets: {names: [a]}
        eipAllocations: [eipalloc-0123456789abcdef0]`},
		{name: "eips-per-subnet", wantErr: "number of subnets must be equal to number of eipAllocations", strategy: `
type: LoadBalancerService
loadBalancer:
  scope: External
  providerParameters:
    type: AWS
    aws:
      type: NLB
      networkLoadBalancer:
        subnets: {names: [a, b]}
        eipAllocations: [eipalloc-0123456789abcdef0]`},
		{name: "eip-not-hex", wantErr: "eipAllocations must be 'eipalloc-' followed by exactly 17 hexadecimal characters", strategy: `
type: LoadBalancerService
loadBalancer:
  scope: External
  providerParameters:
    type: AWS
    aws:
      type: NLB
      networkLoadBalancer:
        eipAllocations: [eipalloc-0123456789abcdefg]`},
		{name: "subnet-id", wantErr: "should match '^subnet-[0-9A-Za-z]+$'", strategy: `
type: LoadBalancerService
loadBalancer:
  scope: External
  providerParameters:
    type: AWS
    aws:
      type: Classic
      classicLoadBalancer:
        subnets: {ids: [subnet_0123456789abcdef0]}`},
		{name: "subnet-name-comma", wantErr: "subnet name cannot contain a comma", strategy: `
type: LoadBalancerService
loadBalancer:
  scope: External
  providerParameters:
    type: AWS
    aws:
      type: Classic
      classicLoadBalancer:
        subnets: {names: ["a,b"]}`},
		{name: "subnets-empty", wantErr: "must specify at least 1 subnet name or id", strategy: `
type: LoadBalancerService
loadBalancer:
  scope: External
  providerParameters:
    type: AWS
    aws:
      type: Classic
      classicLoadBalancer:
        subnets: {}`},
		{name: "idle-timeout", wantErr: "connectionIdleTimeout must be at most 4000s", strategy: `
type: LoadBalancerService
loadBalancer:
  scope: External
  providerParameters:
    type: AWS
    aws:
      type: Classic
      classicLoadBalancer:
        connectionIdleTimeout: 2h`},
		{name: "floating-ip-internal", wantErr: "cannot specify a floating ip when scope is internal", strategy: `
type: LoadBalancerService
loadBalancer:
  scope: Internal
  providerParameters:
    type: OpenStack
    openstack:
      floatingIP: 198.51.100.7`},
		{name: "floating-ip-name", wantErr: "floatingIP must be a valid IPv4 or IPv6 address", strategy: `
type: LoadBalancerService
loadBalancer:
  scope: External
  providerParameters:
    type: OpenStack
    openstack:
      floatingIP: lb.example.com`},
		{name: "openstack-on-aws", wantErr: "openstack is not permitted when type is not OpenStack", strategy: `
type: LoadBalancerService
loadBalancer:
  scope: External
  providerParameters:
    type: AWS
    openstack:
      floatingIP: 198.51.100.7`},
		{name: "aws-type", wantErr: `Unsupported value: "ALB"`, strategy: `
type: LoadBalancerService
loadBalancer:
  scope: External
  providerParameters:
    type: AWS
    aws:
      type: ALB`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := createManifest(t, fmt.Sprintf("apiVersion: operator.openshift.io/v1\nkind: IngressController\nmetadata: {name: %s, namespace: %s}\nspec:\n  endpointPublishingStrategy:\n%s",
				tc.name, ns, indent(tc.strategy, "    ")), tc.wantErr)
			if obj == nil {
				return
			}
			var got operatorv1.IngressController
			must(t, cluster.Client.Get(ctx, client.ObjectKeyFromObject(obj), &got))
			var want operatorv1.EndpointPublishingStrategy
			must(t, yaml.UnmarshalStrict([]byte(tc.strategy), &want))
			if g, w := toYAML(t, got.Spec.EndpointPublishingStrategy.LoadBalancer.ProviderParameters), toYAML(t, want.LoadBalancer.ProviderParameters); g != w {
				t.Errorf("providerParameters read back as\n%s\nwant\n%s", g, w)
			}
		})
	}
}

// OKD documents a host-network port of 0 as its default; explicit zeros
// (which Go clients omit, but YAML keeps) are taken, and still may not make
// two ports one.
func TestHostNetworkZeroPorts(t *testing.T) {
	ns := newNamespace(t, "ic-zero-ports")
	for _, tc := range []struct{ name, ports, wantErr string }{
		{name: "zeros", ports: "{httpPort: 0, httpsPort: 0, statsPort: 0}"},
		{name: "zero-and-custom", ports: "{httpPort: 8080, httpsPort: 0, statsPort: 0}"},
		{name: "zero-is-80", ports: "{httpPort: 0, httpsPort: 80}", wantErr: "httpPort, httpsPort and statsPort must all differ"},
		{name: "negative", ports: "{httpPort: -1}", wantErr: "should be greater than or equal to 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			createManifest(t, fmt.Sprintf("apiVersion: operator.openshift.io/v1\nkind: IngressController\nmetadata: {name: %s, namespace: %s}\n"+
				"spec: {endpointPublishingStrategy: {type: HostNetwork, hostNetwork: %s}}", tc.name, ns, tc.ports), tc.wantErr)
		})
	}
}

// createManifest creates the object a YAML manifest describes, with
// kubectl's strict field validation, and returns it; with wantErr set it
// checks the refusal instead and returns nil.
func createManifest(t *testing.T, manifest, wantErr string) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	must(t, yaml.Unmarshal([]byte(manifest), &obj.Object))
	err := cluster.Client.Create(context.Background(), obj, client.FieldValidation("Strict"))
	if wantErr != "" {
		wantError(t, err, wantErr)
		return nil
	}
	if err != nil {
		t.Fatalf("rejected: %v", err)
	}
	return obj
}

func indent(s, by string) string {
	return by + strings.ReplaceAll(strings.TrimPrefix(s, "\n"), "\n", "\n"+by)
}

func toYAML(t *testing.T, v any) string {
	t.Helper()
	b, err := yaml.Marshal(v)
	must(t, err)
	return string(b)
}
