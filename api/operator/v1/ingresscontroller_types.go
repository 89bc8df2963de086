package v1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// IngressController asks for a router Deployment (HAProxy) that serves Routes
// and Ingresses at a domain, published on the network in one chosen way.
//
// The printer columns show the effective domain and strategy from status: spec
// may leave both empty (the operator then picks defaults), and status is what
// the router actually uses.
//
// Immutability: spec.domain and spec.endpointPublishingStrategy.type cannot
// change or be removed once set (OKD silently ignores such edits; we reject
// them). Adding either one later is allowed, because OKD manifests often leave
// them out and let the operator choose, but only with the value the operator
// already uses (status.domain, status.endpointPublishingStrategy.type), so that
// an edit is never accepted and then ignored.
//
// The name must be a DNS-1035 label of at most 47 characters, because it is
// part of the Service names router-internal-<name> and router-nodeport-<name>
// (at most 63 characters); OKD accepts longer names and then fails to create
// those Services.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.replicas,statuspath=.status.availableReplicas,selectorpath=.status.selector
// +kubebuilder:resource:path=ingresscontrollers,scope=Namespaced
// +kubebuilder:printcolumn:name="Domain",type=string,JSONPath=`.status.domain`
// +kubebuilder:printcolumn:name="Strategy",type=string,JSONPath=`.status.endpointPublishingStrategy.type`
// +kubebuilder:printcolumn:name="Replicas",type=integer,JSONPath=`.spec.replicas`
// +kubebuilder:printcolumn:name="Available",type=integer,JSONPath=`.status.availableReplicas`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule=`self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 47`,message="metadata.name must be a DNS label (lowercase letters, digits and '-', starting and ending with a letter or digit) of at most 47 characters: it becomes part of the Service names router-internal-<name> and router-nodeport-<name>"
// +kubebuilder:validation:XValidation:rule=`!has(self.spec) || !has(self.spec.domain) || size('router-' + self.metadata.name + '.' + self.spec.domain) <= 253`,message="'router-' + metadata.name + '.' + spec.domain (the router's canonical hostname) must be at most 253 characters"
// +kubebuilder:validation:XValidation:rule=`!has(self.spec) || !has(self.spec.domain) || (has(oldSelf.spec) && has(oldSelf.spec.domain)) || !has(oldSelf.status) || !has(oldSelf.status.domain) || size(oldSelf.status.domain) == 0 || self.spec.domain == oldSelf.status.domain`,message="spec.domain may only be added with the domain already in use (status.domain): the domain names the router's certificates, canonical hostname and the hosts of existing routes; create a new IngressController for a new domain",fieldPath=.spec.domain
// +kubebuilder:validation:XValidation:rule=`!has(self.spec) || !has(self.spec.endpointPublishingStrategy) || (has(oldSelf.spec) && has(oldSelf.spec.endpointPublishingStrategy)) || !has(oldSelf.status) || !has(oldSelf.status.endpointPublishingStrategy) || self.spec.endpointPublishingStrategy.type == oldSelf.status.endpointPublishingStrategy.type`,message="spec.endpointPublishingStrategy may only be added with the type already in use (status.endpointPublishingStrategy.type): to change strategy, create a new IngressController with the new strategy, move routes to it, then delete the old one",fieldPath=.spec.endpointPublishingStrategy.type
type IngressController struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired router. The empty default lets CRD defaults (such
	// as replicas) apply to an object created without a spec.
	// +optional
	// +kubebuilder:default={}
	Spec IngressControllerSpec `json:"spec,omitempty"`

	// status is the effective configuration and the observed state.
	// +optional
	Status IngressControllerStatus `json:"status,omitempty"`
}

// IngressControllerList is a list of IngressControllers.
//
// +kubebuilder:object:root=true
type IngressControllerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []IngressController `json:"items"`
}

// IngressControllerSpec is the desired state of an IngressController.
//
// +kubebuilder:validation:XValidation:rule=`!has(oldSelf.domain) || (has(self.domain) && self.domain == oldSelf.domain)`,message="domain is immutable: it names the router's certificates, canonical hostname and the hosts of existing routes; create a new IngressController for a new domain",fieldPath=.domain
// +kubebuilder:validation:XValidation:rule=`!has(oldSelf.endpointPublishingStrategy) || (has(self.endpointPublishingStrategy) && self.endpointPublishingStrategy.type == oldSelf.endpointPublishingStrategy.type)`,message="endpointPublishingStrategy.type is immutable and cannot be removed: create a new IngressController with the new strategy, move routes to it (routeSelector/namespaceSelector), then delete the old one",fieldPath=.endpointPublishingStrategy
type IngressControllerSpec struct {
	// domain is the DNS domain the router serves: routes get hosts under it,
	// the generated default certificate covers *.<domain>, and the router's
	// canonical hostname is router-<name>.<domain>. It must be unique among
	// IngressControllers. When empty, the cluster's default domain is used.
	// Immutable once set. At most 244 characters, leaving room for the
	// shortest canonical-hostname prefix "router-a.".
	// +optional
	// +kubebuilder:validation:MaxLength=244
	// +kubebuilder:validation:XValidation:rule=`!format.dns1123Subdomain().validate(self).hasValue()`,message="domain must be a DNS subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
	// +kubebuilder:validation:XValidation:rule=`self.split('.').all(label, size(label) <= 63)`,message="each label of domain must be at most 63 characters"
	Domain string `json:"domain,omitempty"`

	// httpErrorCodePages names a ConfigMap with custom error pages, keys
	// error-page-503.http and error-page-404.http, each a full raw HTTP
	// response. Empty means the built-in pages.
	// +optional
	HTTPErrorCodePages *ConfigMapNameReference `json:"httpErrorCodePages,omitempty"`

	// replicas is the number of router pods. When absent the operator sets
	// it, as OKD picks it: 1 where a single node can run routers (a
	// single-node cluster), else 2. Unlike OKD's, it is then written here, so
	// that `kubectl scale` reads the count in force.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Replicas *int32 `json:"replicas,omitempty"`

	// endpointPublishingStrategy is how the router is reached from outside
	// the cluster. When absent the operator picks a default and records it in
	// status. type cannot change once set.
	// +optional
	EndpointPublishingStrategy *EndpointPublishingStrategy `json:"endpointPublishingStrategy,omitempty"`

	// defaultCertificate names a Secret (tls.crt, tls.key) in the router
	// namespace served for routes without their own certificate. When absent
	// the operator generates a wildcard certificate for *.<domain>.
	// +optional
	DefaultCertificate *corev1.LocalObjectReference `json:"defaultCertificate,omitempty"`

	// namespaceSelector limits the router to routes in matching namespaces
	// (sharding). Absent means every namespace. A selector that is not valid
	// (a label key or value, say) is rejected at admission (Admitted=False).
	// +optional
	// +kubebuilder:validation:XValidation:rule=`!has(self.matchExpressions) || self.matchExpressions.all(e, e.operator in ['In', 'NotIn', 'Exists', 'DoesNotExist'])`,message="matchExpressions[].operator must be In, NotIn, Exists or DoesNotExist"
	// +kubebuilder:validation:XValidation:rule=`!has(self.matchExpressions) || self.matchExpressions.all(e, (e.operator in ['In', 'NotIn']) == (has(e.values) && size(e.values) > 0))`,message="matchExpressions[].values must be set for operators In and NotIn, and left empty for Exists and DoesNotExist"
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	// routeSelector limits the router to matching routes (sharding). Absent
	// means every route. A selector that is not valid (a label key or value,
	// say) is rejected at admission (Admitted=False).
	// +optional
	// +kubebuilder:validation:XValidation:rule=`!has(self.matchExpressions) || self.matchExpressions.all(e, e.operator in ['In', 'NotIn', 'Exists', 'DoesNotExist'])`,message="matchExpressions[].operator must be In, NotIn, Exists or DoesNotExist"
	// +kubebuilder:validation:XValidation:rule=`!has(self.matchExpressions) || self.matchExpressions.all(e, (e.operator in ['In', 'NotIn']) == (has(e.values) && size(e.values) > 0))`,message="matchExpressions[].values must be set for operators In and NotIn, and left empty for Exists and DoesNotExist"
	RouteSelector *metav1.LabelSelector `json:"routeSelector,omitempty"`

	// nodePlacement controls which nodes the router pods run on.
	// +optional
	NodePlacement *NodePlacement `json:"nodePlacement,omitempty"`

	// tlsSecurityProfile selects the TLS versions and ciphers of the router's
	// TLS listeners. Absent means the cluster default (Intermediate).
	// +optional
	TLSSecurityProfile *TLSSecurityProfile `json:"tlsSecurityProfile,omitempty"`

	// clientTLS requests and verifies client certificates (mutual TLS) on
	// edge and reencrypt routes.
	// +optional
	ClientTLS *ClientTLS `json:"clientTLS,omitempty"`

	// routeAdmission sets the policies for admitting routes.
	// +optional
	RouteAdmission *RouteAdmissionPolicy `json:"routeAdmission,omitempty"`

	// logging configures access logs. Absent means no access logs.
	// +optional
	Logging *IngressControllerLogging `json:"logging,omitempty"`

	// httpHeaders sets the policies for some HTTP headers.
	// +optional
	HTTPHeaders *IngressControllerHTTPHeaders `json:"httpHeaders,omitempty"`

	// httpEmptyRequestsPolicy is what the router does with a connection that
	// times out before a request arrives: Respond (400/408, logged and
	// counted) or Ignore (close silently; such connections are often load
	// balancer probes or browser preconnects).
	// +optional
	// +kubebuilder:default=Respond
	HTTPEmptyRequestsPolicy HTTPEmptyRequestsPolicy `json:"httpEmptyRequestsPolicy,omitempty"`

	// tuningOptions tunes HAProxy; every field is optional and defaults to
	// the router's default.
	// +optional
	TuningOptions *IngressControllerTuningOptions `json:"tuningOptions,omitempty"`

	// unsupportedConfigOverrides is free-form JSON read by the operator for
	// settings without a typed field. Not validated; use at your own risk.
	// +optional
	// +nullable
	// +kubebuilder:pruning:PreserveUnknownFields
	UnsupportedConfigOverrides runtime.RawExtension `json:"unsupportedConfigOverrides,omitzero"`

	// httpCompression enables HTTP compression for some MIME types.
	// +optional
	HTTPCompression *HTTPCompressionPolicy `json:"httpCompression,omitempty"`

	// idleConnectionTerminationPolicy is what happens to idle client
	// connections when HAProxy reloads: Immediate closes them, Deferred keeps
	// them until the next request, the keep-alive timeout or the client closes.
	// +optional
	// +kubebuilder:default=Immediate
	IdleConnectionTerminationPolicy IngressControllerConnectionTerminationPolicy `json:"idleConnectionTerminationPolicy,omitempty"`

	// closedClientConnectionPolicy is what the router does when a client
	// closes its connection mid-handshake or mid-request: Continue finishes
	// the work (HTTP-compliant), Abort stops it (HAProxy abortonclose).
	// +optional
	// +kubebuilder:default=Continue
	ClosedClientConnectionPolicy IngressControllerClosedClientConnectionPolicy `json:"closedClientConnectionPolicy,omitempty"`
}

// ConfigMapNameReference names a ConfigMap in a namespace the operator knows.
type ConfigMapNameReference struct {
	// name of the ConfigMap.
	// +required
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// NodePlacement controls where the router pods are scheduled.
type NodePlacement struct {
	// nodeSelector selects the nodes for router pods; when it selects
	// anything, it replaces the default, kubernetes.io/os=linux. A pod's
	// nodeSelector is a plain label map, so only matchLabels and
	// matchExpressions with operator In and a single value are taken (as in
	// OKD); any other expression is rejected at admission (Admitted=False).
	// +optional
	NodeSelector *metav1.LabelSelector `json:"nodeSelector,omitempty"`

	// tolerations of the router pods; when set they replace the defaults.
	// +optional
	// +listType=atomic
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
}

// EndpointPublishingStrategyType is how the router is published.
// +kubebuilder:validation:Enum=LoadBalancerService;HostNetwork;Private;NodePortService
type EndpointPublishingStrategyType string

const (
	// LoadBalancerServiceStrategyType publishes the router through a Service of type LoadBalancer.
	LoadBalancerServiceStrategyType EndpointPublishingStrategyType = "LoadBalancerService"
	// HostNetworkStrategyType runs the router on the host network, listening on node ports.
	HostNetworkStrategyType EndpointPublishingStrategyType = "HostNetwork"
	// PrivateStrategyType publishes nothing beyond the internal ClusterIP Service; the user publishes it.
	PrivateStrategyType EndpointPublishingStrategyType = "Private"
	// NodePortServiceStrategyType publishes the router through a Service of type NodePort.
	NodePortServiceStrategyType EndpointPublishingStrategyType = "NodePortService"
)

// EndpointPublishingStrategy is a union: type selects the strategy, and only
// the member of that type may be set.
//
// +kubebuilder:validation:XValidation:rule="!has(self.loadBalancer) || self.type == 'LoadBalancerService'",message="loadBalancer may only be set when type is LoadBalancerService"
// +kubebuilder:validation:XValidation:rule="!has(self.hostNetwork) || self.type == 'HostNetwork'",message="hostNetwork may only be set when type is HostNetwork"
// +kubebuilder:validation:XValidation:rule="!has(self.private) || self.type == 'Private'",message="private may only be set when type is Private"
// +kubebuilder:validation:XValidation:rule="!has(self.nodePort) || self.type == 'NodePortService'",message="nodePort may only be set when type is NodePortService"
type EndpointPublishingStrategy struct {
	// type is LoadBalancerService, HostNetwork, NodePortService or Private.
	// Immutable once set in spec.
	// +required
	Type EndpointPublishingStrategyType `json:"type"`

	// loadBalancer holds the parameters of LoadBalancerService.
	// +optional
	LoadBalancer *LoadBalancerStrategy `json:"loadBalancer,omitempty"`

	// hostNetwork holds the parameters of HostNetwork.
	// +optional
	HostNetwork *HostNetworkStrategy `json:"hostNetwork,omitempty"`

	// private holds the parameters of Private.
	// +optional
	Private *PrivateStrategy `json:"private,omitempty"`

	// nodePort holds the parameters of NodePortService.
	// +optional
	NodePort *NodePortStrategy `json:"nodePort,omitempty"`
}

// LoadBalancerScope is whether a load balancer is reachable from outside the
// cluster's network.
// +kubebuilder:validation:Enum=Internal;External
type LoadBalancerScope string

const (
	// InternalLoadBalancer is reachable only from the cluster's private network.
	InternalLoadBalancer LoadBalancerScope = "Internal"
	// ExternalLoadBalancer is reachable from the public network.
	ExternalLoadBalancer LoadBalancerScope = "External"
)

// LoadBalancerDNSManagementPolicy is whether the operator manages the
// wildcard DNS record that points at the load balancer.
// +kubebuilder:validation:Enum=Managed;Unmanaged
type LoadBalancerDNSManagementPolicy string

const (
	// ManagedLoadBalancerDNS lets the operator manage the wildcard DNS record.
	ManagedLoadBalancerDNS LoadBalancerDNSManagementPolicy = "Managed"
	// UnmanagedLoadBalancerDNS leaves DNS to the user.
	UnmanagedLoadBalancerDNS LoadBalancerDNSManagementPolicy = "Unmanaged"
)

// Kubernetes rejects a Service.spec.loadBalancerSourceRanges entry with bits
// set beyond the prefix length (10.0.0.1/8); CIDR rejects it too, so that an
// IngressController is never accepted with a range the operator then cannot
// put on its Service.

// CIDR is an IPv4 or IPv6 address range such as 10.0.0.0/8 or fd00::/8,
// written with its network address.
// +kubebuilder:validation:MaxLength=64
// +kubebuilder:validation:XValidation:rule="isCIDR(self)",message="must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8 or fd00::/8"
// +kubebuilder:validation:XValidation:rule="!isCIDR(self) || cidr(self) == cidr(self).masked()",message="must not have bits set beyond the prefix length: write the network address, such as 10.0.0.0/8 rather than 10.0.0.1/8"
type CIDR string

// LoadBalancerStrategy holds the parameters of the LoadBalancerService
// strategy. The two rules are OKD's: an internal load balancer has no
// public address to take.
//
// +kubebuilder:validation:XValidation:rule="!has(self.scope) || self.scope != 'Internal' || !has(self.providerParameters) || !has(self.providerParameters.aws) || !has(self.providerParameters.aws.networkLoadBalancer) || !has(self.providerParameters.aws.networkLoadBalancer.eipAllocations)",message="eipAllocations are forbidden when the scope is Internal."
// +kubebuilder:validation:XValidation:rule=`!has(self.scope) || self.scope != 'Internal' || !has(self.providerParameters) || !has(self.providerParameters.openstack) || !has(self.providerParameters.openstack.floatingIP) || self.providerParameters.openstack.floatingIP == ""`,message="cannot specify a floating ip when scope is internal"
type LoadBalancerStrategy struct {
	// scope is External or Internal.
	// +required
	Scope LoadBalancerScope `json:"scope"`

	// allowedSourceRanges limits the clients of the load balancer to these
	// CIDRs (Service.spec.loadBalancerSourceRanges). Empty allows everyone.
	// +optional
	// +nullable
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=1024
	AllowedSourceRanges []CIDR `json:"allowedSourceRanges,omitempty"`

	// dnsManagementPolicy is Managed or Unmanaged.
	// +optional
	// +kubebuilder:default=Managed
	DNSManagementPolicy LoadBalancerDNSManagementPolicy `json:"dnsManagementPolicy,omitempty"`

	// providerParameters tunes the cloud's load balancer through the
	// annotations its cloud controller reads on the Service. Parameters of
	// another cloud than the cluster's are kept and have no effect. When
	// unset, status shows the platform's defaults (on AWS a Classic load
	// balancer).
	// +optional
	ProviderParameters *ProviderLoadBalancerParameters `json:"providerParameters,omitempty"`
}

// ProviderLoadBalancerParameters are the load balancer's settings of one
// cloud, named by type.
//
// +kubebuilder:validation:XValidation:rule="has(self.type) && self.type == 'OpenStack' ? true : !has(self.openstack)",message="openstack is not permitted when type is not OpenStack"
type ProviderLoadBalancerParameters struct {
	// type is the cloud: AWS, Azure, BareMetal, GCP, IBM, Nutanix,
	// OpenStack or VSphere.
	// +required
	Type LoadBalancerProviderType `json:"type"`

	// aws holds AWS's settings.
	// +optional
	AWS *AWSLoadBalancerParameters `json:"aws,omitempty"`

	// gcp holds GCP's settings.
	// +optional
	GCP *GCPLoadBalancerParameters `json:"gcp,omitempty"`

	// ibm holds IBM Cloud's settings.
	// +optional
	IBM *IBMLoadBalancerParameters `json:"ibm,omitempty"`

	// openstack holds OpenStack's settings.
	// +optional
	OpenStack *OpenStackLoadBalancerParameters `json:"openstack,omitempty"`
}

// LoadBalancerProviderType names the cloud of a load balancer.
// +kubebuilder:validation:Enum=AWS;Azure;BareMetal;GCP;Nutanix;OpenStack;VSphere;IBM
type LoadBalancerProviderType string

// The clouds whose load balancers take settings.
const (
	AWSLoadBalancerProvider       LoadBalancerProviderType = "AWS"
	AzureLoadBalancerProvider     LoadBalancerProviderType = "Azure"
	BareMetalLoadBalancerProvider LoadBalancerProviderType = "BareMetal"
	GCPLoadBalancerProvider       LoadBalancerProviderType = "GCP"
	IBMLoadBalancerProvider       LoadBalancerProviderType = "IBM"
	NutanixLoadBalancerProvider   LoadBalancerProviderType = "Nutanix"
	OpenStackLoadBalancerProvider LoadBalancerProviderType = "OpenStack"
	VSphereLoadBalancerProvider   LoadBalancerProviderType = "VSphere"
)

// AWSLoadBalancerParameters choose between a Classic and a Network Load
// Balancer and tune the one chosen.
type AWSLoadBalancerParameters struct {
	// type is Classic or NLB. The type, subnets and EIP allocations are
	// read by AWS only when the load balancer is created: a change waits
	// until the Service is deleted (Progressing says so), or the operator
	// deletes it itself under the annotation
	// ingress.operator.openshift.io/auto-delete-load-balancer.
	// +required
	Type AWSLoadBalancerType `json:"type"`

	// classicLoadBalancer tunes a Classic load balancer.
	// +optional
	ClassicLoadBalancerParameters *AWSClassicLoadBalancerParameters `json:"classicLoadBalancer,omitempty"`

	// networkLoadBalancer tunes a Network Load Balancer.
	// +optional
	NetworkLoadBalancerParameters *AWSNetworkLoadBalancerParameters `json:"networkLoadBalancer,omitempty"`
}

// AWSLoadBalancerType is a kind of AWS load balancer.
// +kubebuilder:validation:Enum=Classic;NLB
type AWSLoadBalancerType string

// The AWS load balancers.
const (
	// AWSClassicLoadBalancer always speaks the PROXY protocol to the
	// routers, so that they see the client's address.
	AWSClassicLoadBalancer AWSLoadBalancerType = "Classic"
	// AWSNetworkLoadBalancer speaks it when its protocol is PROXY.
	AWSNetworkLoadBalancer AWSLoadBalancerType = "NLB"
)

// AWSClassicLoadBalancerParameters tune a Classic load balancer.
type AWSClassicLoadBalancerParameters struct {
	// connectionIdleTimeout is how long a connection may stay idle before
	// the load balancer closes it, in whole seconds up to AWS's 4000s;
	// unset or 0 leaves AWS's default (60s).
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$') || duration(self) <= duration('4000s')`,message="connectionIdleTimeout must be at most 4000s, AWS's largest"
	ConnectionIdleTimeout *metav1.Duration `json:"connectionIdleTimeout,omitempty"`

	// subnets are the subnets the load balancer attaches to, one per
	// availability zone; unset lets AWS discover them.
	// +optional
	Subnets *AWSSubnets `json:"subnets,omitempty"`
}

// AWSNetworkLoadBalancerParameters tune a Network Load Balancer.
//
// +kubebuilder:validation:XValidation:rule=`has(self.subnets) && has(self.subnets.ids) && has(self.subnets.names) && has(self.eipAllocations) ? size(self.subnets.ids + self.subnets.names) == size(self.eipAllocations) : true`,message="number of subnets must be equal to number of eipAllocations"
// +kubebuilder:validation:XValidation:rule=`has(self.subnets) && has(self.subnets.ids) && !has(self.subnets.names) && has(self.eipAllocations) ? size(self.subnets.ids) == size(self.eipAllocations) : true`,message="number of subnets must be equal to number of eipAllocations"
// +kubebuilder:validation:XValidation:rule=`has(self.subnets) && has(self.subnets.names) && !has(self.subnets.ids) && has(self.eipAllocations) ? size(self.subnets.names) == size(self.eipAllocations) : true`,message="number of subnets must be equal to number of eipAllocations"
type AWSNetworkLoadBalancerParameters struct {
	// subnets are the subnets the load balancer attaches to, one per
	// availability zone; unset lets AWS discover them.
	// +optional
	Subnets *AWSSubnets `json:"subnets,omitempty"`

	// eipAllocations are the Elastic IP addresses of an external load
	// balancer, one per subnet, each unique.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:XValidation:rule=`self.all(x, self.exists_one(y, x == y))`,message="eipAllocations cannot contain duplicates"
	EIPAllocations []EIPAllocation `json:"eipAllocations,omitempty"`

	// protocol is PROXY for the load balancer to send the PROXY protocol
	// (version 2) to the routers, which then see the client's address; TCP
	// or empty sends plain TCP.
	// +optional
	Protocol IngressControllerProtocol `json:"protocol,omitempty"`
}

// AWSSubnets name subnets by ID or by name, at most 10 in all.
//
// +kubebuilder:validation:XValidation:rule=`has(self.ids) && has(self.names) ? size(self.ids + self.names) <= 10 : true`,message="the total number of subnets cannot exceed 10"
// +kubebuilder:validation:XValidation:rule=`has(self.ids) && self.ids.size() > 0 || has(self.names) && self.names.size() > 0`,message="must specify at least 1 subnet name or id"
type AWSSubnets struct {
	// ids are subnet IDs ("subnet-" and 17 letters or digits), unique.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:XValidation:rule=`self.all(x, self.exists_one(y, x == y))`,message="subnet ids cannot contain duplicates"
	IDs []AWSSubnetID `json:"ids,omitempty"`

	// names are subnet names, unique.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:XValidation:rule=`self.all(x, self.exists_one(y, x == y))`,message="subnet names cannot contain duplicates"
	Names []AWSSubnetName `json:"names,omitempty"`
}

// AWSSubnetID is the ID of an AWS subnet.
// +kubebuilder:validation:MinLength=24
// +kubebuilder:validation:MaxLength=24
// +kubebuilder:validation:Pattern=`^subnet-[0-9A-Za-z]+$`
type AWSSubnetID string

// AWSSubnetName is the name of an AWS subnet. The annotation lists names
// with commas, so a name holds none.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=256
// +kubebuilder:validation:XValidation:rule=`!self.contains(',')`,message="subnet name cannot contain a comma"
// +kubebuilder:validation:XValidation:rule=`!self.startsWith('subnet-')`,message="subnet name cannot start with 'subnet-'"
type AWSSubnetName string

// EIPAllocation is the ID of an Elastic IP address: "eipalloc-" and 17
// hexadecimal digits.
// +kubebuilder:validation:MinLength=26
// +kubebuilder:validation:MaxLength=26
// +kubebuilder:validation:XValidation:rule=`self.startsWith('eipalloc-')`,message="eipAllocations should start with 'eipalloc-'"
// +kubebuilder:validation:XValidation:rule=`self.split("-", 2)[1].matches('[0-9a-fA-F]{17}$')`,message="eipAllocations must be 'eipalloc-' followed by exactly 17 hexadecimal characters (0-9, a-f, A-F)"
type EIPAllocation string

// GCPLoadBalancerParameters tune a GCP load balancer.
type GCPLoadBalancerParameters struct {
	// clientAccess, for an internal load balancer, is Global to take
	// clients of every region of the VPC, or Local (GCP's default) for
	// those of its own region only.
	// +optional
	ClientAccess GCPClientAccess `json:"clientAccess,omitempty"`
}

// GCPClientAccess is where an internal GCP load balancer takes clients from.
// +kubebuilder:validation:Enum=Global;Local
type GCPClientAccess string

// The client access values.
const (
	GCPGlobalAccess GCPClientAccess = "Global"
	GCPLocalAccess  GCPClientAccess = "Local"
)

// IBMLoadBalancerParameters tune an IBM Cloud load balancer.
type IBMLoadBalancerParameters struct {
	// protocol is PROXY for the load balancer to send the PROXY protocol to
	// the routers; TCP or empty sends plain TCP.
	// +optional
	Protocol IngressControllerProtocol `json:"protocol,omitempty"`
}

// OpenStackLoadBalancerParameters tune an OpenStack load balancer.
type OpenStackLoadBalancerParameters struct {
	// floatingIP is the pre-created floating IP an external load balancer
	// takes (Service.spec.loadBalancerIP); unset lets OpenStack pick one.
	// +optional
	// +kubebuilder:validation:MaxLength=45
	// +kubebuilder:validation:XValidation:rule="isIP(self)",message="floatingIP must be a valid IPv4 or IPv6 address"
	FloatingIP string `json:"floatingIP,omitempty"`
}

// IngressControllerProtocol is whether the router expects the PROXY protocol
// in front of each connection (so it sees the real client address behind a
// load balancer that speaks it).
// +kubebuilder:validation:Enum="";TCP;PROXY
type IngressControllerProtocol string

const (
	// DefaultProtocol is the empty value; it means TCP.
	DefaultProtocol IngressControllerProtocol = ""
	// TCPProtocol is plain TCP without the PROXY protocol.
	TCPProtocol IngressControllerProtocol = "TCP"
	// ProxyProtocol expects the PROXY protocol; plain connections then fail.
	ProxyProtocol IngressControllerProtocol = "PROXY"
)

// HostNetworkStrategy holds the parameters of the HostNetwork strategy. An
// external load balancer in front of the nodes should probe
// http://<node>:<statsPort>/healthz/ready and stop sending traffic within 45s
// of it failing, the router's shutdown delay. The rule below can read all
// three ports unguarded because CRD defaults fill them before validation;
// a port given as 0 is its default, as OKD documents.
//
// +kubebuilder:validation:XValidation:rule="(self.httpPort == 0 ? 80 : self.httpPort) != (self.httpsPort == 0 ? 443 : self.httpsPort) && (self.httpPort == 0 ? 80 : self.httpPort) != (self.statsPort == 0 ? 1936 : self.statsPort) && (self.httpsPort == 0 ? 443 : self.httpsPort) != (self.statsPort == 0 ? 1936 : self.statsPort)",message="httpPort, httpsPort and statsPort must all differ: each is a separate listener on the node"
type HostNetworkStrategy struct {
	// protocol is "" (TCP), TCP or PROXY.
	// +optional
	Protocol IngressControllerProtocol `json:"protocol,omitempty"`

	// httpPort is the node port for HTTP; 0 means the default, 80.
	// +optional
	// +kubebuilder:default=80
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=65535
	HTTPPort int32 `json:"httpPort,omitempty"`

	// httpsPort is the node port for HTTPS; 0 means the default, 443.
	// +optional
	// +kubebuilder:default=443
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=65535
	HTTPSPort int32 `json:"httpsPort,omitempty"`

	// statsPort is the node port for metrics and health checks
	// (/healthz, /healthz/ready); 0 means the default, 1936.
	// +optional
	// +kubebuilder:default=1936
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=65535
	StatsPort int32 `json:"statsPort,omitempty"`
}

// PrivateStrategy holds the parameters of the Private strategy.
type PrivateStrategy struct {
	// protocol is "" (TCP), TCP or PROXY.
	// +optional
	Protocol IngressControllerProtocol `json:"protocol,omitempty"`
}

// NodePortStrategy holds the parameters of the NodePortService strategy. The
// node ports are allocated by Kubernetes; edits to them on the Service are
// kept.
type NodePortStrategy struct {
	// protocol is "" (TCP), TCP or PROXY.
	// +optional
	Protocol IngressControllerProtocol `json:"protocol,omitempty"`
}

// ClientCertificatePolicy is whether clients must present a certificate.
// +kubebuilder:validation:Enum="";Required;Optional
type ClientCertificatePolicy string

const (
	// ClientCertificatePolicyRequired rejects clients without a valid certificate.
	ClientCertificatePolicyRequired ClientCertificatePolicy = "Required"
	// ClientCertificatePolicyOptional asks for a certificate but accepts clients without one.
	ClientCertificatePolicyOptional ClientCertificatePolicy = "Optional"
)

// ClientTLS configures mutual TLS. An empty clientCertificatePolicy turns it
// off (OKD writes clientTLS with empty values when unused).
//
// +kubebuilder:validation:XValidation:rule="size(self.clientCertificatePolicy) == 0 || size(self.clientCA.name) > 0",message="clientCA.name is required when clientCertificatePolicy is set: the router needs a CA to verify client certificates"
type ClientTLS struct {
	// clientCertificatePolicy is Required, Optional or "" (off).
	// +required
	ClientCertificatePolicy ClientCertificatePolicy `json:"clientCertificatePolicy"`

	// clientCA names a ConfigMap with the PEM CA bundle (key ca-bundle.pem)
	// that verifies client certificates.
	// +required
	ClientCA ConfigMapNameReference `json:"clientCA"`

	// allowedSubjectPatterns are PCRE regular expressions; when set, a client
	// certificate's subject must match one of them.
	// +optional
	// +listType=atomic
	AllowedSubjectPatterns []string `json:"allowedSubjectPatterns,omitempty"`
}

// RouteAdmissionPolicy sets the policies for admitting routes.
type RouteAdmissionPolicy struct {
	// namespaceOwnership is Strict (default: a host belongs to the namespace
	// that claimed it first) or InterNamespaceAllowed (routes in other
	// namespaces may claim other paths of the same host).
	// +optional
	NamespaceOwnership NamespaceOwnershipCheck `json:"namespaceOwnership,omitempty"`

	// wildcardPolicy is WildcardsDisallowed (default) or WildcardsAllowed
	// (admit routes with wildcardPolicy Subdomain). Going back to disallowed
	// un-admits wildcard routes.
	// +optional
	WildcardPolicy WildcardPolicy `json:"wildcardPolicy,omitempty"`
}

// WildcardPolicy is whether routes with a wildcard policy are admitted.
// +kubebuilder:validation:Enum=WildcardsAllowed;WildcardsDisallowed
type WildcardPolicy string

const (
	// WildcardPolicyAllowed admits routes of any wildcard policy.
	WildcardPolicyAllowed WildcardPolicy = "WildcardsAllowed"
	// WildcardPolicyDisallowed admits only routes with wildcard policy None.
	WildcardPolicyDisallowed WildcardPolicy = "WildcardsDisallowed"
)

// NamespaceOwnershipCheck is how host claims across namespaces are handled.
// +kubebuilder:validation:Enum=InterNamespaceAllowed;Strict
type NamespaceOwnershipCheck string

const (
	// InterNamespaceAllowedOwnershipCheck lets routes in different namespaces claim different paths of one host.
	InterNamespaceAllowedOwnershipCheck NamespaceOwnershipCheck = "InterNamespaceAllowed"
	// StrictNamespaceOwnershipCheck keeps a host within the namespace that claimed it first.
	StrictNamespaceOwnershipCheck NamespaceOwnershipCheck = "Strict"
)

// IngressControllerLogging configures the router's logs.
type IngressControllerLogging struct {
	// access configures access logs; absent means none.
	// +optional
	Access *AccessLogging `json:"access,omitempty"`
}

// LoggingDestinationType is where access logs go.
// +kubebuilder:validation:Enum=Container;Syslog
type LoggingDestinationType string

const (
	// ContainerLoggingDestinationType writes logs to a sidecar container, readable with `kubectl logs -c logs`.
	ContainerLoggingDestinationType LoggingDestinationType = "Container"
	// SyslogLoggingDestinationType sends logs to a syslog endpoint over UDP.
	SyslogLoggingDestinationType LoggingDestinationType = "Syslog"

	// ContainerLoggingSidecarContainerName is the name of the sidecar that
	// carries the access logs with the Container destination.
	ContainerLoggingSidecarContainerName = "logs"
)

// AccessLogging configures access logs.
type AccessLogging struct {
	// destination is where the logs go.
	// +required
	Destination LoggingDestination `json:"destination"`

	// httpLogFormat is the HAProxy log-format of HTTP requests (not of
	// passthrough connections). Empty means the router's default.
	// +optional
	HttpLogFormat string `json:"httpLogFormat,omitempty"`

	// httpCaptureHeaders are request and response headers to log.
	// +optional
	HTTPCaptureHeaders *IngressControllerCaptureHTTPHeaders `json:"httpCaptureHeaders,omitempty"`

	// httpCaptureCookies is at most one cookie to log.
	// +optional
	// +nullable
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=1
	HTTPCaptureCookies []IngressControllerCaptureHTTPCookie `json:"httpCaptureCookies,omitempty"`

	// logEmptyRequests is Log or Ignore: whether connections that send no
	// request (load balancer probes, browser preconnects) are logged.
	// +optional
	// +kubebuilder:default=Log
	LogEmptyRequests LoggingPolicy `json:"logEmptyRequests,omitempty"`
}

// LoggingDestination is a union: type selects the destination, and only the
// member of that type may be set.
//
// +kubebuilder:validation:XValidation:rule="!has(self.syslog) || self.type == 'Syslog'",message="syslog may only be set when type is Syslog"
// +kubebuilder:validation:XValidation:rule="!has(self.container) || self.type == 'Container'",message="container may only be set when type is Container"
// +kubebuilder:validation:XValidation:rule="self.type != 'Syslog' || has(self.syslog)",message="syslog is required when type is Syslog"
type LoggingDestination struct {
	// type is Container or Syslog.
	// +required
	Type LoggingDestinationType `json:"type"`

	// syslog holds the parameters of the Syslog destination.
	// +optional
	Syslog *SyslogLoggingDestinationParameters `json:"syslog,omitempty"`

	// container holds the parameters of the Container destination.
	// +optional
	Container *ContainerLoggingDestinationParameters `json:"container,omitempty"`
}

// SyslogLoggingDestinationParameters holds the parameters of the Syslog
// destination.
type SyslogLoggingDestinationParameters struct {
	// address is the IP address of the syslog endpoint, or its DNS name,
	// which the routers look up (and again every 30 seconds): until it
	// resolves they serve without access logs.
	// +required
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="isIP(self) || (self.matches('^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?([.][A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*[.]?$') && !self.matches('^[0-9.]+$'))",message="address must be an IPv4 or IPv6 address or a DNS name"
	Address string `json:"address"`

	// port is the UDP port of the syslog endpoint.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port"`

	// facility is the syslog facility; empty means local1.
	// +optional
	// +kubebuilder:validation:Enum=kern;user;mail;daemon;auth;syslog;lpr;news;uucp;cron;auth2;ftp;ntp;audit;alert;cron2;local0;local1;local2;local3;local4;local5;local6;local7
	Facility string `json:"facility,omitempty"`

	// maxLength is the longest log message in bytes, 480 to 4096.
	// +optional
	// +kubebuilder:default=1024
	// +kubebuilder:validation:Minimum=480
	// +kubebuilder:validation:Maximum=4096
	MaxLength int32 `json:"maxLength,omitempty"`
}

// ContainerLoggingDestinationParameters holds the parameters of the Container
// destination.
type ContainerLoggingDestinationParameters struct {
	// maxLength is the longest log message in bytes, 480 to 8192.
	// +optional
	// +kubebuilder:default=1024
	// +kubebuilder:validation:Minimum=480
	// +kubebuilder:validation:Maximum=8192
	MaxLength int32 `json:"maxLength,omitempty"`
}

// IngressControllerCaptureHTTPHeaders lists the headers to log.
type IngressControllerCaptureHTTPHeaders struct {
	// request headers to log.
	// +optional
	// +nullable
	// +listType=atomic
	Request []IngressControllerCaptureHTTPHeader `json:"request,omitempty"`

	// response headers to log.
	// +optional
	// +nullable
	// +listType=atomic
	Response []IngressControllerCaptureHTTPHeader `json:"response,omitempty"`
}

// IngressControllerCaptureHTTPHeader is a header to log.
type IngressControllerCaptureHTTPHeader struct {
	// name of the header (an HTTP token).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^[-!#$%&'*+.0-9A-Z^_\x60a-z|~]+$`
	Name string `json:"name"`

	// maxLength truncates the logged value to this many bytes.
	// +required
	// +kubebuilder:validation:Minimum=1
	MaxLength int32 `json:"maxLength"`
}

// CookieMatchType is how a cookie name is matched.
// +kubebuilder:validation:Enum=Exact;Prefix
type CookieMatchType string

const (
	// CookieMatchTypeExact matches the cookie name exactly.
	CookieMatchTypeExact CookieMatchType = "Exact"
	// CookieMatchTypePrefix matches cookie names that start with a prefix.
	CookieMatchTypePrefix CookieMatchType = "Prefix"
)

// IngressControllerCaptureHTTPCookie is a cookie to log: the first cookie
// whose name matches is captured. OKD writes both name and namePrefix, the
// unused one empty, so an empty value counts as unset.
//
// +kubebuilder:validation:XValidation:rule="self.matchType != 'Exact' || (has(self.name) && size(self.name) > 0)",message="matchType Exact needs name (namePrefix is then not used)"
// +kubebuilder:validation:XValidation:rule="self.matchType != 'Prefix' || (has(self.namePrefix) && size(self.namePrefix) > 0)",message="matchType Prefix needs namePrefix (name is then not used)"
type IngressControllerCaptureHTTPCookie struct {
	// matchType is Exact (match name) or Prefix (match namePrefix).
	// +required
	MatchType CookieMatchType `json:"matchType"`

	// name of the cookie, with matchType Exact.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^[-!#$%&'*+.0-9A-Z^_\x60a-z|~]*$`
	Name string `json:"name,omitempty"`

	// namePrefix of the cookie name, with matchType Prefix.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^[-!#$%&'*+.0-9A-Z^_\x60a-z|~]*$`
	NamePrefix string `json:"namePrefix,omitempty"`

	// maxLength truncates the logged name=value to this many bytes.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1024
	MaxLength int32 `json:"maxLength"`
}

// LoggingPolicy is whether an event is logged.
// +kubebuilder:validation:Enum=Log;Ignore
type LoggingPolicy string

const (
	// LoggingPolicyLog logs the event.
	LoggingPolicyLog LoggingPolicy = "Log"
	// LoggingPolicyIgnore does not log the event.
	LoggingPolicyIgnore LoggingPolicy = "Ignore"
)

// IngressControllerHTTPHeaderPolicy is when the router sets a header.
// +kubebuilder:validation:Enum=Append;Replace;IfNone;Never
type IngressControllerHTTPHeaderPolicy string

const (
	// AppendHTTPHeaderPolicy appends to the header and keeps what the client sent.
	AppendHTTPHeaderPolicy IngressControllerHTTPHeaderPolicy = "Append"
	// ReplaceHTTPHeaderPolicy sets the header and drops what the client sent.
	ReplaceHTTPHeaderPolicy IngressControllerHTTPHeaderPolicy = "Replace"
	// IfNoneHTTPHeaderPolicy sets the header only when the client sent none.
	IfNoneHTTPHeaderPolicy IngressControllerHTTPHeaderPolicy = "IfNone"
	// NeverHTTPHeaderPolicy never sets the header and passes on what the client sent.
	NeverHTTPHeaderPolicy IngressControllerHTTPHeaderPolicy = "Never"
)

// IngressControllerHTTPHeaders sets the policies for some HTTP headers.
type IngressControllerHTTPHeaders struct {
	// forwardedHeaderPolicy is how the router sets Forwarded and
	// X-Forwarded-For/-Host/-Port/-Proto/-Proto-Version: Append (default),
	// Replace, IfNone or Never. A route annotation can override it.
	// +optional
	ForwardedHeaderPolicy IngressControllerHTTPHeaderPolicy `json:"forwardedHeaderPolicy,omitempty"`

	// uniqueId adds a request header with a per-request value, for tracing.
	// +optional
	UniqueId *IngressControllerHTTPUniqueIdHeaderPolicy `json:"uniqueId,omitempty"`

	// headerNameCaseAdjustments are header names in the capitalization to
	// emit on HTTP/1 (for clients that wrongly treat names as case-sensitive).
	// Responses are always adjusted; requests only on routes annotated
	// haproxy.router.openshift.io/h1-adjust-case=true.
	// +optional
	// +nullable
	// +listType=atomic
	HeaderNameCaseAdjustments []IngressControllerHTTPHeaderNameCaseAdjustment `json:"headerNameCaseAdjustments,omitempty"`

	// actions set or delete request and response headers on every route
	// that the router terminates (not passthrough). Request actions run
	// before a route's own actions, response actions after them, so a route
	// cannot undo the router-wide response policy.
	// +optional
	Actions *IngressControllerHTTPHeaderActions `json:"actions,omitempty"`
}

// IngressControllerHTTPHeaderActions lists header changes, applied in order.
// A value may contain HAProxy sample expressions (%[...]) from a small safe
// subset: req.hdr(name) for requests, res.hdr(name) for responses, and
// ssl_c_der, with the converters lower and base64.
type IngressControllerHTTPHeaderActions struct {
	// response lists changes to response headers, at most 20.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:XValidation:rule=`self.all(h, h.action.type == 'Delete' || (has(h.action.set) && h.action.set.value.matches('^(%%|%(\\{[-+]?[QXE](,[-+]?[QXE])*\\})?\\[(res\\.hdr\\([0-9A-Za-z-]+\\)|ssl_c_der)(,(lower|base64))*\\]|[^%[:cntrl:]])+$')))`,message="a response header value must be text without control characters, where % starts an HAProxy sample expression limited to %[res.hdr(name)] and %[ssl_c_der] with the converters lower and base64 (%% is a literal %)"
	Response []IngressControllerHTTPHeader `json:"response,omitempty"`

	// request lists changes to request headers, at most 20.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:XValidation:rule=`self.all(h, h.action.type == 'Delete' || (has(h.action.set) && h.action.set.value.matches('^(%%|%(\\{[-+]?[QXE](,[-+]?[QXE])*\\})?\\[(req\\.hdr\\([0-9A-Za-z-]+\\)|ssl_c_der)(,(lower|base64))*\\]|[^%[:cntrl:]])+$')))`,message="a request header value must be text without control characters, where % starts an HAProxy sample expression limited to %[req.hdr(name)] and %[ssl_c_der] with the converters lower and base64 (%% is a literal %)"
	Request []IngressControllerHTTPHeader `json:"request,omitempty"`
}

// IngressControllerHTTPHeader is one header change.
type IngressControllerHTTPHeader struct {
	// name of the header, an HTTP token. Headers the router or the
	// platform own (Strict-Transport-Security, Proxy, Host, Cookie,
	// Set-Cookie) cannot be changed; HSTS has its own route annotation.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[-!#$%&'*+.0-9A-Z^_\x60a-z|~]+$`
	// +kubebuilder:validation:XValidation:rule="!(self.lowerAscii() in ['strict-transport-security', 'proxy', 'host', 'cookie', 'set-cookie'])",message="Strict-Transport-Security, Proxy, Host, Cookie and Set-Cookie may not be changed by header actions"
	Name string `json:"name"`

	// action is Set or Delete.
	// +required
	Action IngressControllerHTTPHeaderActionUnion `json:"action"`
}

// IngressControllerHTTPHeaderActionType is Set or Delete.
// +kubebuilder:validation:Enum=Set;Delete
type IngressControllerHTTPHeaderActionType string

const (
	// Set sets a header to a value, replacing any existing one.
	Set IngressControllerHTTPHeaderActionType = "Set"
	// Delete removes a header.
	Delete IngressControllerHTTPHeaderActionType = "Delete"
)

// IngressControllerHTTPHeaderActionUnion is a Set (with set) or a Delete.
//
// +kubebuilder:validation:XValidation:rule="self.type == 'Set' ? has(self.set) : !has(self.set)",message="set is required when type is Set, and forbidden otherwise"
type IngressControllerHTTPHeaderActionUnion struct {
	// type is Set or Delete.
	// +required
	Type IngressControllerHTTPHeaderActionType `json:"type"`

	// set gives the value for type Set.
	// +optional
	Set *IngressControllerSetHTTPHeader `json:"set,omitempty"`
}

// IngressControllerSetHTTPHeader is the value of a Set action.
type IngressControllerSetHTTPHeader struct {
	// value is the header value, 1 to 16384 characters. The headers the
	// router adds, after expansion, must fit in
	// tuningOptions.headerBufferMaxRewriteBytes.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=16384
	Value string `json:"value"`
}

// IngressControllerHTTPUniqueIdHeaderPolicy configures the unique-id header.
type IngressControllerHTTPUniqueIdHeaderPolicy struct {
	// name of the header; empty means no header.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^$|^[-!#$%&'*+.0-9A-Z^_\x60a-z|~]+$`
	Name string `json:"name,omitempty"`

	// format of the value, in HAProxy log-format syntax. Empty means the
	// router's default, which combines the client and frontend addresses, a
	// timestamp, a request counter and the process id.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^(%%|%(\{[-+]?[QXE](,[-+]?[QXE])*\})?([A-Za-z]+|\[[^\]]+\])|[^%[:cntrl:]])*$`
	Format string `json:"format,omitempty"`
}

// IngressControllerHTTPHeaderNameCaseAdjustment is a header name in the
// desired capitalization, such as X-Forwarded-For.
// +kubebuilder:validation:MaxLength=1024
// +kubebuilder:validation:Pattern=`^$|^[-!#$%&'*+.0-9A-Z^_\x60a-z|~]+$`
type IngressControllerHTTPHeaderNameCaseAdjustment string

// Router defaults that the CRD's validation rules depend on; keep them in
// step with the operator.
const (
	// DefaultHeaderBufferBytes is the header buffer size when
	// tuningOptions.headerBufferBytes is unset.
	DefaultHeaderBufferBytes = 32768
	// DefaultHeaderBufferMaxRewriteBytes is the rewrite reserve when
	// tuningOptions.headerBufferMaxRewriteBytes is unset.
	DefaultHeaderBufferMaxRewriteBytes = 8192

	// DefaultHTTPPort, DefaultHTTPSPort and DefaultStatsPort are the
	// HostNetwork ports when unset.
	DefaultHTTPPort  = 80
	DefaultHTTPSPort = 443
	DefaultStatsPort = 1936
)

// IngressControllerTuningOptions tunes HAProxy. Durations are Go durations
// without a sign ("300ms", "5s", "1m30s", "1h"). The pattern has no sign, so
// negative values (which OKD accepts and then ignores) are rejected; together
// with the upper bound, which also rejects values too large for Go, it makes
// every accepted value parse as a metav1.Duration, so that one bad object can
// never break the clients that decode it. Timeouts above 2147483647ms,
// HAProxy's largest, are rejected rather than silently capped.
//
// +kubebuilder:validation:XValidation:rule="(has(self.headerBufferBytes) ? self.headerBufferBytes : 32768) > (has(self.headerBufferMaxRewriteBytes) ? self.headerBufferMaxRewriteBytes : 8192)",message="headerBufferMaxRewriteBytes must be less than headerBufferBytes (defaults 8192 and 32768): a request may use only headerBufferBytes - headerBufferMaxRewriteBytes bytes"
type IngressControllerTuningOptions struct {
	// headerBufferBytes is the per-connection buffer for request headers, in
	// bytes; default 32768. HTTP/2 needs at least 16384.
	// +optional
	// +kubebuilder:validation:Minimum=16384
	HeaderBufferBytes int32 `json:"headerBufferBytes,omitempty"`

	// headerBufferMaxRewriteBytes is the part of headerBufferBytes reserved
	// for adding and rewriting headers; default 8192. Must be less than
	// headerBufferBytes.
	// +optional
	// +kubebuilder:validation:Minimum=4096
	HeaderBufferMaxRewriteBytes int32 `json:"headerBufferMaxRewriteBytes,omitempty"`

	// threadCount is the number of HAProxy threads, 1 to 64; default 4.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=64
	ThreadCount int32 `json:"threadCount,omitempty"`

	// clientTimeout is how long to wait for the client to send or
	// acknowledge data; default 30s.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$') || duration(self) <= duration('2147483647ms')`,message="clientTimeout must be at most 2147483647ms"
	ClientTimeout *metav1.Duration `json:"clientTimeout,omitempty"`

	// clientFinTimeout is how long to wait for the client to close its side
	// after the server closed; default 1s.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$') || duration(self) <= duration('2147483647ms')`,message="clientFinTimeout must be at most 2147483647ms"
	ClientFinTimeout *metav1.Duration `json:"clientFinTimeout,omitempty"`

	// serverTimeout is how long to wait for the backend to send or
	// acknowledge data; default 30s.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$') || duration(self) <= duration('2147483647ms')`,message="serverTimeout must be at most 2147483647ms"
	ServerTimeout *metav1.Duration `json:"serverTimeout,omitempty"`

	// serverFinTimeout is how long to wait for the backend to close its side
	// after the client closed; default 1s.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$') || duration(self) <= duration('2147483647ms')`,message="serverFinTimeout must be at most 2147483647ms"
	ServerFinTimeout *metav1.Duration `json:"serverFinTimeout,omitempty"`

	// tunnelTimeout is how long an idle tunnel (WebSocket, CONNECT) stays
	// open; default 1h.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$') || duration(self) <= duration('2147483647ms')`,message="tunnelTimeout must be at most 2147483647ms"
	TunnelTimeout *metav1.Duration `json:"tunnelTimeout,omitempty"`

	// connectTimeout is how long to wait for a connection to a backend;
	// default 5s.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$') || duration(self) <= duration('2147483647ms')`,message="connectTimeout must be at most 2147483647ms"
	ConnectTimeout *metav1.Duration `json:"connectTimeout,omitempty"`

	// httpKeepAliveTimeout is how long to wait for the next request on an
	// idle client connection, 1ms to 15m in units of ms, s or m; default 300s.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:Pattern=`^([0-9]+([.][0-9]+)?(ms|s|m))+$`
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^([0-9]+([.][0-9]+)?(ms|s|m))+$') || (duration(self) >= duration('1ms') && duration(self) <= duration('15m'))`,message="httpKeepAliveTimeout must be between 1ms and 15m"
	HTTPKeepAliveTimeout *metav1.Duration `json:"httpKeepAliveTimeout,omitempty"`

	// tlsInspectDelay is how long to wait for the TLS client hello (SNI)
	// before falling back to the default certificate; default 5s.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$') || duration(self) <= duration('2147483647ms')`,message="tlsInspectDelay must be at most 2147483647ms"
	TLSInspectDelay *metav1.Duration `json:"tlsInspectDelay,omitempty"`

	// healthCheckInterval is the time between backend health checks: 0
	// (default, 5s) or 1s to 2147483647ms. A value below 1s is ignored, as
	// OKD ignores it (FieldsSupported names it). A route annotation can
	// override it.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$') || duration(self) <= duration('2147483647ms')`,message="healthCheckInterval must be at most 2147483647ms"
	HealthCheckInterval *metav1.Duration `json:"healthCheckInterval,omitempty"`

	// maxConnections is the most simultaneous connections per HAProxy
	// process: 0 (default, 50000), -1 (computed from the container's ulimit,
	// which uses much more memory) or 2000 to 2000000.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == 0 || self == -1 || (self >= 2000 && self <= 2000000)",message="maxConnections must be 0, -1, or between 2000 and 2000000"
	MaxConnections int32 `json:"maxConnections,omitempty"`

	// reloadInterval is the least time between two HAProxy reloads; 0 means
	// the router's default, 500ms (OKD's is 5s: routes reach traffic
	// sooner here; endpoint changes never reload). Values outside 1s to
	// 120s are clamped to that range, as in OKD, not rejected.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^0$|^([0-9]+([.][0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$') || duration(self) <= duration('2147483647ms')`,message="reloadInterval must be at most 2147483647ms"
	ReloadInterval *metav1.Duration `json:"reloadInterval,omitempty"`

	// configurationManagement is how OKD's routers apply changes:
	// ForkAndReload (OKD's default) reloads HAProxy for each, Dynamic (OKD's
	// Dynamic Configuration Manager) changes servers through HAProxy's
	// runtime API and serves new routes from spare backends. The routers
	// here always do the latter, and reload for the rest; both values are
	// taken, so that OKD's manifests apply, and change nothing.
	// +optional
	ConfigurationManagement IngressControllerConfigurationManagement `json:"configurationManagement,omitempty"`
}

// IngressControllerConfigurationManagement is OKD's choice of how routers
// apply changes.
// +kubebuilder:validation:Enum=Dynamic;ForkAndReload
type IngressControllerConfigurationManagement string

const (
	// IngressControllerConfigurationManagementDynamic changes HAProxy at
	// runtime where it can.
	IngressControllerConfigurationManagementDynamic IngressControllerConfigurationManagement = "Dynamic"
	// IngressControllerConfigurationManagementForkAndReload reloads HAProxy
	// for every change on OKD.
	IngressControllerConfigurationManagementForkAndReload IngressControllerConfigurationManagement = "ForkAndReload"
)

// HTTPEmptyRequestsPolicy is what the router does with connections on which
// no request arrives.
// +kubebuilder:validation:Enum=Respond;Ignore
type HTTPEmptyRequestsPolicy string

const (
	// HTTPEmptyRequestsPolicyRespond answers, logs and counts such connections.
	HTTPEmptyRequestsPolicyRespond HTTPEmptyRequestsPolicy = "Respond"
	// HTTPEmptyRequestsPolicyIgnore closes them without answering, logging or counting.
	HTTPEmptyRequestsPolicyIgnore HTTPEmptyRequestsPolicy = "Ignore"
)

// IngressControllerConnectionTerminationPolicy is what happens to idle client
// connections when HAProxy reloads.
// +kubebuilder:validation:Enum=Immediate;Deferred
type IngressControllerConnectionTerminationPolicy string

const (
	// IngressControllerConnectionTerminationPolicyImmediate closes idle connections at once.
	IngressControllerConnectionTerminationPolicyImmediate IngressControllerConnectionTerminationPolicy = "Immediate"
	// IngressControllerConnectionTerminationPolicyDeferred keeps them open in the old process
	// until the next request (served with the old configuration, then closed), the
	// keep-alive timeout, or the client closes.
	IngressControllerConnectionTerminationPolicyDeferred IngressControllerConnectionTerminationPolicy = "Deferred"
)

// IngressControllerClosedClientConnectionPolicy is what the router does when
// the client closes its connection before the response.
// +kubebuilder:validation:Enum=Abort;Continue
type IngressControllerClosedClientConnectionPolicy string

const (
	// IngressControllerClosedClientConnectionPolicyAbort stops the TLS handshake and
	// does not send a request the backend has not received yet.
	IngressControllerClosedClientConnectionPolicyAbort IngressControllerClosedClientConnectionPolicy = "Abort"
	// IngressControllerClosedClientConnectionPolicyContinue completes the work anyway.
	IngressControllerClosedClientConnectionPolicyContinue IngressControllerClosedClientConnectionPolicy = "Continue"
)

// HTTPCompressionPolicy enables HTTP compression.
type HTTPCompressionPolicy struct {
	// mimeTypes to compress, such as text/html or text/*. Empty means no
	// compression. Already-compressed formats (images, video) gain little.
	// +optional
	// +listType=set
	MimeTypes []CompressionMIMEType `json:"mimeTypes,omitempty"`
}

// CompressionMIMEType is a MIME type, type/subtype with optional parameters
// (RFC 1341), such as "text/css; charset=utf-8" or "application/*". The type
// is one of the registered top-level types or an X- extension.
// +kubebuilder:validation:MaxLength=1024
// +kubebuilder:validation:Pattern=`^(?i)(x-[-!#$%&'*+.0-9a-z^_\x60|~]+|application|audio|image|message|multipart|text|video)/[-!#$%&'*+.0-9a-z^_\x60|~]+( *; *[-!#$%&'*+.0-9a-z^_\x60|~]+=([-!#$%&'*+.0-9a-z^_\x60|~]+|"([^"\\[:cntrl:]]|\\.)*"))*$`
type CompressionMIMEType string

// TLSSecurityProfile selects TLS versions and ciphers, with the shape of
// OKD's config.openshift.io/v1 TLSSecurityProfile. type picks a named profile
// (based on Mozilla's server-side TLS recommendations) or Custom; only the
// member of that type is read (as OKD, another one may stay set, so that a
// merge patch of type alone applies).
//
// +kubebuilder:validation:XValidation:rule="!has(self.type) || self.type != 'Custom' || (has(self.custom) && has(self.custom.ciphers) && size(self.custom.ciphers) > 0)",message="type Custom needs custom.ciphers with at least one cipher"
type TLSSecurityProfile struct {
	// type is Old, Intermediate, Modern or Custom. Named profiles may change
	// between releases as ciphers age.
	// +optional
	Type TLSProfileType `json:"type,omitempty"`

	// old is the Old profile (TLS 1.0 and up, widest compatibility).
	// +optional
	Old *OldTLSProfile `json:"old,omitempty"`

	// intermediate is the Intermediate profile (TLS 1.2 and up).
	// +optional
	Intermediate *IntermediateTLSProfile `json:"intermediate,omitempty"`

	// modern is the Modern profile (TLS 1.3 only).
	// +optional
	Modern *ModernTLSProfile `json:"modern,omitempty"`

	// custom is a user-defined profile. A wrong cipher list can make the
	// router unreachable.
	// +optional
	Custom *CustomTLSProfile `json:"custom,omitempty"`
}

// OldTLSProfile selects the Old profile; it has no parameters.
type OldTLSProfile struct{}

// IntermediateTLSProfile selects the Intermediate profile; it has no parameters.
type IntermediateTLSProfile struct{}

// ModernTLSProfile selects the Modern profile; it has no parameters.
type ModernTLSProfile struct{}

// CustomTLSProfile is a user-defined TLS profile.
type CustomTLSProfile struct {
	TLSProfileSpec `json:",inline"`
}

// TLSProfileType names a TLS profile.
// +kubebuilder:validation:Enum=Old;Intermediate;Modern;Custom
type TLSProfileType string

const (
	// TLSProfileOldType is the Old profile.
	TLSProfileOldType TLSProfileType = "Old"
	// TLSProfileIntermediateType is the Intermediate profile.
	TLSProfileIntermediateType TLSProfileType = "Intermediate"
	// TLSProfileModernType is the Modern profile.
	TLSProfileModernType TLSProfileType = "Modern"
	// TLSProfileCustomType is a user-defined profile.
	TLSProfileCustomType TLSProfileType = "Custom"
)

// TLSProfileSpec is the ciphers and minimum version of a TLS profile.
type TLSProfileSpec struct {
	// ciphers are the cipher suites to offer, in OpenSSL or IANA names; the
	// operator drops those HAProxy does not support.
	// +optional
	// +listType=atomic
	Ciphers []string `json:"ciphers,omitempty"`

	// groups are the key-exchange groups (formerly elliptic curves) to offer,
	// most preferred first, as in OKD's newest API. Omitted: the named
	// profiles' groups (X25519MLKEM768, X25519, secp256r1, secp384r1) and
	// secp521r1. A router drops the groups its OpenSSL does not support
	// (the ML-KEM hybrids need OpenSSL 3.5) and says so in its log.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=7
	Groups []TLSGroup `json:"groups,omitempty"`

	// minTLSVersion is the lowest TLS version accepted.
	// +required
	MinTLSVersion TLSProtocolVersion `json:"minTLSVersion"`
}

// TLSGroup is a TLS key-exchange group, in the name OpenSSL gives it.
// +kubebuilder:validation:Enum=X25519;secp256r1;secp384r1;secp521r1;X25519MLKEM768;SecP256r1MLKEM768;SecP384r1MLKEM1024
type TLSGroup string

const (
	// TLSGroupX25519 is X25519.
	TLSGroupX25519 TLSGroup = "X25519"
	// TLSGroupSecP256r1 is P-256.
	TLSGroupSecP256r1 TLSGroup = "secp256r1"
	// TLSGroupSecP384r1 is P-384.
	TLSGroupSecP384r1 TLSGroup = "secp384r1"
	// TLSGroupSecP521r1 is P-521.
	TLSGroupSecP521r1 TLSGroup = "secp521r1"
	// TLSGroupX25519MLKEM768 is the X25519 and ML-KEM-768 hybrid.
	TLSGroupX25519MLKEM768 TLSGroup = "X25519MLKEM768"
	// TLSGroupSecP256r1MLKEM768 is the P-256 and ML-KEM-768 hybrid.
	TLSGroupSecP256r1MLKEM768 TLSGroup = "SecP256r1MLKEM768"
	// TLSGroupSecP384r1MLKEM1024 is the P-384 and ML-KEM-1024 hybrid.
	TLSGroupSecP384r1MLKEM1024 TLSGroup = "SecP384r1MLKEM1024"
)

// TLSProtocolVersion is a TLS protocol version. SSLv3 is not supported.
// +kubebuilder:validation:Enum=VersionTLS10;VersionTLS11;VersionTLS12;VersionTLS13
type TLSProtocolVersion string

const (
	// VersionTLS10 is TLS 1.0.
	VersionTLS10 TLSProtocolVersion = "VersionTLS10"
	// VersionTLS11 is TLS 1.1.
	VersionTLS11 TLSProtocolVersion = "VersionTLS11"
	// VersionTLS12 is TLS 1.2.
	VersionTLS12 TLSProtocolVersion = "VersionTLS12"
	// VersionTLS13 is TLS 1.3.
	VersionTLS13 TLSProtocolVersion = "VersionTLS13"
)

// IngressControllerStatus is the effective configuration and the observed
// state of an IngressController.
type IngressControllerStatus struct {
	// availableReplicas is the router Deployment's available replicas (the
	// scale subresource's status).
	// +optional
	AvailableReplicas int32 `json:"availableReplicas"`

	// selector selects the router pods, as a label selector string (the
	// scale subresource's selector, used by HPA).
	// +optional
	Selector string `json:"selector"`

	// domain is the domain in use, set once at admission.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Domain string `json:"domain"`

	// endpointPublishingStrategy is the strategy in use, with every default
	// filled in.
	// +optional
	EndpointPublishingStrategy *EndpointPublishingStrategy `json:"endpointPublishingStrategy,omitempty"`

	// conditions are the low-level conditions (Admitted, DeploymentAvailable,
	// LoadBalancerReady, DNSReady, ...) and the aggregate ones (Available,
	// Progressing, Degraded).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []OperatorCondition `json:"conditions,omitempty"`

	// tlsProfile is the TLS profile the running router uses.
	// +optional
	TLSProfile *TLSProfileSpec `json:"tlsProfile,omitempty"`

	// observedGeneration is the metadata.generation last admitted.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// namespaceSelector is the namespaceSelector in effect; it changes only
	// after the status of routes the old selector admitted has been cleared.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	// routeSelector is the routeSelector in effect, updated like
	// namespaceSelector.
	// +optional
	RouteSelector *metav1.LabelSelector `json:"routeSelector,omitempty"`
}

// ConditionStatus is the status of a condition.
// +kubebuilder:validation:Enum=True;False;Unknown
type ConditionStatus string

const (
	// ConditionTrue means the condition holds.
	ConditionTrue ConditionStatus = "True"
	// ConditionFalse means the condition does not hold.
	ConditionFalse ConditionStatus = "False"
	// ConditionUnknown means the operator cannot tell.
	ConditionUnknown ConditionStatus = "Unknown"
)

// OperatorCondition is a condition of an IngressController, with OKD's
// operator condition fields.
type OperatorCondition struct {
	// type of the condition, such as Available.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=316
	Type string `json:"type"`

	// status is True, False or Unknown.
	// +required
	Status ConditionStatus `json:"status"`

	// lastTransitionTime is when status last changed.
	// +optional
	LastTransitionTime metav1.Time `json:"lastTransitionTime,omitempty"`

	// reason is a CamelCase word for the status.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Reason string `json:"reason,omitempty"`

	// message explains the status to a human.
	// +optional
	// +kubebuilder:validation:MaxLength=32768
	Message string `json:"message,omitempty"`
}

// Condition types of an IngressController. Available, Progressing and
// Degraded aggregate the others.
const (
	// OperatorStatusTypeAvailable is True when the router serves traffic:
	// DeploymentAvailable, plus LoadBalancerReady and DNSReady where managed.
	OperatorStatusTypeAvailable = "Available"
	// OperatorStatusTypeProgressing is True while a rollout or a load
	// balancer change is under way.
	OperatorStatusTypeProgressing = "Progressing"
	// OperatorStatusTypeDegraded is True when a low-level condition has been
	// wrong for longer than its grace period.
	OperatorStatusTypeDegraded = "Degraded"

	// IngressControllerAvailableConditionType is OKD's other name for Available.
	IngressControllerAvailableConditionType = OperatorStatusTypeAvailable
	// IngressControllerAdmittedConditionType is True when the spec passed the
	// operator's checks (for example a unique domain).
	IngressControllerAdmittedConditionType = "Admitted"
	// IngressControllerDeploymentAvailableConditionType mirrors the router
	// Deployment's Available condition.
	IngressControllerDeploymentAvailableConditionType = "DeploymentAvailable"
	// IngressControllerDeploymentReplicasMinAvailableConditionType is True when
	// at least replicas - maxUnavailable router pods are available.
	IngressControllerDeploymentReplicasMinAvailableConditionType = "DeploymentReplicasMinAvailable"
	// IngressControllerDeploymentReplicasAllAvailableConditionType is True when
	// every router pod is available.
	IngressControllerDeploymentReplicasAllAvailableConditionType = "DeploymentReplicasAllAvailable"
	// IngressControllerDeploymentRollingOutConditionType is True while the
	// router Deployment rolls out.
	IngressControllerDeploymentRollingOutConditionType = "DeploymentRollingOut"
	// LoadBalancerManagedIngressConditionType is True when the strategy is
	// LoadBalancerService, so the operator manages a load balancer.
	LoadBalancerManagedIngressConditionType = "LoadBalancerManaged"
	// LoadBalancerReadyIngressConditionType is True when the load balancer
	// Service has an address.
	LoadBalancerReadyIngressConditionType = "LoadBalancerReady"
	// IngressControllerLoadBalancerProgressingConditionType is True when the
	// live load balancer differs from the spec and the message says how to
	// apply (or revert) the change.
	IngressControllerLoadBalancerProgressingConditionType = "LoadBalancerProgressing"
	// DNSManagedIngressConditionType is True when the operator manages the
	// wildcard DNS record.
	DNSManagedIngressConditionType = "DNSManaged"
	// DNSReadyIngressConditionType is True when the wildcard DNS record is
	// published.
	DNSReadyIngressConditionType = "DNSReady"
)
