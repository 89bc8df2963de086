// Package names holds every generated object name, label, annotation and
// environment variable name the project shares between its parts, so that a
// name is spelled in one place only.
package names

const (
	// OperatorNamespace is where IngressControllers live, as on OKD.
	OperatorNamespace = "openshift-ingress-operator"
	// RouterNamespace is where the routers and their Services run, as on OKD.
	RouterNamespace = "openshift-ingress"
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
)
