package ingresscontroller

import (
	"bytes"
	"strings"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
)

// FieldsSupportedConditionType is present, False, while the spec sets
// fields of OKD's API that okd-ingress accepts but does not implement.
// It counts towards Degraded at once: the routers do not do all the
// spec asks.
const FieldsSupportedConditionType = "FieldsSupported"

// unimplemented lists the fields of s that are set but have no effect
// here, each with what that means for traffic. OKD's manifests must apply
// unchanged, so the API takes them; status and an event say that they
// do nothing, rather than leave an admin to find out from the traffic.
func unimplemented(s *operatorv1.IngressControllerSpec) []string {
	var out []string
	add := func(set bool, field string) {
		if set {
			out = append(out, field)
		}
	}
	add(s.ClientTLS != nil, "spec.clientTLS (client certificates are neither requested nor checked)")
	add(s.Logging != nil && s.Logging.Access != nil, "spec.logging.access (no access log is written)")
	add(s.HTTPErrorCodePages != nil && s.HTTPErrorCodePages.Name != "", "spec.httpErrorCodePages (the router's own error pages are served)")
	if h := s.HTTPHeaders; h != nil {
		add(h.UniqueId != nil && h.UniqueId.Name != "", "spec.httpHeaders.uniqueId (no request ID header is added)")
		add(len(h.HeaderNameCaseAdjustments) > 0, "spec.httpHeaders.headerNameCaseAdjustments (header names keep HAProxy's lower case)")
		add(h.Actions != nil && len(h.Actions.Request)+len(h.Actions.Response) > 0, "spec.httpHeaders.actions (no header is set or deleted)")
	}
	raw := bytes.TrimSpace(s.UnsupportedConfigOverrides.Raw)
	add(len(raw) > 0 && !bytes.Equal(raw, []byte("null")) && !bytes.Equal(raw, []byte("{}")), "spec.unsupportedConfigOverrides (ignored)")
	return out
}

// unimplementedCond is the FieldsSupported condition, for a spec with
// fields that do nothing.
func unimplementedCond(fields []string) cond {
	return cond{t: FieldsSupportedConditionType, reason: "FieldsNotImplemented",
		msg: "okd-ingress does not implement these fields, which have no effect: " + strings.Join(fields, "; ")}
}
