package routeapi

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

const (
	maxAlternateBackends = 3
	maxWeight            = 256
)

// Validate checks a defaulted Route on creation and returns every problem
// found, each with the field it concerns.
func Validate(r *routev1.Route) field.ErrorList {
	errs := apivalidation.ValidateObjectMeta(&r.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, validateSpec(r, field.NewPath("spec"), true)...)
}

// ValidateUpdate checks a defaulted Route against the stored one.
func ValidateUpdate(r, old *routev1.Route) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaUpdate(&r.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	// OKD checks each host label only when the host changes and the old host
	// passed that check, so stored routes never become un-updatable.
	checkLabels := r.Spec.Host != old.Spec.Host && len(hostLabelErrors(old.Spec.Host, field.NewPath("spec", "host"))) == 0
	errs = append(errs, validateSpec(r, field.NewPath("spec"), checkLabels)...)
	if r.Spec.WildcardPolicy != old.Spec.WildcardPolicy {
		errs = append(errs, field.Invalid(field.NewPath("spec", "wildcardPolicy"), r.Spec.WildcardPolicy,
			"wildcardPolicy is immutable: delete and recreate the route to change it"))
	}
	return errs
}

// ValidateStatusUpdate checks an update of the status subresource. An
// entry without routerName is taken, as OKD takes it (a router keys its
// own entry by its name and leaves others alone).
//
// Conditions need a type, unique within their entry: OKD's API server
// checks neither, but its CRD (a list-map keyed by type) refuses both, and
// a status that one of our two modes takes must move to the other. An
// entry stored with duplicates before this check stays writable as it is.
func ValidateStatusUpdate(r, old *routev1.Route) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaUpdate(&r.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	for i, in := range r.Status.Ingress {
		p := field.NewPath("status", "ingress").Index(i).Child("conditions")
		seen := map[routev1.RouteIngressConditionType]bool{}
		for j, c := range in.Conditions {
			switch {
			case c.Type == "":
				errs = append(errs, field.Required(p.Index(j).Child("type"), ""))
			case seen[c.Type] && !storedAsIs(in, old):
				errs = append(errs, field.Duplicate(p.Index(j).Child("type"), c.Type))
			}
			seen[c.Type] = true
		}
	}
	return errs
}

// storedAsIs reports whether old's status holds the entry in unchanged.
func storedAsIs(in routev1.RouteIngress, old *routev1.Route) bool {
	for _, o := range old.Status.Ingress {
		if equality.Semantic.DeepEqual(in, o) {
			return true
		}
	}
	return false
}

func validateSpec(r *routev1.Route, fld *field.Path, checkHostLabels bool) field.ErrorList {
	s := &r.Spec
	var errs field.ErrorList
	errs = append(errs, validateHost(r, fld.Child("host"), checkHostLabels)...)
	errs = append(errs, validateSubdomain(s.Subdomain, fld.Child("subdomain"))...)
	errs = append(errs, validateWildcardPolicy(s, fld.Child("wildcardPolicy"))...)
	errs = append(errs, validatePath(s, fld.Child("path"))...)
	errs = append(errs, validateTarget(s.To, fld.Child("to"))...)
	if len(s.AlternateBackends) > maxAlternateBackends {
		errs = append(errs, field.TooMany(fld.Child("alternateBackends"), len(s.AlternateBackends), maxAlternateBackends))
	}
	seen := map[[2]string]bool{}
	for i, b := range s.AlternateBackends {
		errs = append(errs, validateTarget(b, fld.Child("alternateBackends").Index(i))...)
		// A Service named twice would be one backend at HAProxy with two
		// weights (stricter than OKD, on purpose: see README).
		if key := [2]string{b.Name, b.Kind}; seen[key] {
			errs = append(errs, field.Duplicate(fld.Child("alternateBackends").Index(i), b.Name))
		} else {
			seen[key] = true
		}
	}
	if s.Port != nil {
		errs = append(errs, validatePort(s.Port.TargetPort, fld.Child("port", "targetPort"))...)
	}
	errs = append(errs, validateTLS(s.TLS, fld.Child("tls"))...)
	if HasHeaderActions(s.HTTPHeaders) && s.TLS != nil && s.TLS.Termination == routev1.TLSTerminationPassthrough {
		errs = append(errs, field.Invalid(fld.Child("httpHeaders"), "", "header actions are not permitted when tls termination is passthrough."))
	} else {
		errs = append(errs, validateHeaders(s.HTTPHeaders, fld.Child("httpHeaders"))...)
	}
	return errs
}

func validateHost(r *routev1.Route, fld *field.Path, checkLabels bool) field.ErrorList {
	host := r.Spec.Host
	if host == "" {
		return nil
	}
	if len(host) > validation.DNS1123SubdomainMaxLength {
		return field.ErrorList{field.TooLong(fld, "", validation.DNS1123SubdomainMaxLength)}
	}
	if msgs := validation.IsDNS1123Subdomain(host); len(msgs) > 0 {
		return field.ErrorList{field.Invalid(fld, host, "host must conform to DNS 1123 subdomain conventions: "+strings.Join(msgs, "; "))}
	}
	if !checkLabels || r.Annotations[names.AllowNonDNSCompliantHostAnnotation] == "true" {
		return nil
	}
	return hostLabelErrors(host, fld)
}

// hostLabelErrors checks that each dot-separated label of host is a DNS-1123
// label (at most 63 characters): DNS cannot resolve longer labels.
func hostLabelErrors(host string, fld *field.Path) field.ErrorList {
	if host == "" {
		return nil
	}
	for _, label := range strings.Split(host, ".") {
		if msgs := validation.IsDNS1123Label(label); len(msgs) > 0 {
			return field.ErrorList{field.Invalid(fld, host, fmt.Sprintf("label %q: %s (set the annotation %s: \"true\" to allow it)",
				label, strings.Join(msgs, "; "), names.AllowNonDNSCompliantHostAnnotation))}
		}
	}
	return nil
}

func validateSubdomain(sub string, fld *field.Path) field.ErrorList {
	if sub == "" {
		return nil
	}
	if len(sub) > validation.DNS1123SubdomainMaxLength {
		return field.ErrorList{field.TooLong(fld, "", validation.DNS1123SubdomainMaxLength)}
	}
	for _, label := range strings.Split(sub, ".") {
		if msgs := validation.IsDNS1123Label(label); len(msgs) > 0 {
			return field.ErrorList{field.Invalid(fld, sub, fmt.Sprintf("subdomain label %q: %s", label, strings.Join(msgs, "; ")))}
		}
	}
	return nil
}

func validateWildcardPolicy(s *routev1.RouteSpec, fld *field.Path) field.ErrorList {
	switch s.WildcardPolicy {
	case routev1.WildcardPolicyNone, "":
		return nil
	case routev1.WildcardPolicySubdomain:
		if s.Host == "" {
			return field.ErrorList{field.Invalid(fld, s.WildcardPolicy, "host name not specified for wildcard policy")}
		}
		return nil
	}
	return field.ErrorList{field.NotSupported(fld, s.WildcardPolicy,
		[]string{string(routev1.WildcardPolicyNone), string(routev1.WildcardPolicySubdomain)})}
}

// MaxPathLength bounds spec.path; request lines longer than this are rare
// and every path becomes a map key in each router.
const MaxPathLength = 2048

// pathPattern is an absolute URI path (RFC 3986 §3.3): unreserved and
// sub-delim characters, ':', '@', '/' and percent-encoded octets. Spaces,
// quotes, '#', '?', '\\' and control characters can never reach a router's
// map files or configuration through it.
var pathPattern = regexp.MustCompile(`^/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$`)

// PathProblem explains why p is not an acceptable route path, or returns "".
func PathProblem(p string) string {
	switch {
	case len(p) > MaxPathLength:
		return fmt.Sprintf("path must be at most %d characters", MaxPathLength)
	case !pathPattern.MatchString(p):
		return "path must be an absolute URI path: letters, digits, and -._~!$&'()*+,;=:@/ or %XX escapes (no spaces, quotes, '#', '?' or control characters)"
	}
	return ""
}

func validatePath(s *routev1.RouteSpec, fld *field.Path) field.ErrorList {
	if s.Path == "" {
		return nil
	}
	if !strings.HasPrefix(s.Path, "/") {
		return field.ErrorList{field.Invalid(fld, s.Path, "path must begin with /")}
	}
	if msg := PathProblem(s.Path); msg != "" {
		return field.ErrorList{field.Invalid(fld, s.Path, msg)}
	}
	if s.TLS != nil && s.TLS.Termination == routev1.TLSTerminationPassthrough {
		return field.ErrorList{field.Invalid(fld, s.Path, "passthrough termination does not support paths")}
	}
	return nil
}

func validateTarget(t routev1.RouteTargetReference, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if t.Name == "" {
		errs = append(errs, field.Required(fld.Child("name"), "the name of a Service is required"))
	}
	if t.Kind != "Service" {
		errs = append(errs, field.NotSupported(fld.Child("kind"), t.Kind, []string{"Service"}))
	}
	if t.Weight != nil && (*t.Weight < 0 || *t.Weight > maxWeight) {
		errs = append(errs, field.Invalid(fld.Child("weight"), *t.Weight, "weight must be an integer between 0 and 256"))
	}
	return errs
}

func validatePort(p intstr.IntOrString, fld *field.Path) field.ErrorList {
	if (p.Type == intstr.Int && p.IntVal == 0) || (p.Type == intstr.String && p.StrVal == "") {
		return field.ErrorList{field.Required(fld, "targetPort must not be 0 or empty: give a port name or a non-zero number")}
	}
	return nil
}

// HasHeaderActions tells whether h holds any action: OKD refuses actions,
// not an empty httpHeaders, on a passthrough route.
func HasHeaderActions(h *routev1.RouteHTTPHeaders) bool {
	return h != nil && len(h.Actions.Request)+len(h.Actions.Response) > 0
}
