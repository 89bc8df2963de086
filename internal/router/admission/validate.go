package admission

import (
	"strings"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
)

// specProblem runs the API's own validation on a defaulted copy of r whose
// host is the one the router will serve. A route stored while the webhook
// was absent (CRD-only installs) must still never put an invalid host,
// path, header or certificate field into HAProxy's files. It returns the
// OKD reason (InvalidHost for host problems) and a message, or "".
func specProblem(r *routev1.Route, host string) (reason, msg string) {
	c := r.DeepCopy()
	c.Spec.Host = host
	routeapi.Default(c)
	errs := routeapi.Validate(c)
	if len(errs) == 0 {
		return "", ""
	}
	reason = ReasonExtendedValidationFailed
	msgs := make([]string, 0, len(errs))
	for _, e := range errs {
		switch {
		case e.Field == "spec.host":
			reason = ReasonInvalidHost
			msgs = append(msgs, e.Error())
		case strings.HasPrefix(e.Field, "spec.tls"):
			// Certificates are long and sensitive: name the field, not the value.
			msgs = append(msgs, e.Field+": "+e.Detail)
		default:
			msgs = append(msgs, e.Error())
		}
	}
	return reason, strings.Join(msgs, "; ")
}
