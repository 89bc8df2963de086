package admission

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
)

// specProblem runs the API's own validation on a defaulted copy of r whose
// host is the one the router will serve. A route stored while the webhook
// was absent (CRD-only installs) must still never put an invalid host,
// path, header or certificate field into HAProxy's files. It returns that
// defaulted copy (with spec.host as written), which is what the router must
// serve: what was validated, not the raw object (an empty termination with
// a destination CA is reencrypt, "Passthrough" is passthrough). It also
// returns the OKD reason (InvalidHost for host problems) and a message, or
// "", and whether the problem is in the host or path the route would claim:
// a route is refused for those before its claim, for the rest only after
// it, so that it keeps its host.
func specProblem(r *routev1.Route, host string) (defaulted *routev1.Route, reason, msg string, inClaim bool) {
	c := r.DeepCopy()
	if c.Spec.Host == "" {
		// spec.host is checked as written (the API rejects upper case);
		// a subdomain route is checked with the host it will get.
		c.Spec.Host = host
		defer func() { c.Spec.Host = "" }()
	}
	routeapi.Default(c)
	errs := append(routeapi.Validate(c), serviceNameErrors(c)...)
	if len(errs) == 0 {
		return c, "", "", false
	}
	reason = ReasonExtendedValidationFailed
	msgs := make([]string, 0, len(errs))
	for _, e := range errs {
		switch {
		case e.Field == "spec.host":
			reason, inClaim = ReasonInvalidHost, true
			msgs = append(msgs, e.Error())
		case strings.HasPrefix(e.Field, "spec.tls"):
			// Certificates are long and sensitive: name the field, not the value.
			msgs = append(msgs, e.Field+": "+e.Detail)
		case e.Field == "spec.path":
			inClaim = true
			msgs = append(msgs, e.Error())
		default:
			msgs = append(msgs, e.Error())
		}
	}
	return c, reason, strings.Join(msgs, "; "), inClaim
}

// serviceNameErrors rejects target names that cannot name a Service. The
// API only requires a name, but the router writes the name of spec.to into
// haproxy.cfg (verifyhost <name>.<namespace>.svc), so it must be a DNS label.
func serviceNameErrors(r *routev1.Route) field.ErrorList {
	var errs field.ErrorList
	check := func(name string, fld *field.Path) {
		if name == "" {
			return // routeapi.Validate reports it
		}
		if msgs := validation.IsDNS1123Label(name); len(msgs) > 0 {
			errs = append(errs, field.Invalid(fld, name, "must be the name of a Service: "+strings.Join(msgs, "; ")))
		}
	}
	check(r.Spec.To.Name, field.NewPath("spec", "to", "name"))
	for i, b := range r.Spec.AlternateBackends {
		check(b.Name, field.NewPath("spec", "alternateBackends").Index(i).Child("name"))
	}
	return errs
}
