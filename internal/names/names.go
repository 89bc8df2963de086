// Package names holds every generated object name, label, annotation and
// environment variable name the project shares between its parts, so that a
// name is spelled in one place only.
package names

const (
	// OperatorNamespace is where IngressControllers live, as on OKD.
	OperatorNamespace = "openshift-ingress-operator"
	// RouterNamespace is where the routers and their Services run, as on OKD.
	RouterNamespace = "openshift-ingress"
	// ConfigNamespace is where admins keep what IngressControllers refer to
	// (the ConfigMap of httpErrorCodePages), as on OKD.
	ConfigNamespace = "openshift-config"
	// DefaultIngressController is the IngressController the manager creates when absent.
	DefaultIngressController = "default"
)

// Route annotations.
const (
	// HostGeneratedAnnotation marks a Route whose spec.host the API generated.
	HostGeneratedAnnotation = "openshift.io/host.generated"
	// AllowNonDNSCompliantHostAnnotation, set to "true" on a Route, relaxes the
	// per-label DNS-1123 rule on spec.host (labels may exceed 63 characters).
	AllowNonDNSCompliantHostAnnotation = "route.openshift.io/allow-non-dns-compliant-host"
)

// Webhook and its serving certificate.
const (
	// WebhookServiceName is the Service in front of the manager's webhook server.
	WebhookServiceName = "okd-ingress-webhook"
	// WebhookCertSecretName holds the webhook CA and serving certificate, shared
	// by every manager replica so that they agree on one CA bundle.
	WebhookCertSecretName = "okd-ingress-webhook-cert"
	// MutatingWebhookConfigurationName and ValidatingWebhookConfigurationName
	// are the configurations whose CA bundle the manager keeps current.
	MutatingWebhookConfigurationName   = "okd-ingress-mutating"
	ValidatingWebhookConfigurationName = "okd-ingress-validating"
	// RouteMutatePath and RouteValidatePath are the webhook server paths for Routes.
	RouteMutatePath   = "/mutate-route-openshift-io-v1-route"
	RouteValidatePath = "/validate-route-openshift-io-v1-route"
)

// The Route API server (aggregated API) and what the main API server needs
// to reach it.
const (
	// RouteAPIServerName names the Route API server's Deployment, Service,
	// ServiceAccount and ClusterRole, in the operator namespace.
	RouteAPIServerName = "okd-ingress-route-apiserver"
	// RouteAPIServerCertSecretName holds its CA and serving certificate.
	RouteAPIServerCertSecretName = "okd-ingress-route-apiserver-cert"
	// RouteAPIServiceName is the APIService of route.openshift.io/v1, as on OKD.
	RouteAPIServiceName = "v1.route.openshift.io"

	// RouteEtcdName names the Route API server's etcd StatefulSet and its
	// headless Service.
	RouteEtcdName = "okd-ingress-route-etcd"
	// RouteEtcdCASecretName holds the etcd CA and its key (the manager's alone),
	// RouteEtcdServingSecretName the members' serving and peer certificate,
	// RouteEtcdClientSecretName the Route API server's client certificate;
	// the last two carry ca.crt too.
	RouteEtcdCASecretName      = "okd-ingress-route-etcd-ca"
	RouteEtcdServingSecretName = "okd-ingress-route-etcd-serving"
	RouteEtcdClientSecretName  = "okd-ingress-route-etcd-client"
)

// RouteAPIServerHeader marks the Route API server's responses, so that a
// client can tell which server answered a Route request (the migration
// waits on it when it moves the APIService).
const RouteAPIServerHeader = "X-Okd-Ingress-Route-Api-Server"

// CreatedAnnotation carries a Route's original creation time and UID across
// a move between the Route CRD and the Route API server, so that routers
// keep giving each contested host to the same Route. Only a migration
// (`create routes/migrate` across the cluster) may set it.
const CreatedAnnotation = "route.okd-ingress.io/created"

// RouteAPIServerServiceDNS is the name the main API server verifies the
// Route API server's certificate against: <service>.<namespace>.svc.
func RouteAPIServerServiceDNS(namespace string) string {
	return RouteAPIServerName + "." + namespace + ".svc"
}

// RouterServiceAccountUser is the user name of the routers' ServiceAccount,
// which must be able to read a Route's external certificate Secret.
func RouterServiceAccountUser(routerNamespace string) string {
	return "system:serviceaccount:" + routerNamespace + ":router"
}

// Router annotations on Routes.
const (
	// PathTypeAnnotation, on a Route, gives the Kubernetes Ingress pathType
	// its path follows: Exact, Prefix or ImplementationSpecific (the
	// default, OKD's own path matching). The Ingress controller sets it on the
	// Routes it generates; users may set it on their own Routes too.
	PathTypeAnnotation = "router.okd-ingress.io/path-type"
	// DefaultBackendAnnotation, "true" on a Route, makes its backend the
	// router's answer to requests for hosts no route serves (the Ingress
	// controller sets it on the Route generated for an Ingress's
	// spec.defaultBackend). The oldest such Route wins. Only a user allowed
	// `create routes/default-backend` across the cluster may set it.
	DefaultBackendAnnotation = "router.okd-ingress.io/default-backend"
	// DefaultBackendNamespaceLabel, "allowed" on a Namespace, lets the
	// Ingresses there make their spec.defaultBackend the routers' default
	// backend. Elsewhere it is not used, as on OKD: the Ingress controller
	// makes the Route with its own rights, so without this an Ingress's
	// author in any namespace would catch every host no route serves (under
	// the routers' wildcard certificate). Namespaces are the tenant
	// boundary, and only cluster administrators label them.
	DefaultBackendNamespaceLabel = "router.okd-ingress.io/default-backend"
	// DefaultBackendAllowed is that label's value.
	DefaultBackendAllowed = "allowed"
)

// OKD's route annotations that tune a route's backend, honoured as OKD's
// router honours them (reference/router.md §4). A value that fails its
// grammar never reaches HAProxy; the route is still served, as on OKD, and
// its status says which annotation was ignored.
const (
	// TimeoutAnnotation is the server timeout, a time like 30s or 5m.
	TimeoutAnnotation = "haproxy.router.openshift.io/timeout"
	// TimeoutTunnelAnnotation is the tunnel timeout (WebSocket, passthrough).
	TimeoutTunnelAnnotation = "haproxy.router.openshift.io/timeout-tunnel"
	// BalanceAnnotation is roundrobin, leastconn, source or random.
	BalanceAnnotation = "haproxy.router.openshift.io/balance"
	// HSTSAnnotation is a Strict-Transport-Security value for edge and
	// reencrypt routes.
	HSTSAnnotation = "haproxy.router.openshift.io/hsts_header"
	// IPAllowlistAnnotation lists, space-separated, the client addresses
	// and CIDRs that may reach the route; IPWhitelistAnnotation is its old
	// name, read when the new one is absent.
	IPAllowlistAnnotation = "haproxy.router.openshift.io/ip_allowlist"
	IPWhitelistAnnotation = "haproxy.router.openshift.io/ip_whitelist"
	// PodConcurrentConnectionsAnnotation caps the connections each endpoint gets.
	PodConcurrentConnectionsAnnotation = "haproxy.router.openshift.io/pod-concurrent-connections"
	// RewriteTargetAnnotation replaces the route's path in the request
	// path the pod receives ("/" strips it).
	RewriteTargetAnnotation = "haproxy.router.openshift.io/rewrite-target"
	// DisableCookiesAnnotation, true, turns off the stickiness cookie the
	// router otherwise inserts on a route's HTTP responses.
	DisableCookiesAnnotation = "haproxy.router.openshift.io/disable_cookies"
	// H1AdjustCaseAnnotation, true, has the router write the request header
	// names the IngressController lists (headerNameCaseAdjustments) in
	// their case when it sends a request to the route's pods over HTTP/1.
	H1AdjustCaseAnnotation = "haproxy.router.openshift.io/h1-adjust-case"
	// CookieNameAnnotation names that cookie (a hash of the route otherwise).
	CookieNameAnnotation = "router.openshift.io/cookie_name"
	// CookieSameSiteAnnotation is its SameSite attribute: Lax, Strict or None.
	CookieSameSiteAnnotation = "router.openshift.io/cookie-same-site"
	// RateLimitAnnotation, true, turns on the per-client limits below; each
	// is a whole number: concurrent connections (requests, for HTTP),
	// connections per 3 s, and HTTP requests per 10 s, per client address.
	RateLimitAnnotation              = "haproxy.router.openshift.io/rate-limit-connections"
	RateLimitConcurrentTCPAnnotation = "haproxy.router.openshift.io/rate-limit-connections.concurrent-tcp"
	RateLimitRateTCPAnnotation       = "haproxy.router.openshift.io/rate-limit-connections.rate-tcp"
	RateLimitRateHTTPAnnotation      = "haproxy.router.openshift.io/rate-limit-connections.rate-http"
	// SetForwardedHeadersAnnotation overrides, for one route, the router's
	// forwarded-header policy: append, replace, if-none or never.
	SetForwardedHeadersAnnotation = "haproxy.router.openshift.io/set-forwarded-headers"
	// HealthCheckIntervalAnnotation is the route's health-check interval.
	HealthCheckIntervalAnnotation = "router.openshift.io/haproxy.health.check.interval"
)

// IngressController operands, named as OKD's ingress operator names them.
const (
	// DeploymentLabel selects an IngressController's router pods.
	DeploymentLabel = "ingresscontroller.operator.openshift.io/deployment-ingresscontroller"
	// OwningLabel marks every operand of an IngressController.
	OwningLabel = "ingresscontroller.operator.openshift.io/owning-ingresscontroller"
	// HashLabel on router pods is the hash of their template.
	HashLabel = "ingresscontroller.operator.openshift.io/hash"
	// CookieKeyVersionAnnotation on router pods names the cookie key they
	// were started with (a hash of it), so that a new key rolls them out.
	CookieKeyVersionAnnotation = "ingress.okd-ingress.io/cookie-key-version"
	// IngressControllerFinalizer lets the operator clean up before an
	// IngressController goes.
	IngressControllerFinalizer = "ingresscontroller.operator.openshift.io/finalizer-ingresscontroller"
	// ManagerServiceAccount runs the manager, in the operator namespace
	// (config/rbac).
	ManagerServiceAccount = "okd-ingress-manager"
	// RouterServiceAccount runs every router pod.
	RouterServiceAccount = "router"
	// RouterClusterRole is what routers may read and write cluster-wide;
	// installed with the manager (config/rbac/router_rbac.yaml).
	RouterClusterRole = "openshift-ingress-router"
	// RouterCASecret is the CA that signs generated default certificates.
	RouterCASecret = "router-ca"
	// RouterCAConfigMap publishes that CA's certificate, with its
	// successor's and its predecessor's while they overlap, in the router
	// namespace under RouterCABundleKey, for clients and metrics scrapers to
	// trust without reading the CAs' keys.
	RouterCAConfigMap = "router-ca"
	RouterCABundleKey = "ca-bundle.crt"
	// IngressClassController is the controller of IngressClasses whose
	// Ingresses become Routes.
	IngressClassController = "openshift.io/ingress-to-route"
	// EnableHTTP2Annotation, false (as strconv.ParseBool reads it) on an IngressController, turns off
	// HTTP/2 on its routers (OKD's annotation; HTTP/2 is on by default here).
	EnableHTTP2Annotation = "ingress.operator.openshift.io/default-enable-http2"
	// HardStopAfterAnnotation on an IngressController bounds how long old
	// HAProxy workers keep connections after a reload (OKD's annotation,
	// an HAProxy duration such as "30m"): ROUTER_HARD_STOP_AFTER.
	HardStopAfterAnnotation = "ingress.operator.openshift.io/hard-stop-after"
	// AutoDeleteLoadBalancerAnnotation on an IngressController lets the
	// operator delete and recreate its LoadBalancer Service when a scope
	// change needs a new load balancer (OKD's annotation; any value).
	AutoDeleteLoadBalancerAnnotation = "ingress.operator.openshift.io/auto-delete-load-balancer"
	// RotateCanaryRouteAnnotation, "true" on the default IngressController,
	// switches the canary Route between the canary's two ports after each
	// check, so that the checks also see the routers follow a change of a
	// Route (OKD's).
	RotateCanaryRouteAnnotation = "ingress.operator.openshift.io/rotate-canary-route"
)

// The default IngressController's canary, as OKD names it: a DaemonSet
// serving a healthcheck, its Service and an edge Route the operator probes
// through the routers.
const (
	CanaryNamespace = "openshift-ingress-canary"
	CanaryDaemonSet = "ingress-canary"
	CanaryService   = "ingress-canary"
	CanaryRoute     = "canary"
)

// CanaryHost is the canary Route's host under an apps domain.
func CanaryHost(domain string) string { return CanaryRoute + "-" + CanaryNamespace + "." + domain }

// RouterDeployment is the router Deployment of an IngressController.
func RouterDeployment(ic string) string { return "router-" + ic }

// InternalService is the ClusterIP Service every IngressController gets.
func InternalService(ic string) string { return "router-internal-" + ic }

// LoadBalancerService is the Service of the LoadBalancerService strategy.
func LoadBalancerService(ic string) string { return "router-" + ic }

// NodePortService is the Service of the NodePortService strategy.
func NodePortService(ic string) string { return "router-nodeport-" + ic }

// DefaultCertificateSecret is the generated default certificate.
func DefaultCertificateSecret(ic string) string { return "router-certs-" + ic }

// MetricsCertificateSecret is the certificate routers serve their metrics
// over HTTPS with (OKD's name), mounted at MetricsCertificateDir.
func MetricsCertificateSecret(ic string) string { return "router-metrics-certs-" + ic }

const MetricsCertificateDir = "/etc/pki/tls/metrics-certs"

// CookieKeySecret holds the key an IngressController's routers hash
// stickiness cookies with, under CookieKeySecretKey.
func CookieKeySecret(ic string) string { return "router-cookie-key-" + ic }

// CookieKeySecretKey is the data key of a CookieKeySecret.
const CookieKeySecretKey = "key"

// StatsSecret holds the user that may read an IngressController's
// routers' metrics (OKD's name and keys).
func StatsSecret(ic string) string { return "router-stats-" + ic }

const (
	StatsUsernameKey = "statsUsername"
	StatsPasswordKey = "statsPassword"
	// StatsVersionAnnotation, on the routers' pod template, names the
	// stats user's version: a new one rolls them out.
	StatsVersionAnnotation = "ingress.okd-ingress.io/stats-version"
)

// PodDisruptionBudget protects an IngressController's routers.
func PodDisruptionBudget(ic string) string { return "router-" + ic }

// IngressClass is the IngressClass of an IngressController.
func IngressClass(ic string) string { return "openshift-" + ic }

// CanonicalHostname is a router's own host name, a CNAME target.
func CanonicalHostname(ic, domain string) string { return "router-" + ic + "." + domain }

// RouterStatusLease is the Lease electing a router's route-status writer.
func RouterStatusLease(ic string) string { return "router-status-" + ic }

// WildcardDNSEndpoint names the DNSEndpoint (ExternalDNS) that publishes an
// IngressController's *.<domain> record, as OKD names its DNSRecord.
func WildcardDNSEndpoint(ic string) string { return ic + "-wildcard" }

// DNSZoneLabel says which zone a DNSEndpoint belongs in: "public" for an
// External load balancer, "private" for an Internal one. An ExternalDNS per
// zone selects its records with --label-filter=dns.okd-ingress.io/zone=<zone>.
const DNSZoneLabel = "dns.okd-ingress.io/zone"

// Ingress to Route conversion: OKD's annotations and names, kept exact so
// that Ingresses written for OKD behave the same here.
const (
	// IngressClassAnnotation is the legacy class of an Ingress; when
	// present (even empty) it wins over spec.ingressClassName.
	IngressClassAnnotation = "kubernetes.io/ingress.class"
	// TerminationAnnotation, on an Ingress, is edge, passthrough or
	// reencrypt: the TLS termination of its Routes.
	TerminationAnnotation = "route.openshift.io/termination"
	// DestinationCACertificateSecretAnnotation, on an Ingress, names a
	// Secret whose tls.crt becomes the destinationCACertificate of its
	// reencrypt Routes.
	DestinationCACertificateSecretAnnotation = "route.openshift.io/destination-ca-certificate-secret"
	// ReconcileLabelsAnnotation, true on an Ingress, keeps its Routes'
	// labels equal to its own after creation too.
	ReconcileLabelsAnnotation = "route.openshift.io/reconcile-labels"
	// IngressToRouteComponent reports the Ingress controller's events.
	IngressToRouteComponent = "ingress-to-route-controller"
)

// Custom error pages (the IngressController's httpErrorCodePages): the
// operator copies the admin's ConfigMap into the router namespace, and the
// routers mount the copy.
const (
	ErrorPage503Key             = "error-page-503.http"
	ErrorPage404Key             = "error-page-404.http"
	ErrorPagesVolume            = "error-pages"
	ErrorPagesDir               = "/var/lib/haproxy/conf/error_code_pages"
	ErrorPagesVersionAnnotation = "ingress.okd-ingress.io/error-pages-version"
)

// ErrorPagesConfigMap is the router namespace's copy of an
// IngressController's error pages.
func ErrorPagesConfigMap(ic string) string { return ic + "-errorpages" }

// Client certificates (the IngressController's clientTLS): the operator
// copies the admin's CA bundle into the router namespace, and the routers
// mount the copy, as on OKD.
const (
	ClientCAKey               = "ca-bundle.pem"
	ClientCAVolume            = "client-ca"
	ClientCADir               = "/etc/pki/tls/client-ca"
	ClientCAVersionAnnotation = "ingress.okd-ingress.io/client-ca-version"
)

// The service CA bundle, as on OKD: one ConfigMap in the router namespace
// that OKD's service CA operator fills (the operator asks with the inject
// annotation) and an admin or another tool may fill instead. While it
// holds a bundle, routers verify reencrypt backends without a
// destinationCACertificate against it (DEFAULT_DESTINATION_CA_PATH).
const (
	ServiceCAConfigMap         = "service-ca-bundle"
	ServiceCAKey               = "service-ca.crt"
	ServiceCAVolume            = "service-ca-bundle"
	ServiceCADir               = "/var/run/configmaps/service-ca"
	ServiceCAVersionAnnotation = "ingress.okd-ingress.io/service-ca-version"
	InjectCABundleAnnotation   = "service.beta.openshift.io/inject-cabundle"
)

// CopiedFromAnnotation, on a copy the operator keeps of an admin's
// ConfigMap, names the original (namespace/name).
const CopiedFromAnnotation = "ingress.okd-ingress.io/copied-from"

// ClientCAConfigMap is the router namespace's copy of an
// IngressController's client CA bundle (OKD's name).
func ClientCAConfigMap(ic string) string { return "router-client-ca-" + ic }
