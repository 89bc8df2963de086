package v1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Route exposes a Service at a host name, optionally with a path, for clients
// outside the cluster to reach through a router.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=routes,scope=Namespaced,categories=all
// +kubebuilder:printcolumn:name="Host/Port",type=string,JSONPath=`.spec.host`
// +kubebuilder:printcolumn:name="Path",type=string,JSONPath=`.spec.path`
// +kubebuilder:printcolumn:name="Services",type=string,JSONPath=`.spec.to.name`
// +kubebuilder:printcolumn:name="Port",type=string,JSONPath=`.spec.port.targetPort`
// +kubebuilder:printcolumn:name="Termination",type=string,JSONPath=`.spec.tls.termination`
// +kubebuilder:printcolumn:name="Wildcard",type=string,JSONPath=`.spec.wildcardPolicy`
// +kubebuilder:printcolumn:name="Admitted",type=string,JSONPath=`.status.ingress[0].conditions[?(@.type=="Admitted")].status`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`,priority=1
// +kubebuilder:selectablefield:JSONPath=`.spec.host`
// +kubebuilder:selectablefield:JSONPath=`.spec.path`
// +kubebuilder:selectablefield:JSONPath=`.spec.to.name`
type Route struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the route.
	// +required
	Spec RouteSpec `json:"spec"`

	// status is the state of the route as routers see it.
	// +optional
	Status RouteStatus `json:"status,omitempty"`
}

// RouteList is a list of Routes.
//
// +kubebuilder:object:root=true
type RouteList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []Route `json:"items"`
}

// RouteSpec's rules below mirror the structural rules of OKD's own Route
// CRD; the complete rule set lives in Go (internal/routeapi) and runs in the
// Route API server (or, with the CRD, its webhook). (Not in its doc comment,
// which kubectl explain shows.)

// RouteSpec describes the host, path and backends of a route.
//
// +kubebuilder:validation:XValidation:rule="!has(self.tls) || self.tls.termination != 'passthrough' || !has(self.httpHeaders)",message="header actions are not permitted when tls termination is passthrough."
// +kubebuilder:validation:XValidation:rule="!has(self.path) || size(self.path) == 0 || !has(self.tls) || self.tls.termination != 'passthrough'",message="passthrough termination does not support paths"
// +kubebuilder:validation:XValidation:rule="(has(self.host) && size(self.host) != 0) || !has(self.wildcardPolicy) || self.wildcardPolicy != 'Subdomain'",message="host name not specified for wildcard policy"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.wildcardPolicy) || size(oldSelf.wildcardPolicy) == 0 || (has(self.wildcardPolicy) && self.wildcardPolicy == oldSelf.wildcardPolicy) || (oldSelf.wildcardPolicy == 'None' && (!has(self.wildcardPolicy) || size(self.wildcardPolicy) == 0))",message="wildcardPolicy is immutable"
type RouteSpec struct {
	// host is an alias or DNS name that points to the router. When host and
	// subdomain are both empty, a host is generated as
	// <name>-<namespace>.<default domain> (dots in the name become dashes). Each label must be lowercase and at
	// most 63 characters; the annotation
	// route.openshift.io/allow-non-dns-compliant-host: "true" lifts the length
	// limit (checked by the API server or webhook, so the pattern here does not bound labels).
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*$`
	Host string `json:"host,omitempty"`

	// subdomain is a DNS subdomain that each router admitting the route joins
	// with its own domain to form the host (<subdomain>.<router domain>).
	// Ignored when host is set.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\.([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?))*$`
	Subdomain string `json:"subdomain,omitempty"`

	// path restricts the route to requests whose path starts with it.
	// Not allowed with passthrough termination.
	// Letters, digits, -._~!$&'()*+,;=:@/ and %XX escapes only.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$`
	Path string `json:"path,omitempty"`

	// to is the backend the route points to, usually a Service.
	// +required
	To RouteTargetReference `json:"to"`

	// alternateBackends are up to three more backends; traffic is split across
	// to and these in proportion to their weights.
	// +optional
	// +kubebuilder:validation:MaxItems=3
	// +listType=atomic
	AlternateBackends []RouteTargetReference `json:"alternateBackends,omitempty"`

	// port selects the target port of the backend endpoints. When absent, every
	// endpoint port is used.
	// +optional
	Port *RoutePort `json:"port,omitempty"`

	// tls configures TLS for the route; absent means plain HTTP.
	// +optional
	TLS *TLSConfig `json:"tls,omitempty"`

	// wildcardPolicy is None (default) or Subdomain: with Subdomain the route
	// serves every host of the host's parent domain. Immutable.
	// +optional
	// +kubebuilder:validation:Enum=None;Subdomain;""
	// +kubebuilder:default=None
	WildcardPolicy WildcardPolicyType `json:"wildcardPolicy,omitempty"`

	// httpHeaders sets or deletes request and response headers.
	// +optional
	HTTPHeaders *RouteHTTPHeaders `json:"httpHeaders,omitempty"`
}

// RouteTargetReference names a backend of a route and its relative weight.
type RouteTargetReference struct {
	// kind of the backend; only Service is supported.
	// +kubebuilder:validation:Enum=Service;""
	// +kubebuilder:default=Service
	// +default="Service"
	// +optional
	Kind string `json:"kind,omitempty"`

	// name of the Service.
	// +kubebuilder:validation:MinLength=1
	// +required
	Name string `json:"name"`

	// weight is the share of traffic relative to the other backends, 0 to 256.
	// 0 means no traffic. Defaults to 100.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=256
	// +kubebuilder:default=100
	// +optional
	Weight *int32 `json:"weight"`
}

// RoutePort selects a port of the backend endpoints.
type RoutePort struct {
	// targetPort is the endpoint port's name, or its number.
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:XValidation:rule="type(self) == int ? self != 0 : self != ''",message="targetPort must not be 0 or empty"
	// +required
	TargetPort intstr.IntOrString `json:"targetPort"`
}

// TLSTerminationType is where TLS is terminated: edge, passthrough or reencrypt.
type TLSTerminationType string

// InsecureEdgeTerminationPolicyType is what to do with plain HTTP requests to a TLS route.
type InsecureEdgeTerminationPolicyType string

const (
	// TLSTerminationEdge terminates TLS at the router and sends plain HTTP to the backend.
	TLSTerminationEdge TLSTerminationType = "edge"
	// TLSTerminationPassthrough sends the TLS stream, chosen by SNI, to the backend untouched.
	TLSTerminationPassthrough TLSTerminationType = "passthrough"
	// TLSTerminationReencrypt terminates TLS at the router and opens a new TLS connection to the backend.
	TLSTerminationReencrypt TLSTerminationType = "reencrypt"

	// InsecureEdgeTerminationPolicyNone refuses plain HTTP.
	InsecureEdgeTerminationPolicyNone InsecureEdgeTerminationPolicyType = "None"
	// InsecureEdgeTerminationPolicyAllow serves plain HTTP too.
	InsecureEdgeTerminationPolicyAllow InsecureEdgeTerminationPolicyType = "Allow"
	// InsecureEdgeTerminationPolicyRedirect redirects plain HTTP to HTTPS.
	InsecureEdgeTerminationPolicyRedirect InsecureEdgeTerminationPolicyType = "Redirect"
)

// TLSConfig is the TLS configuration of a route.
//
// +kubebuilder:validation:XValidation:rule="!has(self.insecureEdgeTerminationPolicy) || self.termination != 'passthrough' || self.insecureEdgeTerminationPolicy != 'Allow'",message="cannot have both spec.tls.termination: passthrough and spec.tls.insecureEdgeTerminationPolicy: Allow"
// +kubebuilder:validation:XValidation:rule="!(has(self.certificate) && size(self.certificate) != 0 && has(self.externalCertificate))",message="cannot have both spec.tls.certificate and spec.tls.externalCertificate"
// +kubebuilder:validation:XValidation:rule="self.termination != 'passthrough' || ((!has(self.certificate) || size(self.certificate) == 0) && (!has(self.key) || size(self.key) == 0) && (!has(self.caCertificate) || size(self.caCertificate) == 0) && (!has(self.destinationCACertificate) || size(self.destinationCACertificate) == 0) && !has(self.externalCertificate))",message="passthrough termination does not support certificates"
// +kubebuilder:validation:XValidation:rule="self.termination != 'edge' || !has(self.destinationCACertificate) || size(self.destinationCACertificate) == 0",message="destinationCACertificate is not allowed with edge termination"
type TLSConfig struct {
	// termination is edge, passthrough or reencrypt. When empty it defaults to
	// edge, or to reencrypt when destinationCACertificate is set; Edge,
	// Passthrough and Reencrypt are accepted and lowercased.
	// +optional
	Termination TLSTerminationType `json:"termination"`

	// certificate is the PEM server certificate (and chain) for the route's host.
	// +optional
	Certificate string `json:"certificate,omitempty"`

	// key is the PEM private key of certificate.
	// +optional
	Key string `json:"key,omitempty"`

	// caCertificate is the PEM CA chain that completes certificate.
	// +optional
	CACertificate string `json:"caCertificate,omitempty"`

	// destinationCACertificate is the PEM CA that the router uses to verify the
	// backend's certificate with reencrypt termination.
	// +optional
	DestinationCACertificate string `json:"destinationCACertificate,omitempty"`

	// insecureEdgeTerminationPolicy is None, Allow or Redirect: what the router
	// does with plain HTTP requests. Passthrough allows None and Redirect.
	// +optional
	// +kubebuilder:validation:Enum=Allow;None;Redirect;""
	InsecureEdgeTerminationPolicy InsecureEdgeTerminationPolicyType `json:"insecureEdgeTerminationPolicy,omitempty"`

	// externalCertificate names a kubernetes.io/tls Secret in the route's
	// namespace that provides the certificate and key.
	// +optional
	ExternalCertificate *LocalObjectReference `json:"externalCertificate,omitempty"`
}

// LocalObjectReference names an object in the same namespace.
// +structType=atomic
type LocalObjectReference struct {
	// name of the object.
	// +optional
	Name string `json:"name,omitempty"`
}

// WildcardPolicyType is None or Subdomain.
type WildcardPolicyType string

const (
	// WildcardPolicyNone serves exactly the route's host.
	WildcardPolicyNone WildcardPolicyType = "None"
	// WildcardPolicySubdomain serves every host in the parent domain of the route's host.
	WildcardPolicySubdomain WildcardPolicyType = "Subdomain"
)

// RouteHTTPHeaders holds the header actions of a route.
type RouteHTTPHeaders struct {
	// actions are the header changes, for requests and responses.
	// +optional
	Actions RouteHTTPHeaderActions `json:"actions"`
}

// RouteHTTPHeaderActions lists header changes for requests and responses.
type RouteHTTPHeaderActions struct {
	// response lists changes to response headers, applied in order.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=20
	Response []RouteHTTPHeader `json:"response,omitempty"`

	// request lists changes to request headers, applied in order.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=20
	Request []RouteHTTPHeader `json:"request,omitempty"`
}

// RouteHTTPHeader is one header change.
type RouteHTTPHeader struct {
	// name of the header: an HTTP token of 1 to 255 characters. Proxy, Cookie,
	// Set-Cookie and Strict-Transport-Security may not be changed.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern="^[-!#$%&'*+.0-9A-Z^_`a-z|~]+$"
	// +kubebuilder:validation:XValidation:rule="self.lowerAscii() != 'strict-transport-security'",message="strict-transport-security header may not be modified via header actions"
	// +kubebuilder:validation:XValidation:rule="self.lowerAscii() != 'proxy'",message="proxy header may not be modified via header actions"
	// +kubebuilder:validation:XValidation:rule="self.lowerAscii() != 'cookie'",message="cookie header may not be modified via header actions"
	// +kubebuilder:validation:XValidation:rule="self.lowerAscii() != 'set-cookie'",message="set-cookie header may not be modified via header actions"
	Name string `json:"name"`

	// action is Set or Delete.
	// +required
	Action RouteHTTPHeaderActionUnion `json:"action"`
}

// RouteHTTPHeaderActionType is Set or Delete.
type RouteHTTPHeaderActionType string

const (
	// Set sets a header to a value.
	Set RouteHTTPHeaderActionType = "Set"
	// Delete removes a header.
	Delete RouteHTTPHeaderActionType = "Delete"
)

// RouteHTTPHeaderActionUnion is a Set or a Delete.
//
// +union
// +kubebuilder:validation:XValidation:rule="has(self.type) && self.type == 'Set' ? has(self.set) : !has(self.set)",message="set is required when type is Set, and forbidden otherwise"
type RouteHTTPHeaderActionUnion struct {
	// type is Set or Delete.
	// +unionDiscriminator
	// +kubebuilder:validation:Enum=Set;Delete
	// +required
	Type RouteHTTPHeaderActionType `json:"type"`

	// set gives the value for type Set.
	// +optional
	Set *RouteSetHTTPHeader `json:"set,omitempty"`
}

// RouteSetHTTPHeader is the value of a Set action.
type RouteSetHTTPHeader struct {
	// value is literal text, or HAProxy sample expressions of the allowed subset
	// (%[req.hdr(name)], %[res.hdr(name)], %[ssl_c_der] with the lower and
	// base64 converters), 1 to 16384 characters.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=16384
	Value string `json:"value"`
}

// RouteStatus is what the routers report about a route.
type RouteStatus struct {
	// ingress has one entry per router that has seen the route.
	// +optional
	// +listType=atomic
	Ingress []RouteIngress `json:"ingress,omitempty"`
}

// RouteIngress is one router's view of a route.
type RouteIngress struct {
	// host is the host the router serves the route at.
	// +optional
	Host string `json:"host,omitempty"`
	// routerName is the name of the router (its IngressController).
	// +optional
	RouterName string `json:"routerName,omitempty"`
	// conditions hold the router's verdict, notably Admitted.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []RouteIngressCondition `json:"conditions,omitempty"`
	// wildcardPolicy is the policy the router admitted the route with.
	// +optional
	WildcardPolicy WildcardPolicyType `json:"wildcardPolicy,omitempty"`
	// routerCanonicalHostname is the router's own host name, a CNAME target for route hosts.
	// +optional
	RouterCanonicalHostname string `json:"routerCanonicalHostname,omitempty"`
}

// RouteIngressConditionType is the type of a router condition.
type RouteIngressConditionType string

const (
	// RouteAdmitted says whether the router admitted the route.
	RouteAdmitted RouteIngressConditionType = "Admitted"
	// RouteUnservableInFutureVersions warns that a later router will not serve the route.
	RouteUnservableInFutureVersions RouteIngressConditionType = "UnservableInFutureVersions"
)

// RouteIngressCondition is a condition a router reports on a route.
type RouteIngressCondition struct {
	// type of the condition, e.g. Admitted.
	// +required
	Type RouteIngressConditionType `json:"type"`
	// status is True, False or Unknown.
	// +required
	Status corev1.ConditionStatus `json:"status"`
	// reason is a CamelCase word, e.g. HostAlreadyClaimed.
	// +optional
	Reason string `json:"reason,omitempty"`
	// message explains the reason to a human.
	// +optional
	Message string `json:"message,omitempty"`
	// lastTransitionTime is when status last changed.
	// +optional
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`
}
