// Package ingresscontroller reconciles IngressControllers into running
// routers: a Deployment router-<name> with OKD's ROUTER_* environment, the
// Services its endpointPublishingStrategy asks for, a default certificate,
// RBAC, a PodDisruptionBudget and an IngressClass, and it reports all of it
// in status. The builders (admit, env, deployment, services, conditions)
// are pure functions; the reconciler only reads, compares and writes.
package ingresscontroller

import (
	"strings"
	"time"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// Platform is the infrastructure the cluster runs on: it picks the default
// publishing strategy and the annotations of internal load balancers.
type Platform string

// Platforms with internal load-balancer annotations.
const (
	PlatformNone      Platform = "None"
	PlatformBareMetal Platform = "BareMetal"
	PlatformAWS       Platform = "AWS"
	PlatformAzure     Platform = "Azure"
	PlatformGCP       Platform = "GCP"
	PlatformIBMCloud  Platform = "IBMCloud"
	PlatformOpenStack Platform = "OpenStack"
	PlatformKind      Platform = "Kind"
)

// Options configure the operator; cmd/manager fills them from flags.
type Options struct {
	OperatorNamespace string
	RouterNamespace   string
	// Domain is the cluster's apps domain, the domain of an
	// IngressController that names none.
	Domain string
	// Platform decides the default publishing strategy.
	Platform Platform
	// RouterImage runs the router container.
	RouterImage string
	// MinReadySeconds is how long a router pod must be ready before it
	// counts as available (OKD: 30 s, for cloud load balancers' checks).
	MinReadySeconds int32
	// GracefulShutdownDelay keeps a stopping router serving while load
	// balancers take it out (ROUTER_GRACEFUL_SHUTDOWN_DELAY).
	GracefulShutdownDelay time.Duration
	// CertificateValidity and CertificateRenewBefore govern generated
	// default certificates.
	CertificateValidity, CertificateRenewBefore time.Duration
	// DNS configures the wildcard records of load-balanced
	// IngressControllers.
	DNS DNSOptions
	// CanaryChecks keeps the default IngressController's canary (OKD's
	// DaemonSet, Service and Route in openshift-ingress-canary) and checks
	// it through the routers every CanaryInterval (a minute when 0),
	// reporting CanaryChecksSucceeding.
	CanaryChecks   bool
	CanaryInterval time.Duration
	// Proxy is the egress proxy the routers use for what they fetch
	// (client revocation lists; the API server too, unless NoProxy
	// names it): OKD's operator passes the cluster proxy's, ours its own.
	Proxy Proxy
}

// Proxy is a set of proxy variables; empty ones are not passed on.
type Proxy struct{ HTTP, HTTPS, NoProxy string }

// ProxyFromEnv reads the proxy variables as Go's HTTP client does: the
// upper-case name first, else the lower-case one.
func ProxyFromEnv(getenv func(string) string) Proxy {
	get := func(name string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return getenv(strings.ToLower(name))
	}
	return Proxy{HTTP: get(names.EnvHTTPProxy), HTTPS: get(names.EnvHTTPSProxy), NoProxy: get(names.EnvNoProxy)}
}

// WithDefaults fills unset options.
func (o Options) WithDefaults() Options {
	if o.Platform == "" {
		o.Platform = PlatformNone
	}

	if o.RouterImage == "" {
		o.RouterImage = "okd-ingress:latest"
	}
	if o.CertificateValidity == 0 {
		o.CertificateValidity = 2 * 365 * 24 * time.Hour
	}
	// A router CA signs while it outlives a new certificate, and its
	// successor is published a year before: longer certificates would leave
	// a CA no time to sign in (rotateCA).
	o.CertificateValidity = min(o.CertificateValidity, caValidity-2*caOverlap)
	switch {
	case o.CanaryInterval <= 0:
		o.CanaryInterval = time.Minute
	case o.CanaryInterval < time.Second: // not a busy loop of API reads and probes
		o.CanaryInterval = time.Second
	}
	if o.CertificateRenewBefore == 0 {
		o.CertificateRenewBefore = 30 * 24 * time.Hour
	}
	return o
}

// DefaultStrategyType is the strategy an IngressController gets when it
// names none, as on OKD: a cloud load balancer on AWS, Azure, GCP and IBM
// Cloud, the host network elsewhere (bare metal; OpenStack too, where OKD
// serves ingress from a virtual IP on the nodes, not a cloud load balancer).
func (o Options) DefaultStrategyType() operatorv1.EndpointPublishingStrategyType {
	switch o.Platform {
	case PlatformAWS, PlatformAzure, PlatformGCP, PlatformIBMCloud:
		return operatorv1.LoadBalancerServiceStrategyType
	}
	return operatorv1.HostNetworkStrategyType
}
