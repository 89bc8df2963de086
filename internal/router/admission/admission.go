// Package admission decides, as a pure function of the routes a router
// sees, which routes it serves and what it reports about each: host claims
// (the oldest route wins), namespace ownership, wildcard policy, and
// validation of everything that will reach HAProxy. It does no I/O.
package admission

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
)

// The reasons a router gives in a Route's Admitted=False condition, as OKD's.
const (
	ReasonHostAlreadyClaimed       = "HostAlreadyClaimed"
	ReasonRouteNotAdmitted         = "RouteNotAdmitted"
	ReasonExtendedValidationFailed = "ExtendedValidationFailed"
	ReasonNoHostValue              = "NoHostValue"
	ReasonInvalidHost              = "InvalidHost"
	// A route's spec.tls.externalCertificate: the router could not read
	// the Secret, or its certificate is not one it can serve.
	ReasonExternalCertificateGetFailed        = "ExternalCertificateGetFailed"
	ReasonExternalCertificateValidationFailed = "ExternalCertificateValidationFailed"
)

// Policy is the router's admission configuration.
type Policy struct {
	// Domain completes routes that set spec.subdomain.
	Domain string
	// InterNamespaceAllowed lets namespaces share a host on different paths.
	InterNamespaceAllowed bool
	// AllowWildcards admits wildcardPolicy: Subdomain.
	AllowWildcards bool
	// VerifyChains checks route certificates against their caCertificate.
	VerifyChains bool
	// AllowedDomains, when not empty, are the only domains whose hosts
	// the router serves; it serves no host of DeniedDomains. Lower case,
	// as the router's config reads them.
	AllowedDomains, DeniedDomains []string
	// Secret gives the Secret a route names as its externalCertificate, or
	// why the router could not read it; nil reads none.
	Secret func(types.NamespacedName) (*corev1.Secret, error)
}

// Verdict is the router's view of one route, written into its status.
type Verdict struct {
	Admitted       bool
	Reason         string
	Message        string
	Host           string
	WildcardPolicy routev1.WildcardPolicyType
	// InvalidAnnotations says, for an admitted route, which of its
	// annotations were not honoured and why; empty when all were.
	InvalidAnnotations string
	// UID, Generation and Annotations are those of the Route judged, so
	// that a verdict is never written on another object of the same name,
	// nor on a later spec or annotations (which can change it without a new
	// generation: path-type, created, OKD's). Annotations is the route's
	// own map, shared: read only.
	UID         types.UID
	Generation  int64
	Annotations map[string]string
}

// Route is an admitted route with what admission worked out about it.
type Route struct {
	*routev1.Route
	// Host is the host the route is served at (spec.host, or the subdomain
	// joined with the router's domain).
	Host string
	// Wildcard is true when the route serves every host of Host's parent domain.
	Wildcard bool
	// Path is the path with its match semantics.
	Path Path
	// TLS holds the parsed and re-encoded certificates of edge and reencrypt routes.
	TLS *TLS
	// Tuning is what the route's annotations ask of its backend.
	Tuning Tuning
	// SecretVersion is the resourceVersion of the Secret the route takes
	// its certificate from (spec.tls.externalCertificate), if any.
	SecretVersion string
}

// Result is the outcome of admitting a set of routes.
type Result struct {
	// Routes are the admitted routes, oldest first.
	Routes []Route
	// Verdicts has an entry for every route given, admitted or not.
	Verdicts map[types.NamespacedName]Verdict
	// Held are routes that keep their host but are not served (a broken
	// certificate, or HAProxy refused them): no other route may take the
	// host, and neither may the default backend.
	Held []Route
}

// Admit admits routes. Routes are processed oldest first (creation time,
// then UID, as OKD), so an older route keeps its host whatever the order of
// events; a route that lost its host is admitted again as soon as the
// winner is gone, because the whole set is re-evaluated every time.
func Admit(routes []*routev1.Route, p Policy) Result {
	sorted := append([]*routev1.Route(nil), routes...)
	sort.SliceStable(sorted, func(i, j int) bool { return routeapi.Older(sorted[i], sorted[j]) })
	res := Result{Verdicts: make(map[types.NamespacedName]Verdict, len(routes))}
	claims := newClaims(p.InterNamespaceAllowed)
	for _, r := range sorted {
		key := types.NamespacedName{Namespace: r.Namespace, Name: r.Name}
		a, v, claimed := admitOne(r, p, claims)
		v.UID, v.Generation, v.Annotations = r.UID, r.Generation, r.Annotations
		res.Verdicts[key] = v
		switch {
		case v.Admitted:
			res.Routes = append(res.Routes, a)
		case claimed:
			res.Held = append(res.Held, a)
		}
	}
	return res
}

// admitOne admits r or says why not, and whether r holds its host anyway.
func admitOne(r *routev1.Route, p Policy, c *claims) (_ Route, _ Verdict, claimed bool) {
	host := effectiveHost(r, p.Domain)
	wildcard := r.Spec.WildcardPolicy == routev1.WildcardPolicySubdomain
	v := Verdict{Host: host, WildcardPolicy: routev1.WildcardPolicyNone}
	if wildcard {
		v.WildcardPolicy = routev1.WildcardPolicySubdomain
	}
	a := Route{Route: r, Host: host, Wildcard: wildcard}
	reject := func(reason, msg string) (Route, Verdict, bool) {
		v.Reason, v.Message = reason, msg
		return a, v, claimed
	}
	if host == "" {
		return reject(ReasonNoHostValue, "no host value was defined for the route")
	}
	defaulted, specReason, specMsg, inClaim := specProblem(r, host)
	if inClaim {
		return reject(specReason, specMsg)
	}
	r, a.Route = defaulted, defaulted
	// OKD checks the domains before the wildcard policy, with one reason.
	if msg := domainProblem(host, wildcard, p.AllowedDomains, p.DeniedDomains); msg != "" {
		return reject(ReasonRouteNotAdmitted, msg)
	}
	if wildcard && !p.AllowWildcards {
		return reject(ReasonRouteNotAdmitted, "wildcard routes are not allowed")
	}
	if wildcard && strings.Count(host, ".") < 2 {
		return reject(ReasonRouteNotAdmitted, "a wildcard route needs a host with at least three labels, such as www.example.com, to serve *.example.com")
	}
	var err error
	if a.Path, err = parsePath(r); err != nil {
		return reject(ReasonRouteNotAdmitted, err.Error())
	}
	// The claim comes before the rest of the validation, as in OKD (whose
	// host plugins run before its validator): a route whose certificate,
	// path type or Service name an edit broke keeps its host, so that an
	// owner's bad edit never hands the host to a route another namespace
	// keeps waiting.
	if msg := c.claim(r, host, wildcard, a.Path); msg != "" {
		return reject(ReasonHostAlreadyClaimed, msg)
	}
	claimed = true
	if specMsg != "" {
		return reject(specReason, specMsg)
	}
	if msg := pathTypeProblem(r); msg != "" {
		return reject(ReasonRouteNotAdmitted, msg)
	}
	if ref, ok := routeapi.ServedExternalCertificate(r); ok {
		var reason string
		a.TLS, a.SecretVersion, reason, err = parseExternalTLS(r, ref, p)
		if err != nil {
			return reject(reason, err.Error())
		}
	} else if a.TLS, err = parseTLS(r.Spec.TLS, p.VerifyChains); err != nil {
		return reject(ReasonExtendedValidationFailed, err.Error())
	}
	var problems []string
	a.Tuning, problems = parseTuning(r, a.TLS)
	v.Admitted, v.InvalidAnnotations = true, strings.Join(problems, "; ")
	return a, v, claimed
}

// effectiveHost is spec.host, or spec.subdomain joined with the router's
// domain, lowercased as DNS compares names.
func effectiveHost(r *routev1.Route, domain string) string {
	if r.Spec.Host != "" {
		return strings.ToLower(r.Spec.Host)
	}
	if r.Spec.Subdomain != "" && domain != "" {
		return strings.ToLower(r.Spec.Subdomain + "." + domain)
	}
	return ""
}

// Condition turns a verdict into the Admitted condition OKD writes.
func (v Verdict) Condition() routev1.RouteIngressCondition {
	c := routev1.RouteIngressCondition{Type: routev1.RouteAdmitted, Status: corev1.ConditionTrue}
	if !v.Admitted {
		c.Status, c.Reason, c.Message = corev1.ConditionFalse, v.Reason, v.Message
	}
	return c
}

// Conditions are the conditions of the route's status entry: Admitted,
// then InvalidAnnotations when some annotation was not honoured.
func (v Verdict) Conditions() []routev1.RouteIngressCondition {
	out := []routev1.RouteIngressCondition{v.Condition()}
	if v.Admitted && v.InvalidAnnotations != "" {
		out = append(out, routev1.RouteIngressCondition{Type: InvalidAnnotations, Status: corev1.ConditionTrue,
			Reason: ReasonInvalidAnnotationValue, Message: v.InvalidAnnotations})
	}
	return out
}
